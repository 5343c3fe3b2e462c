/*
 * Guest tests of amc calls (kernel/amc_call.c): handles, register and buffer calls, badges,
 * timeouts, a service ending mid-call, stale handles after a restart, forged and old badges, 60
 * clients at once, per-sender queue shares against a flooder, oversized messages, and name
 * squatting. A test server (serve) runs in a forked child under the name SRV; every test ends
 * with the kernel's counters back at their baseline.
 */
#include "gtest.h"

#define ME "amc-call-test"
#define SRV "calls-srv"
#define KERNEL_ADDR 0xC0100000u
#define WAIT_MS                                                                                    \
    5000u /* clients' timeout where a reply must come: a hang fails, it does not stall */

/* The test server's requests (first word) and its answer's first word. */
enum {
    OP_ECHO = 1,
    OP_BUF,
    OP_HOLD,
    OP_LATE,
    OP_TOO_LONG,
    OP_REFUSE,
    OP_FORGE,
    OP_STOP,
    OP_COUNT,
    OP_BAD_STATUS
};
#define ANSWER 100u

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    return r == pid && info.cause == WAIT_EXITED ? info.status : -1000;
}

/* ---- the test server ---- */

static uint32_t srv_buf[64];

/* Makes {a, w0, w1} the answer to call b. */
static void answer3(uint32_t *badge, uint32_t *len, uint32_t b, uint32_t a, uint32_t w0,
                    uint32_t w1)
{
    srv_buf[0] = a;
    srv_buf[1] = w0;
    srv_buf[2] = w1;
    *badge = b;
    *len = 12;
}

/* Tries answers no call of this service holds: other counts and slots of the badge, and the
 * last badge answered. Returns how many were refused with ESRCH (4 when all were). */
static uint32_t forgeries_refused(uint32_t b, uint32_t answered)
{
    uint32_t forged[] = {b ^ 0x40u, (b & ~0x3Fu) | ((b + 1) & 0x3Fu), b | 0xFFFFFFC0u, answered};
    uint32_t refused = 0;
    for (uint32_t i = 0; i < 4; i++) {
        srv_buf[0] = ANSWER;
        refused += amc_reply_wait(forged[i], srv_buf, 12, sizeof srv_buf, 0, 0) == -ESRCH;
    }
    return refused;
}

/* arg 1: sleep before serving, so plain messages queue before the service declares its cap. */
static int serve(uint32_t arg)
{
    if (amc_register_service(SRV) != 0)
        return 10;
    if (arg == 1)
        sleep_ms(50);
    uint32_t badge = AMC_NO_CALL, len = 0, held = 0, answered = 0, echoes = 0;
    for (;;) {
        uint32_t b;
        int32_t pid, n = amc_reply_wait(badge, srv_buf, len, sizeof srv_buf, &b, &pid);
        if (badge != AMC_NO_CALL && n != -ESRCH)
            answered = badge;
        badge = AMC_NO_CALL;
        len = 0;
        if (n < 0 || b == AMC_NO_CALL)
            continue; /* a refused answer (tested by the client), a plain message */
        switch (srv_buf[0]) {
        case OP_ECHO:
            echoes++;
            answer3(&badge, &len, b, ANSWER, srv_buf[1] * 2, (uint32_t)pid);
            break;
        case OP_BUF:
            for (int32_t i = 1; i < n / 4; i++)
                srv_buf[i]++;
            srv_buf[0] = ANSWER + 1;
            badge = b;
            len = (uint32_t)n;
            break;
        case OP_HOLD:
            held = b; /* never answered: its caller times out, or sees this server end */
            break;
        case OP_LATE: {
            srv_buf[0] = ANSWER;
            int32_t r = amc_reply_wait(held, srv_buf, 12, sizeof srv_buf, 0, 0);
            answer3(&badge, &len, b, ANSWER, r == -ESRCH, 0);
            break;
        }
        case OP_TOO_LONG: {
            int32_t r = amc_reply_wait(b, srv_buf, 16, sizeof srv_buf, 0, 0);
            if (r != -EMSGSIZE)
                return 11;
            break;
        }
        case OP_BAD_STATUS: {
            srv_buf[0] = (uint32_t)-4000; /* in the error range, but no declared error */
            if (amc_reply_wait(b, srv_buf, 4, sizeof srv_buf, 0, 0) != -EINVAL)
                return 12;
            break;
        }
        case OP_REFUSE:
            srv_buf[0] = (uint32_t)-EPROTO;
            badge = b;
            len = 4;
            break;
        case OP_FORGE:
            answer3(&badge, &len, b, ANSWER, forgeries_refused(b, answered), 0);
            break;
        case OP_STOP:
            return 0; /* without answering: the caller gets EPIPE */
        case OP_COUNT:
            answer3(&badge, &len, b, ANSWER, echoes, 0);
            echoes = 0;
            break;
        }
    }
}

/* Starts serve(arg) and returns its pid once SRV can be opened; *h gets a handle on it. */
static int32_t start_server(uint32_t arg, int32_t *h)
{
    int32_t pid = gt_fork(serve, arg);
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
    int32_t r = amc_call(h, OP_STOP, 0, 0, WAIT_MS, 0, 0);
    int32_t status = reap(pid);
    amc_close(h);
    return r == -EPIPE && status == 0 ? 0 : -1;
}

static int32_t echo(int32_t h, uint32_t w0, uint32_t *r_w0, uint32_t *r_w1)
{
    return amc_call(h, OP_ECHO, w0, 0, WAIT_MS, r_w0, r_w1);
}

/* ---- tests ---- */

static void test_call_and_reply(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    uint32_t w0 = 0, w1 = 0;
    CHECK_EQ(echo(h, 21, &w0, &w1), ANSWER);
    CHECK_EQ(w0, 42);
    CHECK_EQ(w1, getpid()); /* the pid the kernel gave the server */
    uint32_t msg[16];
    for (uint32_t i = 0; i < 16; i++)
        msg[i] = i == 0 ? OP_BUF : 1000 + i;
    CHECK_EQ(amc_call_buf(h, msg, sizeof msg, sizeof msg, WAIT_MS), (int32_t)sizeof msg);
    CHECK_EQ(msg[0], ANSWER + 1);
    for (uint32_t i = 1; i < 16; i++)
        CHECK_EQ(msg[i], 1001 + i);
    CHECK_EQ(amc_call(h, OP_REFUSE, 0, 0, WAIT_MS, 0, 0), -EPROTO);
    msg[0] = OP_REFUSE;
    CHECK_EQ(amc_call_buf(h, msg, 4, sizeof msg, WAIT_MS), -EPROTO);
    CHECK_EQ(amc_call(h, OP_TOO_LONG, 0, 0, WAIT_MS, 0, 0), -EMSGSIZE);
    CHECK_EQ(amc_call(h, OP_BAD_STATUS, 0, 0, WAIT_MS, 0, 0), -EPROTO);
    CHECK_EQ(echo(h, 1, &w0, 0), ANSWER); /* the server still serves */
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static void test_timeout_and_late_answer(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    uint32_t t0 = uptime_ms(), w0 = 0;
    CHECK_EQ(amc_call(h, OP_HOLD, 0, 0, 30, 0, 0), -ETIMEDOUT);
    CHECK(uptime_ms() - t0 >= 30);
    CHECK_EQ(amc_call(h, OP_LATE, 0, 0, WAIT_MS, &w0, 0), ANSWER);
    CHECK_EQ(w0, 1); /* the answer to the timed-out call was refused */
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static int call_held_forever(uint32_t h)
{
    return amc_call((int32_t)h, OP_HOLD, 0, 0, AMC_FOREVER, 0, 0) == -EPIPE ? 0 : 1;
}

static int call_buf_held_forever(uint32_t h)
{
    uint32_t msg[8] = {OP_HOLD};
    return amc_call_buf((int32_t)h, msg, sizeof msg, sizeof msg, AMC_FOREVER) == -EPIPE ? 0 : 1;
}

static int open_and_hold(uint32_t buffer_call)
{
    int32_t h = amc_open(SRV);
    return buffer_call ? call_buf_held_forever((uint32_t)h) : call_held_forever((uint32_t)h);
}

/* The server is killed while it holds one call and another waits to be received. */
static void test_server_killed_mid_call(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    int32_t held = gt_fork(call_held_forever, (uint32_t)h); /* handles are not inherited */
    CHECK_EQ(reap(held), 1);
    held = gt_fork(open_and_hold, 0);
    CHECK(gt_wait_blocked(held));
    int32_t queued = gt_fork(open_and_hold, 1); /* the server holds the first: this one waits */
    CHECK(gt_wait_blocked(queued));
    CHECK_EQ(kill(srv), 0);
    CHECK_EQ(reap(held), 0);
    CHECK_EQ(reap(queued), 0);
    CHECK_EQ(reap(srv), -1000); /* killed */
    CHECK_EQ(echo(h, 1, 0, 0), -ESTALE);
    CHECK_EQ(amc_close(h), 0);
    CHECK_BASELINE();
}

/* Callers killed while the server holds their calls: a late answer finds no call (ESRCH), the
 * server goes on serving, nothing leaks. */
static void test_caller_killed_mid_call(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    int32_t held = gt_fork(open_and_hold, 0);
    CHECK(gt_wait_blocked(held));
    int32_t queued = gt_fork(open_and_hold, 1); /* a buffer call, held too: OP_LATE answers it */
    CHECK(gt_wait_blocked(queued));
    CHECK_EQ(kill(queued), 0);
    CHECK_EQ(reap(queued), -1000);
    CHECK_EQ(kill(held), 0);
    CHECK_EQ(reap(held), -1000);
    uint32_t w0 = 0;
    CHECK_EQ(amc_call(h, OP_LATE, 0, 0, WAIT_MS, &w0, 0), ANSWER);
    CHECK_EQ(w0, 1); /* the held call's caller is gone: its badge names nothing */
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static void test_stale_handle_after_restart(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    CHECK_EQ(stop_server(srv, h), 0); /* closes h */
    CHECK_EQ(echo(h, 1, 0, 0), -EBADF);
    int32_t old = amc_open("nobody-yet");
    CHECK_EQ(old, -ENOENT);
    int32_t h1 = 0, srv1 = start_server(0, &h1);
    CHECK(srv1 > 0);
    CHECK_EQ(kill(srv1), 0);
    CHECK_EQ(reap(srv1), -1000);
    int32_t h2 = 0, srv2 = start_server(0, &h2); /* the same name, a new owner */
    CHECK(srv2 > 0);
    CHECK_EQ(echo(h1, 1, 0, 0), -ESTALE);
    uint32_t msg[4] = {OP_ECHO};
    CHECK_EQ(amc_call_buf(h1, msg, sizeof msg, sizeof msg, WAIT_MS), -ESTALE);
    CHECK_EQ(echo(h2, 4, 0, 0), ANSWER);
    CHECK_EQ(amc_call(h2, OP_COUNT, 0, 0, WAIT_MS, msg, 0), ANSWER);
    CHECK_EQ(msg[0], 1); /* the stale calls never reached the new owner */
    CHECK_EQ(amc_close(h1), 0);
    CHECK_EQ(stop_server(srv2, h2), 0);
    CHECK_BASELINE();
}

/* Badges of other calls, other slots and an answered call are refused, by the server itself and
 * by another service (this test process, which never received the call). */
static void test_badge_cannot_be_forged(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    uint32_t w0 = 0;
    CHECK_EQ(echo(h, 1, 0, 0), ANSWER); /* so there is an answered badge */
    CHECK_EQ(amc_call(h, OP_FORGE, 0, 0, WAIT_MS, &w0, 0), ANSWER);
    CHECK_EQ(w0, 4);
    static uint32_t buf[16];
    for (uint32_t b = 1; b < 200; b++) /* not this service's calls: nothing to answer */
        CHECK_EQ(amc_reply_wait(b * 0x41u, buf, 4, sizeof buf, 0, 0), -ESRCH);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

#define CLIENTS 60
#define ROUNDS 20

static int client(uint32_t k)
{
    int32_t h = amc_open(SRV);
    if (h <= 0)
        return 2;
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint32_t w0 = 0, w1 = 0;
        if (echo(h, k * 1000 + i, &w0, &w1) != (int32_t)ANSWER)
            return 3;
        if (w0 != 2 * (k * 1000 + i) || w1 != (uint32_t)getpid())
            return 4;
    }
    return 0;
}

static void test_sixty_clients(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    int32_t pids[CLIENTS];
    for (uint32_t k = 0; k < CLIENTS; k++) {
        pids[k] = gt_fork(client, k);
        CHECK(pids[k] > 0);
    }
    for (uint32_t k = 0; k < CLIENTS; k++)
        CHECK_EQ(reap(pids[k]), 0);
    uint32_t count = 0;
    CHECK_EQ(amc_call(h, OP_COUNT, 0, 0, WAIT_MS, &count, 0), ANSWER);
    CHECK_EQ(count, CLIENTS * ROUNDS); /* each call answered exactly once */
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static struct {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
} rx;

static int flood(uint32_t arg)
{
    (void)arg;
    uint32_t accepted = 0, w = 7;
    while (amc_message_send(ME, &w, 4) == 0)
        accepted++;
    return accepted == AMC_QUEUE_DEPTH ? 0 : 1;
}

static int send_once(uint32_t arg)
{
    (void)arg;
    uint32_t w = 8;
    return amc_register_service("flood-other") == 0 && amc_message_send(ME, &w, 4) == 0 ? 0 : 1;
}

/* A flooder fills only its own share: another sender's send still works, and a filtered await
 * for that sender gets its message at once. */
static void test_flooder_cannot_starve(void)
{
    gt_baseline_take();
    CHECK_EQ(reap(gt_fork(flood, 0)), 0);
    CHECK_EQ(reap(gt_fork(send_once, 0)), 0);
    CHECK_EQ(amc_message_await_from("flood-other", &rx, sizeof rx), (int32_t)sizeof rx.hdr + 4);
    uint32_t w;
    memcpy(&w, rx.payload, 4);
    CHECK_EQ(w, 8);
    int drained = 0;
    while (amc_message_poll(&rx, sizeof rx) > 0)
        drained++;
    CHECK_EQ(drained, AMC_QUEUE_DEPTH);
    CHECK_BASELINE();
}

/* The server's cap (256 bytes) is its declared maximum: larger plain messages and calls are
 * refused at send time, and one queued before it declared is dropped, not stuck at the head. */
static void test_oversized_cannot_wedge(void)
{
    static uint8_t big[300];
    memset(big, 0, sizeof big);
    gt_baseline_take();
    struct kstat k0, k1;
    CHECK_EQ(kstat(&k0), 0);
    int32_t h = 0, srv = start_server(1, &h); /* sleeps 50 ms before it serves */
    CHECK(srv > 0);
    CHECK_EQ(amc_message_send(SRV, big, sizeof big), 0); /* no maximum declared yet */
    uint32_t w0 = 0;
    CHECK_EQ(echo(h, 5, &w0, 0), ANSWER); /* served although the big message came first */
    CHECK_EQ(w0, 10);
    CHECK_EQ(kstat(&k1), 0);
    CHECK_EQ(k1.amc_dropped - k0.amc_dropped, 1);
    CHECK_EQ(amc_message_send(SRV, big, sizeof big), -EMSGSIZE);
    memcpy(big, &(uint32_t){OP_BUF}, 4);
    CHECK_EQ(amc_call_buf(h, big, sizeof big, sizeof big, WAIT_MS), -EMSGSIZE);
    CHECK_EQ(amc_call_buf(h, big, 64, sizeof big, WAIT_MS), 64);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static int squat(uint32_t k)
{
    char name[AMC_NAME_MAX + 1];
    snprintf(name, sizeof name, k % 2 ? SRV ".%u" : ME ".%u", getppid() + k);
    if (amc_register_service(name) != 0)
        return 1;
    uint32_t w = 9;
    for (int i = 0; i < 1000 && amc_message_send(SRV, &w, 4) == 0; i++)
        ; /* and keep the server's queue busy */
    sleep_ms(100000);
    return 0;
}

/* Squatters take the names a client might have used for replies and flood the server: a client,
 * which needs no name of its own, still gets every answer. */
static void test_squatting_cannot_stop_a_client(void)
{
    gt_baseline_take();
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    int32_t squatters[8];
    for (uint32_t k = 0; k < 8; k++) {
        squatters[k] = gt_fork(squat, k);
        CHECK(gt_wait_blocked(squatters[k]));
    }
    int32_t c = gt_fork(client, 7);
    CHECK_EQ(reap(c), 0);
    for (uint32_t k = 0; k < 8; k++) {
        CHECK_EQ(kill(squatters[k]), 0);
        CHECK_EQ(reap(squatters[k]), -1000);
    }
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static int serve_without_service(uint32_t arg)
{
    (void)arg;
    static uint32_t buf[8];
    return amc_reply_wait(AMC_NO_CALL, buf, 0, sizeof buf, 0, 0) == -EINVAL ? 0 : 1;
}

static void test_errors(void)
{
    gt_baseline_take();
    CHECK_EQ(amc_open(""), -EINVAL);
    CHECK_EQ(amc_open("nobody-here"), -ENOENT);
    CHECK_EQ(amc_open("0123456789012345678901234567890123"), -ENAMETOOLONG);
    CHECK_EQ(amc_open((const char *)KERNEL_ADDR), -EFAULT);
    int32_t hs[AMC_HANDLES_MAX];
    for (int i = 0; i < AMC_HANDLES_MAX; i++) {
        hs[i] = amc_open(ME);
        CHECK(hs[i] > 0);
    }
    CHECK_EQ(amc_open(ME), -EMFILE);
    CHECK_EQ(echo(hs[0], 1, 0, 0), -EINVAL); /* ME is this process's own service */
    CHECK_EQ(amc_close(hs[3]), 0);
    CHECK_EQ(amc_close(hs[3]), -EBADF);
    int32_t again = amc_open(ME);
    CHECK(again > 0 && again != hs[3]); /* the same slot, a new generation */
    CHECK_EQ(echo(hs[3], 1, 0, 0), -EBADF);
    CHECK_EQ(amc_close(again), 0);
    for (int i = 0; i < AMC_HANDLES_MAX; i++)
        if (i != 3)
            CHECK_EQ(amc_close(hs[i]), 0);
    CHECK_EQ(echo(0, 1, 0, 0), -EBADF);
    CHECK_EQ(echo(-5, 1, 0, 0), -EBADF);
    CHECK_EQ(amc_close(0), -EBADF);
    uint32_t msg[4] = {OP_ECHO};
    CHECK_EQ(amc_call_buf(1, msg, sizeof msg, sizeof msg, 10), -EBADF);
    int32_t h = 0, srv = start_server(0, &h);
    CHECK(srv > 0);
    CHECK_EQ(amc_call_buf(h, msg, 2, sizeof msg, WAIT_MS), -EINVAL);
    CHECK_EQ(amc_call_buf(h, msg, sizeof msg + 4, sizeof msg, WAIT_MS), -EINVAL);
    CHECK_EQ(amc_call_buf(h, (void *)KERNEL_ADDR, 4, 16, WAIT_MS), -EFAULT);
    CHECK_EQ(amc_call_buf(h, msg, 4, AMC_MAX_MESSAGE + 1, WAIT_MS), -E2BIG);
    CHECK_EQ(reap(gt_fork(serve_without_service, 0)), 0);
    static uint32_t buf[8];
    CHECK_EQ(amc_reply_wait(AMC_NO_CALL, buf, 0, 8, 0, 0), -EINVAL);   /* cap under 12 */
    CHECK_EQ(amc_reply_wait(AMC_NO_CALL, buf, 16, 12, 0, 0), -EINVAL); /* len over cap */
    CHECK_EQ(amc_reply_wait(AMC_NO_CALL, (void *)KERNEL_ADDR, 0, 16, 0, 0), -EFAULT);
    CHECK_EQ(stop_server(srv, h), 0);
    CHECK_BASELINE();
}

static const struct gtest tests[] = {
    {"amc_call_and_reply", test_call_and_reply},
    {"amc_call_timeout_and_late_answer", test_timeout_and_late_answer},
    {"amc_call_server_killed_mid_call", test_server_killed_mid_call},
    {"amc_call_caller_killed_mid_call", test_caller_killed_mid_call},
    {"amc_call_stale_handle_after_restart", test_stale_handle_after_restart},
    {"amc_call_badge_cannot_be_forged", test_badge_cannot_be_forged},
    {"amc_call_sixty_clients", test_sixty_clients},
    {"amc_flooder_cannot_starve", test_flooder_cannot_starve},
    {"amc_oversized_cannot_wedge", test_oversized_cannot_wedge},
    {"amc_squatting_cannot_stop_a_client", test_squatting_cannot_stop_a_client},
    {"amc_call_errors", test_errors},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL amc_call_setup: cannot register %s\n", ME);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
