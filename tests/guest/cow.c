/*
 * Copy-on-write fork and demand-zero pages (kernel/vmm.c).
 *
 * After fork, parent and child share every page until one of them writes it: each must then
 * see only its own writes, whether the write comes from user code or from the kernel on its
 * behalf (a syscall's out-argument copied into a shared page). Pages of the stack and the bss
 * get a frame on first touch and read as zeros. Every frame a process may still need is promised
 * when its pages are mapped or shared, so fork fails with ENOMEM when memory is short, never a
 * later write; and once the processes are gone the kernel's counters (kstat) are back where they
 * were.
 *
 * Run as "cow" by init (tests/qemu/memory_boots.lua, with little memory for the exhaustion test).
 */
#include "gtest.h"

#define PAGE 4096u
#define PEER "cow-peer"

/* Pages that start out shared: data (initialised, so not demand-zero) and bss. */
static uint8_t data_page[PAGE] __attribute__((aligned(PAGE))) = {1};
static struct {
    struct wait_info info;
    struct kstat k;
    char name[64];
    uint8_t rest[PAGE - sizeof(struct wait_info) - sizeof(struct kstat) - 64];
} shared __attribute__((aligned(PAGE)));
_Static_assert(sizeof shared == PAGE, "shared is one page");
/* Never written by the program before the demand-zero test reads it. */
static uint8_t untouched[16 * PAGE] __attribute__((aligned(PAGE)));

/* fork returns twice, so it is called only here, where no local of a caller can be clobbered;
 * the child exits with child(arg). */
static __attribute__((noinline)) int32_t fork_child(int (*child)(uint32_t), uint32_t arg)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(child(arg));
    return pid;
}

/* The exit status of pid, or -1000 - cause when it did not exit. */
static int32_t reap(int32_t pid)
{
    struct wait_info info;
    if (waitpid(pid, &info, 0) != pid)
        return -2000;
    return info.cause == WAIT_EXITED ? info.status : -1000 - (int32_t)info.cause;
}

static uint32_t frames_free(void)
{
    struct kstat k;
    return kstat(&k) == 0 ? k.frames_free : 0;
}

static void fill(uint8_t *p, uint8_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        p[i] = v;
}

static int all(const volatile uint8_t *p, uint8_t v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

/* ---- user writes ---- */

/* The child sees the parent's page as it was at fork, writes it, gives the parent time to write
 * its own copy, and must still see only its own bytes. */
static int child_writes_page(uint32_t unused)
{
    (void)unused;
    if (!all(data_page, 0x11, PAGE))
        return 2;
    fill(data_page, 0xCC, PAGE);
    for (int i = 0; i < 20; i++)
        yield();
    return all(data_page, 0xCC, PAGE) ? 0 : 3;
}

static void test_parent_and_child_write_the_same_page(void)
{
    uint32_t before = frames_free();
    fill(data_page, 0x11, PAGE);
    int32_t pid = fork_child(child_writes_page, 0);
    CHECK(pid > 0);
    fill(data_page, 0x99, PAGE);
    yield();
    CHECK(all(data_page, 0x99, PAGE));
    CHECK_EQ(reap(pid), 0);
    CHECK(all(data_page, 0x99, PAGE));
    CHECK_EQ(frames_free(), before);
}

static int child_write_and_exit(uint32_t round)
{
    data_page[round % PAGE] = (uint8_t)round;
    return data_page[round % PAGE] == (uint8_t)round ? 0 : 1;
}

static void test_ten_thousand_forks_leak_nothing(void)
{
    uint32_t before = frames_free();
    int32_t bad = 0;
    for (uint32_t round = 0; round < 10000 && !bad; round++) {
        data_page[0] = 0x5A; /* the parent writes too, so the page changes hands both ways */
        int32_t pid = fork_child(child_write_and_exit, round + 1);
        bad = pid < 0 ? pid : reap(pid);
        if (bad)
            printf("  round %u: %d\n", round, bad);
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(data_page[0], 0x5A);
    CHECK_EQ(frames_free(), before);
}

/* ---- kernel writes into shared pages ---- */

/* Kernel writes (kstat's out-struct, module_name's out-buffer) into pages the parent shares. */
static int child_kernel_writes(uint32_t unused)
{
    (void)unused;
    if (kstat(&shared.k) != 0 || shared.k.frames_total == 0)
        return 2;
    if (module_name(0, shared.name, sizeof shared.name) <= 0)
        return 3;
    return all(shared.rest, 0xAB, sizeof shared.rest) ? 0 : 4;
}

static void test_kernel_write_in_child_is_private(void)
{
    fill((uint8_t *)&shared, 0xAB, PAGE);
    int32_t pid = fork_child(child_kernel_writes, 0);
    CHECK(pid > 0);
    CHECK_EQ(reap(pid), 0);
    CHECK(all((const uint8_t *)&shared, 0xAB, PAGE)); /* none of the child's copies arrived here */
}

/* Waits for a message from the parent, then checks that the shared page is as it was at fork,
 * though the kernel has written the parent's copy meanwhile. */
static int peer_checks_page(uint32_t unused)
{
    (void)unused;
    static struct {
        struct amc_header hdr;
        uint32_t word;
    } rx;
    if (amc_register_service(PEER) < 0)
        return 2;
    if (amc_message_await(&rx, sizeof rx) < 0)
        return 3;
    return all((const uint8_t *)&shared, 0xAB, PAGE) ? 0 : 4;
}

static int exit_seven(uint32_t unused)
{
    (void)unused;
    return 7;
}

static void test_kernel_write_in_parent_is_private(void)
{
    fill((uint8_t *)&shared, 0xAB, PAGE);
    int32_t peer = fork_child(peer_checks_page, 0);
    int32_t seven = fork_child(exit_seven, 0);
    CHECK(peer > 0 && seven > 0);
    /* waitpid's status goes into the page the peer still shares. */
    CHECK_EQ(waitpid(seven, &shared.info, 0), seven);
    CHECK_EQ(shared.info.status, 7);
    CHECK_EQ(kstat(&shared.k), 0);
    uint32_t word = 1;
    int32_t sent;
    for (int i = 0; (sent = amc_message_send(PEER, &word, sizeof word)) == -ENOENT && i < 1000; i++)
        yield(); /* until the peer has registered */
    CHECK_EQ(sent, 0);
    CHECK_EQ(reap(peer), 0);
}

/* A kernel write into a page that is read-only for good (text) is refused, not a COW copy. */
static void test_kernel_write_into_text_fails(void)
{
    uint32_t text = (uint32_t)&test_kernel_write_into_text_fails & ~(PAGE - 1);
    uint8_t first = *(const volatile uint8_t *)text;
    CHECK_EQ(kstat((struct kstat *)text), -EFAULT);
    CHECK_EQ(*(const volatile uint8_t *)text, first);
}

/* ---- demand-zero ---- */

static void test_demand_zero_pages_read_zero(void)
{
    uint32_t before = frames_free();
    CHECK(all(untouched, 0, sizeof untouched)); /* reading maps them, as zeros */
    untouched[5 * PAGE] = 1;
    CHECK_EQ(untouched[5 * PAGE], 1);
    /* Their frames were promised when the program was loaded: touching them changes nothing. */
    CHECK_EQ(frames_free(), before);
    /* The bottom of the stack, far below anything this program uses. */
    const volatile uint32_t *deep = (const uint32_t *)(ABI_USER_HIGH - 7 * PAGE);
    CHECK_EQ(deep[0] | deep[PAGE / 4 - 1], 0);
}

/* A kernel copy into a demand-zero page works like a user write. */
static void test_kernel_write_into_demand_zero_page(void)
{
    static struct kstat fresh[PAGE / sizeof(struct kstat) + 1] __attribute__((aligned(PAGE)));
    CHECK_EQ(kstat(&fresh[0]), 0);
    CHECK(fresh[0].frames_total > 0);
}

static int child_touches(uint32_t addr)
{
    return *(volatile uint8_t *)addr; /* killed before it returns */
}

/* Outside every mapped range a fault still kills (with the usual one-line report). */
static void test_fault_outside_any_range_kills(void)
{
    uint32_t beyond_heap = ((uint32_t)sbrk(0) + 16 * PAGE) & ~(PAGE - 1);
    int32_t pid = fork_child(child_touches, beyond_heap);
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.cr2, beyond_heap);
}

/* ---- memory nearly exhausted ---- */

/*
 * In a helper process: takes all memory with sbrk, then gives it back 32 pages at a time, trying
 * fork after each step (fork promises a copy of every writable page, the heap's too, so it works
 * again once about half the heap is back). Every failed fork must say ENOMEM and leave the free
 * count alone; the first that succeeds must give a child that can write the pages it shares (its
 * copies were promised). Exits 0 when all of that held.
 */
static int exhaust_then_fork(uint32_t unused)
{
    (void)unused;
    volatile uint8_t stack[2 * PAGE]; /* the stack this uses, present before memory runs out */
    fill((uint8_t *)stack, 0, sizeof stack);
    uint32_t base = (uint32_t)sbrk(0);
    while ((int32_t)sbrk(256 * PAGE) >= 0)
        ;
    while ((int32_t)sbrk(PAGE) >= 0)
        ;
    int failures = 0;
    int32_t pid;
    for (;;) {
        uint32_t before = frames_free();
        pid = fork_child(child_write_and_exit, 7);
        if (pid > 0)
            break;
        if (pid != -ENOMEM || frames_free() != before)
            return 10;
        failures++;
        uint32_t held = (uint32_t)sbrk(0) - base;
        if (held == 0)
            return 11;
        sbrk(-(int32_t)(held < 32 * PAGE ? held : 32 * PAGE));
    }
    printf("  fork failed %d times with ENOMEM, then worked\n", failures);
    int32_t status = reap(pid);
    sbrk(-(int32_t)((uint32_t)sbrk(0) - base));
    if (failures == 0)
        return 12;
    return status == 0 ? 0 : 13;
}

static void test_fork_with_memory_nearly_exhausted(void)
{
    uint32_t before = frames_free();
    int32_t pid = fork_child(exhaust_then_fork, 0);
    CHECK(pid > 0);
    CHECK_EQ(reap(pid), 0);
    CHECK_EQ(frames_free(), before);
}

static const struct gtest tests[] = {
    {"cow_parent_and_child_write_the_same_page", test_parent_and_child_write_the_same_page},
    {"cow_ten_thousand_forks_leak_nothing", test_ten_thousand_forks_leak_nothing},
    {"cow_kernel_write_in_child_is_private", test_kernel_write_in_child_is_private},
    {"cow_kernel_write_in_parent_is_private", test_kernel_write_in_parent_is_private},
    {"cow_kernel_write_into_text_fails", test_kernel_write_into_text_fails},
    {"cow_demand_zero_pages_read_zero", test_demand_zero_pages_read_zero},
    {"cow_kernel_write_into_demand_zero_page", test_kernel_write_into_demand_zero_page},
    {"cow_fault_outside_any_range_kills", test_fault_outside_any_range_kills},
    {"cow_fork_with_memory_nearly_exhausted", test_fork_with_memory_nearly_exhausted},
};

int main(void)
{
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
