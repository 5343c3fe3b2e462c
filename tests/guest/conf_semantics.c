/*
 * Hand-written conformance: success semantics the .def cannot express and that
 * tests/guest/usermode.c and amc.c do not already check. The boot feeds this program the
 * console input "first line\nsecond\n" followed by Ctrl-D on an empty line.
 */
#include "gtest.h"

#define SELF "conf_semantics"

static int32_t reap(int32_t pid, struct wait_info *info)
{
    return waitpid(pid, info, 0);
}

/*
 * read: one line per call, a short buffer takes the line in pieces, Ctrl-D is end of input.
 * The reads happen in main, before the plan line, so the console's echo of the input cannot
 * land in the middle of a result line; this test checks what they returned.
 */
static struct {
    int32_t n;
    char data[64];
} reads[4];

static void read_input(void)
{
    static const uint32_t caps[4] = {64, 3, 64, 64};
    for (int i = 0; i < 4; i++)
        reads[i].n = read(0, reads[i].data, caps[i]);
    printf("\n"); /* end whatever the echo left on the line */
}

static void test_read_lines(void)
{
    CHECK_EQ(reads[0].n, 11);
    CHECK(!memcmp(reads[0].data, "first line\n", 11));
    CHECK_EQ(reads[1].n, 3);
    CHECK(!memcmp(reads[1].data, "sec", 3));
    CHECK_EQ(reads[2].n, 4);
    CHECK(!memcmp(reads[2].data, "ond\n", 4));
    CHECK_EQ(reads[3].n, 0);
}

/* write: fd 2 is the console too, and the result is the whole length. */
static void test_write_stderr(void)
{
    static const char msg[] = "conf_semantics: write to fd 2\n";
    CHECK_EQ(write(2, msg, sizeof msg - 1), sizeof msg - 1);
}

/* exit: the whole 32-bit status reaches the parent, negative values included. */
static void test_exit_status_32_bits(void)
{
    static const int32_t statuses[] = {-5, 0x12345678, 256};
    for (volatile unsigned i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        int32_t pid = fork();
        if (pid == 0)
            exit(statuses[i]);
        struct wait_info info;
        CHECK_EQ(reap(pid, &info), pid);
        CHECK_EQ(info.cause, WAIT_EXITED);
        CHECK_EQ(info.status, statuses[i]);
    }
}

/* kill: a process may kill itself; its parent sees WAIT_KILLED. */
static void test_kill_self(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        kill(getpid());
        exit(1); /* not reached */
    }
    struct wait_info info;
    CHECK_EQ(reap(pid, &info), pid);
    CHECK_EQ(info.cause, WAIT_KILLED);
    CHECK_EQ(info.pid, pid);
}

/* fork: the child starts with a copy of the heap and stack; later writes stay private. */
static void test_fork_copies_memory(void)
{
    volatile uint32_t *heap = (volatile uint32_t *)sbrk(4096);
    CHECK((uint32_t)heap < (uint32_t)-ABI_ERRNO_MAX);
    volatile uint32_t on_stack = 0xCAFE;
    heap[0] = 0xBEEF;
    int32_t pid = fork();
    if (pid == 0) {
        int same = heap[0] == 0xBEEF && on_stack == 0xCAFE;
        heap[0] = 1;
        on_stack = 2;
        exit(same ? 0 : 1);
    }
    struct wait_info info;
    CHECK_EQ(reap(pid, &info), pid);
    CHECK_EQ(info.status, 0);
    CHECK_EQ(heap[0], 0xBEEF);
    CHECK_EQ(on_stack, 0xCAFE);
    sbrk(-4096);
}

/* amc_unregister_service: releases the name at once; it can be taken again. */
static void test_unregister(void)
{
    uint32_t msg[2] = {1, 2};
    CHECK_EQ(amc_register_service("conf-sem"), 0);
    CHECK_EQ(amc_message_send("conf-sem", msg, sizeof msg), 0);
    CHECK_EQ(amc_unregister_service(), 0);
    CHECK_EQ(amc_message_send("conf-sem", msg, sizeof msg), -ENOENT);
    CHECK_EQ(amc_unregister_service(), -ENOENT);
    CHECK_EQ(amc_register_service("conf-sem"), 0);
    static uint8_t rx[sizeof(struct amc_header) + AMC_MAX_MESSAGE];
    CHECK_EQ(amc_message_poll(rx, sizeof rx), -EAGAIN); /* the queued message went with the name */
    CHECK_EQ(amc_unregister_service(), 0);
}

/* proc_info: the caller's own slot says running, its parent and its name. */
static void test_proc_info_self(void)
{
    struct proc_info info;
    int found = 0;
    for (uint32_t slot = 0; !found && proc_info(slot, &info) != -EINVAL; slot++) {
        if (info.pid != getpid())
            continue;
        found = 1;
        CHECK_EQ(info.state, 2);
        CHECK_EQ(info.ppid, getppid());
        CHECK(!strcmp(info.name, SELF));
    }
    CHECK(found);
}

/* kstat: counters are consistent and follow what happens. */
static void test_kstat_counters(void)
{
    struct kstat a, b;
    CHECK_EQ(kstat(&a), 0);
    CHECK(a.frames_free > 0 && a.frames_free <= a.frames_total);
    CHECK(a.heap_used < 4u * 1024 * 1024); /* a byte count inside the kernel's 4 MiB arena */
    CHECK(a.procs >= 2);                   /* init and this program */
    int32_t pid = fork();
    if (pid == 0) {
        sleep_ms(100000);
        exit(0);
    }
    CHECK_EQ(sleep_ms(20), 0);
    CHECK_EQ(kstat(&b), 0);
    CHECK_EQ(b.procs, a.procs + 1);
    CHECK(b.frames_free < a.frames_free); /* the child's pages */
    CHECK(b.ticks - a.ticks >= 20);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(reap(pid, 0), pid);
    CHECK_EQ(kstat(&b), 0);
    CHECK_EQ(b.procs, a.procs);
    CHECK_EQ(b.frames_free, a.frames_free);
}

/* module_name: returns the length; the NUL must fit (cap == length is EINVAL). */
static void test_module_name_exact(void)
{
    char name[64];
    int32_t index = -1;
    for (uint32_t i = 0; index < 0 && module_name(i, name, sizeof name) >= 0; i++)
        if (!strcmp(name, SELF))
            index = (int32_t)i;
    CHECK(index >= 0);
    uint32_t len = (uint32_t)strlen(SELF);
    CHECK_EQ(module_name((uint32_t)index, name, sizeof name), len);
    CHECK_EQ(module_name((uint32_t)index, name, len), -EINVAL);
    memset(name, 'z', sizeof name);
    CHECK_EQ(module_name((uint32_t)index, name, len + 1), len);
    CHECK_EQ(name[len], '\0');
}

/* getppid: a child's parent is the caller, a spawned child's too. */
static void test_getppid_of_spawned(void)
{
    char *argv[] = {SELF, "child-ppid", 0};
    char packed[64];
    int n = argv_pack(packed, sizeof packed, 2, argv);
    int32_t pid = spawn(SELF, packed, (uint32_t)n);
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(reap(pid, &info), pid);
    CHECK_EQ(info.status, getpid());
}

/* uptime_us: a 64-bit clock that never goes back, in step with uptime_ms, finer than a tick. */
static void test_uptime_us(void)
{
    uint64_t a = uptime_us();
    uint32_t ms = uptime_ms();
    uint64_t b = uptime_us();
    CHECK(b >= a);
    CHECK(a < ((uint64_t)ms + 1) * 1000 &&
          (uint64_t)ms * 1000 <= b + 1000); /* (no 64-bit division here) */
    uint64_t prev = uptime_us();
    int finer = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t now = uptime_us();
        CHECK(now >= prev);
        finer |= now > prev && now - prev < 1000;
        prev = now;
    }
    CHECK(finer); /* the PIT's count shows within a tick */
}

/* sleep_us: a 64-bit argument in two registers; rounded up to ticks; too long is EINVAL. */
static void test_sleep_us(void)
{
    uint64_t t0 = uptime_us();
    CHECK_EQ(sleep_us(1500), 0);
    CHECK(uptime_us() - t0 >= 1500);
    CHECK_EQ(sleep_us(0), 0);
    /* The high word must arrive: with it lost, this would be a sleep of 0, which succeeds. */
    CHECK_EQ(sleep_us((uint64_t)1 << 52), -EINVAL);
    CHECK_EQ(sleep_us(UINT64_MAX), -EINVAL);
    CHECK_EQ(sleep_us((uint64_t)UINT32_MAX * 1000 + 1), -EINVAL);
}

/* waitpid's flags are a set: a bit outside it is refused before anything waits (and traced by
 * name, WNOHANG|0x8: the trace-v2-kinds boot). */
static void test_waitpid_unknown_flag(void)
{
    CHECK_EQ(waitpid(ANY_CHILD, 0, WNOHANG | 0x8), -EINVAL);
    CHECK_EQ(waitpid(ANY_CHILD, 0, 0x80000000u), -EINVAL);
    CHECK_EQ(waitpid(ANY_CHILD, 0, WNOHANG), -ECHILD); /* no children left at this point */
}

/* proc_name: a value-result length; any live process; a reaped or invalid pid is ESRCH. */
static void test_proc_name(void)
{
    char name[32];
    uint32_t len = sizeof name;
    CHECK_EQ(proc_name(getpid(), name, &len), (int32_t)strlen(SELF));
    CHECK_EQ(len, strlen(SELF) + 1);
    CHECK(!strcmp(name, SELF));
    len = 5; /* too small: cut short, NUL-terminated, the size needed reported */
    memset(name, 'z', sizeof name);
    CHECK_EQ(proc_name(getpid(), name, &len), (int32_t)strlen(SELF));
    CHECK_EQ(len, strlen(SELF) + 1);
    CHECK(!memcmp(name, "conf\0", 5) && name[5] == 'z');
    len = 0; /* nothing written to buf at all */
    CHECK_EQ(proc_name(1, name, &len), 4);
    CHECK_EQ(len, 5);
    len = 1000; /* more than the max: only the max is used, buf may be short */
    CHECK_EQ(proc_name(1, name, &len), 4);
    CHECK(!strcmp(name, "init"));
    CHECK_EQ(proc_name(0x7FFFFFFF, name, &len), -ESRCH);
    CHECK_EQ(proc_name(0, name, &len), -ESRCH);
    int32_t pid = fork();
    if (pid == 0)
        exit(0);
    CHECK_EQ(reap(pid, 0), pid);
    len = sizeof name;
    CHECK_EQ(proc_name(pid, name, &len), -ESRCH);
    CHECK_EQ(len, sizeof name); /* not written back on failure */
    CHECK_EQ(proc_name(getpid(), name, 0), -EFAULT);
    len = 8;
    CHECK_EQ(proc_name(getpid(), (char *)0xC0000000u, &len), -EFAULT);
}

static const struct gtest tests[] = {
    {"conf_read_lines", test_read_lines},
    {"conf_write_stderr", test_write_stderr},
    {"conf_exit_status_32_bits", test_exit_status_32_bits},
    {"conf_kill_self", test_kill_self},
    {"conf_fork_copies_memory", test_fork_copies_memory},
    {"conf_unregister_releases_name", test_unregister},
    {"conf_proc_info_self", test_proc_info_self},
    {"conf_kstat_counters", test_kstat_counters},
    {"conf_module_name_exact_cap", test_module_name_exact},
    {"conf_getppid_of_spawned", test_getppid_of_spawned},
    {"conf_uptime_us", test_uptime_us},
    {"conf_sleep_us", test_sleep_us},
    {"conf_proc_name", test_proc_name},
    {"conf_waitpid_unknown_flag", test_waitpid_unknown_flag},
};

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "child-ppid"))
        return getppid();
    read_input();
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
