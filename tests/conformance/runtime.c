/*
 * Runtime of the generated ABI conformance cases (build/gen/conformance/, from
 * gen/out_conformance.lua; conf_run.c makes each call). Each case runs in a forked child, so a
 * call with side effects, one that kills its caller or one that wrongly blocks cannot disturb the
 * next; the parent judges the child's exit status and prints one gtest-style line per case. A
 * last case checks that the kernel came through all of them without leaking.
 */
#include "conformance.h"
#include "libsys.h"

#define PAGE 4096u
#define CHILD_TIMEOUT_MS 2000u
#define PLAN_LINE_MAX 900

/* The first page above the heap: unmapped, with a mapped page full of 'x' below it. The parent
 * never moves its break afterwards, so every child inherits the same boundary. */
static uint32_t edge;

static int setup_edge(void)
{
    uint32_t brk = (uint32_t)sbrk(0);
    edge = (brk + 2 * PAGE - 1) & ~(PAGE - 1);
    if ((uint32_t)sbrk((int32_t)(edge - brk)) != brk)
        return -1;
    memset((void *)(edge - PAGE), 'x', PAGE); /* an unterminated string up to the edge */
    return 0;
}

/* The argument a case's run function gets (called in the child). */
static uint32_t case_arg(const struct conf_case *c)
{
    switch (c->arg) {
    case CONF_NULL:
        return 0;
    case CONF_KERNEL:
        return conf_kernel_addr;
    case CONF_UNMAPPED:
        return edge + 16 * PAGE;
    case CONF_WRAP:
        return 0u - c->span / 2;
    case CONF_STRADDLE:
        return edge - c->span / 2;
    case CONF_STRING: {
        char *s = (char *)sbrk((int32_t)c->span + 1);
        if ((uint32_t)s >= (uint32_t)-ABI_ERRNO_MAX)
            exit(-ENOMEM);
        memset(s, 'a', c->span);
        s[c->span] = '\0';
        return (uint32_t)s;
    }
    default:
        return c->span;
    }
}

/* Runs c in a child. Returns 1 when it ended (info filled), 0 when it was still running after
 * CHILD_TIMEOUT_MS (it is killed), -1 when no child could be made. */
static int run_child(const struct conf_case *c, struct wait_info *info)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(conf_run(c, case_arg(c)));
    if (pid < 0)
        return -1;
    uint32_t start = uptime_ms();
    for (;;) {
        int32_t r = waitpid(pid, info, WNOHANG);
        if (r == pid)
            return 1;
        if (r != -EAGAIN || uptime_ms() - start > CHILD_TIMEOUT_MS)
            break;
        sleep_ms(1);
    }
    kill(pid);
    waitpid(pid, info, 0);
    return 0;
}

static int describe_result(char *buf, size_t cap, int32_t r)
{
    const char *name = conf_error_name(r);
    return name[0] ? snprintf(buf, cap, "-%s (%ld)", name, (long)r)
                   : snprintf(buf, cap, "%ld", (long)r);
}

static int describe_mask(char *buf, size_t cap, uint32_t mask)
{
    int n = 0;
    for (int i = 0; i < conf_reg_count; i++)
        if (mask & (1u << i))
            n += snprintf(buf + n, cap - (size_t)n, " %s", conf_reg_names[i]);
    return n;
}

/* Judges a finished or timed-out case; fills why and returns 0 on failure. */
static int judge(const struct conf_case *c, int ended, const struct wait_info *info, char *why,
                 size_t cap)
{
    char got[48], want[48];
    if (ended < 0) {
        snprintf(why, cap, "fork failed");
        return 0;
    }
    if (ended && info->cause == WAIT_FAULTED) {
        snprintf(why, cap, "%s: the caller was killed by %s (vector %lu) at eip=%#lx", conf_what(c),
                 exception_name(info->vector), (unsigned long)info->vector,
                 (unsigned long)info->eip);
        return 0;
    }
    if (!ended) {
        if (c->expect == CONF_ACCEPTED)
            return 1; /* blocked inside the handler: the entry checks let it through */
        snprintf(why, cap, "%s: still blocked after %u ms", conf_what(c), CHILD_TIMEOUT_MS);
        return 0;
    }
    int32_t r = info->status;
    describe_result(got, sizeof got, r);
    switch (c->expect) {
    case CONF_EQ:
    case CONF_PARTIAL: /* layercake checks a whole range at the entry: never a short count */
        if (r == c->want)
            return 1;
        describe_result(want, sizeof want, c->want);
        snprintf(why, cap, "%s: got %s, want %s", conf_what(c), got, want);
        return 0;
    case CONF_ACCEPTED:
        if (r != c->want && r != c->want2)
            return 1;
        snprintf(why, cap, "%s: refused at the entry with %s", conf_what(c), got);
        return 0;
    case CONF_NORETURN:
        if (info->cause == WAIT_EXITED && r != CONF_RETURNED)
            return 1;
        snprintf(why, cap, "%s: %s", conf_what(c),
                 r == CONF_RETURNED ? "the trap returned" : "the child did not exit");
        return 0;
    default: { /* CONF_REGS */
        uint32_t mask = (uint32_t)r;
        if (mask == 0)
            return 1;
        int n = snprintf(why, cap, "%s:", conf_what(c));
        if (mask & 0xFFFF) {
            n += snprintf(why + n, cap - (size_t)n, " changed");
            n += describe_mask(why + n, cap - (size_t)n, mask & 0xFFFF);
        }
        if (mask >> 16 & 0x3FFF) {
            n += snprintf(why + n, cap - (size_t)n, " changed in the second return");
            n += describe_mask(why + n, cap - (size_t)n, mask >> 16 & 0x3FFF);
        }
        if (mask & CONF_SECOND_FAILED)
            snprintf(why + n, cap - (size_t)n, " no clean second return");
        return 0;
    }
    }
}

/* Lifecycle values of abi/syscalls.def's resources (conf_cases.h), made in the case's child. */
uint32_t conf_resource(const char *resource, int which)
{
    if (strcmp(resource, "pid") == 0) {
        if (which == CONF_FOREIGN)
            return 1; /* init: alive, and neither the caller nor one of its descendants */
        int32_t pid = fork();
        if (pid == 0)
            exit(0);
        if (pid > 0 && waitpid(pid, NULL, 0) == pid)
            return (uint32_t)pid; /* ended and reaped: pids are never reused */
    }
    printf("conformance: the runtime cannot make a %s %s (tests/conformance/runtime.c)\n",
           which == CONF_REAPED ? "reaped" : "foreign", resource);
    exit(CONF_RETURNED);
}

int32_t conf_second_return(uint32_t mask, int32_t eax)
{
    if (eax == 0)
        exit((int32_t)mask); /* the new process */
    if (eax < 0)
        return (int32_t)(mask | CONF_SECOND_FAILED);
    struct wait_info info;
    if (waitpid(eax, &info, 0) != eax || info.cause != WAIT_EXITED)
        return (int32_t)(mask | CONF_SECOND_FAILED);
    return (int32_t)(mask | ((uint32_t)info.status & 0x3FFF) << 16);
}

/* Prints the plan as several `plan` lines (the harness joins them), none of them too long. */
static void print_plan(const char *last)
{
    char line[PLAN_LINE_MAX + 64];
    int n = snprintf(line, sizeof line, "plan");
    for (int i = 0; i <= conf_case_count; i++) {
        const char *name = i < conf_case_count ? conf_cases[i].name : last;
        if (n + (int)strlen(name) + 1 > PLAN_LINE_MAX) {
            printf("%s\n", line);
            n = snprintf(line, sizeof line, "plan");
        }
        n += snprintf(line + n, sizeof line - (size_t)n, " %s", name);
    }
    printf("%s\n", line);
}

/* The kernel went on through every case: the counters are back where they started. */
static int kernel_goes_on(const struct kstat *before, char *why, size_t cap)
{
    struct kstat after;
    if (kstat(&after) != 0 || getpid() <= 0) {
        snprintf(why, cap, "kstat or getpid failed after the cases");
        return 0;
    }
    if (after.frames_free != before->frames_free || after.heap_used != before->heap_used ||
        after.procs != before->procs || after.amc_queued != before->amc_queued) {
        snprintf(why, cap, "leak: frames_free %lu -> %lu, heap_used %lu -> %lu, procs %lu -> %lu",
                 (unsigned long)before->frames_free, (unsigned long)after.frames_free,
                 (unsigned long)before->heap_used, (unsigned long)after.heap_used,
                 (unsigned long)before->procs, (unsigned long)after.procs);
        return 0;
    }
    return 1;
}

int main(void)
{
    static const char last[] = "conf_kernel_goes_on";
    char why[256];
    print_plan(last);
    if (setup_edge() < 0) {
        printf("FAIL %s: cannot move the heap break to a page boundary\n", conf_cases[0].name);
        return 1;
    }
    struct kstat before;
    kstat(&before);
    int failed = 0;
    for (int i = 0; i < conf_case_count; i++) {
        const struct conf_case *c = &conf_cases[i];
        struct wait_info info;
        int ended = run_child(c, &info);
        why[0] = '\0';
        if (judge(c, ended, &info, why, sizeof why)) {
            printf("ok %s\n", c->name);
        } else {
            printf("FAIL %s: %s\n", c->name, why);
            failed++;
        }
    }
    if (kernel_goes_on(&before, why, sizeof why)) {
        printf("ok %s\n", last);
    } else {
        printf("FAIL %s: %s\n", last, why);
        failed++;
    }
    printf("conformance: %d generated cases, %d failed\n", conf_case_count, failed);
    return failed ? 1 : 0;
}
