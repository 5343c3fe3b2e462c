/*
 * console_mode (kernel/console.c): the modes, who may be the foreground, and that raw mode ends
 * with its owner. The boot (tests/qemu/shell_boots.lua) types ahead "ab", Ctrl-D, "c", CR, then
 * "x", backspace, "y", CR, then "line", CR. Typed-ahead input waits uninterpreted until it is
 * read, so each read sees it under the mode in effect at that moment.
 */
#include "gtest.h"

static struct kstat before;

/* Raw: the bytes as typed, Ctrl-D an ordinary byte, nothing echoed. A read returns what has
 * arrived, never past the CR: reads until the CR see exactly the typed bytes. */
static void test_raw_read(void)
{
    char buf[16];
    int32_t n = 0, r = 1;
    CHECK_EQ(console_mode(CONSOLE_RAW, 0), 0);
    while (r > 0 && n < (int32_t)sizeof buf && (n == 0 || buf[n - 1] != '\r')) {
        r = read(0, buf + n, sizeof buf - (uint32_t)n);
        n += r > 0 ? r : 0;
    }
    CHECK_EQ(console_mode(CONSOLE_COOKED, 0), 0);
    CHECK_EQ(n, 5);
    CHECK(!memcmp(buf, "ab\4c\r", 5));
}

/* Cooked: the kernel applies the backspace and turns CR into LF. */
static void test_cooked_read(void)
{
    char buf[16];
    int32_t n = read(0, buf, sizeof buf);
    printf("\n"); /* end the echo's line */
    CHECK_EQ(n, 2);
    CHECK(!memcmp(buf, "y\n", 2));
}

/* A child asks for raw mode and ends: the console is cooked again for the parent. */
static void test_raw_ends_with_owner(void)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(console_mode(CONSOLE_RAW, 0));
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.status, 0);
    char buf[16];
    int32_t n = read(0, buf, sizeof buf);
    printf("\n");
    CHECK_EQ(n, 5);
    CHECK(!memcmp(buf, "line\n", 5));
}

static void test_bad_mode(void)
{
    CHECK_EQ(console_mode(2, 0), -EINVAL);
    CHECK_EQ(console_mode(0xFFFFFFFFu, 0), -EINVAL);
}

/* Ctrl-C kills the foreground, so only the caller or its own child may be named. */
static void test_foreground_who(void)
{
    CHECK_EQ(console_mode(CONSOLE_COOKED, 1), -ESRCH); /* init: not our child */
    CHECK_EQ(console_mode(CONSOLE_COOKED, getppid()), -ESRCH);
    CHECK_EQ(console_mode(CONSOLE_COOKED, 99999), -ESRCH);
    CHECK_EQ(console_mode(CONSOLE_COOKED, -1), -ESRCH);
    CHECK_EQ(console_mode(CONSOLE_COOKED, getpid()), 0);
    int32_t pid = fork();
    if (pid == 0) {
        sleep_ms(1000);
        exit(0);
    }
    CHECK_EQ(console_mode(CONSOLE_COOKED, pid), 0);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
    CHECK_EQ(console_mode(CONSOLE_COOKED, pid), -ESRCH); /* reaped */
    CHECK_EQ(console_mode(CONSOLE_COOKED, 0), 0);
}

static void test_counters_back(void)
{
    struct kstat after;
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.frames_free, before.frames_free);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.procs, before.procs);
}

int main(void)
{
    kstat(&before);
    static const struct gtest tests[] = {
        {"console_raw_read", test_raw_read},
        {"console_cooked_read", test_cooked_read},
        {"console_raw_ends_with_owner", test_raw_ends_with_owner},
        {"console_bad_mode", test_bad_mode},
        {"console_foreground_who", test_foreground_who},
        {"console_counters_back", test_counters_back},
    };
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
