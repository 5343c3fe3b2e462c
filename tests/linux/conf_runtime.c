/*
 * /init of the real-kernel conformance boot: runs the conformance cases generated from
 * abi/linux-i386.def (build/gen-linux-i386/conformance/, by gen/out_conformance.lua) on Debian's
 * 686 Linux kernel, which is the judge. Built only on the generated Linux wrappers: no C library,
 * our own _start (start.asm). Prints one `ok NAME` / `FAIL NAME: why` line per case on the serial
 * console, then `conformance: N generated cases, F failed, S skipped` and restarts the machine
 * (QEMU runs with -no-reboot, so it exits). tests/linux/suite.lua boots it and judges the log.
 *
 * Each case runs in a forked child, so a call's side effects (a closed descriptor, a new session,
 * a seccomp filter) stay there; the child reports its result in a shared page. A call that
 * blocks is interrupted by SIGALRM after CASE_TIMER_US (no SA_RESTART: it returns EINTR), which
 * counts as getting past the entry for CONF_ACCEPTED cases and is reported otherwise.
 *
 * A fork per case was most of the boot's time, so the cases that pass by failing (an expected
 * error: a bad pointer, a length over the limit) share one child in batches, before the others: the
 * child runs them in order and stops after the first that does not fail as it must, a call that
 * failed as it must having changed nothing. Each case that did is judged as if alone; the first
 * that did not (or the one the child died in) runs again in a child of its own, whose verdict is
 * the one printed, and the batch goes on in a new child after it. So a batch can only pass what a
 * child of its own would pass, and every failure is a fresh child's.
 *
 * Default arguments: fd 0 is a regular file opened read-write with DATA_SIZE bytes in it
 * (restored before every case), so reads and writes through the default descriptor reach the
 * buffer; 1 and 2 are the console.
 */
#include <stddef.h>

#include "conformance.h"
#include "mem.h"

#define PAGE 4096u
#define DATA_SIZE 4096u
#define CASE_TIMER_US 200000 /* a blocked call gets SIGALRM after this */
#define PARENT_TIMEOUT_S 5   /* a child that ignores even that is killed */
#define BATCH_MAX 128        /* cases per shared child: their reports fill half the page */
#define COMPONENT_MAX 127    /* limit strings are paths of components no longer than NAME_MAX */

/*
 * Where Linux answers differently for a reason the language cannot yet express, the case stays
 * and checks exactly what Linux does, with the reason (each one is in abi/README.md, "Linux
 * i386", with the language-v2 kind that would let the .def say it). SKIP: the case cannot run
 * in a child of this runtime at all; it is listed, not run, and counted as skipped. LETHAL: the
 * default arguments make a call that kills its caller with signal `answer` soon after it
 * returns; the case passes when that signal came, or when the case's own check passed first.
 */
enum { ANSWER, SKIP, LETHAL };
static const struct {
    const char *name;
    int kind;
    int32_t answer;
    const char *why;
} known[] = {
    {"conf_vfork_regs", SKIP, 0,
     "vfork's child runs on the caller's stack until it exits: a stack-sharing return "
     "(language v2), which the returns_twice check would corrupt"},
    {"conf_sigreturn_regs", SKIP, 0,
     "sigreturn loads every register from a signal frame at esp: a stack-switching return "
     "(language v2)"},
    {"conf_rt_sigreturn_regs", SKIP, 0,
     "rt_sigreturn loads every register from an rt signal frame at esp: a stack-switching "
     "return (language v2)"},
    {"conf_setrlimit_regs", LETHAL, SIGKILL,
     "setrlimit(RLIMIT_CPU, {0, 0}) (resource 0, a zeroed rlimit) leaves no CPU time: the "
     "kernel kills the caller at its next tick (an enum resource argument, language v2)"},
    {"conf_add_key_type_at_limit", ANSWER, -EINVAL,
     "the 31-byte type gets through, then keyring 0 is EINVAL, the same error as a type too long: "
     "a keyring id is a resource (language v2)"},
    {"conf_acct_path_null", ANSWER, 0,
     "acct(NULL) switches accounting off (path is optional: checked to succeed, not only to pass "
     "the entry)"},
    {"conf_futimesat_path_null", ANSWER, 0,
     "a NULL path names dirfd itself: an optional string (language v2)"},
    {"conf_sched_setparam_param_null", ANSWER, -EINVAL,
     "a NULL param is EINVAL before any copy: an error declared for NULL (language v2)"},
    {"conf_sched_getparam_param_null", ANSWER, -EINVAL,
     "a NULL param is EINVAL before any copy: an error declared for NULL (language v2)"},
    {"conf_sched_setscheduler_param_null", ANSWER, -EINVAL,
     "a NULL param is EINVAL before any copy: an error declared for NULL (language v2)"},
    {"conf_sched_setaffinity_mask_partly_mapped", ANSWER, -EINVAL,
     "only cpumask_size() (4) bytes are read, all from the mapped half, and 'xxxx' names no "
     "online CPU: a length the kernel derives (language v2)"},
    {"conf_capget_hdrp_partly_mapped", ANSWER, 0,
     "only the version field is read (from the mapped half); an unknown one is overwritten "
     "with the kernel's, which with datap NULL is a successful probe: field-wise access "
     "(language v2)"},
#define FUTEX_ALIGN_WHY                                                                            \
    "a futex word must be 4-aligned, and one that wraps or straddles a page is not: EINVAL "       \
    "before the word is read (an alignment requirement, language v2)"
    {"conf_futex_uaddr_wrap", ANSWER, -EINVAL, FUTEX_ALIGN_WHY},
    {"conf_futex_uaddr_partly_mapped", ANSWER, -EINVAL, FUTEX_ALIGN_WHY},
    {"conf_futex_time64_uaddr_wrap", ANSWER, -EINVAL, FUTEX_ALIGN_WHY},
    {"conf_futex_time64_uaddr_partly_mapped", ANSWER, -EINVAL, FUTEX_ALIGN_WHY},
    {"conf_timer_settime_new_value_null", ANSWER, -EINVAL,
     "a NULL new_value is EINVAL before any copy: an error declared for NULL (language v2)"},
    {"conf_timer_settime64_new_value_null", ANSWER, -EINVAL,
     "a NULL new_value is EINVAL before any copy: an error declared for NULL (language v2)"},
#define NOT_A_LINK(call)                                                                           \
    {"conf_" call "_buf_null", ANSWER, -EINVAL, LINK_WHY},                                         \
        {"conf_" call "_buf_kernel", ANSWER, -EINVAL, LINK_WHY},                                   \
        {"conf_" call "_buf_unmapped", ANSWER, -EINVAL, LINK_WHY},                                 \
        {"conf_" call "_buf_wrap", ANSWER, -EINVAL, LINK_WHY},                                     \
    {                                                                                              \
        "conf_" call "_buf_partly_mapped", ANSWER, -EINVAL, LINK_WHY                               \
    }
#define LINK_WHY                                                                                   \
    "buf is written only through a symbolic link, and the valid path \"/\" is none: a "            \
    "symlink resource (language v2)"
    NOT_A_LINK("readlink"),
    NOT_A_LINK("readlinkat"),
};

static int str_eq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* A line is built in one buffer and written with one write, so lines never interleave. */
struct line {
    char buf[512];
    size_t n;
};

static void add(struct line *l, const char *s)
{
    while (*s && l->n < sizeof l->buf - 2)
        l->buf[l->n++] = *s++;
}

static void add_dec(struct line *l, int32_t v)
{
    char digits[12];
    int i = 0;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do {
        digits[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        add(l, "-");
    char one[2] = {0, 0};
    while (i) {
        one[0] = digits[--i];
        add(l, one);
    }
}

static void add_result(struct line *l, int32_t r)
{
    const char *name = conf_error_name(r);
    if (name[0]) {
        add(l, "-");
        add(l, name);
        add(l, " (");
        add_dec(l, r);
        add(l, ")");
    } else {
        add_dec(l, r);
    }
}

static void emit(struct line *l)
{
    l->buf[l->n++] = '\n';
    linux_write(1, l->buf, l->n);
    l->n = 0;
}

static void say(const char *s)
{
    struct line l = {.n = 0};
    add(&l, s);
    emit(&l);
}

/* What a child reports through the shared page. */
struct report {
    volatile int32_t done;
    volatile int32_t result;
    volatile int32_t eax; /* a register case's trap result (its result is the register mask) */
    volatile int32_t interrupted;
};

static struct report *reports;       /* the shared page: one report per case of a batch */
static struct report *shared;        /* the report of the case being judged */
static const char *line_prefix = ""; /* "selftest: " while the judge tests itself */
static volatile int32_t alarm_rang;
static uint32_t edge; /* the first byte of an unmapped page whose predecessor is full of 'x' */
static char data[DATA_SIZE];
static char string[8192];

static void on_alarm(int sig)
{
    (void)sig;
    alarm_rang = 1;
}

static int32_t arm_timer(uint32_t sec, uint32_t usec)
{
    struct itimerval t;
    memset(&t, 0, sizeof t);
    t.it_value.tv_sec = (int32_t)sec;
    t.it_value.tv_usec = (int32_t)usec;
    return linux_setitimer(ITIMER_REAL, &t, 0);
}

/* A path of span bytes made of components of at most COMPONENT_MAX 'a's: Linux bounds a path by
 * PATH_MAX and each component by NAME_MAX (255), so one 4095-byte name would be refused for the
 * second bound, which str[PATH_MAX] does not describe. */
static uint32_t limit_string(uint32_t span)
{
    if (span + 1 > sizeof string)
        return 0;
    for (uint32_t i = 0; i < span; i++)
        string[i] = (i + 1) % (COMPONENT_MAX + 1) == 0 ? '/' : 'a';
    string[span] = '\0';
    return (uint32_t)string;
}

static uint32_t case_arg(const struct conf_case *c)
{
    switch (c->arg) {
    case CONF_NULL:
        return 0;
    case CONF_KERNEL:
        return conf_kernel_addr;
    case CONF_UNMAPPED:
        return edge;
    case CONF_WRAP:
        return 0u - c->span / 2;
    case CONF_STRADDLE:
        return edge - c->span / 2;
    case CONF_STRING:
        return limit_string(c->span);
    default:
        return c->span;
    }
}

/* In the new process of a returns_twice syscall (eax 0) exit with the register mask (it fits
 * in the 8 bits of an exit status: eax is not compared there); in the caller wait for it. */
int32_t conf_second_return(uint32_t mask, int32_t eax)
{
    if (eax == 0)
        linux_exit((int32_t)(mask & 0xFF));
    if (eax < 0)
        return (int32_t)(mask | CONF_SECOND_FAILED);
    int32_t status = 0;
    /* WALL: clone with flags 0 makes a child whose exit signal is none, not SIGCHLD. */
    if (linux_wait4(eax, (uintptr_t)&status, WALL, 0) != eax || (status & 0x7F) != 0)
        return (int32_t)(mask | CONF_SECOND_FAILED);
    return (int32_t)(mask | ((uint32_t)status >> 8 & 0xFF) << 16);
}

/* abi/linux-i386.def declares no lifecycle errors: a case that asks for such a value is a
 * definition this runtime does not know how to judge. */
uint32_t conf_resource(const char *resource, int which)
{
    struct line l = {.n = 0};
    add(&l, "conformance: the runtime cannot make a ");
    add(&l, which == CONF_REAPED ? "reaped " : "foreign ");
    add(&l, resource);
    add(&l, " (tests/linux/conf_runtime.c)");
    emit(&l);
    linux_exit(0);
}

static _Noreturn void child(const struct conf_case *c)
{
    arm_timer(0, CASE_TIMER_US);
    int32_t r = conf_run(c, case_arg(c));
    shared->result = r;
    shared->eax = conf_result;
    shared->interrupted = alarm_rang;
    shared->done = 1;
    linux_exit(0); /* exit, not exit_group: the only exit seccomp's strict mode allows */
}

/* fd 0 back to DATA_SIZE bytes of data at offset 0. */
static void reset_fd0(void)
{
    linux_lseek(0, 0, SEEK_SET);
    linux_write(0, data, DATA_SIZE);
    linux_lseek(0, 0, SEEK_SET);
}

/* The known[] entry of a case, or -1. */
static int known_index(const char *name)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (str_eq(known[i].name, name))
            return (int)i;
    return -1;
}

static void add_mask(struct line *l, uint32_t mask)
{
    for (int i = 0; i < conf_reg_count; i++)
        if (mask & (1u << i)) {
            add(l, " ");
            add(l, conf_reg_names[i]);
        }
}

/* The call's answer is an error the .def does not declare for it (EINTR is this runtime's
 * SIGALRM when the call blocked). */
static int undeclared(const struct conf_case *c, int32_t answer, int interrupted)
{
    const int32_t *errors = conf_errors(c);
    if (!errors || answer < -4095 || answer > -1 || (interrupted && answer == -EINTR))
        return 0;
    for (const int32_t *e = errors; *e; e++)
        if (*e == answer)
            return 0;
    return 1;
}

static int judge_case(const struct conf_case *c, int k, int32_t status, struct line *l);

/* Judges what the child reported: the case's own expectation (or a known Linux answer, k >= 0),
 * then that the answer is an error the call declares. Fills l with the reason and returns 0 on
 * failure. */
static int judge(const struct conf_case *c, int k, int32_t status, struct line *l)
{
    if (!judge_case(c, k, status, l))
        return 0;
    if (!shared->done || c->expect == CONF_NORETURN)
        return 1;
    int32_t answer = c->expect == CONF_REGS ? shared->eax : shared->result;
    if (!undeclared(c, answer, shared->interrupted))
        return 1;
    l->n = 0;
    add(l, conf_what(c));
    add(l, ": answered ");
    add_result(l, answer);
    add(l, ", which is not among the errors the .def declares for this syscall");
    return 0;
}

static int judge_case(const struct conf_case *c, int k, int32_t status, struct line *l)
{
    int sig = status & 0x7F;
    add(l, conf_what(c));
    add(l, ": ");
    if (k >= 0 && known[k].kind == LETHAL) {
        if (sig == known[k].answer)
            return 1;
        k = -1; /* the signal did not come (yet): the case's own check decides */
    }
    if (sig != 0) {
        add(l, "the caller was killed by signal ");
        add_dec(l, sig);
        return 0;
    }
    if (!shared->done) {
        if (c->expect == CONF_NORETURN)
            return 1; /* it ended by itself, without a fault */
        add(l, "the child exited (status ");
        add_dec(l, status >> 8 & 0xFF);
        add(l, ") without a result");
        return 0;
    }
    int32_t r = shared->result;
    int blocked = shared->interrupted;
    if (k >= 0) {
        if (r == known[k].answer && !blocked)
            return 1;
        add(l, "got ");
        add_result(l, r);
        add(l, ", but Linux is known to answer ");
        add_result(l, known[k].answer);
        add(l, " (");
        add(l, known[k].why);
        add(l, ")");
        return 0;
    }
    switch (c->expect) {
    case CONF_NORETURN:
        add(l, "the trap returned");
        return 0;
    case CONF_ACCEPTED:
        if (blocked || (r != c->want && r != c->want2))
            return 1;
        add(l, "refused with ");
        add_result(l, r);
        return 0;
    case CONF_REGS: {
        uint32_t mask = (uint32_t)r;
        if (mask == 0)
            return 1;
        if (mask & 0xFFFF) {
            add(l, "changed");
            add_mask(l, mask & 0xFFFF);
        }
        if (mask >> 16 & 0x3FFF) {
            add(l, " changed in the second return");
            add_mask(l, mask >> 16 & 0x3FFF);
        }
        if (mask & CONF_SECOND_FAILED)
            add(l, " no clean second return");
        return 0;
    }
    case CONF_PARTIAL:
        if (r == c->want || (r >= 0 && r < c->want2))
            return 1;
        break;
    default:
        if (r == c->want)
            return 1;
        break;
    }
    add(l, "got ");
    add_result(l, r);
    add(l, ", want ");
    add_result(l, c->want);
    if (c->expect == CONF_PARTIAL) {
        add(l, " or a short count below ");
        add_dec(l, c->want2);
    }
    if (blocked)
        add(l, " (it blocked until SIGALRM)");
    return 0;
}

static void print_case(const struct conf_case *c, int k, int ok, struct line *l);

static int children_alone, children_batched; /* forks, for the closing line */

/* Runs one case in a child and prints its line; returns 1 when it passed. */
static int run_case(const struct conf_case *c, int k)
{
    struct line l = {.n = 0};
    children_alone++;
    reset_fd0();
    shared = reports;
    shared->done = 0;
    shared->interrupted = 0;
    int32_t pid = linux_fork();
    if (pid == 0)
        child(c);
    int ok = 0;
    if (pid < 0) {
        add(&l, "fork failed: ");
        add_result(&l, pid);
    } else {
        int32_t status = 0;
        arm_timer(PARENT_TIMEOUT_S, 0);
        int32_t r = linux_wait4(pid, (uintptr_t)&status, 0, 0);
        arm_timer(0, 0);
        if (r != pid || (status & 0xFF) == 0x7F) { /* hung, or stopped (a ptrace case) */
            linux_kill(pid, SIGKILL);
            linux_wait4(pid, (uintptr_t)&status, 0, 0);
            add(&l, conf_what(c));
            add(&l, ": still running after the parent's timeout");
        } else {
            ok = judge(c, k, status, &l);
        }
    }
    print_case(c, k, ok, &l);
    return ok;
}

/* The case's line: ok or FAIL with l's reason, and what the pass rests on. */
static void print_case(const struct conf_case *c, int k, int ok, struct line *l)
{
    struct line out = {.n = 0};
    add(&out, line_prefix);
    add(&out, ok ? "ok " : "FAIL ");
    add(&out, c->name);
    if (!ok) {
        add(&out, ": ");
        l->buf[l->n] = '\0';
        add(&out, l->buf);
    } else if (c->expect == CONF_PARTIAL && shared->result >= 0) {
        add(&out, " # a short count: ");
        add_dec(&out, shared->result);
        add(&out, " of ");
        add_dec(&out, c->want2);
        add(&out, " bytes moved before the unmapped page");
    } else if (k >= 0 && known[k].kind == LETHAL) {
        add(&out, " # ");
        add(&out, known[k].why);
    } else if (k >= 0) {
        add(&out, " # Linux answers ");
        add_result(&out, known[k].answer);
        add(&out, ": ");
        add(&out, known[k].why);
    }
    emit(&out);
}

/* A case that may share a child: one that passes by failing (an error it expects: a bad pointer,
 * a length over its limit, a number no syscall owns), that is not one of known[]'s, whose call
 * neither ends the caller nor returns twice, and that needs no resource made in its child.
 * (Register cases call with default arguments, which often succeed: alone, they cost less.) */
static int batchable(const struct conf_case *c, int k)
{
    const uint8_t flags = conf_syscalls[c->sc].flags;
    const int fails = (c->expect == CONF_EQ || c->expect == CONF_PARTIAL) && c->want < 0;
    return k < 0 && fails && !c->resource && !(flags & (CONF_SC_NORETURN | CONF_SC_RETURNS_TWICE));
}

/* The case passed by failing as it must (exactly its error), not by the runtime's SIGALRM: so it
 * changed nothing, and its child is still as good as a fresh one. */
static int as_expected(const struct conf_case *c, const struct report *r)
{
    return r->done && !r->interrupted && r->result == c->want;
}

/* The child of a batch: each case with fd 0 reset and its own timer, until one does not pass by
 * failing (after that one, the child's state is no longer a fresh child's). */
static _Noreturn void batch_child(const struct conf_case *const *list, int n)
{
    for (int i = 0; i < n; i++) {
        struct report *r = &reports[i];
        reset_fd0();
        alarm_rang = 0;
        arm_timer(0, CASE_TIMER_US);
        r->result = conf_run(list[i], case_arg(list[i]));
        r->eax = conf_result;
        r->interrupted = alarm_rang;
        r->done = 1;
        if (!as_expected(list[i], r))
            break;
    }
    linux_exit(0);
}

/* One child for the n cases, until it ends (or is killed after the parent's timeout). */
static void batch_once(const struct conf_case *const *list, int n)
{
    for (int i = 0; i < n; i++)
        reports[i].done = 0;
    children_batched++;
    int32_t pid = linux_fork();
    if (pid == 0)
        batch_child(list, n);
    if (pid < 0)
        return; /* no report is done: run_batch runs the first case alone, which says why */
    int32_t status = 0;
    arm_timer(PARENT_TIMEOUT_S, 0);
    int32_t r = linux_wait4(pid, (uintptr_t)&status, 0, 0);
    arm_timer(0, 0);
    if (r != pid || (status & 0xFF) == 0x7F) {
        linux_kill(pid, SIGKILL);
        linux_wait4(pid, (uintptr_t)&status, 0, 0);
    }
}

/* Runs n batchable cases (at most BATCH_MAX) and prints their lines in order; returns how many
 * failed. */
static int run_batch(const struct conf_case *const *list, int n)
{
    int failed = 0;
    while (n > 0) {
        batch_once(list, n);
        int done = 0;
        while (done < n && as_expected(list[done], &reports[done])) {
            struct line l = {.n = 0};
            shared = &reports[done];
            if (!judge(list[done], -1, 0, &l))
                break;
            print_case(list[done], -1, 1, &l);
            done++;
        }
        if (done < n) /* the first that did not pass in the batch: alone, in a child of its own */
            failed += !run_case(list[done++], -1);
        list += done;
        n -= done;
    }
    return failed;
}

static int setup(void)
{
    struct old_sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = (uintptr_t)on_alarm; /* no SA_RESTART: a blocked call returns EINTR */
    if (linux_sigaction(SIGALRM, &sa, 0) != 0)
        return -1;
    uint32_t page = linux_mmap2(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page >= 0xFFFFF001u)
        return -2;
    reports = (struct report *)page;
    shared = reports;
    uint32_t two =
        linux_mmap2(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two >= 0xFFFFF001u || linux_munmap(two + PAGE, PAGE) != 0)
        return -3;
    memset((void *)two, 'x', PAGE); /* an unterminated string up to the edge */
    edge = two + PAGE;
    for (uint32_t i = 0; i < DATA_SIZE; i++)
        data[i] = (char)('a' + i % 26);
    /* getrandom blocks, before it looks at its buffer, until the kernel's random pool is ready:
     * wait for that once here, so the cases see the pointer checks. */
    char seed;
    if (linux_getrandom(&seed, 1, 0) != 1)
        return -5;
    int32_t fd = linux_open("/conf-data", O_CREAT | O_RDWR, 0600);
    if (fd < 0 || linux_dup2(fd, 0) != 0)
        return -4;
    linux_close(fd);
    return 0;
}

/* Every known[] entry names a generated case: a renamed syscall or argument must not leave an
 * entry behind that silently matches nothing. */
static int known_cases_exist(void)
{
    int ok = 1;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        int found = 0;
        for (int i = 0; i < conf_case_count && !found; i++)
            found = str_eq(conf_cases[i].name, known[k].name);
        if (!found) {
            struct line l = {.n = 0};
            add(&l, "FAIL linux_conformance_known_cases: ");
            add(&l, known[k].name);
            add(&l, " is no generated case");
            emit(&l);
            ok = 0;
        }
    }
    return ok;
}

/* The judge must be able to fail: after the cases, the first CONF_EQ case runs again as
 * generated (it must pass) and with a wrong expected answer (it must fail), its lines prefixed
 * with "selftest: " and counted apart. */
static void selftest(void)
{
    int i = 0;
    while (i < conf_case_count && conf_cases[i].expect != CONF_EQ)
        i++;
    if (i == conf_case_count)
        return;
    struct conf_case wrong = conf_cases[i];
    wrong.want = wrong.want == -EPERM ? -EIO : -EPERM;
    line_prefix = "selftest: ";
    /* In one batch when the case may share a child: the batch must pass it and not its twin. */
    const struct conf_case *both[2] = {&conf_cases[i], &wrong};
    int failed = batchable(both[0], -1) ? run_batch(both, 2)
                                        : !run_case(both[0], -1) + !run_case(both[1], -1);
    line_prefix = "";
    struct line l = {.n = 0};
    add(&l, "selftest: 2 cases, ");
    add_dec(&l, failed);
    add(&l, " failed");
    emit(&l);
}

int test_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    struct utsname u;
    struct line l = {.n = 0};
    if (linux_uname(&u) == 0) {
        add(&l, "linux-conformance: ");
        add(&l, u.sysname);
        add(&l, " ");
        add(&l, u.release);
        add(&l, " ");
        add(&l, u.machine);
        emit(&l);
    }
    int32_t err = setup();
    struct timespec t0, t1;
    linux_clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = 0, skips = 0;
    if (err != 0) {
        add(&l, "FAIL linux_conformance_setup: step ");
        add_dec(&l, -err);
        emit(&l);
        failed = 1;
    } else if (!known_cases_exist()) {
        failed = 1;
    } else {
        /* The batchable cases first, BATCH_MAX to a child (the order of the lines is no part of
         * the result), then the others, each alone. */
        const struct conf_case *batch[BATCH_MAX];
        int queued = 0;
        for (int i = 0; i < conf_case_count; i++) {
            const struct conf_case *c = &conf_cases[i];
            if (!batchable(c, known_index(c->name)))
                continue;
            batch[queued++] = c;
            if (queued == BATCH_MAX) {
                failed += run_batch(batch, queued);
                queued = 0;
            }
        }
        if (queued)
            failed += run_batch(batch, queued);
        for (int i = 0; i < conf_case_count; i++) {
            const struct conf_case *c = &conf_cases[i];
            int k = known_index(c->name);
            if (batchable(c, k)) {
                continue;
            } else if (k >= 0 && known[k].kind == SKIP) {
                add(&l, "# skip ");
                add(&l, c->name);
                add(&l, ": ");
                add(&l, known[k].why);
                emit(&l);
                skips++;
            } else if (!run_case(c, k)) {
                failed++;
            }
        }
    }
    add(&l, "conformance: ");
    add_dec(&l, conf_case_count);
    add(&l, " generated cases, ");
    add_dec(&l, failed);
    add(&l, " failed, ");
    add_dec(&l, skips);
    add(&l, " skipped");
    emit(&l);
    linux_clock_gettime(CLOCK_MONOTONIC, &t1);
    if (err == 0)
        selftest();
    add(&l, "linux-conformance: the cases took ");
    add_dec(&l, (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    add(&l, " ms, after a boot of ");
    add_dec(&l, t0.tv_sec * 1000 + t0.tv_nsec / 1000000);
    add(&l, " ms; ");
    add_dec(&l, children_batched);
    add(&l, " children ran batches of cases, ");
    add_dec(&l, children_alone);
    add(&l, " one case each");
    emit(&l);
    say("linux-conformance: done");
    linux_sync();
    linux_reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, 0);
    return 1; /* not reached: start.asm would end init, and the kernel would panic */
}
