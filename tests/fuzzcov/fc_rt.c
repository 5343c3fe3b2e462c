/*
 * The runtime of fuzz-cov programs (tests/fuzzcov/fc.h), shared by the executor and the
 * reproducers: the process layout the host's address tokens refer to, the trap, what forked
 * children do, and the end-of-program checks.
 */
#include "fc.h"

uint8_t fc_scratch[FC_SCRATCH_SIZE] __attribute__((aligned(4096)));
uint32_t fc_heap_end;
int32_t fc_self;

void fc_setup(uint32_t seed)
{
    uint32_t x = seed ? seed : 1;
    for (uint32_t i = 0; i < FC_SCRATCH_SIZE; i += 4) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        memcpy(fc_scratch + i, &x, 4);
    }
    sbrk(8192);
    fc_heap_end = ((uint32_t)sbrk(0) + 4095u) & ~4095u;
    fc_self = getpid();
}

static __attribute__((noreturn)) void child(uint32_t what)
{
    switch (what % FC_CHILD_COUNT) {
    case FC_CHILD_YIELD:
        for (int i = 0; i < 4; i++)
            yield();
        exit(3);
    case FC_CHILD_SLEEP:
        sleep_ms(2);
        exit(7);
    case FC_CHILD_FAULT:
        *(volatile uint32_t *)0 = 1;
        exit(9);
    default:
        exit(0);
    }
}

uint32_t fc_call(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t what)
{
    struct fuzz_call c;
    memset(&c, 0, sizeof c);
    c.nr = nr;
    c.nargs = nargs;
    for (uint32_t i = 0; i < nargs && i < ABI_MAX_ARGS; i++)
        c.args[i] = args[i];
    uint32_t ret = fuzz_trap(&c);
    if (ret == 0 && getpid() != fc_self)
        child(what);
    return ret;
}

uint32_t fc_put(uint32_t off, const void *bytes, uint32_t n)
{
    off %= FC_SCRATCH_SIZE;
    if (n > FC_SCRATCH_SIZE - 1 - off)
        n = FC_SCRATCH_SIZE - 1 - off;
    memcpy(fc_scratch + off, bytes, n);
    fc_scratch[off + n] = 0;
    return (uint32_t)fc_scratch + off;
}

void fc_check_error(uint32_t k, const char *name, uint32_t ret, const uint16_t *errors)
{
    if (ret < (uint32_t)-ABI_ERRNO_MAX)
        return;
    for (const uint16_t *e = errors; *e; e++)
        if (*e == 0u - ret)
            return;
    printf("  repro: call %u (%s) returned -%u (%s), an error abi/syscalls.def does not declare\n",
           k, name, 0u - ret, strerror((int)(0u - ret)));
    exit(99);
}

static uint8_t guard_copy[64];
static uint32_t guard_off, guard_len;

void fc_guard_take(uint32_t off, uint32_t len)
{
    guard_off = off % FC_SCRATCH_SIZE;
    guard_len = len < sizeof guard_copy ? len : sizeof guard_copy;
    if (guard_len > FC_SCRATCH_SIZE - guard_off)
        guard_len = FC_SCRATCH_SIZE - guard_off;
    memcpy(guard_copy, fc_scratch + guard_off, guard_len);
}

int fc_guard_intact(void)
{
    return memcmp(guard_copy, fc_scratch + guard_off, guard_len) == 0;
}

void fc_check_guard(uint32_t k, const char *name)
{
    if (fc_guard_intact())
        return;
    printf("  repro: call %u (%s) changed the bytes just past an out buffer\n", k, name);
    exit(99);
}

int fc_run(void (*body)(const void *), const void *arg, struct wait_info *info)
{
    int32_t pid = fork();
    if (pid == 0) {
        body(arg);
        exit(0);
    }
    if (pid < 0)
        return -1;
    uint32_t t0 = uptime_ms();
    int32_t r;
    while ((r = waitpid(pid, info, WNOHANG)) != pid && uptime_ms() - t0 < FC_DEADLINE_MS)
        sleep_ms(2);
    if (r == pid)
        return 0;
    kill(pid);
    waitpid(pid, info, 0);
    return 1;
}

void fc_end_children(void)
{
    struct proc_info pi;
    int32_t r;
    for (uint32_t slot = 1; (r = proc_info(slot, &pi)) != -EINVAL; slot++)
        if (r == 0 && pi.ppid == fc_self && pi.state != FC_STATE_ZOMBIE)
            kill(pi.pid);
    while (waitpid(-1, 0, 0) > 0)
        ;
}

int fc_counters_back(const struct kstat *base, char *why, size_t cap)
{
    struct kstat now;
    for (int i = 0; i < 300; i++) {
        kstat(&now);
        if (now.procs == base->procs && now.frames_free == base->frames_free &&
            now.heap_used == base->heap_used && now.amc_queued == base->amc_queued)
            return 1;
        sleep_ms(10);
    }
    snprintf(why, cap,
             "frames free %u (was %u), heap used %u (was %u), procs %u (was %u), "
             "amc queued %u (was %u)",
             now.frames_free, base->frames_free, now.heap_used, base->heap_used, now.procs,
             base->procs, now.amc_queued, base->amc_queued);
    return 0;
}
