/*
 * Guest tests of the amc fast paths that tests/bench/bench.c times (kernel/amc.c): a message
 * handed straight to a receiver blocked in an await, the cases that must fall back to the queue
 * (buffer too small, across a page, a filter the sender does not match, messages already
 * queued), and the pool of small queued messages overflowing into the heap. Every delivered
 * header must look exactly as it does on the queued path, NUL padding included.
 */
#include "gtest.h"

#define ME "amc-paths"
#define PAGE 4096u

struct received {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
};

/* Two pages, so a buffer can be placed across the boundary between them. */
static uint8_t area[2 * PAGE] __attribute__((aligned(4096)));
static struct received *const rx = (struct received *)area;

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    return r == pid && info.cause == WAIT_EXITED ? info.status : -1000;
}

/* 1 when name fills its 32-byte field and every byte after its NUL is zero too. */
static int padded(const char *field, const char *name)
{
    size_t n = strlen(name);
    if (memcmp(field, name, n) != 0)
        return 0;
    for (size_t i = n; i < sizeof rx->hdr.source; i++)
        if (field[i] != 0)
            return 0;
    return 1;
}

/* A child that registers source (none when NULL), waits a little so the parent is blocked in its
 * await, sends one message of len bytes (words 0xC0DE, 1, 2, ...) and exits 0 when that worked. */
static int32_t sender(const char *source, uint32_t len)
{
    int32_t pid = fork();
    if (pid != 0)
        return pid;
    if (source && amc_register_service(source) != 0)
        exit(2);
    sleep_ms(5);
    uint32_t words[AMC_MAX_MESSAGE / 4];
    for (uint32_t i = 0; i < len / 4; i++)
        words[i] = i == 0 ? 0xC0DE : i;
    exit(amc_message_send(ME, words, len) == 0 ? 0 : 3);
}

static int payload_ok(const uint8_t *payload, uint32_t len)
{
    uint32_t w;
    for (uint32_t i = 0; i < len / 4; i++) {
        memcpy(&w, payload + 4 * i, 4);
        if (w != (i == 0 ? 0xC0DE : i))
            return 0;
    }
    return 1;
}

static void test_handover_fills_header(void)
{
    memset(area, 0x5A, sizeof area); /* stale bytes the padding must overwrite */
    int32_t pid = sender("hand-src", 12);
    CHECK_EQ(amc_message_await(rx, sizeof(struct amc_header) + 12),
             (int32_t)sizeof(struct amc_header) + 12);
    CHECK(padded(rx->hdr.source, "hand-src"));
    CHECK(padded(rx->hdr.dest, ME));
    CHECK_EQ(rx->hdr.source_pid, pid);
    CHECK_EQ(rx->hdr.len, 12);
    CHECK(payload_ok(rx->payload, 12));
    CHECK_EQ(reap(pid), 0);
}

static void test_handover_sender_without_service(void)
{
    memset(area, 0x5A, sizeof area);
    int32_t pid = sender(NULL, 4);
    CHECK_EQ(amc_message_await(rx, sizeof *rx), (int32_t)sizeof(struct amc_header) + 4);
    CHECK(padded(rx->hdr.source, ""));
    CHECK(padded(rx->hdr.dest, ME));
    CHECK_EQ(rx->hdr.source_pid, pid);
    CHECK_EQ(reap(pid), 0);
}

static void test_small_buffer_keeps_message(void)
{
    int32_t pid = sender("small-src", 8);
    CHECK_EQ(amc_message_await(rx, sizeof(struct amc_header) + 4), -EMSGSIZE);
    CHECK_EQ(reap(pid), 0);
    CHECK_EQ(amc_message_poll(rx, sizeof *rx), (int32_t)sizeof(struct amc_header) + 8);
    CHECK(padded(rx->hdr.source, "small-src"));
    CHECK(payload_ok(rx->payload, 8));
}

static void test_buffer_across_pages(void)
{
    struct received *across = (struct received *)(area + PAGE - 40);
    int32_t pid = sender("page-src", 64);
    CHECK_EQ(amc_message_await(across, sizeof *across), (int32_t)sizeof(struct amc_header) + 64);
    CHECK(padded(across->hdr.source, "page-src"));
    CHECK(padded(across->hdr.dest, ME));
    CHECK_EQ(across->hdr.len, 64);
    CHECK(payload_ok(across->payload, 64));
    CHECK_EQ(reap(pid), 0);
}

static void test_filter_mismatch_queues(void)
{
    int32_t a = sender("filter-x", 4);
    int32_t b = fork();
    if (b == 0) {
        amc_register_service("filter-y");
        sleep_ms(30); /* after x's message, while the parent still waits for y */
        uint32_t w = 0xC0DE;
        exit(amc_message_send(ME, &w, 4) == 0 ? 0 : 3);
    }
    CHECK_EQ(amc_message_await_from("filter-y", rx, sizeof *rx),
             (int32_t)sizeof(struct amc_header) + 4);
    CHECK(padded(rx->hdr.source, "filter-y"));
    CHECK_EQ(amc_message_poll(rx, sizeof *rx), (int32_t)sizeof(struct amc_header) + 4);
    CHECK(padded(rx->hdr.source, "filter-x"));
    CHECK_EQ(amc_message_poll(rx, sizeof *rx), -EAGAIN);
    CHECK_EQ(reap(a), 0);
    CHECK_EQ(reap(b), 0);
}

/*
 * Receivers that wait for a message from "release" only, so everything else queues up: three
 * full queues are more small messages than the pool holds. Each receiver then checks that it got
 * all of them, in order.
 */
static int32_t pool_receiver(const char *name)
{
    int32_t pid = fork();
    if (pid != 0)
        return pid;
    static struct received in;
    if (amc_register_service(name) != 0 || amc_message_send(ME, "redy", 4) != 0)
        exit(2);
    if (amc_message_await_from("release", &in, sizeof in) <= 0)
        exit(3);
    for (uint32_t i = 0; i < AMC_QUEUE_DEPTH - 1; i++) {
        uint32_t w;
        if (amc_message_poll(&in, sizeof in) <= 0)
            exit(4);
        memcpy(&w, in.payload, 4);
        if (w != i)
            exit(5);
    }
    exit(amc_message_poll(&in, sizeof in) == -EAGAIN ? 0 : 6);
}

static void test_pool_overflows_into_heap(void)
{
    static const char *const names[] = {"pool-0", "pool-1", "pool-2"};
    struct kstat before, full, after;
    CHECK_EQ(kstat(&before), 0);
    int32_t pids[3];
    for (int r = 0; r < 3; r++) {
        pids[r] = pool_receiver(names[r]);
        CHECK(amc_message_await(rx, sizeof *rx) > 0); /* "redy" */
    }
    for (int r = 0; r < 3; r++)
        for (uint32_t i = 0; i < AMC_QUEUE_DEPTH - 1; i++)
            CHECK_EQ(amc_message_send(names[r], &i, 4), 0);
    CHECK_EQ(kstat(&full), 0);
    CHECK_EQ(full.amc_queued - before.amc_queued, 3 * (AMC_QUEUE_DEPTH - 1));
    int32_t releaser = fork();
    if (releaser == 0) {
        int ok = amc_register_service("release") == 0;
        for (int r = 0; r < 3; r++)
            ok = ok && amc_message_send(names[r], "go!!", 4) == 0;
        exit(ok ? 0 : 1);
    }
    CHECK_EQ(reap(releaser), 0);
    for (int r = 0; r < 3; r++)
        CHECK_EQ(reap(pids[r]), 0);
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.amc_queued, before.amc_queued);
    CHECK_EQ(after.heap_used, before.heap_used);
}

static const struct gtest tests[] = {
    {"amc_handover_fills_header", test_handover_fills_header},
    {"amc_handover_sender_without_service", test_handover_sender_without_service},
    {"amc_small_buffer_keeps_message", test_small_buffer_keeps_message},
    {"amc_buffer_across_pages", test_buffer_across_pages},
    {"amc_filter_mismatch_queues", test_filter_mismatch_queues},
    {"amc_pool_overflows_into_heap", test_pool_overflows_into_heap},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL amc_paths_setup: cannot register %s\n", ME);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
