/*
 * Guest tests for user mode: every process/memory/console syscall on its success path and its
 * documented error paths, faults, preemption and leak checks. Run as "usermode" by init; it
 * also re-spawns itself in child modes (argv[1] names the mode) to have something to fork,
 * kill, fault and wait for.
 */
#include "gtest.h"

#define SELF "usermode"
#define UNMAPPED_USER 0x80000000u /* inside user space, never mapped */
#define KERNEL_ADDR 0xC0100000u

static int32_t spawn_self(const char *mode, const char *arg)
{
    char *argv[] = {SELF, (char *)mode, (char *)arg, 0};
    char packed[128];
    int len = argv_pack(packed, sizeof packed, arg ? 3 : 2, argv);
    return spawn(SELF, packed, (uint32_t)len);
}

static int32_t wait_for(int32_t pid, struct wait_info *info)
{
    return waitpid(pid, info, 0);
}

/* ---- child modes ---- */

static volatile uint32_t sink;

static int child_fault(const char *kind)
{
    if (!strcmp(kind, "pf"))
        *(volatile uint32_t *)0 = 1;
    else if (!strcmp(kind, "ud"))
        __asm__ volatile("ud2");
    else if (!strcmp(kind, "gp"))
        __asm__ volatile("int $0x41");
    else if (!strcmp(kind, "de")) /* in asm: GCC turns 1 / x into a compare */
        __asm__ volatile("xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; div %%ecx" ::
                             : "eax", "ecx", "edx");
    else if (!strcmp(kind, "priv"))
        __asm__ volatile("cli");
    else if (!strcmp(kind, "kread"))
        sink = *(volatile uint32_t *)KERNEL_ADDR;
    else if (!strcmp(kind, "kwrite"))
        *(volatile uint32_t *)KERNEL_ADDR = 0xBADBAD;
    return 100; /* the fault did not happen */
}

static int child_spin(const char *iterations)
{
    int32_t start = (int32_t)uptime_ms();
    for (uint32_t i = 0, n = (uint32_t)atoi(iterations); i < n; i++)
        sink += i;
    return start;
}

static int child_main(int argc, char **argv)
{
    const char *mode = argv[1];
    if (!strcmp(mode, "child-argv"))
        return argc == 5 && !strcmp(argv[2], "one") && !strcmp(argv[3], "two words") &&
                       !strcmp(argv[4], "") && argv[5] == 0
                   ? 42
                   : 1;
    if (!strcmp(mode, "child-exit"))
        return atoi(argv[2]);
    if (!strcmp(mode, "child-fault"))
        return child_fault(argv[2]);
    if (!strcmp(mode, "child-spin"))
        return child_spin(argv[2]);
    if (!strcmp(mode, "child-sleep")) {
        sleep_ms((uint32_t)atoi(argv[2]));
        return 0;
    }
    return 99;
}

/* ---- tests ---- */

static void test_getpid_getppid(void)
{
    int32_t me = getpid();
    CHECK(me > 1);
    CHECK_EQ(getppid(), 1); /* started by init */
    int32_t pid = fork();
    if (pid == 0)
        exit(getppid() == me ? 7 : 8);
    CHECK(pid > me);
    struct wait_info info;
    CHECK_EQ(wait_for(pid, &info), pid);
    CHECK_EQ(info.cause, WAIT_EXITED);
    CHECK_EQ(info.status, 7);
}

static void test_write(void)
{
    static const char msg[] = "usermode: write to fd 1\n";
    CHECK_EQ(write(1, msg, sizeof msg - 1), sizeof msg - 1);
    CHECK_EQ(write(2, msg, 0), 0);
    CHECK_EQ(write(5, msg, 4), -EBADF);
    CHECK_EQ(write(1, (void *)UNMAPPED_USER, 4), -EFAULT);
    CHECK_EQ(write(1, (void *)KERNEL_ADDR, 4), -EFAULT);
    CHECK_EQ(write(1, 0, 4), -EFAULT);
    CHECK_EQ(write(1, msg, IO_MAX + 1), -E2BIG);
}

static void test_read_errors(void)
{
    char buf[8];
    CHECK_EQ(read(1, buf, sizeof buf), -EBADF);
    CHECK_EQ(read(0, (void *)KERNEL_ADDR, 4), -EFAULT);
    CHECK_EQ(read(0, buf, 0), 0);
}

static void test_yield_and_time(void)
{
    CHECK_EQ(yield(), 0);
    uint32_t t0 = uptime_ms();
    CHECK_EQ(sleep_ms(30), 0);
    uint32_t t1 = uptime_ms();
    CHECK(t1 - t0 >= 30);
    CHECK(uptime_ms() >= t1);
}

static void test_sbrk(void)
{
    uint32_t base = sbrk(0);
    CHECK(base >= ABI_USER_LOW && base % 4096 == 0);
    CHECK_EQ(sbrk(3 * 4096 + 10), base);
    volatile uint8_t *p = (uint8_t *)base;
    p[0] = 1;
    p[3 * 4096 + 9] = 2; /* last byte of the grown heap is usable */
    CHECK_EQ(p[0] + p[3 * 4096 + 9], 3);
    CHECK_EQ(sbrk(-(3 * 4096 + 10)), base + 3 * 4096 + 10);
    CHECK_EQ(sbrk(0), base);
    CHECK_EQ((int32_t)sbrk(0x7FFFFFFF), -ENOMEM);
    CHECK_EQ((int32_t)sbrk(-0x10000), -EINVAL);
    CHECK_EQ(write(1, (void *)(base + 16), 4), -EFAULT); /* shrunk pages are gone */
}

static void test_spawn_errors(void)
{
    CHECK_EQ(spawn("no-such-program", "", 0), -ENOENT);
    CHECK_EQ(spawn(SELF, "not terminated", 14), -EINVAL);
    CHECK_EQ(spawn("a-program-name-that-is-far-too-long", "", 0), -ENAMETOOLONG);
    CHECK_EQ(spawn(SELF, (void *)UNMAPPED_USER, 16), -EFAULT);
    CHECK_EQ(spawn((const char *)KERNEL_ADDR, "", 0), -EFAULT);
    static char big[ARGV_MAX + 1];
    CHECK_EQ(spawn(SELF, big, sizeof big), -E2BIG);
}

static void test_spawn_bad_elf(void)
{
    /* Boot modules made from a valid program by tests/guest/badelf.lua. */
    static const char *const bad[] = {"bad-truncated", "bad-magic",   "bad-kernel-segment",
                                      "bad-entry",     "bad-overlap", "bad-phdrs"};
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ(spawn(bad[i], "", 0), -ENOEXEC);
}

static void test_argv(void)
{
    char *argv[] = {SELF, "child-argv", "one", "two words", "", 0};
    char packed[128];
    int len = argv_pack(packed, sizeof packed, 5, argv);
    int32_t pid = spawn(SELF, packed, (uint32_t)len);
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(wait_for(pid, &info), pid);
    CHECK_EQ(info.status, 42);
}

static void test_waitpid(void)
{
    struct wait_info info;
    CHECK_EQ(waitpid(-1, &info, 0), -ECHILD);
    CHECK_EQ(waitpid(12345, &info, 0), -ECHILD);
    CHECK_EQ(waitpid(0, &info, 0), -EINVAL);
    CHECK_EQ(waitpid(-1, &info, 0x80), -EINVAL);
    int32_t pid = spawn_self("child-sleep", "50");
    CHECK(pid > 0);
    CHECK_EQ(waitpid(pid, &info, WNOHANG), -EAGAIN);
    CHECK_EQ(waitpid(pid, (struct wait_info *)KERNEL_ADDR, 0), -EFAULT);
    CHECK_EQ(waitpid(pid, 0, 0), pid); /* info is optional */
    pid = spawn_self("child-exit", "3");
    CHECK_EQ(waitpid(-1, &info, 0), pid);
    CHECK_EQ(info.pid, pid);
    CHECK_EQ(info.cause, WAIT_EXITED);
    CHECK_EQ(info.status, 3);
}

static int fork_var = 10;

static void test_fork(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        fork_var = 20; /* the child's copy only */
        exit(fork_var);
    }
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(wait_for(pid, &info), pid);
    CHECK_EQ(info.status, 20);
    CHECK_EQ(fork_var, 10);
}

static void test_kill(void)
{
    int32_t pid = spawn_self("child-sleep", "100000");
    CHECK(pid > 0);
    CHECK_EQ(kill(pid), 0);
    struct wait_info info;
    CHECK_EQ(wait_for(pid, &info), pid);
    CHECK_EQ(info.cause, WAIT_KILLED);
    CHECK_EQ(kill(pid), -ESRCH);
    CHECK_EQ(kill(99999), -ESRCH);
    CHECK_EQ(kill(1), -EPERM);
}

static void test_proc_info(void)
{
    struct proc_info info;
    CHECK_EQ(proc_info(1, &info), 0);
    CHECK_EQ(info.pid, 1);
    CHECK(!strcmp(info.name, "init"));
    CHECK_EQ(proc_info(100000, &info), -EINVAL);
    CHECK_EQ(proc_info(1, (struct proc_info *)KERNEL_ADDR), -EFAULT);
    int found_self = 0;
    for (uint32_t slot = 0; proc_info(slot, &info) != -EINVAL; slot++)
        found_self |= info.pid == getpid() && !strcmp(info.name, SELF);
    CHECK(found_self);
}

static void test_module_name(void)
{
    char name[64];
    int found = 0;
    for (uint32_t i = 0; module_name(i, name, sizeof name) >= 0; i++)
        found |= !strcmp(name, SELF);
    CHECK(found);
    CHECK_EQ(module_name(1000, name, sizeof name), -ESRCH);
    CHECK_EQ(module_name(0, name, 1), -EINVAL);
    CHECK_EQ(module_name(0, (void *)KERNEL_ADDR, 16), -EFAULT);
}

static void check_fault(const char *kind, uint32_t vector, int page_fault, uint32_t cr2)
{
    int32_t pid = spawn_self("child-fault", kind);
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(wait_for(pid, &info), pid);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.vector, vector);
    CHECK(info.eip >= ABI_USER_LOW && info.eip < 0x10000000);
    if (page_fault)
        CHECK_EQ(info.cr2, cr2);
}

static void test_fault_page(void)
{
    check_fault("pf", 14, 1, 0);
}
static void test_fault_invalid_opcode(void)
{
    check_fault("ud", 6, 0, 0);
}
static void test_fault_int_gate(void)
{
    check_fault("gp", 13, 0, 0);
}
static void test_fault_divide(void)
{
    check_fault("de", 0, 0, 0);
}
static void test_fault_privileged(void)
{
    check_fault("priv", 13, 0, 0);
}
static void test_kernel_read_faults(void)
{
    check_fault("kread", 14, 1, KERNEL_ADDR);
}
static void test_kernel_write_faults(void)
{
    check_fault("kwrite", 14, 1, KERNEL_ADDR);
}

static void test_preemption(void)
{
    /* Two children burn CPU without a syscall; each exits with the time it started. If the timer
     * did not preempt, the second could only start after the first had finished. */
    int32_t a = spawn_self("child-spin", "30000000");
    int32_t b = spawn_self("child-spin", "30000000");
    CHECK(a > 0 && b > 0);
    struct wait_info ia, ib;
    CHECK_EQ(wait_for(a, &ia), a);
    uint32_t a_done = uptime_ms();
    CHECK_EQ(wait_for(b, &ib), b);
    CHECK_EQ(ia.cause, WAIT_EXITED);
    CHECK(ia.status < (int32_t)a_done);  /* a took some time */
    CHECK((uint32_t)ib.status < a_done); /* b started before a ended */
}

static void test_no_leaks(void)
{
    struct kstat before, after;
    CHECK_EQ(kstat(&before), 0);
    for (int round = 0; round < 4; round++) {
        int32_t pids[6];
        pids[0] = spawn_self("child-exit", "0");
        pids[1] = spawn_self("child-fault", "pf");
        pids[2] = spawn_self("child-sleep", "100000");
        pids[3] = fork();
        if (pids[3] == 0) {
            sbrk(64 * 1024);
            exit(0);
        }
        pids[4] = spawn_self("child-fault", "kwrite");
        pids[5] = spawn_self("child-exit", "1");
        CHECK_EQ(kill(pids[2]), 0);
        for (int i = 0; i < 6; i++)
            CHECK_EQ(wait_for(pids[i], 0), pids[i]);
    }
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.frames_free, before.frames_free);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.procs, before.procs);
    CHECK(kstat((struct kstat *)KERNEL_ADDR) == -EFAULT);
}

static void test_invalid_numbers(void)
{
    /* Unknown numbers answer -ENOSYS; syscall_raw is libsys's escape hatch for exactly this. */
    CHECK_EQ(syscall_raw(0, 0, 0, 0), -ENOSYS);
    CHECK_EQ(syscall_raw(SYS_TABLE_SIZE, 0, 0, 0), -ENOSYS);
    CHECK_EQ(syscall_raw(0xFFFFFFFFu, 0, 0, 0), -ENOSYS);
    CHECK_EQ(syscall_raw(22, 0, 0, 0), -ENOSYS); /* retired: sleep */
}

static const struct gtest tests[] = {
    {"getpid_getppid", test_getpid_getppid},
    {"write", test_write},
    {"read_errors", test_read_errors},
    {"yield_sleep_uptime", test_yield_and_time},
    {"sbrk", test_sbrk},
    {"spawn_errors", test_spawn_errors},
    {"spawn_bad_elf", test_spawn_bad_elf},
    {"argv", test_argv},
    {"waitpid", test_waitpid},
    {"fork", test_fork},
    {"kill", test_kill},
    {"proc_info", test_proc_info},
    {"module_name", test_module_name},
    {"fault_page", test_fault_page},
    {"fault_invalid_opcode", test_fault_invalid_opcode},
    {"fault_int_gate", test_fault_int_gate},
    {"fault_divide", test_fault_divide},
    {"fault_privileged", test_fault_privileged},
    {"kernel_read_faults", test_kernel_read_faults},
    {"kernel_write_faults", test_kernel_write_faults},
    {"preemption", test_preemption},
    {"no_leaks", test_no_leaks},
    {"invalid_numbers", test_invalid_numbers},
};

int main(int argc, char **argv)
{
    if (argc > 1)
        return child_main(argc, argv);
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
