/*
 * Declared errors and paths that no other guest test reaches (make test's list of unobserved
 * errors and make coverage's report found them): each case provokes one and checks that the
 * kernel state comes back.
 */
#include "gtest.h"

/* A message waiting from the right source but bigger than the buffer: EMSGSIZE, and the
 * message stays queued for a buffer that fits. */
static void test_await_from_too_small(void)
{
    gt_baseline_take();
    CHECK_EQ(amc_register_service("cov-errors"), 0);
    const uint32_t msg[4] = {7, 1, 2, 3};
    CHECK_EQ(amc_message_send("cov-errors", msg, sizeof msg), 0);
    static uint8_t rx[sizeof(struct amc_header) + sizeof msg];
    CHECK_EQ(amc_message_await_from("cov-errors", rx, sizeof rx - 1), -EMSGSIZE);
    CHECK_EQ(amc_message_await_from("cov-errors", rx, sizeof rx), (int32_t)sizeof rx);
    const struct amc_header *h = (const struct amc_header *)rx;
    CHECK_EQ(h->len, sizeof msg);
    CHECK_EQ(amc_message_poll(rx, sizeof rx), -EAGAIN);
    CHECK_EQ(amc_unregister_service(), 0);
    CHECK_BASELINE();
}

/* spawn with an empty argv takes no kernel copy of it; an unknown name is ENOENT. */
static void test_spawn_without_argv(void)
{
    gt_baseline_take();
    static const char none[1];
    CHECK_EQ(spawn("no-such-program", none, 0), -ENOENT);
    CHECK_BASELINE();
}

int main(void)
{
    static const struct gtest tests[] = {
        {"await_from_too_small", test_await_from_too_small},
        {"spawn_without_argv", test_spawn_without_argv},
    };
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
