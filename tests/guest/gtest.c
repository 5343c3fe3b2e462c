#include "gtest.h"

char gtest_failure[160];

int gtest_run(const struct gtest *tests, int count)
{
    char plan[1024];
    int n = snprintf(plan, sizeof plan, "plan");
    for (int i = 0; i < count; i++)
        n += snprintf(plan + n, sizeof plan - (size_t)n, " %s", tests[i].name);
    printf("%s\n", plan);
    int failed = 0;
    for (int i = 0; i < count; i++) {
        gtest_failure[0] = '\0';
        tests[i].run();
        if (gtest_failure[0]) {
            printf("FAIL %s: %s\n", tests[i].name, gtest_failure);
            failed++;
        } else {
            printf("ok %s\n", tests[i].name);
        }
    }
    return failed;
}
