/*
 * fuzz-cov reproducer: the kernel panicked: PANIC: Page fault (vector 14) error=0x00000000
 * Found by fuzz-cov seed 0x1234 in batch 1; minimized from 6 to 1 calls in 6 replays.
 * (On a scratch kernel whose spawn took a 1-byte argv as none and passed NULL on: the planted
 * bug of issue 18's demonstration. Kept as a regression test.)
 * Written by tests/fuzzcov/loop.lua; it fails until the bug is fixed. The program:
 *
 *   0 spawn("bad-entry", scratch+0x8de, 0x1)
 */
#include "fc.h"
#include "gtest.h"

static const uint16_t errors_spawn[] = {ENOENT, E2BIG,  ENOEXEC,      EAGAIN, ENOMEM,
                                        EFAULT, EINVAL, ENAMETOOLONG, 0};

static void program(const void *unused)
{
    (void)unused;
    static uint32_t r[1];
    fc_setup(0x94841897u);
    {
        const uint32_t a[] = {fc_put(0xc000u, "bad-entry", 9u), FC_SCR(0x8deu), 0x1u, 0};
        r[0] = fc_call(SYS_spawn, a, 3, 3);
        fc_check_error(0, "spawn", r[0], errors_spawn);
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
    static const struct gtest tests[] = {{"panic_dc965646", test_repro}};
    return gtest_run(tests, 1) ? 1 : 0;
}
