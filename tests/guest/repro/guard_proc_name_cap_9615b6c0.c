/*
 * fuzz-cov reproducer: proc_name wrote past the capacity its value-result length gave its buffer
 * Found by fuzz-cov seed 0x3 in batch 3; minimized from 24 to 2 calls in 25 replays.
 * (On a scratch kernel whose proc_name wrote cap + 1 bytes when the name did not fit,
 * $(BUILD)/fuzzcov/planted-cov/kernel.elf: the planted bug of issue 18's follow-up, which the
 * guard past a value-result buffer's capacity catches. Kept as a regression test.)
 * Written by tests/fuzzcov/loop.lua; it fails until the bug is fixed. The program:
 *
 *   0 fork() child=1
 *   1 proc_name(r0, scratch+0xea3d, scratch+0x7ff8 holding 0x1)
 */
#include "fc.h"
#include "gtest.h"

static const uint16_t errors_fork[] = {EAGAIN, ENOMEM, 0};
static const uint16_t errors_proc_name[] = {ESRCH, EFAULT, 0};

static void program(const void *unused)
{
    (void)unused;
    static uint32_t r[2][FC_NREGS];
    fc_setup(0x5576690cu);
    {
        const uint32_t a[] = {0};
        fc_trap(SYS_fork, a, 0, r[0]);
        if (fc_new_process(r[0][fc_reg_eax])) {
            fc_child_exit(1u);
        }
        fc_check_error(0, "fork", r[0][fc_reg_eax], errors_fork);
    }
    {
        const uint32_t a[] = {r[0][fc_reg_eax], FC_SCR(0xea3du), fc_word(0x7ff8u, 0x1u), 0};
        fc_guard_take(0x7ffcu, 16u);
        fc_guard_value_result(a[1], a[2], 0x1fu, 1u, 16u);
        fc_trap(SYS_proc_name, a, 3, r[1]);
        fc_check_guard(1, "proc_name");
        fc_check_error(1, "proc_name", r[1][fc_reg_eax], errors_proc_name);
    }
    fc_end_children();
}

static void test_repro(void)
{
    struct kstat base;
    CHECK_EQ(kstat(&base), 0);
    struct wait_info info;
    int killed = fc_run(program, 0, &info);
    CHECK(killed >= 0);
    CHECK(killed || info.cause != WAIT_EXITED || info.status != 99);
    char why[160];
    int back = fc_counters_back(&base, why, sizeof why);
    if (!back)
        printf("  %s\n", why);
    CHECK(back);
}

int main(void)
{
    static const struct gtest tests[] = {{"guard_proc_name_cap_9615b6c0", test_repro}};
    return gtest_run(tests, 1) ? 1 : 0;
}
