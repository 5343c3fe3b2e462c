/*
 * The fuzz-cov executor: runs a batch of programs the host loop (tests/fuzzcov/loop.lua) writes
 * into its image and reports, for each call, its result and the kernel PCs it reached.
 *
 *   fuzzcov exec      read the programs of the batch section (one per line, the batch ends with
 *                     a line "E"), then run each in a process of its own
 *
 * Input (tokens separated by spaces; numbers in hex):
 *   P ID SEED                 a program: scratch filled from SEED
 *   C NR CHILD ARG...         one call: syscall number, what a forked child does (fc.h: its
 *                             action, and how many of the next calls it runs instead of the
 *                             parent), args
 *   G OFF LEN                 the call before must not change scratch + OFF .. + OFF + LEN (the
 *                             bytes just past an out buffer it was given)
 *   V I J MAX ES LEN          argument word I of the call before is a buffer whose capacity is
 *                             the u32 at argument word J (a value-result length, bytes[*LEN]):
 *                             *J elements of ES bytes, at most MAX; the call must not change
 *                             the LEN bytes just past them (read just before the call)
 *   E                         end of the batch
 * An ARG is a literal (`1f`), the result of call K (`rK`; `rK.R`: register R, in the fc_reg_*
 * order, that call K left: an extra result), scratch + OFF (`sOFF`), the end of the
 * heap - OFF (`hOFF`: a range there runs into an unmapped page), bytes written to scratch +
 * OFF followed by a NUL (`tOFF=HEXBYTES`, a string argument), or scratch + OFF holding the u32
 * V (`wOFF=V`: a value-result length and the capacity it gives).
 *
 * Output, one line per event (each written with one write):
 *   fc-start ID               the program's process is about to run it
 *   fc-call ID K RET PCS      call K returned RET; PCS: the kernel PCs it reached, sorted, in
 *                             hex, each but the first as the distance from the one before
 *                             ("-" when the kernel records no coverage); more PCS of the same
 *                             call follow on `fc-pcs ID K PCS` lines
 *   fc-end ID HOW             the program ended (HOW: "done", "killed", "exit N", "fault V")
 *   fc-vr ID K CAP LEN        call K's value-result length (a V line) held CAP before it and
 *                             LEN after it
 *   fc-guard ID K WHAT        call K changed the bytes past an out buffer (WHAT "buf": its G
 *                             line) or past the capacity of a value-result one ("cap": V)
 *   fc-leak ID WHY            the kernel's counters did not come back after it
 *   fc-orphan ID N            they did not, but N processes it or an earlier program started
 *                             outlived their parents (init's now, out of the executor's
 *                             reach): the counters are taken again
 *   fc-batch N                every program ran
 * Anything that is not one of the modes above exits at once: programs spawn this image too.
 */
#include "fc.h"

#define MAX_PROGRAMS 64
#define MAX_TOKENS 16

/* A value-result buffer of a call (a V line): argument words, bound, element size, guard. */
struct value_result {
    uint32_t buf, lenp, max, es, len;
};
#define MAX_VALUE_RESULTS 2

struct call {
    uint32_t nr, child, nargs;
    char *args[ABI_MAX_ARGS];
    uint32_t guard_off, guard_len; /* scratch the call must leave alone (guard_len 0: none) */
    uint32_t nvr;
    struct value_result vr[MAX_VALUE_RESULTS];
};

struct program {
    uint32_t id, seed, ncalls;
    struct call calls[FC_MAX_CALLS];
};

/* The batch: the host writes it into this section of a copy of the image (objcopy
 * --update-section .fcbatch=FILE, FC_BATCH_SIZE bytes, NUL-padded), so that a boot's input is part
 * of what it boots: nothing arrives late or gets lost on the way, and a replay is exact. The
 * image as built holds an empty batch. */
static char batch[FC_BATCH_SIZE] __attribute__((section(".fcbatch"), aligned(4096))) = "E\n";
static struct program programs[MAX_PROGRAMS];
static uint32_t program_count;
static uint32_t results[FC_MAX_CALLS][FC_NREGS];

static uint32_t hex(const char *s)
{
    uint32_t v = 0;
    for (; isxdigit((unsigned char)*s); s++)
        v = v * 16 + (uint32_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
    return v;
}

/* Splits line at spaces in place; returns the number of words. */
static uint32_t split(char *line, char **words, uint32_t max)
{
    uint32_t n = 0;
    while (*line && n < max) {
        while (*line == ' ')
            line++;
        if (!*line)
            break;
        words[n++] = line;
        while (*line && *line != ' ')
            line++;
        if (*line)
            *line++ = '\0';
    }
    return n;
}

/* Parses the batch (in place: the programs point into it). */
static int read_batch(void)
{
    batch[FC_BATCH_SIZE - 1] = '\0';
    for (char *line = batch, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (!next)
            return -1; /* cut off: no E line */
        *next++ = '\0';
        char *w[MAX_TOKENS];
        uint32_t k = split(line, w, MAX_TOKENS);
        if (k == 0)
            continue;
        if (!strcmp(w[0], "E"))
            return 0;
        if (!strcmp(w[0], "P") && k == 3 && program_count < MAX_PROGRAMS) {
            struct program *p = &programs[program_count++];
            p->id = hex(w[1]);
            p->seed = hex(w[2]);
            p->ncalls = 0;
        } else if (!strcmp(w[0], "C") && k >= 3 && program_count &&
                   programs[program_count - 1].ncalls < FC_MAX_CALLS) {
            struct program *p = &programs[program_count - 1];
            struct call *c = &p->calls[p->ncalls++];
            c->nr = hex(w[1]);
            c->child = hex(w[2]);
            c->nargs = k - 3 < ABI_MAX_ARGS ? k - 3 : ABI_MAX_ARGS;
            for (uint32_t i = 0; i < c->nargs; i++)
                c->args[i] = w[3 + i];
        } else if (!strcmp(w[0], "G") && k == 3 && program_count &&
                   programs[program_count - 1].ncalls) {
            struct program *p = &programs[program_count - 1];
            p->calls[p->ncalls - 1].guard_off = hex(w[1]);
            p->calls[p->ncalls - 1].guard_len = hex(w[2]);
        } else if (!strcmp(w[0], "V") && k == 6 && program_count &&
                   programs[program_count - 1].ncalls) {
            struct program *p = &programs[program_count - 1];
            struct call *c = &p->calls[p->ncalls - 1];
            if (c->nvr < MAX_VALUE_RESULTS)
                c->vr[c->nvr++] =
                    (struct value_result){hex(w[1]), hex(w[2]), hex(w[3]), hex(w[4]), hex(w[5])};
        } else {
            printf("fc-error bad input line starting %s\n", w[0]);
            return -1;
        }
    }
    return -1;
}

/* The value of an argument token, writing a string token's bytes into scratch. */
static uint32_t resolve(const char *a, uint32_t k)
{
    switch (a[0]) {
    case 'r': {
        uint32_t j = hex(a + 1);
        const char *dot = strchr(a, '.');
        uint32_t reg = dot ? hex(dot + 1) : fc_reg_eax;
        return j < k && reg < FC_NREGS ? results[j][reg] : 0;
    }
    case 's':
        return FC_SCR(hex(a + 1));
    case 'h':
        return FC_HEAP(hex(a + 1));
    case 't': {
        static uint8_t bytes[4096];
        uint32_t n = 0;
        const char *b = strchr(a, '=');
        for (b = b ? b + 1 : "";
             isxdigit((unsigned char)b[0]) && isxdigit((unsigned char)b[1]) && n < sizeof bytes;
             b += 2) {
            char two[3] = {b[0], b[1], 0};
            bytes[n++] = (uint8_t)hex(two);
        }
        return fc_put(hex(a + 1), bytes, n);
    }
    case 'w': {
        const char *v = strchr(a, '=');
        return fc_word(hex(a + 1), v ? hex(v + 1) : 0);
    }
    default:
        return hex(a);
    }
}

/* ---- coverage: syscall kcov when the kernel is a coverage build ---- */

static uint32_t pcs[4096];

/* 1 when the kernel records this process's coverage from now on. */
static int cov_enable(void)
{
#ifdef SYS_kcov
    return kcov(KCOV_ENABLE, pcs, sizeof pcs) >= 0;
#else
    return 0;
#endif
}

/* The PCs reached since the last collect, into pcs; how many. A recording holds more PCs than
 * pcs: the rest come with the next collect. A program may call kcov itself (it is fuzzed like
 * any syscall) and stop or restart the recording: then it starts again, for the next call. */
static uint32_t cov_collect(void)
{
#ifdef SYS_kcov
    int n = kcov(KCOV_COLLECT, pcs, sizeof pcs);
    if (n < 0)
        cov_enable();
    return n > 0 ? (uint32_t)n : 0;
#else
    return 0;
#endif
}

static void sort(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i], j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static char line[1200];

static void flush_line(int len)
{
    snprintf(line + len, sizeof line - (size_t)len, "\n");
    write_all(1, line, strlen(line));
}

/* fc-call ID K RET PCS: the result and the PCs collected since the previous call, sorted, the
 * first in full and the others as deltas; more of them follow on fc-pcs ID K PCS lines (each
 * line starts in full again), so that no line is long enough to be cut by a kernel message. */
static void report_call(uint32_t id, uint32_t k, uint32_t ret, int cov)
{
    int len = snprintf(line, sizeof line, "fc-call %x %x %x", id, k, ret);
    if (!cov) {
        flush_line(len + snprintf(line + len, sizeof line - (size_t)len, " -"));
        return;
    }
    uint32_t n = cov_collect();
    sort(pcs, n);
    uint32_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        if ((size_t)len + 12 > sizeof line) {
            flush_line(len);
            len = snprintf(line, sizeof line, "fc-pcs %x %x", id, k);
            prev = 0;
        }
        len += snprintf(line + len, sizeof line - (size_t)len, " %x", pcs[i] - prev);
        prev = pcs[i];
    }
    flush_line(len);
}

/* fc-vr ID K CAP LEN for each value-result length of call k that lies in scratch: the capacity
 * it gave (caps) and the size the kernel wrote back. */
static void report_value_results(uint32_t id, uint32_t k, const struct call *c,
                                 const uint32_t *args, const uint32_t *caps)
{
    for (uint32_t j = 0; j < c->nvr; j++) {
        uint32_t cell = c->vr[j].lenp < c->nargs ? args[c->vr[j].lenp] - (uint32_t)fc_scratch : ~0u;
        if (cell > FC_SCRATCH_SIZE - 4)
            continue;
        uint32_t after;
        memcpy(&after, fc_scratch + cell, 4);
        printf("fc-vr %x %x %x %x\n", id, k, caps[j], after);
    }
}

/* Calls from..to-1 of p, in this process. A fork's child runs the calls of its span (the parent
 * skips them), then ends; each process reports its own calls and records its own coverage. */
static void run_calls(const struct program *p, uint32_t from, uint32_t to, int cov)
{
    for (uint32_t k = from; k < to; k++) {
        const struct call *c = &p->calls[k];
        uint32_t args[ABI_MAX_ARGS];
        for (uint32_t i = 0; i < c->nargs; i++)
            args[i] = resolve(c->args[i], k);
        uint32_t end = k + 1 + FC_CHILD_SPAN(c->child);
        end = end < to ? end : to;
        fc_guard_clear();
        fc_guard_take(c->guard_off, c->guard_len);
        uint32_t caps[MAX_VALUE_RESULTS];
        for (uint32_t j = 0; j < c->nvr; j++) {
            const struct value_result *v = &c->vr[j];
            caps[j] =
                v->buf < c->nargs && v->lenp < c->nargs
                    ? fc_guard_value_result(args[v->buf], args[v->lenp], v->max, v->es, v->len)
                    : 0;
        }
        uint32_t ret = fc_trap(c->nr, args, c->nargs, results[k]);
        if (fc_new_process(ret)) {
            run_calls(p, k + 1, end, cov_enable());
            fc_child_exit(c->child);
        }
        report_call(p->id, k, ret, cov);
        report_value_results(p->id, k, c, args, caps);
        enum fc_guard_kind broken = fc_guard_broken();
        if (broken != FC_GUARD_NONE)
            printf("fc-guard %x %x %s\n", p->id, k, broken == FC_GUARD_CAP ? "cap" : "buf");
        k = end - 1;
    }
}

/* The program's process: its calls, then the end of every child it made. */
static void run(const void *arg)
{
    const struct program *p = arg;
    fc_setup(p->seed);
    run_calls(p, 0, p->ncalls, cov_enable());
    fc_end_children();
}

static void end_line(uint32_t id, const struct wait_info *info, int killed)
{
    if (killed)
        printf("fc-end %x killed\n", id);
    else if (info->cause == WAIT_EXITED && info->status == 0)
        printf("fc-end %x done\n", id);
    else if (info->cause == WAIT_EXITED)
        printf("fc-end %x exit %d\n", id, info->status);
    else if (info->cause == WAIT_FAULTED)
        printf("fc-end %x fault %u\n", id, info->vector);
    else
        printf("fc-end %x killed-by-itself\n", id);
}

/* Runs one program in a child, which is killed when it has not ended by the deadline, then
 * checks that the kernel's counters came back. */
static void execute(const struct program *p, struct kstat *base)
{
    uint32_t before = fc_orphans(getppid(), getpid());
    printf("fc-start %x\n", p->id);
    struct wait_info info;
    int killed = fc_run(run, p, &info);
    if (killed < 0) {
        printf("fc-end %x nofork\n", p->id);
        return;
    }
    end_line(p->id, &info, killed);
    char why[160];
    if (fc_counters_back(base, why, sizeof why))
        return;
    uint32_t orphans = fc_orphans(getppid(), getpid());
    if (orphans || before) { /* an orphan of this or an earlier program may have ended since */
        printf("fc-orphan %x %u\n", p->id, orphans);
        kstat(base);
    } else {
        printf("fc-leak %x %s\n", p->id, why);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2 || strcmp(argv[1], "exec"))
        return 2;
    if (read_batch() < 0) {
        printf("fc-error the batch did not end with E\n");
        return 1;
    }
    struct kstat base;
    kstat(&base);
    for (uint32_t i = 0; i < program_count; i++)
        execute(&programs[i], &base);
    printf("fc-batch %u\n", program_count);
    return 0;
}
