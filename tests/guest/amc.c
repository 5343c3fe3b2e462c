/*
 * Guest tests for amc semantics (abi/README.md, "amc"): unique names, kernel-filled headers,
 * per-sender FIFO, blocking and filtered await, poll, bounded queues, messages in flight when a
 * sender or receiver exits, and every error code. The test process owns service "amc-test";
 * children made with fork play the other side.
 */
#include "gtest.h"

#define ME "amc-test"
#define KERNEL_ADDR 0xC0100000u

struct received {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
};

static struct received rx;

static int32_t send_u32s(const char *dest, uint32_t a, uint32_t b)
{
    uint32_t msg[2] = {a, b};
    return amc_message_send(dest, msg, sizeof msg);
}

static uint32_t payload_u32(int i)
{
    uint32_t v;
    memcpy(&v, rx.payload + 4 * i, 4);
    return v;
}

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    return r == pid && info.cause == WAIT_EXITED ? info.status : -1000;
}

static void drain(void)
{
    while (amc_message_poll(&rx, sizeof rx) > 0)
        ;
}

static void test_register_unique(void)
{
    CHECK_EQ(amc_register_service(ME), -EBUSY); /* main() registered it already */
    int32_t pid = fork();
    if (pid == 0) {
        int ok = amc_register_service(ME) == -EEXIST && amc_register_service("") == -EINVAL &&
                 amc_register_service("0123456789012345678901234567890123") == -ENAMETOOLONG &&
                 amc_register_service((const char *)KERNEL_ADDR) == -EFAULT &&
                 amc_register_service("0123456789012345678901234567890") == 0;
        exit(ok ? 0 : 1);
    }
    CHECK_EQ(reap(pid), 0);
}

static void test_name_released_on_exit(void)
{
    for (volatile int round = 0; round < 2; round++) { /* volatile: fork returns twice */
        int32_t pid = fork();
        if (pid == 0)
            exit(amc_register_service("short-lived") == 0 ? 0 : 1);
        CHECK_EQ(reap(pid), 0); /* the second round can only succeed if the name was freed */
    }
    CHECK_EQ(send_u32s("short-lived", 1, 2), -ENOENT);
}

static void test_kernel_fills_header(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        amc_register_service("hdr-sender");
        exit(send_u32s(ME, 0xABCD, 77) == 0 ? 0 : 1);
    }
    CHECK_EQ(amc_message_await(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + 8));
    CHECK(!strcmp(rx.hdr.source, "hdr-sender"));
    CHECK(!strcmp(rx.hdr.dest, ME));
    CHECK_EQ(rx.hdr.source_pid, pid);
    CHECK_EQ(rx.hdr.len, 8);
    CHECK_EQ(payload_u32(0), 0xABCD);
    CHECK_EQ(reap(pid), 0);
    /* A sender without a service is named by pid only; the header cannot be forged because
     * the sender only ever supplies the payload. */
    pid = fork();
    if (pid == 0)
        exit(send_u32s(ME, 1, 2) == 0 ? 0 : 1);
    CHECK(amc_message_await(&rx, sizeof rx) > 0);
    CHECK_EQ(rx.hdr.source[0], 0);
    CHECK_EQ(rx.hdr.source_pid, pid);
    CHECK_EQ(reap(pid), 0);
}

static void test_fifo_per_sender(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        for (uint32_t i = 0; i < 20; i++)
            if (send_u32s(ME, 7, i) != 0)
                exit(1);
        exit(0);
    }
    for (uint32_t i = 0; i < 20; i++) {
        CHECK(amc_message_await(&rx, sizeof rx) > 0);
        CHECK_EQ(payload_u32(1), i);
    }
    CHECK_EQ(reap(pid), 0);
}

static void test_blocking_await_woken_by_send(void)
{
    uint32_t t0 = uptime_ms();
    int32_t pid = fork();
    if (pid == 0) {
        sleep_ms(50);
        exit(send_u32s(ME, 9, 9) == 0 ? 0 : 1);
    }
    CHECK(amc_message_await(&rx, sizeof rx) > 0); /* blocks until the child sends */
    CHECK(uptime_ms() - t0 >= 50);
    CHECK_EQ(rx.hdr.source_pid, pid);
    CHECK_EQ(reap(pid), 0);
}

/* A blocked await whose buffer starts at an odd address: the send hands the message straight
 * into it (kernel/amc.c hand_over), header fields unaligned. The test kernel's UBSan panics if the
 * kernel writes them through a misaligned struct pointer. */
static void test_await_into_unaligned_buffer(void)
{
    static uint8_t raw[sizeof(struct amc_header) + 16]
        __attribute__((aligned(128))); /* in one page */
    uint8_t *buf = raw + 1;
    int32_t pid = fork();
    if (pid == 0) {
        sleep_ms(20); /* the parent is blocked in its await by then */
        exit(send_u32s(ME, 0x1234, 0x5678) == 0 ? 0 : 1);
    }
    CHECK_EQ(amc_message_await(buf, sizeof raw - 1), (int32_t)(sizeof(struct amc_header) + 8));
    struct amc_header hdr;
    memcpy(&hdr, buf, sizeof hdr);
    CHECK_EQ(hdr.source_pid, pid);
    CHECK_EQ(hdr.len, 8u);
    CHECK(strcmp(hdr.dest, ME) == 0);
    uint32_t first;
    memcpy(&first, buf + sizeof hdr, 4);
    CHECK_EQ(first, 0x1234u);
    CHECK_EQ(reap(pid), 0);
}

static void test_filtered_await(void)
{
    int32_t a = fork();
    if (a == 0) {
        amc_register_service("filter-a");
        exit(send_u32s(ME, 1, 0xA) == 0 ? 0 : 1);
    }
    CHECK_EQ(reap(a), 0); /* a's message is queued first */
    int32_t b = fork();
    if (b == 0) {
        amc_register_service("filter-b");
        sleep_ms(20);
        exit(send_u32s(ME, 1, 0xB) == 0 ? 0 : 1);
    }
    CHECK(amc_message_await_from("filter-b", &rx, sizeof rx) > 0);
    CHECK_EQ(payload_u32(1), 0xB);
    CHECK(amc_message_poll(&rx, sizeof rx) > 0); /* a's message was skipped, not lost */
    CHECK_EQ(payload_u32(1), 0xA);
    CHECK_EQ(reap(b), 0);
    CHECK_EQ(amc_message_await_from("0123456789012345678901234567890123", &rx, sizeof rx),
             -ENAMETOOLONG);
}

static void test_poll(void)
{
    drain();
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
    CHECK_EQ(send_u32s(ME, 3, 4), 0); /* a service may send to itself */
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + 8));
    CHECK_EQ(rx.hdr.source_pid, getpid());
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
}

static void test_queue_full(void)
{
    drain();
    for (uint32_t i = 0; i < AMC_QUEUE_DEPTH; i++)
        CHECK_EQ(send_u32s(ME, 5, i), 0);
    CHECK_EQ(send_u32s(ME, 5, 999), -ENOBUFS);
    for (uint32_t i = 0; i < AMC_QUEUE_DEPTH; i++) {
        CHECK(amc_message_poll(&rx, sizeof rx) > 0);
        CHECK_EQ(payload_u32(1), i);
    }
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
}

static void test_errors(void)
{
    static uint8_t big[AMC_MAX_MESSAGE + 1];
    CHECK_EQ(send_u32s("nobody-here", 1, 1), -ENOENT);
    CHECK_EQ(amc_message_send(ME, big, sizeof big), -EMSGSIZE);
    CHECK_EQ(amc_message_send(ME, big, AMC_MAX_MESSAGE), 0);
    CHECK_EQ(amc_message_send(ME, (void *)KERNEL_ADDR, 8), -EFAULT);
    CHECK_EQ(amc_message_send(ME, (void *)0x80000000u, 8), -EFAULT);
    CHECK_EQ(amc_message_send(ME, big, 3), -EINVAL);
    CHECK_EQ(amc_message_send("0123456789012345678901234567890123", big, 8), -ENAMETOOLONG);
    CHECK_EQ(amc_message_poll(&rx, 16), -EMSGSIZE); /* too small: the message stays queued */
    CHECK_EQ(amc_message_poll((void *)KERNEL_ADDR, sizeof rx), -EFAULT);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + AMC_MAX_MESSAGE));
    int32_t pid = fork();
    if (pid == 0) /* no service: nothing to receive, nothing to unregister */
        exit(amc_message_poll(&rx, sizeof rx) == -EINVAL && amc_unregister_service() == -ENOENT
                 ? 0
                 : 1);
    CHECK_EQ(reap(pid), 0);
}

static void test_receiver_exits_with_messages(void)
{
    struct kstat before, after;
    CHECK_EQ(kstat(&before), 0);
    int32_t pid = fork();
    if (pid == 0) {
        amc_register_service("sink");
        send_u32s(ME, 0, 0); /* ready */
        sleep_ms(100000);
        exit(0);
    }
    CHECK(amc_message_await(&rx, sizeof rx) > 0);
    for (uint32_t i = 0; i < 10; i++)
        CHECK_EQ(send_u32s("sink", 1, i), 0);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.amc_dropped - before.amc_dropped, 10);
    CHECK_EQ(after.amc_queued, before.amc_queued);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.frames_free, before.frames_free);
}

static void test_sender_exits_with_messages(void)
{
    struct kstat before, after;
    drain();
    CHECK_EQ(kstat(&before), 0);
    int32_t pid = fork();
    if (pid == 0) {
        for (uint32_t i = 0; i < 5; i++)
            send_u32s(ME, 2, i);
        exit(0);
    }
    CHECK_EQ(reap(pid), 0);
    for (uint32_t i = 0; i < 5; i++) { /* delivered after the sender is gone, once each */
        CHECK(amc_message_poll(&rx, sizeof rx) > 0);
        CHECK_EQ(payload_u32(1), i);
    }
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.frames_free, before.frames_free);
}

static void test_name_released_on_kill(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        amc_register_service("killed-svc");
        send_u32s(ME, 0, 0); /* registered */
        sleep_ms(100000);
        exit(0);
    }
    CHECK(amc_message_await(&rx, sizeof rx) > 0);
    CHECK_EQ(send_u32s("killed-svc", 1, 1), 0);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
    CHECK_EQ(send_u32s("killed-svc", 1, 1), -ENOENT);
    pid = fork();
    if (pid == 0)
        exit(amc_register_service("killed-svc") == 0 ? 0 : 1);
    CHECK_EQ(reap(pid), 0);
}

/* Whatever a sender puts in its payload, the header the receiver gets is the kernel's. */
static void test_source_cannot_be_forged(void)
{
    drain();
    int32_t pid = fork();
    if (pid == 0) {
        amc_register_service("honest-name");
        struct amc_header fake;
        memset(&fake, 0, sizeof fake);
        strlcpy(fake.source, "kv", sizeof fake.source);
        strlcpy(fake.dest, "elsewhere", sizeof fake.dest);
        fake.source_pid = 1;
        fake.len = 4;
        exit(amc_message_send(ME, &fake, sizeof fake) == 0 ? 0 : 1);
    }
    CHECK_EQ(reap(pid), 0);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(2 * sizeof rx.hdr));
    CHECK(!strcmp(rx.hdr.source, "honest-name"));
    CHECK(!strcmp(rx.hdr.dest, ME));
    CHECK_EQ(rx.hdr.source_pid, pid);
    CHECK_EQ(rx.hdr.len, sizeof rx.hdr);
    struct amc_header copy; /* the fake header arrived as plain payload */
    memcpy(&copy, rx.payload, sizeof copy);
    CHECK(!strcmp(copy.source, "kv"));
}

/* The kernel copies the payload during the send: changing the buffer afterwards changes
 * nothing the receiver sees. */
static void test_payload_copied_at_send(void)
{
    drain();
    static uint8_t buf[64];
    for (uint32_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)i;
    CHECK_EQ(amc_message_send(ME, buf, sizeof buf), 0);
    memset(buf, 0xEE, sizeof buf);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + sizeof buf));
    for (uint32_t i = 0; i < sizeof buf; i++)
        CHECK_EQ(rx.payload[i], i);
}

/* Two senders at once: the messages interleave, but each sender's arrive in its order. */
static void test_fifo_two_senders(void)
{
    drain();
    int32_t pids[2];
    for (uint32_t who = 0; who < 2; who++) {
        pids[who] = fork();
        if (pids[who] == 0) {
            for (uint32_t i = 0; i < 15; i++) {
                if (send_u32s(ME, who, i) != 0)
                    exit(1);
                yield();
            }
            exit(0);
        }
    }
    uint32_t next[2] = {0, 0};
    for (int n = 0; n < 30; n++) {
        CHECK(amc_message_await(&rx, sizeof rx) > 0);
        uint32_t who = payload_u32(0);
        CHECK(who < 2);
        CHECK_EQ(rx.hdr.source_pid, pids[who]);
        CHECK_EQ(payload_u32(1), next[who]);
        next[who]++;
    }
    CHECK_EQ(reap(pids[0]), 0);
    CHECK_EQ(reap(pids[1]), 0);
}

/* A flood of the largest messages costs at most AMC_QUEUE_DEPTH of them in kernel memory;
 * the sends past that fail and allocate nothing, and draining gives every byte back. */
static void test_flood_memory_bounded(void)
{
    static uint8_t big[AMC_MAX_MESSAGE];
    struct kstat before, full, flooded, after;
    drain();
    CHECK_EQ(kstat(&before), 0);
    for (uint32_t i = 0; i < AMC_QUEUE_DEPTH; i++)
        CHECK_EQ(amc_message_send(ME, big, sizeof big), 0);
    CHECK_EQ(kstat(&full), 0);
    CHECK_EQ(full.amc_queued - before.amc_queued, AMC_QUEUE_DEPTH);
    uint32_t per_message = sizeof(struct amc_header) + AMC_MAX_MESSAGE + 64; /* + list link, heap */
    CHECK(full.heap_used - before.heap_used <= AMC_QUEUE_DEPTH * per_message);
    int refused = 0;
    for (int i = 0; i < 1000; i++)
        refused += amc_message_send(ME, big, sizeof big) == -ENOBUFS;
    CHECK_EQ(refused, 1000);
    CHECK_EQ(kstat(&flooded), 0);
    CHECK_EQ(flooded.heap_used, full.heap_used);
    CHECK_EQ(flooded.amc_queued, full.amc_queued);
    drain();
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.amc_queued, before.amc_queued);
}

/* Unregistering drops what is queued (counted), frees the name for others, and leaves the
 * process without a queue until it registers again. */
static void test_unregister_drops_queued(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        struct kstat before, after;
        int ok = amc_register_service("leaving") == 0 && kstat(&before) == 0;
        for (uint32_t i = 0; ok && i < 3; i++)
            ok = send_u32s("leaving", 4, i) == 0;
        ok = ok && amc_unregister_service() == 0 && kstat(&after) == 0 &&
             after.amc_dropped - before.amc_dropped == 3 && after.amc_queued == before.amc_queued &&
             after.heap_used == before.heap_used && send_u32s("leaving", 4, 9) == -ENOENT &&
             amc_message_poll(&rx, sizeof rx) == -EINVAL && amc_unregister_service() == -ENOENT &&
             amc_register_service("leaving-again") == 0 &&
             amc_message_poll(&rx, sizeof rx) == -EAGAIN; /* the old messages are gone */
        exit(ok ? 0 : 1);
    }
    CHECK_EQ(reap(pid), 0);
}

/* ---- names compared and copied a word at a time (kernel/amc.c, kernel/uaccess.h) ---- */

/* Names that are prefixes of each other, ending inside, at and just after a 4-byte word. */
static const char *const word_names[] = {"w", "wxyz", "wxyzv", "wxyzvuts", "wxyzvutsr"};
#define WORD_NAMES (sizeof word_names / sizeof word_names[0])

/* Child i: registers word_names[i], says so (payload 0x5EAD, i), and exits with the first
 * payload word of the first message it gets, if its header names that service. */
static int word_name_child(uint32_t i)
{
    if (amc_register_service(word_names[i]) != 0 || send_u32s(ME, 0x5EAD, i) != 0)
        return 100;
    if (amc_message_await(&rx, sizeof rx) < 0 || strcmp(rx.hdr.dest, word_names[i]) != 0)
        return 101;
    return (int)payload_u32(0);
}

/* Two fresh heap pages; the page after them is unmapped (nothing is above the break). */
static char *two_pages(void)
{
    static char *pages;
    if (!pages) {
        uint32_t brk = (uint32_t)sbrk(0);
        sbrk((int32_t)(((brk + 4095u) & ~4095u) - brk)); /* align the break */
        pages = (char *)(uintptr_t)sbrk(2 * 4096);
    }
    return pages;
}

static void test_names_by_word(void)
{
    int32_t pids[WORD_NAMES];
    for (uint32_t i = 0; i < WORD_NAMES; i++)
        CHECK((pids[i] = gt_fork(word_name_child, i)) > 0);
    /* Filtered awaits, in the order of the names: each skips the others' queued messages. */
    for (uint32_t i = 0; i < WORD_NAMES; i++) {
        CHECK(amc_message_await_from(word_names[i], &rx, sizeof rx) > 0);
        CHECK_EQ(payload_u32(1), i);
        CHECK_EQ(rx.hdr.source_pid, pids[i]);
        CHECK(strcmp(rx.hdr.source, word_names[i]) == 0);
    }
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
    static const char *const absent[] = {"wx", "wxy", "wxyzvu", "wxyzvutsrq", "x", "wxyy", "W"};
    for (uint32_t k = 0; k < sizeof absent / sizeof absent[0]; k++)
        CHECK_EQ(send_u32s(absent[k], 1, 1), -ENOENT);
    CHECK_EQ(send_u32s(word_names[0], 40, 0), 0);
    /* The bytes after a name's NUL are not part of it. */
    const char trailing[12] = {'w', 'x', 'y', 'z', 0, 'v', 'u', 't', 's', 'r', 'q', 'p'};
    CHECK_EQ(send_u32s(trailing, 41, 0), 0);
    /* A name whose NUL is the last byte before an unmapped page, one without a NUL there, and
     * one across the boundary of two mapped pages. */
    char *pages = two_pages(), *end = pages + 2 * 4096;
    memcpy(end - 6, "wxyzv", 6);
    CHECK_EQ(send_u32s(end - 6, 42, 0), 0);
    memcpy(end - 4, "wxyz", 4);
    CHECK_EQ(send_u32s(end - 4, 1, 1), -EFAULT);
    CHECK_EQ(amc_register_service(end - 1), -EFAULT);
    memcpy(pages + 4096 - 3, "wxyzvuts", 9);
    CHECK_EQ(send_u32s(pages + 4096 - 3, 43, 0), 0);
    memcpy(pages + 4096 - 5, "wxyzvutsr", 10);
    CHECK_EQ(send_u32s(pages + 4096 - 5, 44, 0), 0);
    for (uint32_t i = 0; i < WORD_NAMES; i++)
        CHECK_EQ(reap(pids[i]), (int32_t)(40 + i));
    /* At the very end of user space (this program's argv strings, which it does not use): a
     * name whose NUL is the last user byte is read (no such service), one without is a fault. */
    char *top = (char *)ABI_USER_HIGH;
    memcpy(top - 4, "wxy", 4);
    CHECK_EQ(send_u32s(top - 4, 1, 1), -ENOENT);
    CHECK_EQ(send_u32s(top - 1, 1, 1), -ENOENT); /* "" */
    memcpy(top - 4, "wxyz", 4);
    CHECK_EQ(send_u32s(top - 4, 1, 1), -EFAULT);
}

/* Child: registers name, says so, exits with the first payload word of the first message. */
static int named_child(uint32_t name)
{
    const char *n = (const char *)(uintptr_t)name;
    if (amc_register_service(n) != 0 || send_u32s(ME, 0x5EAD, 0) != 0)
        return 100;
    if (amc_message_await(&rx, sizeof rx) < 0 || strcmp(rx.hdr.dest, n) != 0)
        return 101;
    return (int)payload_u32(0);
}

static int32_t start_named(const char *name)
{
    int32_t pid = gt_fork(named_child, (uint32_t)(uintptr_t)name);
    if (pid > 0 && (amc_message_await(&rx, sizeof rx) < 0 || rx.hdr.source_pid != pid))
        return -1;
    return pid;
}

/* A sender's last destination is tried first (kernel/amc.c find_dest): it must follow the
 * name, not the service slot, through the service's exit and the slot's reuse. */
static void test_last_destination_follows_name(void)
{
    int32_t a = start_named("cache-a");
    CHECK(a > 0);
    CHECK_EQ(send_u32s("cache-a", 50, 0), 0);
    CHECK_EQ(reap(a), 50);
    CHECK_EQ(send_u32s("cache-a", 1, 0), -ENOENT); /* the slot is free */
    int32_t b = start_named("cache-b");            /* most likely a's slot again */
    CHECK(b > 0);
    CHECK_EQ(send_u32s("cache-a", 1, 0), -ENOENT); /* the slot holds another name */
    CHECK_EQ(send_u32s("cache-b", 51, 0), 0);
    CHECK_EQ(reap(b), 51);
    int32_t c = start_named("cache-a"); /* the name again, in another process */
    CHECK(c > 0);
    CHECK_EQ(send_u32s("cache-a", 52, 0), 0);
    CHECK_EQ(reap(c), 52);
}

/* ---- a flood while a filtered await is blocked ---- */

/* Registers "fl-bad", waits until the parent blocks, then sends until refused; exits 0 when
 * exactly its share was accepted and the refusal was ENOBUFS. */
static int flooder(uint32_t arg)
{
    (void)arg;
    if (amc_register_service("fl-bad") != 0 || !gt_wait_blocked(getppid()))
        return 100;
    uint32_t accepted = 0, w[2] = {0xF1, 0};
    int32_t r;
    while ((r = amc_message_send(ME, w, sizeof w)) == 0)
        w[1] = ++accepted;
    return accepted == AMC_QUEUE_DEPTH && r == -ENOBUFS ? 0 : 1;
}

/* Waits until the flooder (pid arg) has ended, then sends once as "fl-good" and once more
 * without a service name (a second process: its own share), and exits 0 when both worked. */
static int late_sender(uint32_t flooder_pid)
{
    for (int i = 0; i < 1000 && gt_proc_state((int32_t)flooder_pid) != GT_STATE_ZOMBIE; i++)
        sleep_ms(2);
    if (amc_register_service("fl-good") != 0 || send_u32s(ME, 0x600D, 1) != 0)
        return 1;
    int32_t pid = fork();
    if (pid == 0)
        exit(send_u32s(ME, 0x600D, 2) == 0 ? 0 : 1);
    return reap(pid);
}

/* The receiver waits for "fl-good" only; "fl-bad" floods meanwhile, each message waking the
 * receiver to skip it. The flood fills only the flooder's share: the later senders' sends work,
 * the filtered await gets its message past the 32 queued ahead of it, and every message is
 * still there, in order, afterwards. */
static void test_flood_during_filtered_await(void)
{
    drain();
    gt_baseline_take();
    int32_t bad = gt_fork(flooder, 0);
    CHECK(bad > 0);
    int32_t good = gt_fork(late_sender, (uint32_t)bad);
    CHECK(good > 0);
    CHECK_EQ(amc_message_await_from("fl-good", &rx, sizeof rx), (int32_t)(sizeof rx.hdr + 8));
    CHECK_EQ(payload_u32(0), 0x600D);
    CHECK_EQ(payload_u32(1), 1);
    CHECK_EQ(reap(good), 0);
    CHECK_EQ(reap(bad), 0);
    for (uint32_t i = 0; i < AMC_QUEUE_DEPTH; i++) {
        CHECK(amc_message_poll(&rx, sizeof rx) > 0);
        CHECK_EQ(payload_u32(0), 0xF1);
        CHECK_EQ(payload_u32(1), i);
    }
    CHECK(amc_message_poll(&rx, sizeof rx) > 0); /* the nameless sender's, queued last */
    CHECK_EQ(payload_u32(1), 2);
    CHECK_EQ(rx.hdr.source[0], 0);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
    CHECK_BASELINE();
}

/* The longest name, 31 bytes, as the source of a message handed straight into a blocked
 * await (every word of the header's names written). */
#define LONGEST_NAME "0123456789abcdefghijklmnopqrstu"
static int longest_name_sender(uint32_t arg)
{
    (void)arg;
    if (amc_register_service(LONGEST_NAME) != 0 || !gt_wait_blocked(getppid()))
        return 1;
    return send_u32s(ME, 31, 31) == 0 ? 0 : 2;
}

static void test_longest_source_name_handed_over(void)
{
    _Static_assert(sizeof LONGEST_NAME == AMC_NAME_MAX + 1, "the longest name");
    drain();
    memset(&rx, 0xAA, sizeof rx.hdr);
    int32_t pid = gt_fork(longest_name_sender, 0);
    CHECK(pid > 0);
    CHECK_EQ(amc_message_await(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + 8));
    CHECK(memcmp(rx.hdr.source, LONGEST_NAME, sizeof rx.hdr.source) == 0);
    char dest[AMC_NAME_MAX + 1] = ME; /* NUL-padded: the kernel writes the whole field */
    CHECK(memcmp(rx.hdr.dest, dest, sizeof dest) == 0);
    CHECK_EQ(rx.hdr.source_pid, pid);
    CHECK_EQ(rx.hdr.len, 8u);
    CHECK_EQ(payload_u32(0), 31);
    CHECK_EQ(reap(pid), 0);
}

static const struct gtest tests[] = {
    {"amc_register_unique", test_register_unique},
    {"amc_name_released_on_exit", test_name_released_on_exit},
    {"amc_kernel_fills_header", test_kernel_fills_header},
    {"amc_fifo_per_sender", test_fifo_per_sender},
    {"amc_blocking_await_woken_by_send", test_blocking_await_woken_by_send},
    {"amc_await_into_unaligned_buffer", test_await_into_unaligned_buffer},
    {"amc_filtered_await", test_filtered_await},
    {"amc_poll", test_poll},
    {"amc_queue_full", test_queue_full},
    {"amc_errors", test_errors},
    {"amc_receiver_exits_with_messages", test_receiver_exits_with_messages},
    {"amc_sender_exits_with_messages", test_sender_exits_with_messages},
    {"amc_name_released_on_kill", test_name_released_on_kill},
    {"amc_source_cannot_be_forged", test_source_cannot_be_forged},
    {"amc_payload_copied_at_send", test_payload_copied_at_send},
    {"amc_fifo_two_senders", test_fifo_two_senders},
    {"amc_flood_memory_bounded", test_flood_memory_bounded},
    {"amc_unregister_drops_queued", test_unregister_drops_queued},
    {"amc_names_by_word", test_names_by_word},
    {"amc_last_destination_follows_name", test_last_destination_follows_name},
    {"amc_flood_during_filtered_await", test_flood_during_filtered_await},
    {"amc_longest_source_name_handed_over", test_longest_source_name_handed_over},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL amc_setup: cannot register %s\n", ME);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
