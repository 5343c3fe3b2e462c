/*
 * Preemptible long syscalls: while other processes run the longest syscalls there are (sbrk of
 * 2 GiB until memory runs out, 64 KiB console writes, spawning a program with a 24 MiB bss, fork
 * of an 8 MiB address space, exit and kill of a 16 MiB one), a watcher's sleep_ms(5) must return
 * within 10 ms. Time is measured
 * with rdtsc, calibrated against the PIT (uptime_ms); the boot runs under -icount, so guest time
 * is deterministic. The kernel's tickwatch report (longest gap between timer ticks, checked by
 * the boot spec) bounds how long interrupts were off.
 */
#include "gtest.h"

#define SELF "preempt"
#define WATCH_SLEEPS 40
#define SLEEP_MS 5
#define LIMIT_MS 10
#define FORK_HEAP (8 * 1024 * 1024)
#define WRITE_LEN 65536
#define EXIT_HEAP (16 * 1024 * 1024)

static inline uint64_t rdtsc(void)
{
    uint64_t t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

/* TSC ticks per millisecond of PIT time, over 50 ms (32-bit arithmetic: user programs have no
 * 64-bit division). */
static uint32_t calibrate(void)
{
    uint32_t start = uptime_ms();
    while (uptime_ms() == start)
        ;
    uint32_t t0 = (uint32_t)rdtsc();
    uint32_t from = uptime_ms();
    while (uptime_ms() - from < 50)
        ;
    return ((uint32_t)rdtsc() - t0) / (uptime_ms() - from);
}

static uint32_t to_us(uint32_t tsc, uint32_t per_ms)
{
    return tsc / per_ms * 1000 + tsc % per_ms * 1000 / per_ms;
}

/* ---- the hogs: each repeats one long syscall until it is killed ---- */

static int hog_sbrk(uint32_t unused)
{
    (void)unused;
    for (;;)
        if (sbrk(0x7FFFFFFF) != (uint32_t)-ENOMEM)
            return 1;
}

static char write_buf[WRITE_LEN];

static int hog_write(uint32_t unused)
{
    (void)unused;
    memset(write_buf, '=', sizeof write_buf);
    write_buf[sizeof write_buf - 1] = '\n';
    while (write(1, write_buf, sizeof write_buf) == WRITE_LEN)
        ;
    return 1;
}

static int hog_spawn(uint32_t unused)
{
    (void)unused;
    for (;;) {
        int32_t pid = spawn("good-big-bss", "", 0);
        if (pid > 0)
            waitpid(pid, 0, 0);
        else if (pid != -ENOMEM && pid != -EAGAIN)
            return 1;
    }
}

static int child_exit(uint32_t unused)
{
    (void)unused;
    return 0;
}

static int hog_fork(uint32_t unused)
{
    (void)unused;
    uint8_t *heap = (uint8_t *)sbrk(FORK_HEAP);
    if ((int32_t)(uintptr_t)heap < 0 && (int32_t)(uintptr_t)heap > -4096)
        return 1;
    for (uint32_t i = 0; i < FORK_HEAP; i += 4096)
        heap[i] = 1;
    for (;;) {
        int32_t pid = gt_fork(child_exit, 0);
        if (pid > 0)
            waitpid(pid, 0, 0);
    }
}

/* A child that fills a big heap, then exits (or waits to be killed): the kernel frees it all. */
static int child_big_heap(uint32_t wait_for_kill)
{
    uint8_t *heap = (uint8_t *)sbrk(EXIT_HEAP);
    if ((int32_t)(uintptr_t)heap < 0 && (int32_t)(uintptr_t)heap > -4096)
        return 0; /* the sbrk hog holds the memory just now */
    for (uint32_t i = 0; i < EXIT_HEAP; i += 4096)
        heap[i] = 1;
    if (wait_for_kill)
        sleep_ms(0x7FFFFFFF);
    return 0;
}

static int hog_exit_and_kill(uint32_t unused)
{
    (void)unused;
    for (uint32_t round = 0;; round++) {
        int32_t pid = gt_fork(child_big_heap, round & 1);
        if (pid > 0 && (round & 1)) {
            sleep_ms(5);
            kill(pid);
        }
        if (pid > 0)
            waitpid(pid, 0, 0);
        else if (pid != -ENOMEM && pid != -EAGAIN)
            return 1;
    }
}

static int (*const hogs[])(uint32_t) = {hog_sbrk, hog_write, hog_spawn, hog_fork,
                                        hog_exit_and_kill};
#define NHOGS (sizeof hogs / sizeof hogs[0])

static void test_watcher_latency(void)
{
    gt_baseline_take();
    sleep_ms(1200); /* until the kernel's tickwatch has calibrated (tick 1100) */
    uint32_t per_ms = calibrate();
    CHECK(per_ms > 0);
    int32_t pids[NHOGS];
    for (unsigned i = 0; i < NHOGS; i++) {
        pids[i] = gt_fork(hogs[i], 0);
        CHECK(pids[i] > 0);
    }
    sleep_ms(20); /* let every hog get into its syscall */
    uint32_t worst = 0, total = 0;
    for (int i = 0; i < WATCH_SLEEPS; i++) {
        uint32_t t0 = (uint32_t)rdtsc();
        sleep_ms(SLEEP_MS);
        uint32_t took = (uint32_t)rdtsc() - t0;
        total += took;
        if (took > worst)
            worst = took;
    }
    for (unsigned i = 0; i < NHOGS; i++)
        kill(pids[i]);
    for (unsigned i = 0; i < NHOGS; i++)
        waitpid(pids[i], 0, 0);
    uint32_t worst_us = to_us(worst, per_ms);
    uint32_t mean_us = to_us(total / WATCH_SLEEPS, per_ms);
    printf("preempt: sleep_ms(%d) under %u hogs: worst %u us, mean %u us (%u tsc/ms)\n", SLEEP_MS,
           (unsigned)NHOGS, worst_us, mean_us, (uint32_t)per_ms);
    CHECK(worst_us >= SLEEP_MS * 1000);
    CHECK(worst_us < LIMIT_MS * 1000);
    CHECK_BASELINE();
}

static const struct gtest tests[] = {
    {"preempt_watcher_latency", test_watcher_latency},
};

int main(void)
{
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
