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

__attribute__((noinline)) int32_t gt_fork(int (*child)(uint32_t), uint32_t arg)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(child(arg));
    return pid;
}

int32_t gt_proc_state(int32_t pid)
{
    struct proc_info pi;
    for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++)
        if (proc_info(slot, &pi) == 0 && pi.pid == pid)
            return (int32_t)pi.state;
    return -1;
}

int gt_wait_blocked(int32_t pid)
{
    for (int i = 0; i < 500; i++) {
        if (gt_proc_state(pid) == GT_STATE_BLOCKED)
            return 1;
        sleep_ms(2);
    }
    return 0;
}

static struct kstat baseline;

void gt_baseline_take(void)
{
    kstat(&baseline);
}

int gt_baseline_back(char *why, size_t cap)
{
    struct kstat now;
    for (int i = 0; i < 300; i++) {
        kstat(&now);
        if (now.procs == baseline.procs && now.frames_free == baseline.frames_free &&
            now.heap_used == baseline.heap_used && now.amc_queued == baseline.amc_queued)
            return 1;
        sleep_ms(10);
    }
    snprintf(why, cap, "frames %u/%u heap %u/%u procs %u/%u queued %u/%u (now/before)",
             now.frames_free, baseline.frames_free, now.heap_used, baseline.heap_used, now.procs,
             baseline.procs, now.amc_queued, baseline.amc_queued);
    return 0;
}
