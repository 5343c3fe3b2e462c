/*
 * Guest tests for the generated amc layer (build/gen/libsys/amc_services.h/.c) and the services
 * built on it: the dispatchers' checks (unknown discriminators, wrong sizes, no read past the
 * payload), the echo service (echod) through its call stub and as a released client's plain
 * message, what the generated server loop refuses, the kv store (kvd) alone and with several
 * clients at once, a service that times out, dies mid-call or restarts under a client's handle,
 * and the echo-client and kv programs. Booted with services=echod,kvd, so init has started both
 * daemons; the test process also has the service name "svc-test" (for the loopback tests).
 */
#include "gtest.h"

#include "amc_services.h"

#define ME "svc-test"
#define PAGE 4096u
#define TIMEOUT_MS 5000u

/* A received plain message exactly as the kernel writes it: header, then payload. */
static struct amc_received {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
} rx;

static int32_t echo_h, kv_h; /* handles on the two services, opened in main */

/* ---- helpers ------------------------------------------------------------------------------ */

/* Handler calls, by kind, and what the last call saw. */
static struct {
    int echo_request, echo_reply, kv_set, kv_get, kv_delete, kv_reply;
    const struct amc_header *hdr;
    void *ctx;
    uint32_t flags, len;
    char text[AMC_MAX_MESSAGE];
} seen;

static void forget(void)
{
    memset(&seen, 0, sizeof seen);
}

static int total_calls(void)
{
    return seen.echo_request + seen.echo_reply + seen.kv_set + seen.kv_get + seen.kv_delete +
           seen.kv_reply;
}

static int on_echo_request(void *ctx, const struct amc_header *hdr,
                           const struct echo_echo_request *m)
{
    seen.echo_request++;
    seen.ctx = ctx;
    seen.hdr = hdr;
    seen.flags = m->flags;
    seen.len = m->len;
    memcpy(seen.text, m->text, m->len);
    return 11;
}

static int on_echo_reply(void *ctx, const struct amc_header *hdr, const struct echo_echo_reply *m)
{
    seen.echo_reply++;
    seen.ctx = ctx;
    seen.hdr = hdr;
    seen.len = m->len;
    memcpy(seen.text, m->text, m->len);
    seen.text[m->len] = '\0';
    return 12;
}

static int on_kv_set(void *ctx, const struct amc_header *hdr, const struct kv_set *m)
{
    (void)ctx, (void)hdr, (void)m;
    return ++seen.kv_set;
}

static int on_kv_get(void *ctx, const struct amc_header *hdr, const struct kv_get *m)
{
    (void)ctx, (void)hdr;
    memcpy(seen.text, m->key, sizeof m->key);
    return ++seen.kv_get;
}

static int on_kv_delete(void *ctx, const struct amc_header *hdr, const struct kv_delete *m)
{
    (void)ctx, (void)hdr, (void)m;
    return ++seen.kv_delete;
}

static int on_kv_reply(void *ctx, const struct amc_header *hdr, const struct kv_reply *m)
{
    (void)ctx, (void)hdr, (void)m;
    return ++seen.kv_reply;
}

static const struct echo_handlers all_echo = {.echo_request = on_echo_request,
                                              .echo_reply = on_echo_reply};
static const struct kv_handlers all_kv = {
    .set = on_kv_set, .get = on_kv_get, .delete = on_kv_delete, .reply = on_kv_reply};

static int dispatch_echo(const void *payload, uint32_t len)
{
    return echo_dispatch(&all_echo, 0, &rx.hdr, payload, len);
}

static int dispatch_kv(const void *payload, uint32_t len)
{
    return kv_dispatch(&all_kv, 0, &rx.hdr, payload, len);
}

/* Send a message to myself with a generated helper and receive it into rx, so the tests work
 * on exactly the bytes the helpers produce. Returns the payload length or -E. */
static int loopback(int sent)
{
    if (sent < 0)
        return sent;
    int r = amc_message_poll(&rx, sizeof rx);
    return r < 0 ? r : (int)rx.hdr.len;
}

static void drain(void)
{
    while (amc_message_poll(&rx, sizeof rx) >= 0)
        ;
}

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    return r == pid && info.cause == WAIT_EXITED ? info.status : -1000;
}

/* The last page of a fresh heap region whose next page is unmapped: a payload placed at its
 * very end cannot be read past without a page fault (which would kill this test program). */
static uint8_t *guard_page_end(void)
{
    static uint8_t *end;
    if (!end) {
        uintptr_t brk = sbrk(0);
        sbrk((int32_t)(((brk + PAGE - 1) & ~(PAGE - 1)) - brk)); /* align the break */
        uintptr_t page = sbrk((int32_t)PAGE);
        end = (uint8_t *)page + PAGE;
    }
    return end;
}

/* Copy len bytes of payload so that they end exactly at the guard page. */
static const void *at_page_end(const void *payload, uint32_t len)
{
    uint8_t *p = guard_page_end() - len;
    memcpy(p, payload, len);
    return p;
}

/* ---- the generated dispatchers ------------------------------------------------------------- */

static void test_max_message_shared(void)
{
    /* One constant: the kernel's limit is the generator's (abi_max_message in the .def). */
    CHECK_EQ(ABI_AMC_MAX_MESSAGE, AMC_MAX_MESSAGE);
    CHECK_EQ(ECHO_ECHO_REQUEST_MAX_SIZE, AMC_MAX_MESSAGE);
    static uint8_t text[AMC_MAX_MESSAGE];
    uint32_t most = AMC_MAX_MESSAGE - ECHO_ECHO_REQUEST_SIZE;
    CHECK_EQ(echo_send_echo_request(ME, 0, text, most + 1), -EMSGSIZE); /* refused before sending */
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN);
    CHECK_EQ(loopback(echo_send_echo_request(ME, 0, text, most)), AMC_MAX_MESSAGE);
    CHECK_EQ(KV_SET_MAX_SIZE, KV_SET_SIZE + KV_VALUE_MAX);
    CHECK_EQ(kv_send_set(ME, "k", text, KV_VALUE_MAX + 1), -EMSGSIZE);
}

static void test_dispatch_valid(void)
{
    forget();
    int len = loopback(echo_send_echo_request(ME, 7, "abc", 3));
    CHECK_EQ(len, ECHO_ECHO_REQUEST_SIZE + 3);
    int token;
    CHECK_EQ(echo_dispatch(&all_echo, &token, &rx.hdr, rx.payload, rx.hdr.len), 11);
    CHECK_EQ(seen.echo_request, 1);
    CHECK_EQ(total_calls(), 1);
    CHECK(seen.ctx == &token);
    CHECK(seen.hdr == &rx.hdr);
    CHECK_EQ(seen.flags, 7);
    CHECK_EQ(seen.len, 3);
    CHECK(memcmp(seen.text, "abc", 3) == 0);
    forget();
    CHECK_EQ(loopback(kv_send_get(ME, "some-key")), KV_GET_SIZE);
    CHECK_EQ(dispatch_kv(rx.payload, rx.hdr.len), 1);
    CHECK_EQ(seen.kv_get, 1);
    CHECK(strcmp(seen.text, "some-key") == 0);
}

static void test_dispatch_unknown_discriminator(void)
{
    static const uint32_t unknown[] = {0, 5, 99, 0x80000000u, 0xFFFFFFFFu};
    forget();
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        uint32_t msg[10] = {unknown[i]};
        CHECK_EQ(dispatch_echo(msg, sizeof msg), -EPROTO);
        CHECK_EQ(dispatch_kv(msg, sizeof msg), -EPROTO);
        CHECK_EQ(dispatch_echo(msg, 4), -EPROTO);
    }
    /* A known discriminator whose handler is NULL is refused the same way. */
    static const struct echo_handlers requests_only = {.echo_request = on_echo_request};
    CHECK_EQ(loopback(echo_send_echo_reply(ME, "x", 1)), ECHO_ECHO_REPLY_SIZE + 1);
    CHECK_EQ(echo_dispatch(&requests_only, 0, &rx.hdr, rx.payload, rx.hdr.len), -EPROTO);
    static const struct kv_handlers no_reply = {.set = on_kv_set};
    CHECK_EQ(loopback(kv_send_reply(ME, 0, "v", 1)), KV_REPLY_SIZE + 1);
    CHECK_EQ(kv_dispatch(&no_reply, 0, &rx.hdr, rx.payload, rx.hdr.len), -EPROTO);
    CHECK_EQ(total_calls(), 0);
}

static void test_dispatch_wrong_size(void)
{
    static uint8_t buf[AMC_MAX_MESSAGE + 8];
    forget();
    /* Variable-length message: one byte short, one byte long, header cut, no discriminator. */
    int len = loopback(echo_send_echo_request(ME, 0, "hello", 5));
    CHECK_EQ(len, ECHO_ECHO_REQUEST_SIZE + 5);
    memcpy(buf, rx.payload, (size_t)len);
    CHECK_EQ(dispatch_echo(buf, (uint32_t)len - 1), -EBADMSG);
    CHECK_EQ(dispatch_echo(buf, (uint32_t)len + 1), -EBADMSG);
    CHECK_EQ(dispatch_echo(buf, ECHO_ECHO_REQUEST_SIZE - 1), -EBADMSG);
    CHECK_EQ(dispatch_echo(buf, 3), -EBADMSG);
    CHECK_EQ(dispatch_echo(buf, 0), -EBADMSG);
    /* The length field claims more than the payload holds, or more than the maximum. */
    struct echo_echo_request *req = (struct echo_echo_request *)buf;
    req->len = 6;
    CHECK_EQ(dispatch_echo(buf, (uint32_t)len), -EBADMSG);
    req->len = 0xFFFFFFF9u; /* fixed part + len wraps around to the real length */
    CHECK_EQ(dispatch_echo(buf, (uint32_t)len), -EBADMSG);
    /* Fixed-size messages: exactly KV_GET_SIZE or nothing. */
    CHECK_EQ(loopback(kv_send_get(ME, "k")), KV_GET_SIZE);
    memcpy(buf, rx.payload, KV_GET_SIZE);
    CHECK_EQ(dispatch_kv(buf, KV_GET_SIZE - 1), -EBADMSG);
    CHECK_EQ(dispatch_kv(buf, KV_GET_SIZE + 1), -EBADMSG);
    CHECK_EQ(dispatch_kv(buf, 4), -EBADMSG);
    /* A kv value one byte over KV_VALUE_MAX, with a matching length field. */
    struct kv_set *set = (struct kv_set *)buf;
    set->event = KV_SET;
    set->len = KV_VALUE_MAX + 1;
    CHECK_EQ(dispatch_kv(buf, KV_SET_SIZE + KV_VALUE_MAX + 1), -EBADMSG);
    CHECK_EQ(total_calls(), 0);
}

/* Payloads that end at an unmapped page: a dispatcher that looked at a field the payload does
 * not contain would fault here. */
static void test_dispatch_no_read_past_payload(void)
{
    forget();
    uint32_t event = ECHO_ECHO_REQUEST;
    CHECK_EQ(dispatch_echo(at_page_end(&event, 4), 4), -EBADMSG);
    CHECK_EQ(dispatch_echo(at_page_end(&event, 2), 2), -EBADMSG);
    CHECK_EQ(dispatch_echo(at_page_end(&event, 0), 0), -EBADMSG);
    uint32_t head[3] = {ECHO_ECHO_REQUEST, 0, 1000}; /* claims 1000 bytes of text, has none */
    CHECK_EQ(dispatch_echo(at_page_end(head, 12), 12), -EBADMSG);
    CHECK_EQ(dispatch_echo(at_page_end(head, 8), 8), -EBADMSG);
    event = KV_GET;
    CHECK_EQ(dispatch_kv(at_page_end(&event, 4), 4), -EBADMSG);
    event = KV_REPLY;
    CHECK_EQ(dispatch_kv(at_page_end(&event, 4), 4), -EBADMSG);
    /* A valid message right at the edge is accepted: the edge itself is not the problem. */
    CHECK_EQ(loopback(echo_send_echo_request(ME, 0, "edge", 4)), ECHO_ECHO_REQUEST_SIZE + 4);
    CHECK_EQ(dispatch_echo(at_page_end(rx.payload, rx.hdr.len), rx.hdr.len), 11);
    CHECK_EQ(total_calls(), 1);
    /* And the page after really is unmapped: a child reading one byte past it is killed. */
    int32_t pid = fork();
    if (pid == 0) {
        volatile uint8_t *past = guard_page_end();
        exit(*past);
    }
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.cr2, (uint32_t)(uintptr_t)guard_page_end());
}

/* ---- echo service ------------------------------------------------------------------------- */

static union echo_echo_reply_room echo_reply;

/* Call echo and NUL-terminate the text of its reply (room: the reply's text is at most its
 * max, and the room's raw bytes go further). Returns the stub's result. */
static int echo(const char *text, uint32_t len, uint32_t flags)
{
    memset(&echo_reply, 0xAA, sizeof echo_reply);
    return echo_echo_request(echo_h, flags, text, len, &echo_reply, TIMEOUT_MS);
}

static int echo_text_is(const char *want)
{
    return echo_reply.m.event == ECHO_ECHO_REPLY && echo_reply.m.len == strlen(want) &&
           memcmp(echo_reply.m.text, want, echo_reply.m.len) == 0;
}

static void test_echo_round_trip(void)
{
    CHECK_EQ(echo("hello, amc", 10, 0), 0);
    CHECK(echo_text_is("hello, amc"));
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN); /* the answer came with the call */
}

/* A released client: a plain echo_request to the service's name is still answered, with an
 * echo_reply message to the sender's name. */
static void test_echo_plain_request(void)
{
    forget();
    CHECK_EQ(echo_send_echo_request(ECHO_SERVICE_NAME, 0, "old style", 9), 0);
    CHECK(amc_message_await_from(ECHO_SERVICE_NAME, &rx, sizeof rx) > 0);
    CHECK_EQ(dispatch_echo(rx.payload, rx.hdr.len), 12);
    CHECK(strcmp(seen.text, "old style") == 0);
    CHECK(strcmp(rx.hdr.source, ECHO_SERVICE_NAME) == 0); /* filled by the kernel */
    CHECK(strcmp(rx.hdr.dest, ME) == 0);
    CHECK(rx.hdr.source_pid > 1 && rx.hdr.source_pid != getpid());
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN); /* one request, one reply */
}

static void test_echo_upper(void)
{
    CHECK_EQ(echo("Hello, World 42!", 16, ECHO_UPPER), 0);
    CHECK(echo_text_is("HELLO, WORLD 42!"));
    CHECK_EQ(echo("Mixed Case", 10, 0), 0);
    CHECK(echo_text_is("Mixed Case"));
}

static void test_echo_sizes(void)
{
    static char text[AMC_MAX_MESSAGE];
    uint32_t most = AMC_MAX_MESSAGE - ECHO_ECHO_REQUEST_SIZE;
    for (uint32_t i = 0; i < most; i++)
        text[i] = (char)('a' + i % 26);
    CHECK_EQ(echo(text, most, ECHO_UPPER), 0);
    CHECK_EQ(echo_reply.m.len, most);
    for (uint32_t i = 0; i < most; i++)
        CHECK_EQ(echo_reply.m.text[i], 'A' + i % 26);
    CHECK_EQ(echo(text, most + 1, 0), -EMSGSIZE); /* refused by the stub, nothing sent */
    CHECK_EQ(echo("", 0, 0), 0);
    CHECK_EQ(echo_reply.m.len, 0);
    CHECK_EQ(echo("a\0b", 3, 0), 0); /* bytes, not C strings */
    CHECK(echo_reply.m.len == 3 && memcmp(echo_reply.m.text, "a\0b", 3) == 0);
}

/* Malformed plain messages get no answer and do not disturb the service. (Hand-packed on
 * purpose: the generated helpers cannot produce them.) */
static void test_echo_ignores_bad_messages(void)
{
    drain();
    uint32_t unknown[4] = {77, 0, 0, 0};
    uint32_t cut[2] = {ECHO_ECHO_REQUEST, 0};
    uint32_t lying[4] = {ECHO_ECHO_REQUEST, 0, 9, 0}; /* claims 9 bytes of text, has 4 */
    CHECK_EQ(amc_message_send(ECHO_SERVICE_NAME, unknown, sizeof unknown), 0);
    CHECK_EQ(amc_message_send(ECHO_SERVICE_NAME, cut, sizeof cut), 0);
    CHECK_EQ(amc_message_send(ECHO_SERVICE_NAME, lying, sizeof lying), 0);
    CHECK_EQ(echo_send_echo_reply(ECHO_SERVICE_NAME, "r", 1), 0); /* echod has no reply handler */
    CHECK_EQ(echo("still here", 10, 0), 0);
    CHECK(echo_text_is("still here"));
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN); /* nothing answered the bad ones */
}

/* Malformed calls are refused by the generated loop before a handler runs: the caller gets
 * the refusal as its call's result. */
static void test_echo_refuses_bad_calls(void)
{
    static union {
        uint32_t w[AMC_MAX_MESSAGE / 4];
        uint8_t raw[AMC_MAX_MESSAGE];
    } msg;
    memset(&msg, 0, sizeof msg);
    msg.w[0] = 77;
    CHECK_EQ(amc_call_buf(echo_h, &msg, 16, sizeof msg, TIMEOUT_MS), -EPROTO);
    msg.w[0] = ECHO_ECHO_REQUEST;
    msg.w[2] = 9; /* claims 9 bytes of text, has 4 */
    CHECK_EQ(amc_call_buf(echo_h, &msg, 16, sizeof msg, TIMEOUT_MS), -EBADMSG);
    msg.w[0] = ECHO_ECHO_REPLY; /* a one-way message sent as a call */
    msg.w[1] = 0;
    CHECK_EQ(amc_call_buf(echo_h, &msg, ECHO_ECHO_REPLY_SIZE, sizeof msg, TIMEOUT_MS), -EPROTO);
    uint32_t w0 = 1, w1 = 1;
    CHECK_EQ(amc_call(echo_h, 4242, 0, 0, TIMEOUT_MS, &w0, &w1), -EPROTO); /* in registers too */
    CHECK(w0 == 0 && w1 == 0);
    CHECK_EQ(echo("still serving", 13, 0), 0);
    CHECK(echo_text_is("still serving"));
}

static void test_echo_client_program(void)
{
    char argv[] = "echo-client\0-u\0from\0a program";
    int32_t pid = spawn("echo-client", argv, sizeof argv);
    CHECK(pid > 0);
    CHECK_EQ(reap(pid), 0); /* prints "FROM A PROGRAM", matched by the boot spec */
}

/* ---- kv service --------------------------------------------------------------------------- */

static union kv_reply_room res;

/* The reply's value, NUL-terminated (the room's raw bytes go past the longest value). */
static const char *value_of(const union kv_reply_room *r)
{
    static char text[KV_VALUE_MAX + 1];
    memcpy(text, r->m.value, r->m.len);
    text[r->m.len] = '\0';
    return text;
}

static void test_kv_basic(void)
{
    CHECK_EQ(kv_get(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, ENOENT);
    CHECK_EQ(kv_set(kv_h, "basic", "one", 3, &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, 0);
    CHECK_EQ(kv_get(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && res.m.len == 3 && strcmp(value_of(&res), "one") == 0);
    CHECK_EQ(kv_set(kv_h, "basic", "two!", 4, &res, TIMEOUT_MS), 0); /* replaces */
    CHECK_EQ(kv_get(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && res.m.len == 4 && strcmp(value_of(&res), "two!") == 0);
    CHECK_EQ(kv_delete(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, 0);
    CHECK_EQ(kv_get(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, ENOENT);
    CHECK_EQ(kv_delete(kv_h, "basic", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, ENOENT);
}

static void test_kv_values(void)
{
    static uint8_t big[KV_VALUE_MAX];
    for (uint32_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    CHECK_EQ(kv_set(kv_h, "big", big, sizeof big, &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, 0);
    CHECK_EQ(kv_get(kv_h, "big", &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && res.m.len == KV_VALUE_MAX &&
          memcmp(res.m.value, big, sizeof big) == 0);
    CHECK_EQ(kv_set(kv_h, "empty", "", 0, &res, TIMEOUT_MS), 0);
    CHECK_EQ(kv_get(kv_h, "empty", &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && res.m.len == 0);
    const char longest[] = "0123456789012345678901234567890"; /* 31 bytes */
    CHECK_EQ(kv_set(kv_h, longest, "L", 1, &res, TIMEOUT_MS), 0);
    CHECK_EQ(kv_get(kv_h, longest, &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && strcmp(value_of(&res), "L") == 0);
    CHECK_EQ(kv_set(kv_h, "01234567890123456789012345678901", "x", 1, &res, TIMEOUT_MS), -EINVAL);
    CHECK_EQ(kv_set(kv_h, "k", big, KV_VALUE_MAX + 1, &res, TIMEOUT_MS), -EMSGSIZE);
    CHECK_EQ(kv_delete(kv_h, "big", &res, TIMEOUT_MS), 0);
    CHECK_EQ(kv_delete(kv_h, "empty", &res, TIMEOUT_MS), 0);
    CHECK_EQ(kv_delete(kv_h, longest, &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, 0);
}

/* Keys that the stubs would refuse, hand-packed in a buffer call: kvd answers EINVAL and
 * carries on. */
static void test_kv_bad_keys(void)
{
    static union {
        struct kv_get get;
        uint8_t raw[KV_REPLY_MAX_SIZE];
    } msg;
    msg.get.event = KV_GET;
    memset(msg.get.key, 'k', sizeof msg.get.key); /* no NUL */
    CHECK_EQ(amc_call_buf(kv_h, &msg, KV_GET_SIZE, sizeof msg, TIMEOUT_MS), KV_REPLY_SIZE);
    memcpy(&res, &msg, KV_REPLY_SIZE);
    CHECK(res.m.event == KV_REPLY && res.m.status == EINVAL);
    msg.get.event = KV_GET;
    memset(msg.get.key, 0, sizeof msg.get.key); /* empty */
    CHECK_EQ(amc_call_buf(kv_h, &msg, KV_GET_SIZE, sizeof msg, TIMEOUT_MS), KV_REPLY_SIZE);
    memcpy(&res, &msg, KV_REPLY_SIZE);
    CHECK(res.m.event == KV_REPLY && res.m.status == EINVAL);
    CHECK_EQ(kv_set(kv_h, "", "v", 1, &res, TIMEOUT_MS),
             0); /* the stub sends it; the store refuses */
    CHECK_EQ(res.m.status, EINVAL);
    CHECK_EQ(kv_get(kv_h, "after-bad", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, ENOENT);
}

#define KV_CLIENTS 3
#define KV_ROUNDS 50

/* One client process: KV_ROUNDS of set/get on its own keys and on the shared key, on its own
 * handle (handles are not inherited by fork). */
static int kv_client_run(int id)
{
    char key[KV_KEY_SIZE], value[32];
    int32_t h = amc_open(KV_SERVICE_NAME);
    if (h <= 0)
        return 10;
    for (int i = 0; i < KV_ROUNDS; i++) {
        snprintf(key, sizeof key, "c%d.k%d", id, i);
        int n = snprintf(value, sizeof value, "v%d.%d", id, i * i);
        if (kv_set(h, key, value, (uint32_t)n, &res, TIMEOUT_MS) < 0 || res.m.status != 0)
            return 11;
        if (kv_get(h, key, &res, TIMEOUT_MS) < 0 || res.m.status != 0 ||
            strcmp(value_of(&res), value) != 0)
            return 12;
        n = snprintf(value, sizeof value, "c%d.%d", id, i);
        if (kv_set(h, "shared", value, (uint32_t)n, &res, TIMEOUT_MS) < 0 || res.m.status != 0)
            return 13;
        /* Someone's whole write, maybe another client's: "cW.R" with W and R in range. */
        if (kv_get(h, "shared", &res, TIMEOUT_MS) < 0 || res.m.status != 0)
            return 14;
        const char *v = value_of(&res);
        char *end;
        long round = strtol(v + 3, &end, 10);
        if (v[0] != 'c' || v[1] < '0' || v[1] >= '0' + KV_CLIENTS || v[2] != '.' ||
            !isdigit(v[3]) || *end != '\0' || round >= KV_ROUNDS)
            return 15;
    }
    return amc_close(h) == 0 ? 0 : 16;
}

/* A child running kv_client_run(id); fork sits in its own function because it returns twice
 * (the caller's loop state stays out of its way). */
static __attribute__((noinline)) int32_t start_kv_client(int id)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(kv_client_run(id));
    return pid;
}

static void test_kv_concurrent_clients(void)
{
    int32_t pids[KV_CLIENTS];
    for (int id = 0; id < KV_CLIENTS; id++) {
        pids[id] = start_kv_client(id);
        CHECK(pids[id] > 0);
    }
    for (int id = 0; id < KV_CLIENTS; id++)
        CHECK_EQ(reap(pids[id]), 0);
    /* Every client's keys hold its values; the shared key holds some client's last write. */
    char key[KV_KEY_SIZE], value[32];
    for (int id = 0; id < KV_CLIENTS; id++) {
        for (int i = 0; i < KV_ROUNDS; i++) {
            snprintf(key, sizeof key, "c%d.k%d", id, i);
            snprintf(value, sizeof value, "v%d.%d", id, i * i);
            CHECK_EQ(kv_get(kv_h, key, &res, TIMEOUT_MS), 0);
            CHECK_EQ(res.m.status, 0);
            CHECK(strcmp(value_of(&res), value) == 0);
            CHECK_EQ(kv_delete(kv_h, key, &res, TIMEOUT_MS), 0);
            CHECK_EQ(res.m.status, 0);
        }
    }
    CHECK_EQ(kv_get(kv_h, "shared", &res, TIMEOUT_MS), 0);
    const char *last = value_of(&res);
    CHECK(strcmp(last, "c0.49") == 0 || strcmp(last, "c1.49") == 0 || strcmp(last, "c2.49") == 0);
    CHECK_EQ(kv_delete(kv_h, "shared", &res, TIMEOUT_MS), 0);
    CHECK_EQ(kv_get(kv_h, "c1.k7", &res, TIMEOUT_MS), 0);
    CHECK_EQ(res.m.status, ENOENT);
}

static void test_kv_program(void)
{
    char set[] = "kv\0set\0prog-key\0from the kv program";
    int32_t pid = spawn("kv", set, sizeof set);
    CHECK_EQ(reap(pid), 0);
    CHECK_EQ(kv_get(kv_h, "prog-key", &res, TIMEOUT_MS), 0);
    CHECK(res.m.status == 0 && strcmp(value_of(&res), "from the kv program") == 0);
    char get[] = "kv\0get\0prog-key";
    CHECK_EQ(reap(spawn("kv", get, sizeof get)), 0);
    char del[] = "kv\0del\0prog-key";
    CHECK_EQ(reap(spawn("kv", del, sizeof del)), 0);
    CHECK_EQ(reap(spawn("kv", get, sizeof get)), 1); /* "kv: prog-key: no such key" */
    char bad[] = "kv\0frobnicate\0x";
    CHECK_EQ(reap(spawn("kv", bad, sizeof bad)), 2);
}

/* ---- a service of the test's own: timeout, death mid-call, restart -------------------------- */

#define OWN "svc-own"

/* The echo service's handler, run by a child under the name OWN: "hang" sleeps past any
 * timeout, "die" ends the server while it holds the call. */
static int own_on_request(void *ctx, const struct amc_request *rq,
                          const struct echo_echo_request *req, union echo_echo_reply_room *reply)
{
    (void)ctx;
    (void)rq;
    if (req->len == 4 && memcmp(req->text, "hang", 4) == 0)
        sleep_ms(100000);
    if (req->len == 3 && memcmp(req->text, "die", 3) == 0)
        exit(7);
    memcpy(reply->m.text, req->text, req->len);
    reply->m.len = req->len;
    return 0;
}

/* A child serving OWN with the generated echo loop (echo_serve does not care about the name). */
static int own_server(uint32_t unused)
{
    (void)unused;
    static const struct echo_server server = {.echo_request = own_on_request};
    static struct echo_stats stats;
    if (amc_register_service(OWN) < 0)
        return 20;
    echo_serve(&server, 0, &stats, 0);
    return 21;
}

/* Start own_server and wait until its name is there; returns its pid. */
static int32_t start_own(void)
{
    int32_t pid = gt_fork(own_server, 0);
    for (int i = 0; i < 500; i++) {
        int32_t h = amc_open(OWN);
        if (h > 0) {
            amc_close(h);
            return pid;
        }
        sleep_ms(2);
    }
    return -1;
}

static int32_t stop(int32_t pid)
{
    kill(pid);
    return waitpid(pid, 0, 0);
}

static int own_call(int32_t h, const char *text, uint32_t timeout_ms)
{
    return echo_echo_request(h, 0, text, strlen(text), &echo_reply, timeout_ms);
}

/* A server that does not answer in time: the call fails with ETIMEDOUT, not before. */
static void test_call_timeout(void)
{
    gt_baseline_take();
    int32_t pid = start_own();
    CHECK(pid > 0);
    int32_t h = amc_open(OWN);
    CHECK(h > 0);
    uint32_t t0 = uptime_ms();
    CHECK_EQ(own_call(h, "hang", 100), -ETIMEDOUT);
    CHECK(uptime_ms() - t0 >= 100);
    CHECK_EQ(stop(pid), pid);
    CHECK_EQ(amc_close(h), 0);
    char why[160];
    CHECK(gt_baseline_back(why, sizeof why));
}

/* The server ends while it holds the call: the caller gets EPIPE at once, nothing leaks. */
static void test_call_server_dies(void)
{
    gt_baseline_take();
    int32_t pid = start_own();
    CHECK(pid > 0);
    int32_t h = amc_open(OWN);
    CHECK(h > 0);
    CHECK_EQ(own_call(h, "ok", TIMEOUT_MS), 0);
    CHECK_EQ(own_call(h, "die", TIMEOUT_MS), -EPIPE);
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK(info.cause == WAIT_EXITED && info.status == 7);
    CHECK_EQ(amc_close(h), 0);
    char why[160];
    CHECK(gt_baseline_back(why, sizeof why));
}

/* A restarted service is a new service: the old handle fails with ESTALE, and never reaches the
 * new server; a new handle does. */
static void test_call_service_restarts(void)
{
    gt_baseline_take();
    int32_t pid = start_own();
    CHECK(pid > 0);
    int32_t h = amc_open(OWN);
    CHECK(h > 0);
    CHECK_EQ(own_call(h, "first", TIMEOUT_MS), 0);
    CHECK_EQ(stop(pid), pid);
    CHECK_EQ(own_call(h, "gone", TIMEOUT_MS), -ESTALE);
    pid = start_own();
    CHECK(pid > 0);
    CHECK_EQ(own_call(h, "stale", TIMEOUT_MS), -ESTALE);
    int32_t h2 = amc_open(OWN);
    CHECK(h2 > 0);
    CHECK_EQ(own_call(h2, "second", TIMEOUT_MS), 0);
    CHECK(echo_text_is("second"));
    CHECK_EQ(stop(pid), pid);
    CHECK_EQ(amc_close(h), 0);
    CHECK_EQ(amc_close(h2), 0);
    char why[160];
    CHECK(gt_baseline_back(why, sizeof why));
}

static const struct gtest tests[] = {
    {"amc_gen_max_message_shared", test_max_message_shared},
    {"amc_gen_dispatch_valid", test_dispatch_valid},
    {"amc_gen_dispatch_unknown_discriminator", test_dispatch_unknown_discriminator},
    {"amc_gen_dispatch_wrong_size", test_dispatch_wrong_size},
    {"amc_gen_dispatch_no_read_past_payload", test_dispatch_no_read_past_payload},
    {"amc_echo_round_trip", test_echo_round_trip},
    {"amc_echo_plain_request", test_echo_plain_request},
    {"amc_echo_upper", test_echo_upper},
    {"amc_echo_sizes", test_echo_sizes},
    {"amc_echo_ignores_bad_messages", test_echo_ignores_bad_messages},
    {"amc_echo_refuses_bad_calls", test_echo_refuses_bad_calls},
    {"amc_echo_client_program", test_echo_client_program},
    {"amc_kv_basic", test_kv_basic},
    {"amc_kv_values", test_kv_values},
    {"amc_kv_bad_keys", test_kv_bad_keys},
    {"amc_kv_concurrent_clients", test_kv_concurrent_clients},
    {"amc_kv_program", test_kv_program},
    {"amc_call_timeout", test_call_timeout},
    {"amc_call_server_dies", test_call_server_dies},
    {"amc_call_service_restarts", test_call_service_restarts},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL amc_svc_setup: cannot register %s\n", ME);
        return 1;
    }
    echo_h = amc_open(ECHO_SERVICE_NAME);
    kv_h = amc_open(KV_SERVICE_NAME);
    if (echo_h <= 0 || kv_h <= 0) {
        printf("FAIL amc_svc_setup: cannot open the echo and kv services (%d, %d)\n", (int)echo_h,
               (int)kv_h);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
