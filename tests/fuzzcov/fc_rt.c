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
    fc_guard_clear();
}

static __attribute__((noreturn)) void child(uint32_t what)
{
    switch (FC_CHILD_ACTION(what) % FC_CHILD_COUNT) {
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

/* The trap with every general register loaded from r and stored back into it (the offsets of
 * the fc_reg_* order); ebp is the frame pointer and ebx may be GCC's: both are saved. */
static void trap_all(uint32_t *r)
{
    __asm__ volatile("pushl %%ebp\n\t"
                     "pushl %%ebx\n\t"
                     "pushl %%eax\n\t"
                     "movl 4(%%eax), %%ecx\n\t"
                     "movl 8(%%eax), %%edx\n\t"
                     "movl 12(%%eax), %%ebx\n\t"
                     "movl 16(%%eax), %%esi\n\t"
                     "movl 20(%%eax), %%edi\n\t"
                     "movl 0(%%eax), %%eax\n\t"
                     "int %[vec]\n\t"
                     "xchgl %%eax, (%%esp)\n\t"
                     "popl 0(%%eax)\n\t"
                     "movl %%ecx, 4(%%eax)\n\t"
                     "movl %%edx, 8(%%eax)\n\t"
                     "movl %%ebx, 12(%%eax)\n\t"
                     "movl %%esi, 16(%%eax)\n\t"
                     "movl %%edi, 20(%%eax)\n\t"
                     "popl %%ebx\n\t"
                     "popl %%ebp"
                     : "+a"(r)
                     : [vec] "i"(ABI_TRAP)
                     : "ecx", "edx", "esi", "edi", "memory", "cc");
}
_Static_assert(fc_reg_eax == 0 && fc_reg_ecx == 1 && fc_reg_edx == 2 && fc_reg_ebx == 3 &&
                   fc_reg_esi == 4 && fc_reg_edi == 5 && FC_NREGS == 6,
               "trap_all's offsets follow the fc_reg_* order");

uint32_t fc_trap(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t *regs)
{
    uint32_t r[FC_NREGS] = {[fc_reg_eax] = nr};
    uint32_t i = 0;
#define FC_LOAD(reg)                                                                               \
    if (i < nargs)                                                                                 \
        r[fc_reg_##reg] = args[i];                                                                 \
    i++;
    ABI_ARG_REGISTERS(FC_LOAD)
#undef FC_LOAD
    trap_all(r);
    if (regs)
        memcpy(regs, r, sizeof r);
    return r[fc_reg_eax];
}

int fc_new_process(uint32_t ret)
{
    if (ret != 0)
        return 0;
    int32_t me = getpid();
    if (me == fc_self)
        return 0;
    fc_self = me;
    return 1;
}

void fc_child_exit(uint32_t what)
{
    fc_end_children();
    child(what);
}

uint32_t fc_call(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t what)
{
    uint32_t ret = fc_trap(nr, args, nargs, 0);
    if (fc_new_process(ret))
        fc_child_exit(what);
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

/* The guards of the next call: where they are and what they held before it. */
static struct guard {
    uint32_t off, len;
    enum fc_guard_kind kind;
    uint8_t copy[64];
} guards[FC_MAX_GUARDS];
static uint32_t guard_count;

void fc_guard_clear(void)
{
    guard_count = 0;
}

static void guard_add(uint32_t off, uint32_t len, enum fc_guard_kind kind)
{
    off %= FC_SCRATCH_SIZE;
    len = len < sizeof guards[0].copy ? len : sizeof guards[0].copy;
    if (len > FC_SCRATCH_SIZE - off)
        len = FC_SCRATCH_SIZE - off;
    if (len == 0 || guard_count == FC_MAX_GUARDS)
        return;
    struct guard *g = &guards[guard_count++];
    g->off = off;
    g->len = len;
    g->kind = kind;
    memcpy(g->copy, fc_scratch + off, len);
}

void fc_guard_take(uint32_t off, uint32_t len)
{
    guard_add(off, len, FC_GUARD_BUF);
}

uint32_t fc_guard_value_result(uint32_t buf, uint32_t lenp, uint32_t max, uint32_t es, uint32_t len)
{
    uint32_t base = (uint32_t)fc_scratch, cell = lenp - base, cap;
    if (cell > FC_SCRATCH_SIZE - 4)
        return 0; /* not in scratch: reading it could fault, and nobody chose it */
    memcpy(&cap, fc_scratch + cell, 4);
    uint64_t end = (uint64_t)(buf - base) + (uint64_t)(cap < max ? cap : max) * es;
    if (buf - base >= FC_SCRATCH_SIZE || end + len > FC_SCRATCH_SIZE)
        return cap;
    uint32_t off = (uint32_t)end;
    if (cell < off + len && off < cell + 4) { /* the longer part beside the length word */
        uint32_t before = cell > off ? cell - off : 0,
                 after = off + len > cell + 4 ? off + len - cell - 4 : 0;
        off = before >= after ? off : cell + 4;
        len = before >= after ? before : after;
    }
    guard_add(off, len, FC_GUARD_CAP);
    return cap;
}

enum fc_guard_kind fc_guard_broken(void)
{
    for (uint32_t i = 0; i < guard_count; i++)
        if (memcmp(guards[i].copy, fc_scratch + guards[i].off, guards[i].len) != 0)
            return guards[i].kind;
    return FC_GUARD_NONE;
}

void fc_check_guard(uint32_t k, const char *name)
{
    enum fc_guard_kind broken = fc_guard_broken();
    fc_guard_clear();
    if (broken == FC_GUARD_NONE)
        return;
    printf("  repro: call %u (%s) changed the bytes just past %s\n", k, name,
           broken == FC_GUARD_CAP ? "the capacity its value-result length gave a buffer"
                                  : "an out buffer");
    exit(99);
}

uint32_t fc_word(uint32_t off, uint32_t v)
{
    off %= FC_SCRATCH_SIZE;
    if (off > FC_SCRATCH_SIZE - 4)
        off = FC_SCRATCH_SIZE - 4;
    memcpy(fc_scratch + off, &v, 4);
    return (uint32_t)fc_scratch + off;
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
    fc_kill_tree(pid, 1);
    waitpid(pid, info, 0);
    return 1;
}

#define FC_MAX_PROCS 128

/* The depth of pid below root in the snapshot (0: root itself, -1: not below it). */
static int depth_below(int32_t pid, int32_t root, const int32_t *pids, const int32_t *ppids,
                       uint32_t n)
{
    for (int d = 0; d < FC_MAX_PROCS; d++) {
        if (pid == root)
            return d;
        uint32_t i = 0;
        while (i < n && pids[i] != pid)
            i++;
        if (i == n || ppids[i] == pid)
            return -1;
        pid = ppids[i];
    }
    return -1;
}

void fc_kill_tree(int32_t root, int with_root)
{
    static int32_t pids[FC_MAX_PROCS], ppids[FC_MAX_PROCS];
    /* One process at a time, the deepest, from a fresh snapshot each time: a process that forks
     * between a snapshot and its own kill leaves an orphan (init's, out of reach), so the
     * window is kept to one kill. */
    for (int kills = 0; kills < 4 * FC_MAX_PROCS; kills++) {
        uint32_t n = 0;
        struct proc_info pi;
        int32_t r;
        for (uint32_t slot = 0; n < FC_MAX_PROCS && (r = proc_info(slot, &pi)) != -EINVAL; slot++)
            if (r == 0 && pi.state != FC_STATE_ZOMBIE) {
                pids[n] = pi.pid;
                ppids[n++] = pi.ppid;
            }
        int deepest = 0;
        int32_t victim = 0;
        for (uint32_t i = 0; i < n; i++) {
            int d = depth_below(pids[i], root, pids, ppids, n);
            if (d > deepest) {
                deepest = d;
                victim = pids[i];
            }
        }
        if (!victim)
            break;
        kill(victim);
    }
    if (with_root)
        kill(root);
}

void fc_end_children(void)
{
    for (int waited = 0; waited < 10;) {
        int32_t r = waitpid(-1, 0, WNOHANG);
        if (r == -EAGAIN) {
            sleep_ms(1);
            waited++;
        } else if (r < 0) {
            break;
        }
    }
    fc_kill_tree(fc_self, 0);
    while (waitpid(-1, 0, 0) > 0)
        ;
}

uint32_t fc_orphans(int32_t init_pid, int32_t self)
{
    struct proc_info pi;
    int32_t r;
    uint32_t n = 0;
    for (uint32_t slot = 0; (r = proc_info(slot, &pi)) != -EINVAL; slot++)
        if (r == 0 && pi.state != FC_STATE_ZOMBIE && pi.ppid == init_pid && pi.pid > self)
            n++;
    return n;
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
