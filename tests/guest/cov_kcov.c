/*
 * The kcov syscall (kernel/kcov.c). On the coverage kernel (build/cov: make coverage, and the
 * guest-cov-kcov boot) it checks what fuzz-cov relies on: a recording holds the distinct kernel
 * PCs of the caller's own syscalls, a collect hands them out once, what does not fit stays, the
 * caller's children are not recorded, the slots run out with EBUSY and come back when their
 * processes end. On every other kernel each op must answer ENOSYS.
 */
#include "gtest.h"

#define KERNEL_LOW 0xC0000000u

static uint32_t pcs[KCOV_MAX_PCS], more[KCOV_MAX_PCS];
static int coverage_kernel;

/* PCs of one getpid() or getppid() call, collected into out; returns how many. */
static int32_t pcs_of(int32_t (*call)(void), uint32_t *out)
{
    kcov(KCOV_COLLECT, out, KCOV_BUF_MAX); /* drop anything recorded before */
    call();
    return kcov(KCOV_COLLECT, out, KCOV_BUF_MAX);
}

static int contains(const uint32_t *set, int32_t n, uint32_t pc)
{
    for (int32_t i = 0; i < n; i++)
        if (set[i] == pc)
            return 1;
    return 0;
}

static void test_plain_kernel_is_enosys(void)
{
    if (coverage_kernel)
        return;
    CHECK_EQ(kcov(KCOV_ENABLE, pcs, 0), -ENOSYS);
    CHECK_EQ(kcov(KCOV_COLLECT, pcs, sizeof pcs), -ENOSYS);
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), -ENOSYS);
    CHECK_EQ(kcov(99, pcs, 0), -ENOSYS);
}

static void test_ops_need_enable(void)
{
    if (!coverage_kernel)
        return;
    CHECK_EQ(kcov(KCOV_COLLECT, pcs, sizeof pcs), -EINVAL);
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), -EINVAL);
    CHECK_EQ(kcov(0, pcs, 0), -EINVAL);
    CHECK_EQ(kcov(99, pcs, 0), -EINVAL);
    CHECK_EQ(kcov(KCOV_COLLECT, 0, 4), -EFAULT);
    CHECK_EQ(kcov(KCOV_COLLECT, pcs, KCOV_BUF_MAX + 4), -E2BIG);
}

static void test_records_distinct_kernel_pcs(void)
{
    if (!coverage_kernel)
        return;
    CHECK_EQ(kcov(KCOV_ENABLE, pcs, 0), 0);
    const int32_t n = pcs_of(getpid, pcs);
    CHECK(n > 0 && n < KCOV_MAX_PCS);
    for (int32_t i = 0; i < n; i++) {
        CHECK(pcs[i] >= KERNEL_LOW);
        CHECK(!contains(pcs, i, pcs[i]));
    }
    /* kcov's own calls are not recorded, so nothing is left */
    CHECK_EQ(kcov(KCOV_COLLECT, more, sizeof more), 0);
    /* forgotten PCs are recorded again: the same call gives the same set */
    CHECK_EQ(pcs_of(getpid, more), n);
    for (int32_t i = 0; i < n; i++)
        CHECK(contains(more, n, pcs[i]));
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), 0);
    CHECK_EQ(kcov(KCOV_COLLECT, pcs, sizeof pcs), -EINVAL);
}

static void test_collect_keeps_what_does_not_fit(void)
{
    if (!coverage_kernel)
        return;
    CHECK_EQ(kcov(KCOV_ENABLE, pcs, 0), 0);
    const int32_t n = pcs_of(getpid, pcs);
    CHECK(n > 2);
    getpid();
    CHECK_EQ(kcov(KCOV_COLLECT, more, 8), 2);
    CHECK_EQ(kcov(KCOV_COLLECT, more + 2, 3), 0); /* room for no whole PC */
    CHECK_EQ(kcov(KCOV_COLLECT, more + 2, sizeof more - 8), n - 2);
    for (int32_t i = 0; i < n; i++)
        CHECK(contains(more, n, pcs[i]));
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), 0);
}

static int child_getppid(uint32_t arg)
{
    (void)arg;
    getppid();
    return 0;
}

/* The PCs only getppid reaches (not getpid) must not show up when a child calls getppid. */
static void test_children_not_recorded(void)
{
    if (!coverage_kernel)
        return;
    CHECK_EQ(kcov(KCOV_ENABLE, pcs, 0), 0);
    const int32_t n = pcs_of(getppid, pcs);
    const int32_t m = pcs_of(getpid, more);
    int32_t unique = 0;
    for (int32_t i = 0; i < n; i++)
        if (!contains(more, m, pcs[i]))
            pcs[unique++] = pcs[i];
    CHECK(unique > 0);
    kcov(KCOV_COLLECT, more, sizeof more);
    const int32_t pid = gt_fork(child_getppid, 0);
    CHECK(pid > 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
    const int32_t k = kcov(KCOV_COLLECT, more, sizeof more);
    CHECK(k > 0); /* fork and waitpid themselves */
    for (int32_t i = 0; i < unique; i++)
        CHECK(!contains(more, k, pcs[i]));
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), 0);
}

static int child_hold_slot(uint32_t arg)
{
    (void)arg;
    if (kcov(KCOV_ENABLE, more, 0) != 0)
        return 1;
    for (;;)
        sleep_ms(1000);
}

static int child_enable(uint32_t expect)
{
    return kcov(KCOV_ENABLE, more, 0) == (int32_t)expect ? 0 : 1;
}

static void test_slots_run_out_and_come_back(void)
{
    if (!coverage_kernel)
        return;
    gt_baseline_take();
    CHECK_EQ(kcov(KCOV_ENABLE, pcs, 0), 0);
    int32_t holders[3];
    for (int i = 0; i < 3; i++) {
        holders[i] = gt_fork(child_hold_slot, 0);
        CHECK(holders[i] > 0);
        CHECK(gt_wait_blocked(holders[i])); /* it has its slot */
    }
    struct wait_info info;
    int32_t pid = gt_fork(child_enable, (uint32_t)-EBUSY);
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.status, 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(kill(holders[i]), 0);
        CHECK_EQ(waitpid(holders[i], 0, 0), holders[i]);
    }
    pid = gt_fork(child_enable, 0); /* the holders' slots are free again */
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.status, 0);
    CHECK_EQ(kcov(KCOV_DISABLE, pcs, 0), 0);
    CHECK_BASELINE();
}

int main(void)
{
    const int32_t r = kcov(KCOV_ENABLE, pcs, 0);
    coverage_kernel = r == 0;
    if (coverage_kernel)
        kcov(KCOV_DISABLE, pcs, 0);
    printf("cov_kcov: %s kernel\n", coverage_kernel ? "coverage" : "non-coverage");
    static const struct gtest tests[] = {
        {"plain_kernel_is_enosys", test_plain_kernel_is_enosys},
        {"ops_need_enable", test_ops_need_enable},
        {"records_distinct_kernel_pcs", test_records_distinct_kernel_pcs},
        {"collect_keeps_what_does_not_fit", test_collect_keeps_what_does_not_fit},
        {"children_not_recorded", test_children_not_recorded},
        {"slots_run_out_and_come_back", test_slots_run_out_and_come_back},
    };
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
