/*
 * Out-of-memory paths under fault injection (failalloc=N / failevery=N on the kernel command
 * line, kernel/faultinj.h): a mix of everything that allocates in the kernel (fork, spawn, sbrk,
 * amc messages, copies of big address spaces), repeated. Every call must either succeed or fail
 * with an error its syscall declares; nothing may panic or leak (the kstat baseline after the
 * mix equals the one before). Booted several times with different N by
 * tests/qemu/integrity_boots.lua.
 */
#include "gtest.h"

#define SELF "faultinj"
#define ROUNDS 6
#define HEAP_STEP 65536
#define BIG_HEAP (256 * 1024)
#define MSG_LEN 100 /* above the kernel's small-message pool: comes from the heap */

static int refused, succeeded;

static int child_status(uint32_t status)
{
    return (int)status;
}

/* Touches a big heap, then forks: the copy of the address space may run out half-way. */
static int child_big_fork(uint32_t unused)
{
    (void)unused;
    uint8_t *heap = (uint8_t *)sbrk(BIG_HEAP);
    if ((int32_t)(uintptr_t)heap == -ENOMEM)
        return 0;
    for (uint32_t i = 0; i < BIG_HEAP; i += 4096)
        heap[i] = (uint8_t)i;
    int32_t pid = gt_fork(child_status, 0);
    if (pid < 0)
        return pid == -ENOMEM || pid == -EAGAIN ? 0 : 1;
    struct wait_info info;
    return waitpid(pid, &info, 0) == pid && info.cause == WAIT_EXITED ? 0 : 2;
}

/* A child's result: exited with want, or (when allow_fault) killed by a page fault it could not
 * be given memory for. */
static int reaped_ok(int32_t pid, int32_t want)
{
    struct wait_info info;
    if (waitpid(pid, &info, 0) != pid)
        return 0;
    if (info.cause == WAIT_FAULTED && info.vector == 14)
        return 1; /* a page the kernel could not provide: the program alone pays */
    return info.cause == WAIT_EXITED && info.status == want;
}

static int errno_ok(int32_t r, int32_t a, int32_t b)
{
    refused++;
    return r == a || r == b;
}

static void op_fork(void)
{
    int32_t pid = gt_fork(child_status, 7);
    if (pid > 0) {
        succeeded++;
        CHECK(reaped_ok(pid, 7));
    } else {
        CHECK(errno_ok(pid, -ENOMEM, -EAGAIN));
    }
}

static void op_spawn(void)
{
    static char *argv[] = {SELF, "exit", 0};
    char packed[32];
    int len = argv_pack(packed, sizeof packed, 2, argv);
    int32_t pid = spawn(SELF, packed, (uint32_t)len);
    if (pid > 0) {
        succeeded++;
        CHECK(reaped_ok(pid, 0));
    } else {
        CHECK(errno_ok(pid, -ENOMEM, -EAGAIN));
    }
}

static void op_sbrk(void)
{
    uint32_t old = sbrk(HEAP_STEP);
    if ((int32_t)old == -ENOMEM) {
        refused++;
        return;
    }
    succeeded++;
    for (uint32_t i = 0; i < HEAP_STEP; i += 4096)
        ((volatile uint8_t *)(uintptr_t)old)[i] = 1;
    CHECK_EQ(sbrk(-HEAP_STEP), old + HEAP_STEP);
}

static void op_amc(void)
{
    static uint8_t msg[MSG_LEN], back[sizeof(struct amc_header) + MSG_LEN];
    CHECK_EQ(amc_register_service("fi-self"), 0);
    int sent = 0;
    for (int i = 0; i < 4; i++) {
        msg[0] = (uint8_t)i;
        int32_t r = amc_message_send("fi-self", msg, sizeof msg);
        if (r == 0) {
            sent++;
            succeeded++;
        } else {
            CHECK(errno_ok(r, -ENOBUFS, -ENOBUFS));
        }
    }
    for (int i = 0; i < sent; i++)
        CHECK_EQ(amc_message_poll(back, sizeof back), (int32_t)sizeof back);
    CHECK_EQ(amc_message_poll(back, sizeof back), -EAGAIN);
    CHECK_EQ(amc_unregister_service(), 0);
}

static void op_big_fork(void)
{
    int32_t pid = gt_fork(child_big_fork, 0);
    if (pid > 0) {
        succeeded++;
        CHECK(reaped_ok(pid, 0));
    } else {
        CHECK(errno_ok(pid, -ENOMEM, -EAGAIN));
    }
}

static void test_mix_no_panic_no_leak(void)
{
    gt_baseline_take();
    for (int round = 0; round < ROUNDS && !gtest_failure[0]; round++) {
        op_fork();
        op_spawn();
        op_sbrk();
        op_amc();
        op_big_fork();
    }
    printf("  faultinj: %d calls succeeded, %d refused\n", succeeded, refused);
    CHECK_BASELINE();
}

/* The mix again: the kernel must still work after its allocations have failed. */
static void test_recovers(void)
{
    gt_baseline_take();
    op_fork();
    op_sbrk();
    op_amc();
    CHECK_BASELINE();
}

static const struct gtest tests[] = {
    {"faultinj_mix_no_panic_no_leak", test_mix_no_panic_no_leak},
    {"faultinj_recovers", test_recovers},
};

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "exit"))
        return 0;
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
