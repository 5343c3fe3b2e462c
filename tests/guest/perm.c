/*
 * The permission model and process-tree hostility: a process may kill only itself and its
 * descendants (EPERM for anything else: its parent, while that parent waits for it, a
 * grandparent, a sibling, init, the services), zombie hoarding until the table is full, and
 * chains of orphans. Every test restores the kstat baseline. Booted by
 * tests/qemu/integrity_boots.lua with the echod and kvd services running.
 *
 * `perm killall` (run from the shell by the init-supervision boot) tries to kill every pid it
 * is not the ancestor of, and prints how many were refused.
 */
#include "gtest.h"

#define FOREVER 0x7FFFFFFFu
#define MAX_PID 256
#define HOARD_MAX 80
#define CHAIN_DEPTH 8

static int child_sleep(uint32_t ms)
{
    sleep_ms(ms);
    return 0;
}

static int child_kill(uint32_t pid)
{
    return kill((int32_t)pid) == -EPERM ? 0 : 1;
}

static int32_t reap_status(int32_t pid)
{
    struct wait_info info;
    if (waitpid(pid, &info, 0) != pid)
        return -1000;
    return info.cause == WAIT_EXITED ? info.status : -100 - (int32_t)info.cause;
}

/* A child kills its parent while the parent waits for it in waitpid. */
static int child_kill_parent(uint32_t unused)
{
    (void)unused;
    return kill(getppid()) == -EPERM && getppid() > 1 ? 0 : 1;
}

static void test_child_kills_waiting_parent(void)
{
    gt_baseline_take();
    CHECK_EQ(reap_status(gt_fork(child_kill_parent, 0)), 0);
    CHECK_BASELINE();
}

/* A grandchild kills its grandparent (this process). */
static int child_spawn_grandchild_killer(uint32_t grandparent)
{
    return reap_status(gt_fork(child_kill, grandparent));
}

static void test_grandchild_kills_ancestor(void)
{
    gt_baseline_take();
    CHECK_EQ(reap_status(gt_fork(child_spawn_grandchild_killer, (uint32_t)getpid())), 0);
    CHECK_BASELINE();
}

/* Two children: one tries to kill the other, which must survive and then be killable by us. */
static void test_sibling(void)
{
    gt_baseline_take();
    int32_t victim = gt_fork(child_sleep, FOREVER);
    CHECK(victim > 0);
    CHECK_EQ(reap_status(gt_fork(child_kill, (uint32_t)victim)), 0);
    CHECK(gt_proc_state(victim) > 0 && gt_proc_state(victim) != GT_STATE_ZOMBIE);
    CHECK_EQ(kill(victim), 0);
    CHECK_EQ(reap_status(victim), -100 - WAIT_KILLED);
    CHECK_BASELINE();
}

/* Every process that is not ours: init, the services, and whatever else runs. */
static void test_unrelated_refused(void)
{
    gt_baseline_take();
    int refused = 0, services = 0;
    struct proc_info pi;
    for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++) {
        if (proc_info(slot, &pi) != 0 || pi.pid == getpid() || pi.state == GT_STATE_ZOMBIE)
            continue;
        CHECK_EQ(kill(pi.pid), -EPERM);
        refused++;
        services += !strcmp(pi.name, "echod") || !strcmp(pi.name, "kvd");
    }
    CHECK(refused >= 3); /* init, echod, kvd */
    CHECK_EQ(services, 2);
    CHECK_EQ(kill(1), -EPERM);
    CHECK_BASELINE();
}

/* Descendants are fair game at any depth; a missing pid or a zombie is ESRCH. */
static int child_parent_of_sleeper(uint32_t unused)
{
    (void)unused;
    struct wait_info info;
    int32_t pid = gt_fork(child_sleep, FOREVER);
    if (waitpid(pid, &info, 0) != pid)
        return 2;
    return info.cause == WAIT_KILLED ? 0 : 3;
}

static int32_t child_of(int32_t parent)
{
    struct proc_info pi;
    for (int tries = 0; tries < 500; tries++) {
        for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++)
            if (proc_info(slot, &pi) == 0 && pi.ppid == parent)
                return pi.pid;
        sleep_ms(2);
    }
    return -1;
}

static void test_descendants_and_missing(void)
{
    gt_baseline_take();
    int32_t child = gt_fork(child_parent_of_sleeper, 0);
    int32_t grandchild = child_of(child);
    CHECK(grandchild > 0);
    CHECK_EQ(kill(grandchild), 0);
    CHECK_EQ(reap_status(child), 0); /* its parent saw WAIT_KILLED */
    CHECK_EQ(kill(grandchild), -ESRCH);
    CHECK_EQ(kill(0), -ESRCH);
    CHECK_EQ(kill(-1), -ESRCH);
    CHECK_EQ(kill(0x7FFFFFFF), -ESRCH);
    int32_t zombie = gt_fork(child_sleep, 0);
    for (int i = 0; i < 500 && gt_proc_state(zombie) != GT_STATE_ZOMBIE; i++)
        sleep_ms(2);
    CHECK_EQ(kill(zombie), -ESRCH);
    CHECK_EQ(reap_status(zombie), 0);
    CHECK_BASELINE();
}

/* A child forks until the table is full and reaps nothing; the zombies go to init when it
 * ends, and the table recovers. */
static int child_hoard(uint32_t unused)
{
    (void)unused;
    int n = 0;
    while (n < HOARD_MAX) {
        int32_t pid = gt_fork(child_sleep, 0);
        if (pid < 0)
            return pid == -EAGAIN ? n : -1;
        n++;
    }
    return -2; /* the table never filled */
}

static void test_zombie_hoarding(void)
{
    gt_baseline_take();
    int32_t status = reap_status(gt_fork(child_hoard, 0));
    CHECK(status > 10);
    CHECK_BASELINE();
    int32_t again = gt_fork(child_sleep, 0);
    CHECK(again > 0);
    CHECK_EQ(reap_status(again), 0);
    CHECK_BASELINE();
}

/* A chain of processes, each forking the next and exiting at once: every link is an orphan
 * handed to init, which reaps them as they end. */
static int child_chain(uint32_t depth)
{
    if (depth > 0 && gt_fork(child_chain, depth - 1) < 0)
        return 1;
    sleep_ms(20);
    return 0;
}

static void test_orphan_chain(void)
{
    gt_baseline_take();
    CHECK_EQ(reap_status(gt_fork(child_chain, CHAIN_DEPTH)), 0);
    CHECK_BASELINE();
}

static const struct gtest tests[] = {
    {"perm_child_kills_waiting_parent", test_child_kills_waiting_parent},
    {"perm_grandchild_kills_ancestor", test_grandchild_kills_ancestor},
    {"perm_sibling", test_sibling},
    {"perm_unrelated_refused", test_unrelated_refused},
    {"perm_descendants_and_missing", test_descendants_and_missing},
    {"perm_zombie_hoarding", test_zombie_hoarding},
    {"perm_orphan_chain", test_orphan_chain},
};

/* Tries every pid but its own; prints how many live processes refused. */
static int killall(void)
{
    int refused = 0, killed = 0;
    for (int32_t pid = 1; pid < MAX_PID; pid++) {
        if (pid == getpid())
            continue;
        int32_t r = kill(pid);
        refused += r == -EPERM;
        killed += r == 0;
    }
    printf("perm killall: %d refused, %d killed\n", refused, killed);
    return killed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "killall"))
        return killall();
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
