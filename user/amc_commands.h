/*
 * amc_commands.h: the command lines of the echo and kv clients, shared by the echo-client and kv
 * programs and the shell's amc builtin. Header-only because every user/NAME.c is a program of
 * its own (static inline: a program compiles cleanly using only some of it).
 *
 * Only argument parsing and messages live here: every request is one generated call stub
 * (echo_echo_request, kv_set, kv_get, kv_delete from abi/syscalls.def), which sends it and blocks
 * in the kernel until the service answers, fails, or the timeout passes. Nothing polls.
 */
#ifndef USER_AMC_COMMANDS_H
#define USER_AMC_COMMANDS_H

#include <libsys.h>

#include "amc_services.h"

#define AMC_COMMAND_TIMEOUT_MS 5000u  /* a live service that hangs: give up */
#define AMC_KEY_MAX (KV_KEY_SIZE - 1) /* longest kv key: a char[KV_KEY_SIZE] with its NUL */
#define ECHO_TEXT_MAX (ECHO_ECHO_REQUEST_MAX_SIZE - ECHO_ECHO_REQUEST_SIZE)

/* Explain a failed exchange with service on stderr, as "PROG: why". */
static inline void amc_command_complain(const char *prog, const char *service, const char *daemon,
                                        int err)
{
    if (err == -ENOENT)
        dprintf(STDERR_FILENO, "%s: no service '%s' (is %s running?)\n", prog, service, daemon);
    else if (err == -ETIMEDOUT)
        dprintf(STDERR_FILENO, "%s: no reply from service '%s' within %u ms\n", prog, service,
                AMC_COMMAND_TIMEOUT_MS);
    else if (err == -EPIPE || err == -ESTALE)
        dprintf(STDERR_FILENO, "%s: service '%s' ended before it replied\n", prog, service);
    else
        dprintf(STDERR_FILENO, "%s: %s\n", prog, strerror(err));
}

/* `[-u] TEXT...`: echo the words joined by spaces (upper-cased with -u) and print the reply.
 * argv[0] is the command's name. Returns an exit status. */
static inline int echo_command(const char *prog, int argc, char **argv)
{
    static char text[ECHO_TEXT_MAX + 1];
    static union echo_echo_reply_room reply;
    uint32_t flags = 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-u") == 0) {
        flags = ECHO_UPPER;
        first = 2;
    }
    size_t len = 0;
    for (int i = first; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (len + n + (i > first) > ECHO_TEXT_MAX) {
            dprintf(STDERR_FILENO, "%s: text too long (at most %u bytes)\n", prog,
                    (unsigned)ECHO_TEXT_MAX);
            return 1;
        }
        if (i > first)
            text[len++] = ' ';
        memcpy(text + len, argv[i], n);
        len += n;
    }
    int r = amc_open(ECHO_SERVICE_NAME);
    if (r > 0) {
        int h = r;
        r = echo_echo_request(h, flags, text, (uint32_t)len, &reply, AMC_COMMAND_TIMEOUT_MS);
        amc_close(h);
    }
    if (r < 0) {
        amc_command_complain(prog, ECHO_SERVICE_NAME, "echod", r);
        return 1;
    }
    printf("%.*s\n", (int)reply.m.len, (const char *)reply.m.text);
    return 0;
}

static inline int kv_usage(const char *prog)
{
    dprintf(STDERR_FILENO, "usage: %s set KEY VALUE | get KEY | del KEY\n", prog);
    return 2;
}

/* `set KEY VALUE` | `get KEY` | `del KEY` (argv[0] is the command's name): one kv call; get
 * prints the value. Returns an exit status: 0 done, 1 failed, 2 usage. */
static inline int kv_command(const char *prog, int argc, char **argv)
{
    static union kv_reply_room reply;
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
    int r = amc_open(KV_SERVICE_NAME);
    if (r > 0) {
        int h = r;
        if (is_set)
            r = kv_set(h, key, argv[3], (uint32_t)strlen(argv[3]), &reply, AMC_COMMAND_TIMEOUT_MS);
        else if (is_get)
            r = kv_get(h, key, &reply, AMC_COMMAND_TIMEOUT_MS);
        else
            r = kv_delete(h, key, &reply, AMC_COMMAND_TIMEOUT_MS);
        amc_close(h);
    }
    if (r < 0) {
        amc_command_complain(prog, KV_SERVICE_NAME, "kvd", r);
        return 1;
    }
    if (reply.m.status == ENOENT) {
        dprintf(STDERR_FILENO, "%s: %s: no such key\n", prog, key);
        return 1;
    }
    if (reply.m.status != 0) {
        dprintf(STDERR_FILENO, "%s: %s %s: %s\n", prog, op, key, strerror((int)reply.m.status));
        return 1;
    }
    if (is_get)
        printf("%.*s\n", (int)reply.m.len, (const char *)reply.m.value);
    return 0;
}

#endif
