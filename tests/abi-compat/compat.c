/*
 * An old binary: built only against a frozen copy of what the generator wrote for a released
 * ABI (tests/abi-compat/vN/: abi.h, the libsys wrappers and amc layer, crt0), never against
 * build/gen or libsys, and booted on the current kernel (tests/qemu/abi_compat_boots.lua). It
 * makes every released syscall and sends or receives every released amc message once, so a
 * kernel or generator change that breaks a compiled program fails here.
 *
 * Self-contained on purpose: the current libsys is not what an old program was linked with.
 * Output is plan/ok/FAIL lines, as the guest tests print them.
 */
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "amc_services.h"
#include "syscalls.h"

const char *progname; /* crt0 stores argv[0] here */

/* What the compiler may call for the amc layer's copies. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static int same(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

static void put(const char *s)
{
    write(1, s, (uint32_t)length(s));
}

static void put_number(int32_t v)
{
    char buf[12];
    int i = sizeof buf;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[--i] = '-';
    put(buf + i);
}

/* The first failed check of the running test: its line and the value it saw. */
static int failed_line;
static int32_t failed_value;

#define CHECK(cond, value)                                                                         \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            failed_line = __LINE__;                                                                \
            failed_value = (int32_t)(value);                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static char service_name[AMC_NAME_MAX + 1];

struct received {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
};

/* Sends through send() until the service exists (it may still be starting): the result. */
static int send_retrying(int (*send)(void *ctx), void *ctx)
{
    int r = -ENOENT;
    for (int tries = 0; tries < 300 && r == -ENOENT; tries++) {
        r = send(ctx);
        if (r == -ENOENT)
            sleep_ms(10);
    }
    return r;
}

static void test_process_ids(void)
{
    CHECK(getpid() > 0, getpid());
    CHECK(getppid() > 0, getppid());
}

static void test_write(void)
{
    static const char line[] = "abi-compat: write from an old binary\n";
    CHECK(write(1, line, sizeof line - 1) == (int32_t)(sizeof line - 1), 0);
    CHECK(write(-1, line, 1) == -EBADF, write(-1, line, 1));
}

static void test_read_nothing(void)
{
    char c;
    CHECK(read(0, &c, 0) == 0, read(0, &c, 0));
}

static void test_time(void)
{
    uint32_t before = uptime_ms();
    CHECK(yield() == 0, 0);
    CHECK(sleep_ms(2) == 0, 0);
    CHECK(uptime_ms() - before >= 2, uptime_ms() - before);
}

static void test_sbrk(void)
{
    uint32_t old = (uint32_t)sbrk(4096);
    CHECK(old < (uint32_t)-ABI_ERRNO_MAX && old >= ABI_USER_LOW, old);
    volatile uint8_t *p = (volatile uint8_t *)old;
    p[0] = 1;
    p[4095] = 2;
    CHECK(p[0] + p[4095] == 3, 0);
    CHECK((uint32_t)sbrk(-4096) == old + 4096, 0);
}

/* fork, exit and waitpid: the child ends with status 7. */
static void test_fork_exit_wait(void)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(7);
    CHECK(pid > 0, pid);
    struct wait_info info;
    CHECK(waitpid(pid, &info, 0) == pid, 0);
    CHECK(info.cause == WAIT_EXITED && info.status == 7, info.status);
}

static void test_kill(void)
{
    int32_t pid = fork();
    if (pid == 0)
        for (;;)
            yield();
    CHECK(pid > 0, pid);
    CHECK(kill(pid) == 0, 0);
    struct wait_info info;
    CHECK(waitpid(pid, &info, 0) == pid, 0);
    CHECK(info.cause == WAIT_KILLED, info.cause);
}

/* spawn this very program with the argument "child": it ends with status 3. */
static void test_spawn(void)
{
    char argv[AMC_NAME_MAX + 8];
    uint32_t n = (uint32_t)length(progname) + 1;
    CHECK(n + 6 <= sizeof argv, n);
    memcpy(argv, progname, n);
    memcpy(argv + n, "child", 6);
    int32_t pid = spawn(progname, argv, n + 6);
    CHECK(pid > 0, pid);
    struct wait_info info;
    CHECK(waitpid(pid, &info, 0) == pid, 0);
    CHECK(info.cause == WAIT_EXITED && info.status == 3, info.status);
}

static void test_tables(void)
{
    char name[64];
    int32_t n = module_name(0, name, sizeof name);
    CHECK(n > 0 && name[n] == '\0', n);
    int found = 0;
    for (uint32_t slot = 0; slot < 256; slot++) {
        struct proc_info pi;
        int32_t r = proc_info(slot, &pi);
        if (r == 0 && pi.pid == getpid())
            found = 1;
        if (r == -EINVAL)
            break;
    }
    CHECK(found, 0);
    struct kstat ks;
    CHECK(kstat(&ks) == 0, 0);
    CHECK(ks.frames_total > 0 && ks.frames_free <= ks.frames_total && ks.procs >= 2, ks.procs);
}

static int register_name(void)
{
    int32_t pid = getpid();
    static const char prefix[] = "compat.";
    memcpy(service_name, prefix, sizeof prefix - 1);
    char digits[12];
    int i = 0;
    do {
        digits[i++] = (char)('0' + pid % 10);
        pid /= 10;
    } while (pid);
    int at = sizeof prefix - 1;
    while (i)
        service_name[at++] = digits[--i];
    service_name[at] = '\0';
    return amc_register_service(service_name);
}

static int send_echo(void *ctx)
{
    (void)ctx;
    return echo_send_echo_request(ECHO_SERVICE_NAME, ECHO_UPPER, "old binary", 10);
}

static int echo_replied;

static int on_echo_reply(void *ctx, const struct amc_header *hdr, const struct echo_echo_reply *msg)
{
    (void)ctx;
    (void)hdr;
    echo_replied = msg->len == 10 && same(msg->text, "OLD BINARY", 10);
    return 0;
}

/* echo_request out, echo_reply back (amc_message_send, amc_message_await_from). */
static void test_echo(void)
{
    CHECK(send_retrying(send_echo, 0) == 0, 0);
    static struct received rx;
    int32_t n = amc_message_await_from(ECHO_SERVICE_NAME, &rx, sizeof rx);
    CHECK(n >= (int32_t)sizeof rx.hdr, n);
    static const struct echo_handlers h = {.echo_reply = on_echo_reply};
    CHECK(echo_dispatch(&h, 0, &rx.hdr, rx.payload, rx.hdr.len) == 0, 0);
    CHECK(echo_replied, 0);
}

struct kv_result {
    uint32_t status, len;
    uint8_t value[KV_VALUE_MAX];
};

static int on_kv_reply(void *ctx, const struct amc_header *hdr, const struct kv_reply *msg)
{
    struct kv_result *res = ctx;
    (void)hdr;
    res->status = msg->status;
    res->len = msg->len;
    memcpy(res->value, msg->value, msg->len);
    return 0;
}

/* The next reply of the kv service, by polling (amc_message_poll) or by blocking. */
static int kv_reply(struct kv_result *res, int poll)
{
    static struct received rx;
    int32_t n;
    if (poll) {
        for (int tries = 0; (n = amc_message_poll(&rx, sizeof rx)) == -EAGAIN && tries < 500;
             tries++)
            sleep_ms(2);
    } else {
        n = amc_message_await(&rx, sizeof rx);
    }
    if (n < (int32_t)sizeof rx.hdr)
        return n < 0 ? n : -EBADMSG;
    static const struct kv_handlers h = {.reply = on_kv_reply};
    return kv_dispatch(&h, res, &rx.hdr, rx.payload, rx.hdr.len);
}

static int send_kv_set(void *ctx)
{
    (void)ctx;
    return kv_send_set(KV_SERVICE_NAME, "compat-key", "frozen", 6);
}

/* set, get and delete out, reply back each time (amc_message_await, amc_message_poll). */
static void test_kv(void)
{
    struct kv_result res;
    CHECK(send_retrying(send_kv_set, 0) == 0, 0);
    CHECK(kv_reply(&res, 0) == 0 && res.status == 0, res.status);
    CHECK(kv_send_get(KV_SERVICE_NAME, "compat-key") == 0, 0);
    CHECK(kv_reply(&res, 1) == 0 && res.status == 0, res.status);
    CHECK(res.len == 6 && same(res.value, "frozen", 6), res.len);
    CHECK(kv_send_delete(KV_SERVICE_NAME, "compat-key") == 0, 0);
    CHECK(kv_reply(&res, 0) == 0 && res.status == 0, res.status);
    CHECK(kv_send_get(KV_SERVICE_NAME, "compat-key") == 0, 0);
    CHECK(kv_reply(&res, 1) == 0 && res.status == ENOENT, res.status);
}

static void test_unregister(void)
{
    CHECK(amc_unregister_service() == 0, 0);
    CHECK(amc_unregister_service() == -ENOENT, 0);
}

/* A retired number answers ENOSYS, through the frozen trap vector and argument registers. */
static void test_retired(void)
{
    uint32_t eax = 22; /* retired 22 sleep */
    __asm__ volatile("int %1" : "+a"(eax) : "i"(ABI_TRAP) : "memory", "cc");
    CHECK(eax == (uint32_t)-ENOSYS, eax);
}

static const struct {
    const char *name;
    void (*run)(void);
} tests[] = {
    {"compat_process_ids", test_process_ids},
    {"compat_write", test_write},
    {"compat_read_nothing", test_read_nothing},
    {"compat_time", test_time},
    {"compat_sbrk", test_sbrk},
    {"compat_fork_exit_wait", test_fork_exit_wait},
    {"compat_kill", test_kill},
    {"compat_spawn", test_spawn},
    {"compat_tables", test_tables},
    {"compat_echo", test_echo},
    {"compat_kv", test_kv},
    {"compat_unregister", test_unregister},
    {"compat_retired", test_retired},
};

int main(int argc, char **argv)
{
    if (argc > 1 && same(argv[1], "child", 6))
        return 3;
    int count = sizeof tests / sizeof tests[0], failed = 0;
    put("plan");
    for (int i = 0; i < count; i++) {
        put(" ");
        put(tests[i].name);
    }
    put("\n");
    if (register_name() != 0) {
        put("abi-compat: cannot register a service name\n");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        failed_line = 0;
        tests[i].run();
        if (failed_line) {
            put("FAIL ");
            put(tests[i].name);
            put(": tests/abi-compat/compat.c:");
            put_number(failed_line);
            put(" (value ");
            put_number(failed_value);
            put(")\n");
            failed++;
        } else {
            put("ok ");
            put(tests[i].name);
            put("\n");
        }
    }
    return failed ? 1 : 0;
}
