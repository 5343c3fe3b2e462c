/*
 * Stress tests: exhaust the process table and memory, flood a slow amc receiver, and kill
 * processes while they are blocked. Each test checks the clear error the kernel gives when a
 * resource runs out (EAGAIN, ENOMEM, ENOBUFS) and then full recovery: once the test's processes
 * are gone, the kernel counters (kstat) are back to what they were before it.
 *
 * Run as "stress" by init (boot spec in tests/qemu/fuzz_boots.lua, with little memory so that it
 * runs out before the process table does). It spawns itself with argv[1] = "sleep" to have
 * something to spawn.
 */
#include "gtest.h"

#define SELF "stress"
#define FOREVER 0x7FFFFFFFu
#define MB (1024 * 1024)

/* ---- helpers ---- */

static int child_sleep(uint32_t unused)
{
    (void)unused;
    sleep_ms(FOREVER);
    return 1;
}

static int child_exit(uint32_t status)
{
    return (int)status;
}

/* Takes a megabyte (if it can: memory may be short) and blocks. */
static int child_hold_megabyte(uint32_t unused)
{
    sbrk(MB);
    return child_sleep(unused);
}

static uint32_t free_slots(void)
{
    struct proc_info pi;
    uint32_t n = 0;
    for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++)
        n += proc_info(slot, &pi) == -ESRCH;
    return n;
}

/* Kills and reaps every pid; returns how many ended as WAIT_KILLED. */
static int kill_all(const int32_t *pids, int n)
{
    int killed = 0;
    for (int i = 0; i < n; i++)
        kill(pids[i]);
    for (int i = 0; i < n; i++) {
        struct wait_info info;
        if (waitpid(pids[i], &info, 0) == pids[i] && info.cause == WAIT_KILLED)
            killed++;
    }
    return killed;
}

static int32_t spawn_sleeper(void)
{
    static char *argv[] = {SELF, "sleep", 0};
    char packed[32];
    int len = argv_pack(packed, sizeof packed, 2, argv);
    return spawn(SELF, packed, (uint32_t)len);
}

/* ---- the process table ---- */

static int32_t pids[128];

static void test_fork_until_table_full(void)
{
    gt_baseline_take();
    uint32_t room = free_slots();
    int n = 0;
    int32_t err = 0;
    while (n < 128) {
        int32_t pid = gt_fork(child_sleep, 0);
        if (pid < 0) {
            err = pid;
            break;
        }
        pids[n++] = pid;
    }
    printf("  fork: %d children, then %s (%u free slots before)\n", n, strerror(err), room);
    CHECK_EQ(err, -EAGAIN);
    CHECK_EQ(n, room);
    CHECK_EQ(spawn_sleeper(), -EAGAIN); /* the table is full for spawn too */
    CHECK(gt_wait_blocked(pids[n - 1]));
    CHECK_EQ(kill_all(pids, n), n); /* each killed while blocked in sleep_ms */
    CHECK_BASELINE();
    int32_t pid = gt_fork(child_exit, 7); /* and the table works again */
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.status, 7);
}

static void test_spawn_until_table_full(void)
{
    gt_baseline_take();
    uint32_t room = free_slots();
    int n = 0;
    int32_t err = 0;
    while (n < 128) {
        int32_t pid = spawn_sleeper();
        if (pid < 0) {
            err = pid;
            break;
        }
        pids[n++] = pid;
    }
    printf("  spawn: %d children, then %s\n", n, strerror(err));
    CHECK_EQ(err, -EAGAIN);
    CHECK_EQ(n, room);
    CHECK_EQ(kill_all(pids, n), n);
    CHECK_BASELINE();
    int32_t pid = spawn_sleeper();
    CHECK(pid > 0);
    CHECK_EQ(kill_all(&pid, 1), 1);
}

/* ---- memory ---- */

/* Grows the heap 1 MiB at a time until the kernel refuses; returns the bytes added. */
static uint32_t grab_memory(int32_t *err)
{
    uint32_t base = sbrk(0), got = 0;
    for (;;) {
        uint32_t r = sbrk(MB);
        if ((int32_t)r < 0) {
            *err = (int32_t)r;
            break;
        }
        got += MB;
    }
    (void)base;
    return got;
}

static void test_sbrk_exhaustion(void)
{
    gt_baseline_take();
    uint32_t base = sbrk(0);
    int32_t err = 0;
    uint32_t got = grab_memory(&err);
    printf("  sbrk: grew %u MiB, then %s\n", got / MB, strerror(err));
    CHECK_EQ(err, -ENOMEM);
    CHECK(got >= MB);
    CHECK_EQ(sbrk(0), base + got); /* a refused sbrk leaves the break alone */
    volatile uint8_t *heap = (volatile uint8_t *)base;
    heap[0] = 1;
    heap[got - 1] = 2; /* the whole grown heap is usable */
    CHECK_EQ(heap[0] + heap[got - 1], 3);
    CHECK_EQ((int32_t)sbrk(0x7FFFFFFF), -ENOMEM);
    CHECK_EQ(sbrk(-(int32_t)got), base + got);
    CHECK_EQ(sbrk(0), base);
    CHECK_BASELINE();
}

/* Children that each hold a megabyte until fork runs out of memory; then the last pages go to
 * the heap, and nothing that needs memory works until the children are gone. */
static void test_fork_until_memory_full(void)
{
    gt_baseline_take();
    uint32_t base = sbrk(0);
    int n = 0;
    int32_t err = 0;
    while (n < 128) {
        int32_t pid = gt_fork(child_hold_megabyte, 0);
        if (pid < 0) {
            err = pid;
            break;
        }
        pids[n++] = pid;
        gt_wait_blocked(pid); /* its megabyte is taken before the next fork */
    }
    printf("  fork with 1 MiB each: %d children, then %s\n", n, strerror(err));
    CHECK_EQ(err, -ENOMEM);
    while ((int32_t)sbrk(4096) >= 0)
        ;
    CHECK_EQ(gt_fork(child_exit, 0), -ENOMEM);
    CHECK_EQ(spawn_sleeper(), -ENOMEM);
    CHECK_EQ((int32_t)sbrk(4096), -ENOMEM);
    sbrk(-(int32_t)(sbrk(0) - base));
    CHECK_EQ(sbrk(0), base);
    CHECK_EQ(kill_all(pids, n), n);
    CHECK_BASELINE();
    /* Everything works again. */
    int32_t err2 = 0;
    uint32_t got = grab_memory(&err2);
    CHECK(got >= 4 * MB);
    sbrk(-(int32_t)got);
    int32_t pid = spawn_sleeper();
    CHECK(pid > 0);
    CHECK_EQ(kill_all(&pid, 1), 1);
    CHECK_BASELINE();
}

/* ---- amc flood ---- */

#define SINK "flood-sink"
#define SENDERS 6
#define PER_SENDER 200
#define KIND_DATA 1u
#define KIND_SUMMARY 2u

struct flood_msg {
    uint32_t kind, sender, seq;
    uint8_t pad[52];
};

struct flood_summary {
    uint32_t kind, sender, accepted, other_errors;
    uint8_t accepted_bits[PER_SENDER / 8];
};

static struct {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
} rx;

/* A sender: every message it may, as fast as it can, then the list of those accepted. */
static int flood_sender(uint32_t me)
{
    struct flood_summary sum = {.kind = KIND_SUMMARY, .sender = me};
    for (uint32_t seq = 0; seq < PER_SENDER; seq++) {
        struct flood_msg m = {.kind = KIND_DATA, .sender = me, .seq = seq};
        int32_t r = amc_message_send(SINK, &m, sizeof m);
        if (r == 0) {
            sum.accepted++;
            sum.accepted_bits[seq / 8] |= (uint8_t)(1u << (seq % 8));
        } else if (r != -ENOBUFS) {
            sum.other_errors++;
        }
        yield();
    }
    while (amc_message_send(SINK, &sum, sizeof sum) == -ENOBUFS)
        sleep_ms(1);
    return 0;
}

static void test_amc_flood(void)
{
    gt_baseline_take();
    CHECK_EQ(amc_register_service(SINK), 0);
    int32_t senders[SENDERS];
    for (uint32_t i = 0; i < SENDERS; i++) {
        senders[i] = gt_fork(flood_sender, i);
        CHECK(senders[i] > 0);
    }
    struct kstat with_senders;
    kstat(&with_senders);
    uint8_t got_bits[SENDERS][PER_SENDER / 8] = {{0}};
    int32_t last_seq[SENDERS];
    uint32_t received = 0, summaries = 0, rejected = 0, max_queued = 0, max_heap = 0;
    int order_ok = 1, source_ok = 1, exact = 1, others = 0;
    for (int i = 0; i < SENDERS; i++)
        last_seq[i] = -1;
    while (summaries < SENDERS) {
        struct kstat k;
        kstat(&k);
        max_queued = k.amc_queued > max_queued ? k.amc_queued : max_queued;
        max_heap = k.heap_used > max_heap ? k.heap_used : max_heap;
        int32_t n = amc_message_await(&rx, sizeof rx);
        CHECK(n > 0);
        uint32_t kind, sender;
        memcpy(&kind, rx.payload, 4);
        memcpy(&sender, rx.payload + 4, 4);
        CHECK(sender < SENDERS);
        source_ok &= rx.hdr.source_pid == senders[sender];
        if (kind == KIND_DATA) {
            struct flood_msg m;
            memcpy(&m, rx.payload, sizeof m);
            order_ok &= (int32_t)m.seq > last_seq[sender]; /* per-sender FIFO, no duplicates */
            last_seq[sender] = (int32_t)m.seq;
            got_bits[sender][m.seq / 8] |= (uint8_t)(1u << (m.seq % 8));
            received++;
        } else {
            struct flood_summary s;
            memcpy(&s, rx.payload, sizeof s);
            exact &= !memcmp(s.accepted_bits, got_bits[sender], sizeof s.accepted_bits);
            rejected += PER_SENDER - s.accepted - s.other_errors;
            others += (int)s.other_errors;
            summaries++;
        }
        if (received % 8 == 0)
            sleep_ms(1); /* a slow receiver */
    }
    for (int i = 0; i < SENDERS; i++) {
        struct wait_info info;
        CHECK_EQ(waitpid(senders[i], &info, 0), senders[i]);
        CHECK_EQ(info.status, 0);
    }
    printf("  amc flood: %u messages delivered, %u refused with ENOBUFS; at most %u queued, heap "
           "%u bytes above the senders' baseline\n",
           received, rejected, max_queued, max_heap - with_senders.heap_used);
    CHECK(order_ok);
    CHECK(source_ok);
    CHECK(exact);        /* every accepted message delivered exactly once */
    CHECK_EQ(others, 0); /* the only refusal is ENOBUFS */
    CHECK(rejected > 0); /* the flood did fill the queue */
    CHECK(max_queued <= SENDERS * AMC_QUEUE_DEPTH); /* each sender has its own share */
    /* Bounded memory: the queue holds at most AMC_QUEUE_DEPTH messages of this size per sender. */
    CHECK(max_heap - with_senders.heap_used <=
          SENDERS * AMC_QUEUE_DEPTH *
              (sizeof(struct amc_header) + sizeof(struct flood_summary) + 64));
    CHECK_EQ(amc_unregister_service(), 0);
    CHECK_BASELINE();
}

/* ---- killed while blocked ---- */

/* How long the orphaned grandchild of the waitpid case lives: it belongs to init once its
 * parent is killed, out of this test's reach, so it must end by itself. */
#define ORPHAN_MS 300u

static int child_sleep_ms(uint32_t ms)
{
    sleep_ms(ms);
    return 0;
}

static const char *const hows[] = {"await", "await_from", "sleep", "read", "waitpid"};
#define HOWS (sizeof hows / sizeof hows[0])

/* Blocks in the kernel in way number how, for good. */
static int child_block(uint32_t how)
{
    char buf[64];
    if (!strcmp(hows[how], "await")) {
        amc_register_service("blocked-await");
        amc_message_await(buf, sizeof buf);
    } else if (!strcmp(hows[how], "await_from")) {
        amc_register_service("blocked-from");
        amc_message_await_from("nobody", buf, sizeof buf);
    } else if (!strcmp(hows[how], "sleep")) {
        sleep_ms(FOREVER);
    } else if (!strcmp(hows[how], "read")) {
        read(0, buf, sizeof buf);
    } else if (!strcmp(hows[how], "waitpid")) {
        waitpid(gt_fork(child_sleep_ms, ORPHAN_MS), 0, 0);
    }
    return 1; /* never reached: the parent kills it first */
}

static void test_kill_blocked(void)
{
    gt_baseline_take();
    const int n = HOWS;
    int32_t kids[HOWS];
    for (int i = 0; i < n; i++) {
        kids[i] = gt_fork(child_block, (uint32_t)i);
        CHECK(kids[i] > 0);
    }
    for (int i = 0; i < n; i++) {
        if (!gt_wait_blocked(kids[i]))
            printf("  %s: child %d never blocked\n", hows[i], kids[i]);
        CHECK(gt_proc_state(kids[i]) == GT_STATE_BLOCKED);
    }
    /* The grandchild of the waitpid case, found by its parent. */
    int32_t grandchild = -1;
    struct proc_info pi;
    for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++)
        if (proc_info(slot, &pi) == 0 && pi.ppid == kids[n - 1])
            grandchild = pi.pid;
    CHECK(grandchild > 0);
    CHECK_EQ(kill_all(kids, n), n);
    /* Their services are gone with them: the names are free, and messages to them bounce. */
    CHECK_EQ(amc_message_send("blocked-await", "ping", 4), -ENOENT);
    CHECK_EQ(amc_register_service("blocked-from"), 0);
    CHECK_EQ(amc_unregister_service(), 0);
    /* The orphaned grandchild went to init: no longer a descendant, it cannot be killed from
     * here; it ends by itself and init reaps it (CHECK_BASELINE waits for that). */
    CHECK_EQ(kill(grandchild), -EPERM);
    CHECK_BASELINE();
}

static int child_sleep_for(uint32_t ms)
{
    sleep_ms(ms);
    return 9; /* woke up: far too early */
}

/* sleep_ms takes any u32: a huge one blocks (it must not wrap around and end at once). */
static void test_sleep_huge(void)
{
    gt_baseline_take();
    static const uint32_t lengths[] = {0xFFFFFFFFu, 0xFFFFFFFEu, 0x80000000u, FOREVER};
    int32_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = gt_fork(child_sleep_for, lengths[i]);
        CHECK(kids[i] > 0);
    }
    sleep_ms(50);
    for (int i = 0; i < 4; i++) {
        struct wait_info info;
        if (waitpid(kids[i], &info, WNOHANG) == kids[i])
            printf("  sleep_ms(0x%x) returned after less than 50 ms\n", lengths[i]);
    }
    CHECK_EQ(kill_all(kids, 4), 4);
    CHECK_BASELINE();
}

static const struct gtest tests[] = {
    {"stress_fork_until_table_full", test_fork_until_table_full},
    {"stress_spawn_until_table_full", test_spawn_until_table_full},
    {"stress_sbrk_exhaustion", test_sbrk_exhaustion},
    {"stress_fork_until_memory_full", test_fork_until_memory_full},
    {"stress_amc_flood", test_amc_flood},
    {"stress_kill_blocked", test_kill_blocked},
    {"stress_sleep_huge", test_sleep_huge},
};

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "sleep")) {
        sleep_ms(FOREVER);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
