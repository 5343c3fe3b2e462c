/*
 * Guest tests for the generated amc layer (build/gen/libsys/amc_services.h/.c) and the services
 * built on it: the dispatchers' checks (unknown discriminators, wrong sizes, no read past the
 * payload), the echo service (echod) round trip, the kv store (kvd) alone and with several
 * clients at once, and the echo-client and kv programs. Booted with services=echod,kvd, so init
 * has started both daemons; the test process is the client "svc-test".
 */
#include "gtest.h"

#include "../../user/amc_client.h"

#define ME "svc-test"
#define PAGE 4096u

static struct amc_received rx;

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

/* Wait for the service's reply and dispatch it with the echo handlers. */
static int echo_reply_of(const char *sent_text, uint32_t flags)
{
    forget();
    int r = echo_send_echo_request(ECHO_SERVICE_NAME, flags, sent_text, strlen(sent_text));
    if (r < 0)
        return r;
    r = amc_message_await_from(ECHO_SERVICE_NAME, &rx, sizeof rx);
    if (r < 0)
        return r;
    return dispatch_echo(rx.payload, rx.hdr.len);
}

static void test_echo_round_trip(void)
{
    drain();
    CHECK_EQ(echo_reply_of("hello, amc", 0), 12);
    CHECK_EQ(seen.echo_reply, 1);
    CHECK_EQ(total_calls(), 1);
    CHECK(strcmp(seen.text, "hello, amc") == 0);
    CHECK(strcmp(rx.hdr.source, ECHO_SERVICE_NAME) == 0); /* filled by the kernel */
    CHECK(strcmp(rx.hdr.dest, ME) == 0);
    CHECK(rx.hdr.source_pid > 1 && rx.hdr.source_pid != getpid());
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN); /* one request, one reply */
}

static void test_echo_upper(void)
{
    CHECK_EQ(echo_reply_of("Hello, World 42!", ECHO_UPPER), 12);
    CHECK(strcmp(seen.text, "HELLO, WORLD 42!") == 0);
    CHECK_EQ(echo_reply_of("Mixed Case", 0), 12);
    CHECK(strcmp(seen.text, "Mixed Case") == 0);
}

static void test_echo_sizes(void)
{
    static char text[AMC_MAX_MESSAGE];
    static struct echo_result res;
    uint32_t most = AMC_MAX_MESSAGE - ECHO_ECHO_REQUEST_SIZE;
    for (uint32_t i = 0; i < most; i++)
        text[i] = (char)('a' + i % 26);
    CHECK_EQ(echo_call(ECHO_UPPER, text, most, &res), 0);
    CHECK_EQ(res.len, most);
    for (uint32_t i = 0; i < most; i++)
        CHECK_EQ(res.text[i], 'A' + i % 26);
    CHECK_EQ(echo_call(0, "", 0, &res), 0);
    CHECK_EQ(res.len, 0);
    CHECK_EQ(echo_call(0, "a\0b", 3, &res), 0); /* bytes, not C strings */
    CHECK(res.len == 3 && memcmp(res.text, "a\0b", 3) == 0);
}

/* Malformed messages get no reply and do not disturb the service. (Hand-packed on purpose:
 * the generated helpers cannot produce them.) */
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
    CHECK_EQ(echo_reply_of("still here", 0), 12);
    CHECK(strcmp(seen.text, "still here") == 0);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), -EAGAIN); /* nothing answered the bad ones */
}

static void test_echo_client_program(void)
{
    char argv[] = "echo-client\0-u\0from\0a program";
    int32_t pid = spawn("echo-client", argv, sizeof argv);
    CHECK(pid > 0);
    CHECK_EQ(reap(pid), 0); /* prints "FROM A PROGRAM", matched by the boot spec */
}

/* ---- kv service --------------------------------------------------------------------------- */

static struct kv_result res;

static void test_kv_basic(void)
{
    CHECK_EQ(kv_call_get("basic", &res), 0);
    CHECK_EQ(res.status, ENOENT);
    CHECK_EQ(kv_call_set("basic", "one", 3, &res), 0);
    CHECK_EQ(res.status, 0);
    CHECK_EQ(kv_call_get("basic", &res), 0);
    CHECK(res.status == 0 && res.len == 3 && strcmp(res.value, "one") == 0);
    CHECK_EQ(kv_call_set("basic", "two!", 4, &res), 0); /* replaces */
    CHECK_EQ(kv_call_get("basic", &res), 0);
    CHECK(res.status == 0 && res.len == 4 && strcmp(res.value, "two!") == 0);
    CHECK_EQ(kv_call_del("basic", &res), 0);
    CHECK_EQ(res.status, 0);
    CHECK_EQ(kv_call_get("basic", &res), 0);
    CHECK_EQ(res.status, ENOENT);
    CHECK_EQ(kv_call_del("basic", &res), 0);
    CHECK_EQ(res.status, ENOENT);
}

static void test_kv_values(void)
{
    static uint8_t big[KV_VALUE_MAX];
    for (uint32_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    CHECK_EQ(kv_call_set("big", big, sizeof big, &res), 0);
    CHECK_EQ(res.status, 0);
    CHECK_EQ(kv_call_get("big", &res), 0);
    CHECK(res.status == 0 && res.len == KV_VALUE_MAX && memcmp(res.value, big, sizeof big) == 0);
    CHECK_EQ(kv_call_set("empty", "", 0, &res), 0);
    CHECK_EQ(kv_call_get("empty", &res), 0);
    CHECK(res.status == 0 && res.len == 0);
    const char longest[] = "0123456789012345678901234567890"; /* 31 bytes */
    CHECK_EQ(kv_call_set(longest, "L", 1, &res), 0);
    CHECK_EQ(kv_call_get(longest, &res), 0);
    CHECK(res.status == 0 && strcmp(res.value, "L") == 0);
    CHECK_EQ(kv_call_set("01234567890123456789012345678901", "x", 1, &res), -EINVAL);
    CHECK_EQ(kv_call_set("k", big, KV_VALUE_MAX + 1, &res), -EMSGSIZE);
    CHECK_EQ(kv_call_del("big", &res), 0);
    CHECK_EQ(kv_call_del("empty", &res), 0);
    CHECK_EQ(kv_call_del(longest, &res), 0);
    CHECK_EQ(res.status, 0);
}

/* Keys that the helpers would refuse, hand-packed: kvd answers EINVAL and carries on. */
static void test_kv_bad_keys(void)
{
    struct kv_get get = {.event = KV_GET};
    memset(get.key, 'k', sizeof get.key); /* no NUL */
    CHECK_EQ(kv_client_reply(amc_message_send(KV_SERVICE_NAME, &get, sizeof get), &res), 0);
    CHECK_EQ(res.status, EINVAL);
    memset(get.key, 0, sizeof get.key); /* empty */
    CHECK_EQ(kv_client_reply(amc_message_send(KV_SERVICE_NAME, &get, sizeof get), &res), 0);
    CHECK_EQ(res.status, EINVAL);
    CHECK_EQ(kv_call_set("", "v", 1, &res), 0); /* the helper sends it; the store refuses */
    CHECK_EQ(res.status, EINVAL);
    CHECK_EQ(kv_call_get("after-bad", &res), 0);
    CHECK_EQ(res.status, ENOENT);
}

#define KV_CLIENTS 3
#define KV_ROUNDS 50

/* One client process: KV_ROUNDS of set/get on its own keys and on the shared key. */
static int kv_client_run(int id)
{
    char role[16], key[AMC_KEY_MAX + 1], value[32];
    snprintf(role, sizeof role, "kvc%d", id);
    if (amc_client_register(role) < 0)
        return 10;
    for (int i = 0; i < KV_ROUNDS; i++) {
        snprintf(key, sizeof key, "c%d.k%d", id, i);
        int n = snprintf(value, sizeof value, "v%d.%d", id, i * i);
        if (kv_call_set(key, value, (uint32_t)n, &res) < 0 || res.status != 0)
            return 11;
        if (kv_call_get(key, &res) < 0 || res.status != 0 || strcmp(res.value, value) != 0)
            return 12;
        n = snprintf(value, sizeof value, "c%d.%d", id, i);
        if (kv_call_set("shared", value, (uint32_t)n, &res) < 0 || res.status != 0)
            return 13;
        /* Someone's whole write, maybe another client's: "cW.R" with W and R in range. */
        if (kv_call_get("shared", &res) < 0 || res.status != 0)
            return 14;
        char *end;
        long round = strtol(res.value + 3, &end, 10);
        if (res.value[0] != 'c' || res.value[1] < '0' || res.value[1] >= '0' + KV_CLIENTS ||
            res.value[2] != '.' || !isdigit(res.value[3]) || *end != '\0' || round >= KV_ROUNDS)
            return 15;
    }
    return 0;
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
    char key[AMC_KEY_MAX + 1], value[32];
    for (int id = 0; id < KV_CLIENTS; id++) {
        for (int i = 0; i < KV_ROUNDS; i++) {
            snprintf(key, sizeof key, "c%d.k%d", id, i);
            snprintf(value, sizeof value, "v%d.%d", id, i * i);
            CHECK_EQ(kv_call_get(key, &res), 0);
            CHECK_EQ(res.status, 0);
            CHECK(strcmp(res.value, value) == 0);
            CHECK_EQ(kv_call_del(key, &res), 0);
            CHECK_EQ(res.status, 0);
        }
    }
    CHECK_EQ(kv_call_get("shared", &res), 0);
    CHECK(strcmp(res.value, "c0.49") == 0 || strcmp(res.value, "c1.49") == 0 ||
          strcmp(res.value, "c2.49") == 0);
    CHECK_EQ(kv_call_del("shared", &res), 0);
    CHECK_EQ(kv_call_get("c1.k7", &res), 0);
    CHECK_EQ(res.status, ENOENT);
}

static void test_kv_program(void)
{
    char set[] = "kv\0set\0prog-key\0from the kv program";
    int32_t pid = spawn("kv", set, sizeof set);
    CHECK_EQ(reap(pid), 0);
    CHECK_EQ(kv_call_get("prog-key", &res), 0);
    CHECK(res.status == 0 && strcmp(res.value, "from the kv program") == 0);
    char get[] = "kv\0get\0prog-key";
    CHECK_EQ(reap(spawn("kv", get, sizeof get)), 0);
    char del[] = "kv\0del\0prog-key";
    CHECK_EQ(reap(spawn("kv", del, sizeof del)), 0);
    CHECK_EQ(reap(spawn("kv", get, sizeof get)), 1); /* "kv: prog-key: no such key" */
    char bad[] = "kv\0frobnicate\0x";
    CHECK_EQ(reap(spawn("kv", bad, sizeof bad)), 2);
}

/* A client waiting for a service that never answers gives up after its deadline. */
static void test_client_timeout(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        amc_register_service("mute");
        sleep_ms(100000);
        exit(0);
    }
    sleep_ms(20); /* let it register */
    uint32_t t0 = uptime_ms();
    CHECK_EQ(echo_send_echo_request("mute", 0, "?", 1), 0);
    CHECK_EQ(amc_client_await("mute", &rx, 100), -EAGAIN);
    CHECK(uptime_ms() - t0 >= 100);
    CHECK_EQ(kill(pid), 0);
    CHECK_EQ(waitpid(pid, 0, 0), pid);
}

static const struct gtest tests[] = {
    {"amc_gen_max_message_shared", test_max_message_shared},
    {"amc_gen_dispatch_valid", test_dispatch_valid},
    {"amc_gen_dispatch_unknown_discriminator", test_dispatch_unknown_discriminator},
    {"amc_gen_dispatch_wrong_size", test_dispatch_wrong_size},
    {"amc_gen_dispatch_no_read_past_payload", test_dispatch_no_read_past_payload},
    {"amc_echo_round_trip", test_echo_round_trip},
    {"amc_echo_upper", test_echo_upper},
    {"amc_echo_sizes", test_echo_sizes},
    {"amc_echo_ignores_bad_messages", test_echo_ignores_bad_messages},
    {"amc_echo_client_program", test_echo_client_program},
    {"amc_kv_basic", test_kv_basic},
    {"amc_kv_values", test_kv_values},
    {"amc_kv_bad_keys", test_kv_bad_keys},
    {"amc_kv_concurrent_clients", test_kv_concurrent_clients},
    {"amc_kv_program", test_kv_program},
    {"amc_client_timeout", test_client_timeout},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL amc_svc_setup: cannot register %s\n", ME);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
