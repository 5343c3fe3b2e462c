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

#endif
