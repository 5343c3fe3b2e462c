/*
 * amc_client.h: the client side of the echo and kv services (abi/syscalls.def), shared by the
 * echo-client and kv programs, the shell's amc builtin and the guest tests. Header-only because
 * every user/NAME.c is a program of its own; the functions are static inline so a program that
 * uses only some of them compiles cleanly.
 *
 * Everything goes through the generated layer (amc_services.h): requests are built by the send
 * helpers and replies are checked and unpacked by the dispatchers. A service answers the
 * sender's service name, so a client first registers one of its own, "ROLE.PID".
 *
 * Waiting for a reply polls with a deadline rather than blocking in amc_message_await_from, so
 * a client whose service dies mid-request reports it instead of hanging (a shell must not hang).
 */
#ifndef USER_AMC_CLIENT_H
#define USER_AMC_CLIENT_H

#include <libsys.h>

#include "amc_services.h"

#define AMC_CLIENT_TIMEOUT_MS 5000u
#define AMC_KEY_MAX (KV_KEY_SIZE - 1) /* longest kv key: a char[KV_KEY_SIZE] with its NUL */

/* A received message exactly as the kernel writes it: header, then payload. */
struct amc_received {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
};

/* Give this process the service name ROLE.PID, where replies reach it. Returns 0 also when the
 * process has a name already (replies then go to that one), else the -E error. */
static inline int amc_client_register(const char *role)
{
    char name[AMC_NAME_MAX + 1];
    if (snprintf(name, sizeof name, "%s.%d", role, (int)getpid()) >= (int)sizeof name)
        return -ENAMETOOLONG;
    int r = amc_register_service(name);
    return r == -EBUSY ? 0 : r;
}

/* Drop whatever is queued for this process: a late reply to an earlier request that timed out
 * must not be taken for the answer to the next one. */
static inline void amc_client_drain(struct amc_received *rx)
{
    while (amc_message_poll(rx, sizeof *rx) >= 0)
        ;
}

/*
 * Wait up to timeout_ms for the next message from service; messages from anyone else are not
 * replies and are dropped. Returns the payload length, -EAGAIN when nothing came in time, or
 * another -E error. Yields first (the service usually answers within its next time slice), then
 * sleeps a millisecond between polls.
 */
static inline int amc_client_await(const char *service, struct amc_received *rx,
                                   uint32_t timeout_ms)
{
    uint32_t start = uptime_ms();
    for (uint32_t tries = 0;; tries++) {
        int r = amc_message_poll(rx, sizeof *rx);
        if (r >= 0) {
            if (strcmp(rx->hdr.source, service) == 0)
                return (int)rx->hdr.len;
            continue;
        }
        if (r != -EAGAIN)
            return r;
        if (uptime_ms() - start >= timeout_ms)
            return -EAGAIN;
        if (tries < 16)
            yield();
        else
            sleep_ms(1);
    }
}

/* ---- echo ------------------------------------------------------------------------------------ */

#define ECHO_TEXT_MAX (ECHO_ECHO_REQUEST_MAX_SIZE - ECHO_ECHO_REQUEST_SIZE)

struct echo_result {
    uint32_t len;
    char text[ECHO_ECHO_REPLY_MAX_SIZE - ECHO_ECHO_REPLY_SIZE + 1]; /* NUL-terminated */
};

static inline int echo_client_on_reply(void *ctx, const struct amc_header *hdr,
                                       const struct echo_echo_reply *msg)
{
    (void)hdr;
    struct echo_result *res = ctx;
    memcpy(res->text, msg->text, msg->len); /* the dispatcher checked len against the payload */
    res->text[msg->len] = '\0';
    res->len = msg->len;
    return 0;
}

/* Ask the echo service to echo len bytes of text (flags 0 or ECHO_UPPER); the answer lands in
 * res. Returns 0 or a -E error (-EAGAIN: no reply in time). The caller must be registered. */
static inline int echo_call(uint32_t flags, const void *text, uint32_t len, struct echo_result *res)
{
    static struct amc_received rx;
    static const struct echo_handlers handlers = {.echo_reply = echo_client_on_reply};
    amc_client_drain(&rx);
    int r = echo_send_echo_request(ECHO_SERVICE_NAME, flags, text, len);
    if (r < 0)
        return r;
    r = amc_client_await(ECHO_SERVICE_NAME, &rx, AMC_CLIENT_TIMEOUT_MS);
    if (r < 0)
        return r;
    return echo_dispatch(&handlers, res, &rx.hdr, rx.payload, rx.hdr.len);
}

/* ---- kv -------------------------------------------------------------------------------------- */

struct kv_result {
    uint32_t status; /* 0 or a positive error number, as the service answered */
    uint32_t len;
    char value[KV_VALUE_MAX + 1]; /* NUL-terminated for printing */
};

static inline int kv_client_on_reply(void *ctx, const struct amc_header *hdr,
                                     const struct kv_reply *msg)
{
    (void)hdr;
    struct kv_result *res = ctx;
    res->status = msg->status;
    res->len = msg->len;
    memcpy(res->value, msg->value, msg->len); /* at most KV_VALUE_MAX: the dispatcher checked */
    res->value[msg->len] = '\0';
    return 0;
}

/* The kv exchange's one receive buffer. */
static inline struct amc_received *kv_client_rx(void)
{
    static struct amc_received rx;
    return &rx;
}

/* Before a request: forget stale replies (see amc_client_drain). */
static inline void kv_client_begin(void)
{
    amc_client_drain(kv_client_rx());
}

/* Wait for the kv service's reply to the request just sent and unpack it into res. */
static inline int kv_client_reply(int sent, struct kv_result *res)
{
    static const struct kv_handlers handlers = {.reply = kv_client_on_reply};
    struct amc_received *rx = kv_client_rx();
    if (sent < 0)
        return sent;
    int r = amc_client_await(KV_SERVICE_NAME, rx, AMC_CLIENT_TIMEOUT_MS);
    if (r < 0)
        return r;
    return kv_dispatch(&handlers, res, &rx->hdr, rx->payload, rx->hdr.len);
}

/* One request each, answered in res (res->status says how the service fared). Returns 0 or a
 * -E error of the exchange itself: -EINVAL key too long, -EMSGSIZE value too long, -ENOENT no
 * kv service, -EAGAIN no reply in time. The caller must be registered. */
static inline int kv_call_set(const char *key, const void *value, uint32_t len,
                              struct kv_result *res)
{
    kv_client_begin();
    return kv_client_reply(kv_send_set(KV_SERVICE_NAME, key, value, len), res);
}

static inline int kv_call_get(const char *key, struct kv_result *res)
{
    kv_client_begin();
    return kv_client_reply(kv_send_get(KV_SERVICE_NAME, key), res);
}

static inline int kv_call_del(const char *key, struct kv_result *res)
{
    kv_client_begin();
    return kv_client_reply(kv_send_delete(KV_SERVICE_NAME, key), res);
}

/* ---- command lines: echo-client, kv, and the shell's `amc echo` / `amc kv` ------------------- */

/* Explain a failed exchange with service on stderr, as "PROG: why". */
static inline void amc_client_complain(const char *prog, const char *service, const char *daemon,
                                       int err)
{
    if (err == -ENOENT)
        dprintf(STDERR_FILENO, "%s: no service '%s' (is %s running?)\n", prog, service, daemon);
    else if (err == -EAGAIN)
        dprintf(STDERR_FILENO, "%s: no reply from service '%s' within %u ms\n", prog, service,
                AMC_CLIENT_TIMEOUT_MS);
    else
        dprintf(STDERR_FILENO, "%s: %s\n", prog, strerror(err));
}

/* `[-u] TEXT...`: echo the words joined by spaces (upper-cased with -u) and print the reply.
 * argv[0] is the command's name. Returns an exit status. */
static inline int echo_command(const char *prog, int argc, char **argv)
{
    static char text[ECHO_TEXT_MAX + 1];
    static struct echo_result res;
    uint32_t flags = 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-u") == 0) {
        flags = ECHO_UPPER;
        first = 2;
    }
    size_t len = 0;
    for (int i = first; i < argc; i++) {
        size_t n = strlen(argv[i]) + (i > first);
        if (len + n > ECHO_TEXT_MAX) {
            dprintf(STDERR_FILENO, "%s: text too long (at most %u bytes)\n", prog,
                    (unsigned)ECHO_TEXT_MAX);
            return 1;
        }
        if (i > first)
            text[len++] = ' ';
        memcpy(text + len, argv[i], strlen(argv[i]));
        len += strlen(argv[i]);
    }
    int r = amc_client_register("echo-client");
    if (r == 0)
        r = echo_call(flags, text, (uint32_t)len, &res);
    if (r < 0) {
        amc_client_complain(prog, ECHO_SERVICE_NAME, "echod", r);
        return 1;
    }
    printf("%s\n", res.text);
    return 0;
}

static inline int kv_usage(const char *prog)
{
    dprintf(STDERR_FILENO, "usage: %s set KEY VALUE | get KEY | del KEY\n", prog);
    return 2;
}

/* `set KEY VALUE` | `get KEY` | `del KEY` (argv[0] is the command's name): one kv request; get
 * prints the value. Returns an exit status: 0 done, 1 failed, 2 usage. */
static inline int kv_command(const char *prog, int argc, char **argv)
{
    static struct kv_result res;
    if (argc < 3)
        return kv_usage(prog);
    const char *op = argv[1], *key = argv[2];
    int is_set = strcmp(op, "set") == 0, is_get = strcmp(op, "get") == 0;
    int is_del = strcmp(op, "del") == 0;
    if (!(is_set || is_get || is_del) || argc != (is_set ? 4 : 3))
        return kv_usage(prog);
    if (key[0] == '\0' || strlen(key) > AMC_KEY_MAX) {
        dprintf(STDERR_FILENO, "%s: key must be 1 to %d bytes\n", prog, AMC_KEY_MAX);
        return 1;
    }
    if (is_set && strlen(argv[3]) > KV_VALUE_MAX) {
        dprintf(STDERR_FILENO, "%s: value too long (at most %d bytes)\n", prog, KV_VALUE_MAX);
        return 1;
    }
    int r = amc_client_register("kv");
    if (r == 0) {
        if (is_set)
            r = kv_call_set(key, argv[3], (uint32_t)strlen(argv[3]), &res);
        else if (is_get)
            r = kv_call_get(key, &res);
        else
            r = kv_call_del(key, &res);
    }
    if (r < 0) {
        amc_client_complain(prog, KV_SERVICE_NAME, "kvd", r);
        return 1;
    }
    if (res.status == ENOENT) {
        dprintf(STDERR_FILENO, "%s: %s: no such key\n", prog, key);
        return 1;
    }
    if (res.status != 0) {
        dprintf(STDERR_FILENO, "%s: %s %s: %s\n", prog, op, key, strerror((int)res.status));
        return 1;
    }
    if (is_get)
        printf("%s\n", res.value);
    return 0;
}

#endif
