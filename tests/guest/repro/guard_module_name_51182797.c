/*
 * fuzz-cov reproducer: module_name changed the bytes just past an out buffer it was given
 * Found by fuzz-cov seed 0x2222 in batch 105; minimized from 3 to 1 calls in 3 replays.
 * (On a scratch kernel whose module_name let cap == len through, writing the NUL one past the
 * buffer: the planted bug of issue 18's demonstration. Kept as a regression test.)
 * Written by tests/fuzzcov/loop.lua; it fails until the bug is fixed. The program:
 *
 *   0 module_name(0x4, scratch+0x9279, 0x9)
 */
#include "fc.h"
#include "gtest.h"

static const uint16_t errors_module_name[] = {ESRCH, E2BIG, EFAULT, EINVAL, 0};

static void program(const void *unused)
{
    (void)unused;
    static uint32_t r[1];
    fc_setup(0x873b97aeu);
    {
        const uint32_t a[] = {0x4u, FC_SCR(0x9279u), 0x9u, 0};
        fc_guard_take(0x9282u, 16u);
        r[0] = fc_call(SYS_module_name, a, 3, 0);
        fc_check_guard(0, "module_name");
        fc_check_error(0, "module_name", r[0], errors_module_name);
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
    static const struct gtest tests[] = {{"guard_module_name_51182797", test_repro}};
    return gtest_run(tests, 1) ? 1 : 0;
}
