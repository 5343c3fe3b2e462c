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

/* A server that takes one call and never answers it. */
static int child_hold_call(uint32_t arg)
{
    (void)arg;
    static uint8_t buf[64];
    if (amc_register_service("cov-hold") != 0)
        return 1;
    amc_reply_wait(AMC_NO_CALL, buf, 0, sizeof buf, 0, 0); /* receives the call */
    for (;;)
        sleep_ms(1000);
}

/* amc_call_buf to a server that holds the call: ETIMEDOUT once timeout_ms has passed. */
static void test_call_buf_times_out(void)
{
    gt_baseline_take();
    const int32_t pid = gt_fork(child_hold_call, 0);
    CHECK(pid > 0);
    CHECK(gt_wait_blocked(pid)); /* registered and waiting for a call */
    const int32_t h = amc_open("cov-hold");
    CHECK(h > 0);
    uint32_t msg[3] = {1, 2, 3};
    CHECK_EQ(amc_call_buf(h, msg, 4, sizeof msg, 10), -ETIMEDOUT);
    CHECK_EQ(amc_close(h), 0);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
    CHECK_BASELINE();
}

int main(void)
{
    static const struct gtest tests[] = {
        {"await_from_too_small", test_await_from_too_small},
        {"spawn_without_argv", test_spawn_without_argv},
        {"call_buf_times_out", test_call_buf_times_out},
    };
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
