/*
 * The syscall fuzzer's driver (the generated part, build/gen/fuzz/syscall_fuzzer.c, chooses the
 * calls; see tests/fuzz/fuzz.h).
 *
 *   fuzz run [seed=S] [calls=N] [workers=W] [job=C] [digest=D]
 *                                                     the coordinator: N calls in jobs of C
 *                                                     calls, W worker processes at a time; the
 *                                                     determinism check runs jobs of D calls
 *   fuzz worker SEED JOB CALLS                        one job (spawned by the coordinator)
 *   fuzz replay SEED JOB CALLS                        the same job, printing every call
 *
 * Each job's calls follow from (SEED, JOB) alone, so a failing job is replayed with the line the
 * coordinator prints. The coordinator records the kernel counters (kstat) first and checks, once
 * every worker and every child has ended, that frames, heap, processes and queued messages are
 * back where they were. The fuzzer spawns its own image with random arguments too: anything that
 * is not one of the modes above exits at once.
 */
#include "fuzz.h"
#include "gtest.h"
#include "kernel_addrs.h"

#define SCRATCH_SIZE (FUZZ_BUF_AREA + 8192u)
#define UNMAPPED_LOW 0x90000000u /* the heap cannot reach it: no machine has that much memory */
#define UNMAPPED_SIZE 0x10000000u
#define MAX_KIDS 32
#define MAX_DEAD 16
#define MAX_REPORTS 8
#define DEFAULT_SEED 0x5eed1234u

#define GUARD 0x5A

/* Scratch, and right after it a guard the kernel is never given: a write past the end of a
 * buffer in scratch lands there. */
static struct {
    uint8_t scratch[SCRATCH_SIZE];
    uint8_t guard[256];
} memory __attribute__((aligned(4096)));
static uint8_t snapshot[ABI_MAX_ARGS][1024];

static struct fuzz_env env;
static int32_t kids[MAX_KIDS], dead[MAX_DEAD];
static uint32_t dead_next;
static int32_t self_pid;
static int replaying;

/* Strings worth passing to name arguments: programs (filled in at start) and service names. */
static char module_names[12][PROG_NAME_MAX + 1];
static const char *names[20];

struct job_stats {
    uint32_t calls, ok, failed, no_syscall, isolated, killed, skipped, reports;
    uint32_t ok_by_call[64];
    uint32_t by_error[128]; /* failures by error number (the last counts larger ones) */
    uint32_t digest;        /* FNV-1a of the calls chosen: the same seed, the same digest */
};
static struct job_stats stats;

/* ---- seeds ---- */

/* A job's seed: a hash of the run's seed and the job number, never 0. */
static uint32_t job_seed(uint32_t seed, uint32_t job)
{
    uint32_t h = seed ^ (job * 0x9E3779B9u);
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    return h ? h : 1;
}

static uint32_t parse_u32(const char *s)
{
    uint32_t v = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (s += 2; *s; s++)
            v = v * 16 + (uint32_t)(*s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10);
        return v;
    }
    for (; *s >= '0' && *s <= '9'; s++)
        v = v * 10 + (uint32_t)(*s - '0');
    return v;
}

/* ---- the process's memory, as the generated code may use it ---- */

/* A syscall with a bad fd tells whether a range is mapped: the entry shim checks the buffer
 * before the handler looks at the fd. */
static int page_readable(uint32_t va)
{
    return write(-1, (const void *)va, 1) == -EBADF;
}

static int page_writable(uint32_t va)
{
    return read(-1, (void *)va, 1) == -EBADF;
}

/* The lowest page of the stack (the page below it is unmapped), used as spare space when the
 * stack is far above it. */
static void find_stack_bottom(void)
{
    uint32_t here = (uint32_t)__builtin_frame_address(0) & ~0xFFFu;
    uint32_t low = here;
    for (int i = 0; i < 64 && page_writable(low - 4096); i++)
        low -= 4096;
    env.edge = low;
    env.spare = low;
    env.spare_size = here - low >= 3 * 4096 ? 4096 : 0;
}

static void add_names(void)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < 12; i++)
        if (module_name(i, module_names[n], sizeof module_names[n]) > 0)
            names[n] = module_names[n], n++;
    static const char *const services[] = {"fz-a", "fz-b", "fz-c", "x"};
    for (uint32_t i = 0; i < sizeof services / sizeof services[0]; i++)
        names[n++] = services[i];
    env.names = names;
    env.name_count = n;
}

/* The argv strings end user space; once read, they become a string without NUL that runs into
 * the end of user space (fuzz.h). Frames lie below them, so nothing else is overwritten. */
static char *argv_strings;

static void fill_top_of_user_space(void)
{
    for (volatile char *top = argv_strings; top < (char *)ABI_USER_HIGH; top++)
        *top = 'x';
}

static int setup_env(uint32_t seed)
{
    env.rng = seed;
    env.scratch = memory.scratch;
    env.scratch_size = SCRATCH_SIZE;
    for (uint32_t i = 0; i < SCRATCH_SIZE; i++)
        memory.scratch[i] = (uint8_t)fuzz_rand(&env);
    memset(memory.guard, GUARD, sizeof memory.guard);
    env.rng = seed;
    find_stack_bottom();
    env.readonly = ABI_USER_LOW;
    env.unmapped = UNMAPPED_LOW;
    env.unmapped_size = UNMAPPED_SIZE;
    env.heap = sbrk(0);
    env.kernel_addrs = kernel_addrs;
    env.kernel_addr_count = KERNEL_ADDR_COUNT;
    env.children = kids;
    env.dead = dead;
    add_names();
    fill_top_of_user_space();
    if (fuzz_scratch_need > SCRATCH_SIZE) {
        printf("  fuzz: scratch is %u bytes, the generated fuzzer needs %u\n", SCRATCH_SIZE,
               fuzz_scratch_need);
        return -1;
    }
    if (ABI_USER_HIGH - (uint32_t)argv_strings < 16 || !page_readable(env.readonly) ||
        page_writable(env.readonly) || page_readable(env.unmapped) || page_readable(env.edge - 1)) {
        printf("  fuzz: the address space is not laid out as the fuzzer expects\n");
        return -1;
    }
    return 0;
}

/* ---- one call ---- */

static void format_call(char *line, size_t cap, uint32_t n, const struct fuzz_call *c, uint32_t ret)
{
    int len = snprintf(line, cap, "#%u %s [%u](", n, fuzz_syscall_names[c->index], c->nr);
    for (uint32_t i = 0; i < c->nargs && (size_t)len < cap; i++)
        len += snprintf(line + len, cap - (size_t)len, i ? ", 0x%x" : "0x%x", c->args[i]);
    uint32_t err = fuzz_error(c, ret);
    if ((size_t)len >= cap)
        return;
    if (err)
        snprintf(line + len, cap - (size_t)len, ") = -%u (%s)", err, strerror((int)err));
    else
        snprintf(line + len, cap - (size_t)len, ") = 0x%x", ret);
}

/* One line per call, written with one write so that processes do not mix their lines. */
static void print_call(uint32_t n, const struct fuzz_call *c, uint32_t ret)
{
    char line[256];
    format_call(line, sizeof line, n, c, ret);
    printf("  %s\n", line);
}

static void report(uint32_t n, const struct fuzz_call *c, uint32_t ret, const char *what)
{
    stats.reports++;
    if (stats.reports > MAX_REPORTS)
        return;
    char line[256];
    format_call(line, sizeof line, n, c, ret);
    printf("  fuzz: pid %d: %s: %s\n", getpid(), what, line);
}

static void save_outs(const struct fuzz_call *c)
{
    for (uint32_t i = 0; i < c->nout; i++) {
        uint32_t len = c->out[i].len < sizeof snapshot[i] ? c->out[i].len : sizeof snapshot[i];
        memcpy(snapshot[i], (const void *)c->out[i].addr, len);
    }
}

static int outs_unchanged(const struct fuzz_call *c)
{
    for (uint32_t i = 0; i < c->nout; i++) {
        uint32_t len = c->out[i].len < sizeof snapshot[i] ? c->out[i].len : sizeof snapshot[i];
        if (memcmp(snapshot[i], (const void *)c->out[i].addr, len) != 0)
            return 0;
    }
    return 1;
}

/* Checks one result against the .def; returns 0 when it is as documented. */
static int check_result(uint32_t n, const struct fuzz_call *c, uint32_t ret)
{
    uint32_t err = fuzz_error(c, ret);
    if (replaying)
        print_call(n, c, ret);
    if (!err) {
        stats.ok++;
        if (c->index < sizeof stats.ok_by_call / sizeof stats.ok_by_call[0])
            stats.ok_by_call[c->index]++;
        return 0;
    }
    stats.failed++;
    stats.no_syscall += c->index == fuzz_syscall_count;
    stats.by_error[err < 128 ? err : 127]++;
    int bad = 0;
    if (!fuzz_error_documented(c, err)) {
        report(n, c, ret, "an error abi/syscalls.def does not list for this call");
        bad = 1;
    }
    if (!outs_unchanged(c)) {
        report(n, c, ret, "the kernel changed an out buffer of a failed call");
        bad = 1;
    }
    return bad;
}

/* Makes a call in this process. A call that returns 0 in a new process (fork) ends it at once. */
static int call_direct(uint32_t n, const struct fuzz_call *c)
{
    save_outs(c);
    uint32_t ret = fuzz_trap(c);
    if (ret == 0 && getpid() != self_pid)
        exit(0);
    if (c->produces >= 0 && !fuzz_error(c, ret))
        fuzz_produced(&env, (uint32_t)c->produces, ret); /* for the consumers of the resource */
    return check_result(n, c, ret);
}

/*
 * A call that may block forever or end the caller runs in a child: the child first makes a few
 * direct calls of its own (so that, say, it may own a service when it awaits), then the call. The
 * parent lets it run for a few yields and kills it if it is still there, blocked or not.
 */
static void call_isolated(uint32_t n, const struct fuzz_call *c)
{
    stats.isolated++;
    int32_t pid = fork();
    if (pid < 0) {
        stats.skipped++; /* the process table or memory is full: other fuzzers have it */
        return;
    }
    if (pid == 0) {
        self_pid = getpid();
        env.child_count = 0;
        env.rng = job_seed(env.rng, n); /* not the parent's next calls */
        int bad = 0;
        for (uint32_t k = fuzz_rand(&env) % 4; k > 0; k--) {
            struct fuzz_call pre;
            fuzz_pick(&env, &pre);
            if (!(pre.flags & FUZZ_F_ISOLATE))
                bad |= call_direct(n, &pre);
        }
        save_outs(c);
        uint32_t ret = fuzz_trap(c);
        bad |= check_result(n, c, ret);
        exit(bad ? 99 : 0);
    }
    struct wait_info info;
    int32_t r = 0;
    for (int k = 0; k < 4 && r != pid; k++) {
        r = waitpid(pid, &info, WNOHANG);
        if (r != pid)
            yield();
    }
    if (r != pid) {
        kill(pid);
        r = waitpid(pid, &info, 0);
        stats.killed++;
    }
    if (r != pid) {
        report(n, c, (uint32_t)r, "waitpid did not reap an isolated child");
    } else if (info.cause == WAIT_FAULTED) {
        report(n, c, info.vector, "an isolated child faulted");
    } else if (info.cause == WAIT_EXITED && info.status == 99 && !(c->flags & FUZZ_F_NORETURN)) {
        stats.reports++; /* the child printed what went wrong */
    }
}

/* ---- children ---- */

static void remember_dead(int32_t pid)
{
    dead[dead_next++ % MAX_DEAD] = pid;
    env.dead_count = dead_next < MAX_DEAD ? dead_next : MAX_DEAD;
}

static int guard_intact(void)
{
    for (uint32_t i = 0; i < sizeof memory.guard; i++)
        if (memory.guard[i] != GUARD)
            return 0;
    return 1;
}

/* Reaps every ended child and lists the live ones (for the own_child hint). */
static void tend_children(int scan)
{
    struct wait_info info;
    int32_t pid;
    while ((pid = waitpid(-1, &info, WNOHANG)) > 0) {
        remember_dead(pid);
        if (info.cause == WAIT_FAULTED && stats.reports++ < MAX_REPORTS)
            printf("  fuzz: pid %d: child %d faulted (vector %u at eip 0x%x)\n", self_pid, pid,
                   info.vector, info.eip);
    }
    if (!scan)
        return;
    uint32_t n = 0;
    struct proc_info pi;
    int32_t r;
    for (uint32_t slot = 1; n < MAX_KIDS && (r = proc_info(slot, &pi)) != -EINVAL; slot++)
        if (r == 0 && pi.ppid == self_pid && pi.state != 4)
            kids[n++] = pi.pid;
    env.child_count = n;
}

/* Ends every child: the job leaves nothing behind. */
static void end_children(void)
{
    tend_children(1);
    for (uint32_t i = 0; i < env.child_count; i++)
        kill(kids[i]);
    while (waitpid(-1, 0, 0) > 0)
        ;
}

/* ---- a job ---- */

static void digest_word(uint32_t w)
{
    for (int i = 0; i < 4; i++, w >>= 8)
        stats.digest = (stats.digest ^ (w & 0xFF)) * 16777619u;
}

/* What the seed decides about a call: everything but the pids of live children. */
static void digest_call(const struct fuzz_call *c)
{
    digest_word(c->index);
    digest_word(c->nr);
    for (uint32_t i = 0; i < ABI_MAX_ARGS; i++)
        digest_word(c->volatile_args & (1u << i) ? 0 : c->args[i]);
}

static void print_job_stats(uint32_t job)
{
    printf("fuzz-job %u: %u calls, %u ok, %u failed (%u no syscall), %u isolated (%u killed, "
           "%u skipped), %u reports, digest 0x%x\n",
           job, stats.calls, stats.ok, stats.failed, stats.no_syscall, stats.isolated, stats.killed,
           stats.skipped, stats.reports, stats.digest);
    char line[512];
    int len = snprintf(line, sizeof line, "fuzz-job %u successes:", job);
    for (uint32_t i = 0; i < fuzz_syscall_count && i < 64 && (size_t)len < sizeof line; i++)
        len += snprintf(line + len, sizeof line - (size_t)len, " %s=%u", fuzz_syscall_names[i],
                        stats.ok_by_call[i]);
    printf("%s\n", line);
    len = snprintf(line, sizeof line, "fuzz-job %u errors:", job);
    for (int e = 1; e < 128 && (size_t)len < sizeof line; e++)
        if (stats.by_error[e])
            len += snprintf(line + len, sizeof line - (size_t)len, " %d=%u", e, stats.by_error[e]);
    printf("%s\n", line);
}

/* Runs one job; quiet (no summary) when it is only wanted for its digest. */
static int run_job(uint32_t seed, uint32_t job, uint32_t calls, int quiet)
{
    self_pid = getpid();
    stats.digest = 2166136261u;
    if (setup_env(job_seed(seed, job)) < 0)
        return 2;
    if (replaying)
        printf("fuzz: replaying seed 0x%x job %u: %u calls\n", seed, job, calls);
    int bad = 0;
    for (uint32_t n = 0; n < calls; n++) {
        if (n % 16 == 0) {
            tend_children(n % 128 == 0);
            if (!guard_intact()) {
                printf(
                    "  fuzz: pid %d: before call #%u: the kernel wrote past the end of scratch\n",
                    self_pid, n);
                stats.reports++;
                memset(memory.guard, GUARD, sizeof memory.guard);
            }
        }
        struct fuzz_call c;
        fuzz_pick(&env, &c);
        digest_call(&c);
        stats.calls++;
        if (c.flags & FUZZ_F_ISOLATE)
            call_isolated(n, &c);
        else
            bad |= call_direct(n, &c);
    }
    end_children();
    if (!quiet)
        print_job_stats(job);
    return bad || stats.reports ? 1 : 0;
}

/* ---- the coordinator ---- */

static uint32_t opt_seed = DEFAULT_SEED, opt_calls = 20000, opt_workers = 4, opt_job = 5000;
static uint32_t opt_digest = 1000; /* calls of each digest job */
static struct kstat baseline;
static int32_t first_pid;

static int32_t start_job(const char *mode, uint32_t run_seed, uint32_t job, uint32_t calls)
{
    char seed[16], jobs[16], count[16];
    snprintf(seed, sizeof seed, "0x%x", run_seed);
    snprintf(jobs, sizeof jobs, "%u", job);
    snprintf(count, sizeof count, "%u", calls);
    char *argv[] = {"fuzz", (char *)mode, seed, jobs, count, 0};
    char packed[128];
    int len = argv_pack(packed, sizeof packed, 5, argv);
    return spawn("fuzz", packed, (uint32_t)len);
}

/* A pid from a fresh, immediately reaped child: how many processes were made in between. */
static int32_t probe_pid(void)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(0);
    if (pid > 0)
        waitpid(pid, 0, 0);
    return pid;
}

/* The process table, for a job that takes too long. */
static void dump_procs(void)
{
    static const char *const states[] = {"free", "runnable", "running", "blocked", "zombie"};
    for (uint32_t slot = 1; slot < 64; slot++) {
        struct proc_info pi;
        if (proc_info(slot, &pi) == 0)
            printf("  slot %u: pid %d ppid %d %s %s\n", slot, pi.pid, pi.ppid,
                   pi.state < 5 ? states[pi.state] : "?", pi.name);
    }
}

static void test_fuzz_run(void)
{
    uint32_t jobs = (opt_calls + opt_job - 1) / opt_job, next = 0, done = 0, failed = 0;
    int32_t running[16] = {0};
    uint32_t running_job[16], started[16];
    CHECK(opt_workers >= 1 && opt_workers <= 16);
    uint32_t t0 = uptime_ms();
    /* A job makes a few thousand calls a second; one that takes far longer is stuck. */
    uint32_t limit_ms = 10000 + opt_job * 10;
    while (done < jobs) {
        for (uint32_t w = 0; w < opt_workers && next < jobs; w++) {
            if (running[w])
                continue;
            uint32_t calls = next + 1 < jobs ? opt_job : opt_calls - next * opt_job;
            running[w] = start_job("worker", opt_seed, next, calls);
            running_job[w] = next++;
            started[w] = uptime_ms();
            CHECK(running[w] > 0);
        }
        struct wait_info info;
        int32_t pid = waitpid(-1, &info, WNOHANG);
        if (pid == -EAGAIN) {
            sleep_ms(5);
            for (uint32_t w = 0; w < opt_workers; w++) {
                if (running[w] && uptime_ms() - started[w] > limit_ms) {
                    printf("  fuzz: job %u (pid %d) is still running after %u ms:\n",
                           running_job[w], running[w], limit_ms);
                    dump_procs();
                    kill(running[w]);
                    started[w] = uptime_ms();
                }
            }
            continue;
        }
        CHECK(pid > 0);
        for (uint32_t w = 0; w < opt_workers; w++) {
            if (running[w] != pid)
                continue;
            running[w] = 0;
            done++;
            if (info.cause != WAIT_EXITED || info.status != 0) {
                failed++;
                char how[96];
                wait_describe(&info, how, sizeof how);
                printf("  fuzz: job %u %s; replay it with: fuzz replay 0x%x %u %u\n",
                       running_job[w], how, opt_seed, running_job[w], opt_job);
            }
        }
    }
    uint32_t ms = uptime_ms() - t0;
    printf(
        "fuzz: seed 0x%x: %u calls in %u jobs on %u workers, %u ms (%u calls/s), %u jobs failed\n",
        opt_seed, opt_calls, jobs, opt_workers, ms,
        ms ? opt_calls / ms * 1000 + opt_calls % ms * 1000 / ms : 0, failed);
    CHECK_EQ(failed, 0);
}

/* Once every worker has ended (and init has reaped the orphans), the kernel holds what it held
 * before the run. */
static void test_fuzz_kernel_counters(void)
{
    struct kstat now;
    for (int i = 0; i < 500; i++) {
        CHECK_EQ(kstat(&now), 0);
        if (now.procs == baseline.procs && now.amc_queued == baseline.amc_queued)
            break;
        sleep_ms(10);
    }
    int32_t last_pid = probe_pid();
    printf("fuzz: %d processes made; frames free %u (before %u), heap used %u (before %u), "
           "processes %u (before %u), amc queued %u (before %u), dropped %u\n",
           last_pid - first_pid - 1, now.frames_free, baseline.frames_free, now.heap_used,
           baseline.heap_used, now.procs, baseline.procs, now.amc_queued, baseline.amc_queued,
           now.amc_dropped);
    CHECK_EQ(now.procs, baseline.procs);
    CHECK_EQ(now.frames_free, baseline.frames_free);
    CHECK_EQ(now.heap_used, baseline.heap_used);
    CHECK_EQ(now.amc_queued, baseline.amc_queued);
}

/* A job's digest, from a run of it alone. */
static int32_t job_digest(uint32_t seed, uint32_t job, uint32_t calls)
{
    int32_t pid = start_job("digest", seed, job, calls);
    struct wait_info info;
    if (pid < 0 || waitpid(pid, &info, 0) != pid || info.cause != WAIT_EXITED)
        return -1;
    return info.status;
}

/* The calls of a job follow from the seed alone: two runs choose the same calls (whatever
 * the kernel answered), another seed other calls. */
static void test_fuzz_same_seed_same_calls(void)
{
    uint32_t t0 = uptime_ms();
    int32_t a = job_digest(opt_seed, 0, opt_digest), b = job_digest(opt_seed, 0, opt_digest);
    int32_t other = job_digest(opt_seed + 1, 0, opt_digest);
    printf("fuzz: digests of job 0 (%u calls): 0x%x, 0x%x; seed+1: 0x%x (%u ms)\n", opt_digest, a,
           b, other, uptime_ms() - t0);
    CHECK(a >= 0 && other >= 0);
    CHECK_EQ(a, b);
    CHECK(a != other);
}

static int coordinator(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strncmp(a, "seed=", 5))
            opt_seed = parse_u32(a + 5);
        else if (!strncmp(a, "calls=", 6))
            opt_calls = parse_u32(a + 6);
        else if (!strncmp(a, "workers=", 8))
            opt_workers = parse_u32(a + 8);
        else if (!strncmp(a, "job=", 4))
            opt_job = parse_u32(a + 4);
        else if (!strncmp(a, "digest=", 7))
            opt_digest = parse_u32(a + 7);
        else {
            printf("fuzz: unknown option %s\n", a);
            return 2;
        }
    }
    if (opt_job == 0)
        opt_job = 1;
    printf("fuzz: seed 0x%x, %u calls, %u workers, jobs of %u calls (replay a job with: fuzz "
           "replay SEED JOB CALLS)\n",
           opt_seed, opt_calls, opt_workers, opt_job);
    first_pid = probe_pid();
    kstat(&baseline);
    static const struct gtest tests[] = {
        {"fuzz_run", test_fuzz_run},
        {"fuzz_same_seed_same_calls", test_fuzz_same_seed_same_calls},
        {"fuzz_kernel_counters", test_fuzz_kernel_counters},
    };
    return gtest_run(tests, 3) ? 1 : 0;
}

int main(int argc, char **argv)
{
    argv_strings = argv[0];
    if (argc >= 2 && !strcmp(argv[1], "run"))
        return coordinator(argc, argv);
    if (argc == 5 &&
        (!strcmp(argv[1], "worker") || !strcmp(argv[1], "replay") || !strcmp(argv[1], "digest"))) {
        replaying = !strcmp(argv[1], "replay");
        int digest = !strcmp(argv[1], "digest");
        uint32_t seed = parse_u32(argv[2]), job = parse_u32(argv[3]), calls = parse_u32(argv[4]);
        int status = run_job(seed, job, calls, digest);
        return digest ? (int)(stats.digest >> 1) : status;
    }
    return 2; /* spawned with random arguments by a fuzzer */
}
