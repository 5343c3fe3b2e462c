/*
 * A tiny test framework for guest programs.
 *
 * A program lists its tests in a table; gtest_main prints the plan line (every name it will
 * run) and then one "ok NAME" or "FAIL NAME: why" line per test, so the host harness can tell
 * a test that failed from one that never ran. A test fails at its first failed check.
 */
#ifndef LAYERCAKE_GTEST_H
#define LAYERCAKE_GTEST_H

#include "libsys.h"

struct gtest {
    const char *name;
    void (*run)(void);
};

extern char gtest_failure[160];

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond) && !gtest_failure[0]) {                                                        \
            snprintf(gtest_failure, sizeof gtest_failure, "%s:%d: %s", __FILE__, __LINE__, #cond); \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Like CHECK for "a == b" on integers, reporting both values. */
#define CHECK_EQ(a, b)                                                                             \
    do {                                                                                           \
        long gtest_a = (long)(a), gtest_b = (long)(b);                                             \
        if (gtest_a != gtest_b && !gtest_failure[0]) {                                             \
            snprintf(gtest_failure, sizeof gtest_failure, "%s:%d: %s == %s (%ld != %ld)",          \
                     __FILE__, __LINE__, #a, #b, gtest_a, gtest_b);                                \
            return;                                                                                \
        }                                                                                          \
    } while (0)

/* Runs every test in the table; returns the number that failed. */
int gtest_run(const struct gtest *tests, int count);

/* ---- helpers shared by the process tests ---- */

#define GT_STATE_BLOCKED 3 /* proc_info.state */
#define GT_STATE_ZOMBIE 4

/* Runs child(arg) in a new process, which exits with its result; returns the pid (or the
 * error). fork returns twice, so it is called only in here, where no local of a caller can be
 * clobbered. */
int32_t gt_fork(int (*child)(uint32_t), uint32_t arg);
/* proc_info.state of pid, or -1 when no slot holds it. */
int32_t gt_proc_state(int32_t pid);
/* Waits (a few seconds at most) until pid is blocked in the kernel; 1 when it is. */
int gt_wait_blocked(int32_t pid);
/* kstat baselines: take one before a test, then CHECK_BASELINE() waits (a few seconds at most,
 * for orphans handed to init to be reaped) until frames, heap, processes and queued messages
 * are back to it, and fails the test with the numbers otherwise. */
void gt_baseline_take(void);
int gt_baseline_back(char *why, size_t cap);

#define CHECK_BASELINE()                                                                           \
    do {                                                                                           \
        char gt_why[128];                                                                          \
        int gt_back = gt_baseline_back(gt_why, sizeof gt_why);                                     \
        if (!gt_back)                                                                              \
            printf("  %s\n", gt_why);                                                              \
        CHECK(gt_back);                                                                            \
    } while (0)

#endif
