/*
 * Guest tests of the amc fast paths (kernel/amc_fast.c, the C fast paths of kernel/amc_call.c,
 * kernel/proc_switch.h): calls without a timeout to a server parked in amc_reply_wait, which
 * switch straight between the two processes. Hostile cases: a caller killed while parked, a
 * server that ends or is killed while its caller is switched to it, preemption during round
 * trips, forged badges and bad buffers answered on the fast path, closed, stale and odd handle
 * values, and the registers the switch must keep per process (segments, SSE). Every test ends
 * with the kernel's counters back at their baseline. The boot runs twice: with the default
 * eager FPU switch (the assembly paths) and with fpu=lazy (the C fast paths).
 */
#include "gtest.h"

#define SRV "fast-srv"
#define PAGE 4096u
#define UNMAPPED 0xA0000000u /* user space, never mapped in these programs */

enum { OP_ECHO = 1, OP_BUF, OP_HOLD, OP_ANSWER_HELD, OP_STOP, OP_FORGE, OP_BAD_BUF, OP_SSE };

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    return r == pid && info.cause == WAIT_EXITED ? info.status : -1000;
}

static int32_t reap_any_cause(int32_t pid)
{
    struct wait_info info;
    return waitpid(pid, &info, 0) == pid ? (int32_t)info.cause : -1000;
}

/* ---- the server ---- */

/* Its buffer starts at an odd address: the fast paths store words at any byte address. */
static uint8_t srv_area[PAGE] __attribute__((aligned(16)));
#define SRV_BUF (srv_area + 1)
#define SRV_CAP 600u

static uint32_t word(uint32_t i)
{
    uint32_t w;
    memcpy(&w, SRV_BUF + 4 * i, 4);
    return w;
}

static void set_word(uint32_t i, uint32_t w)
{
    memcpy(SRV_BUF + 4 * i, &w, 4);
}

static uint32_t sse_get(void)
{
    uint32_t v[4];
    __asm__ volatile("movdqu %%xmm2, %0" : "=m"(v));
    return v[0] ^ v[3];
}

static void sse_set(uint32_t x)
{
    uint32_t v[4] = {x, 0, 0, 0};
    __asm__ volatile("movdqu %0, %%xmm2" : : "m"(v));
}

static uint32_t gs_get(void)
{
    uint32_t gs;
    __asm__ volatile("movl %%gs, %0" : "=r"(gs));
    return gs;
}

static int serve(uint32_t arg)
{
    (void)arg;
    if (amc_register_service(SRV) != 0)
        return 10;
    uint32_t badge = AMC_NO_CALL, len = 0, held = 0, gs = gs_get();
    for (;;) {
        uint32_t b;
        int32_t n = amc_reply_wait(badge, SRV_BUF, len, SRV_CAP, &b, 0);
        badge = AMC_NO_CALL;
        len = 0;
        if (n < 0 || b == AMC_NO_CALL)
            return 11;
        uint32_t w0 = word(1), w1 = word(2), r = 0;
        switch (word(0)) {
        case OP_ECHO: /* {w0 + w1 (a result: 31 bits), w0 ^ w1, ~w1} */
            set_word(0, (w0 + w1) & 0x7FFFFFFFu);
            set_word(1, w0 ^ w1);
            set_word(2, ~w1);
            break;
        case OP_BUF: /* every word after the first plus one, the first its count */
            for (int32_t i = 1; i < n / 4; i++)
                set_word((uint32_t)i, word((uint32_t)i) + 1);
            set_word(0, (uint32_t)n / 4);
            badge = b;
            len = (uint32_t)n;
            continue;
        case OP_HOLD: /* never answered here: killed caller, or OP_ANSWER_HELD */
            held = b;
            continue;
        case OP_ANSWER_HELD: /* answer the held call: its caller is gone, so ESRCH */
            set_word(0, 7);
            r = amc_reply_wait(held, SRV_BUF, 12, SRV_CAP, 0, 0) == -ESRCH;
            set_word(0, r);
            break;
        case OP_STOP: /* end without answering */
            return 0;
        case OP_FORGE: { /* forged badges while the caller waits: all refused */
            uint32_t forged[] = {b ^ 0x40u,
                                 b + 0x40u,
                                 b - 0x40u,
                                 (b & ~0x3Fu) | 0u,
                                 (b & ~0x3Fu) | ((b + 1) & 0x3Fu),
                                 0x3Fu};
            for (uint32_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
                set_word(0, 5);
                r += amc_reply_wait(forged[i], SRV_BUF, 12, SRV_CAP, 0, 0) == -ESRCH;
            }
            set_word(0, r);
            break;
        }
        case OP_BAD_BUF: /* answers from bad buffers are refused; the call still waits */
            set_word(0, 5);
            r += amc_reply_wait(b, (void *)UNMAPPED, 12, 64, 0, 0) == -EFAULT;
            r += amc_reply_wait(b, (void *)0xC0100000u, 12, 64, 0, 0) == -EFAULT;
            r += amc_reply_wait(b, SRV_BUF, 12, 8, 0, 0) == -EINVAL;        /* cap < len */
            r += amc_reply_wait(b, SRV_BUF, 12, 2 * PAGE, 0, 0) == -EFAULT; /* past srv_area */
            set_word(0, r);
            break;
        case OP_SSE: /* the caller's xmm2 and segments are not ours */
            r = sse_get() != 0x5EEu && gs_get() == gs;
            sse_set(0xBAD);
            set_word(0, r);
            break;
        default:
            return 12;
        }
        badge = b;
        len = 12;
    }
}

static int32_t start_server(int32_t *h)
{
    int32_t pid = gt_fork(serve, 0);
    for (int i = 0; i < 500 && pid > 0; i++) {
        *h = amc_open(SRV);
        if (*h > 0)
            return pid;
        sleep_ms(1);
    }
    return -1;
}

static int32_t stop_server(int32_t pid, int32_t h)
{
    int32_t r = amc_call(h, OP_STOP, 0, 0, AMC_FOREVER, 0, 0);
    int32_t status = reap(pid);
    amc_close(h);
    return r == -EPIPE && status == 0 ? 0 : -1;
}

/* ---- tests ---- */

static void test_round_trips_exact(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    static uint32_t msg[128];
    for (uint32_t i = 0; i < 3000; i++) {
        uint32_t a = i * 2654435761u, b = i ^ 0x5A5A5A5Au, r0 = 0, r1 = 0;
        CHECK_EQ(amc_call(h, OP_ECHO, a, b, AMC_FOREVER, &r0, &r1),
                 (int32_t)((a + b) & 0x7FFFFFFFu));
        CHECK_EQ(r0, a ^ b);
        CHECK_EQ(r1, ~b);
        uint32_t words = 1 + i % 128, len = 4 * words;
        msg[0] = OP_BUF;
        for (uint32_t k = 1; k < words; k++)
            msg[k] = i + k;
        CHECK_EQ(amc_call_buf(h, msg, len, sizeof msg, AMC_FOREVER), (int32_t)len);
        CHECK_EQ(msg[0], words);
        for (uint32_t k = 1; k < words; k++)
            CHECK_EQ(msg[k], i + k + 1);
    }
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

/* A child's call op, on a handle of its own (handles are not inherited). */
static int32_t child_call(uint32_t op)
{
    int32_t h = amc_open(SRV);
    return h > 0 ? amc_call(h, op, 0, 0, AMC_FOREVER, 0, 0) : -1000;
}

/* A caller parked in a call is killed; the server's late answer finds no call (ESRCH). */
static int hold_caller(uint32_t unused)
{
    (void)unused;
    return child_call(OP_HOLD) == 0 ? 20 : 21;
}

static void test_kill_parked_caller(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    for (int round = 0; round < 20; round++) {
        int32_t client = gt_fork(hold_caller, 0);
        CHECK(client > 0);
        CHECK(gt_wait_blocked(client));
        CHECK_EQ(kill(client), 0);
        CHECK_EQ(reap_any_cause(client), WAIT_KILLED);
        uint32_t r = 0;
        CHECK_EQ(amc_call(h, OP_ANSWER_HELD, 0, 0, AMC_FOREVER, 0, 0), 1);
        CHECK_EQ(amc_call(h, OP_ECHO, 1, 2, AMC_FOREVER, &r, 0), 3);
        CHECK_EQ(r, 3);
    }
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

/* The server ends (itself, or killed) while its caller is parked: the caller gets EPIPE. */
static int stop_caller(uint32_t unused)
{
    (void)unused;
    return child_call(OP_STOP) == -EPIPE ? 0 : 22;
}

static int held_caller_epipe(uint32_t unused)
{
    (void)unused;
    return child_call(OP_HOLD) == -EPIPE ? 0 : 23;
}

static void test_server_ends_mid_call(void)
{
    gt_baseline_take();
    for (int round = 0; round < 10; round++) {
        int32_t h = 0, srv = start_server(&h);
        CHECK(srv > 0);
        uint32_t r = 0;
        CHECK_EQ(amc_call(h, OP_ECHO, 5, 6, AMC_FOREVER, &r, 0), 11); /* parked now */
        int32_t client = gt_fork(round % 2 ? stop_caller : held_caller_epipe, 0);
        CHECK(client > 0);
        if (round % 2 == 0) {
            CHECK(gt_wait_blocked(client));
            CHECK(gt_wait_blocked(srv));
            CHECK_EQ(kill(srv), 0);
            CHECK_EQ(reap_any_cause(srv), WAIT_KILLED);
        } else {
            CHECK_EQ(reap(srv), 0);
        }
        CHECK_EQ(reap(client), 0);
        CHECK_EQ(amc_call(h, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), -ESTALE);
        amc_close(h);
    }
    CHECK_BASELINE();
}

/* Round trips while a third process competes for the CPU: the timer preempts the pair in ring
 * 3, in either process, and both the pair and the spinner finish. */
static int spin(uint32_t ms)
{
    uint32_t t0 = uptime_ms();
    volatile uint32_t n = 0;
    while (uptime_ms() - t0 < ms)
        n++;
    return n > 0 ? 0 : 24;
}

static void test_preempted_round_trips(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    int32_t spinner = gt_fork(spin, 60);
    CHECK(spinner > 0);
    uint32_t t0 = uptime_ms(), calls = 0;
    while (uptime_ms() - t0 < 80) {
        uint32_t r0 = 0, r1 = 0;
        CHECK_EQ(amc_call(h, OP_ECHO, calls, 1, AMC_FOREVER, &r0, &r1), (int32_t)calls + 1);
        CHECK_EQ(r0, calls ^ 1);
        CHECK_EQ(r1, ~1u);
        calls++;
    }
    CHECK(calls > 100);
    CHECK_EQ(reap(spinner), 0);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static void test_forged_badges_and_bad_buffers(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    uint32_t r = 0;
    CHECK_EQ(amc_call(h, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), 2);
    CHECK_EQ(amc_call(h, OP_FORGE, 0, 0, AMC_FOREVER, 0, 0), 6);
    CHECK_EQ(amc_call(h, OP_BAD_BUF, 0, 0, AMC_FOREVER, 0, 0), 4);
    CHECK_EQ(amc_call(h, OP_ECHO, 3, 0, AMC_FOREVER, &r, 0), 3); /* the next call: answered */
    CHECK_EQ(r, 3);
    static uint32_t msg[4] = {OP_BAD_BUF};
    CHECK_EQ(amc_call_buf(h, msg, 4, sizeof msg, AMC_FOREVER), 12);
    CHECK_EQ(msg[0], 4);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static void test_bad_handles(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    const int32_t odd[] = {0, 1, 15, 16, -1, -16, 0x7FFFFFFF, (int32_t)0x80000000u, h + 16, h ^ 1};
    for (uint32_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
        if (odd[i] != h)
            CHECK_EQ(amc_call(odd[i], OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), -EBADF);
    static uint32_t msg[4] = {OP_BUF};
    CHECK_EQ(amc_call_buf(h ^ 1, msg, 4, sizeof msg, AMC_FOREVER), -EBADF);
    int32_t closed = amc_open(SRV), kept = amc_open(SRV);
    CHECK(closed > 0 && kept > 0);
    CHECK_EQ(amc_close(closed), 0);
    CHECK_EQ(amc_call(closed, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), -EBADF);
    CHECK_EQ(amc_call(kept, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), 2);
    CHECK_EQ(stop_server(srv, h), 0);
    int32_t h2 = 0, srv2 = start_server(&h2); /* the name again: another registration */
    CHECK(srv2 > 0);
    CHECK_EQ(amc_call(kept, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), -ESTALE);
    CHECK_EQ(amc_call_buf(kept, msg, 4, sizeof msg, AMC_FOREVER), -ESTALE);
    CHECK_EQ(amc_call(h2, OP_ECHO, 2, 2, AMC_FOREVER, 0, 0), 4);
    CHECK_EQ(amc_close(kept), 0);
    CHECK_EQ(stop_server(srv2, h2), 0);
    CHECK_BASELINE();
}

/* The switch keeps each process's segment registers and SSE state: the client runs with gs
 * null and its own xmm2, the server with its own. */
static void test_registers_kept(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(&h);
    CHECK(srv > 0);
    CHECK_EQ(amc_call(h, OP_ECHO, 1, 1, AMC_FOREVER, 0, 0), 2);
    uint32_t gs = gs_get(), ok = 1;
    for (int i = 0; i < 50; i++) {
        __asm__ volatile("movl %0, %%gs" : : "r"(0u));
        sse_set(0x5EE);
        int32_t r = amc_call(h, OP_SSE, 0, 0, AMC_FOREVER, 0, 0);
        ok &= gs_get() == 0 && sse_get() == 0x5EEu && r == 1;
        __asm__ volatile("movl %0, %%gs" : : "r"(gs));
    }
    CHECK(ok);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

int main(void)
{
    static const struct gtest tests[] = {
        {"fast_round_trips_exact", test_round_trips_exact},
        {"fast_kill_parked_caller", test_kill_parked_caller},
        {"fast_server_ends_mid_call", test_server_ends_mid_call},
        {"fast_preempted_round_trips", test_preempted_round_trips},
        {"fast_forged_badges_and_bad_buffers", test_forged_badges_and_bad_buffers},
        {"fast_bad_handles", test_bad_handles},
        {"fast_registers_kept", test_registers_kept},
    };
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
