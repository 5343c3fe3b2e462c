/*
 * Host half of tests/amc/suite.lua's new-message test. The suite appends a message
 *     message 3 shout "..." { volume: u32  len: u32  text: u8[len] }
 * to the echo service in a copy of abi/syscalls.def and regenerates; this file is compiled
 * against that output. The only service code written by hand is the new message's handler:
 * the enum value, payload struct, send helper and dispatch case all come from the generator.
 * amc_message_send is stood in for, so the send helper's bytes are captured and dispatched; the
 * call syscalls the services' stubs and loops are linked with are stood in for by failures.
 */
#include <stdio.h>
#include <string.h>

#include "amc_services.h"

static uint8_t sent[AMC_MAX_MESSAGE];
static uint32_t sent_len;
static char sent_dest[AMC_NAME_MAX + 1];

int32_t amc_message_send(const char *dest, const void *buf, uint32_t len)
{
    snprintf(sent_dest, sizeof sent_dest, "%s", dest);
    memcpy(sent, buf, len);
    sent_len = len;
    return 0;
}

int32_t amc_call_buf(int32_t h, void *msg, uint32_t len, uint32_t cap, uint32_t timeout_ms)
{
    (void)h, (void)msg, (void)len, (void)cap, (void)timeout_ms;
    return -ENOSYS;
}

int32_t amc_reply_wait(uint32_t badge, void *buf, uint32_t len, uint32_t cap, uint32_t *r_caller,
                       int32_t *r_pid)
{
    (void)badge, (void)buf, (void)len, (void)cap, (void)r_caller, (void)r_pid;
    return -ENOSYS;
}

/* The handler: the one piece of code a new message needs. */
static int shouts;
static char heard[64];
static uint32_t heard_volume;

static int on_shout(void *ctx, const struct amc_header *hdr, const struct echo_shout *msg)
{
    (void)ctx;
    (void)hdr;
    shouts++;
    heard_volume = msg->volume;
    memcpy(heard, msg->text, msg->len);
    heard[msg->len] = '\0';
    return 42;
}

static int failures;

static void check(const char *name, int ok)
{
    printf(ok ? "ok %s\n" : "FAIL %s: check failed\n", name);
    failures += !ok;
}

int main(void)
{
    static const struct echo_handlers handlers = {.shout = on_shout};
    check("amc_new_message_enum", ECHO_SHOUT == 3 && ECHO_SHOUT_SIZE == 12);
    check("amc_new_message_send_helper", echo_send_shout("echo", 11, "hey!", 4) == 0 &&
                                             strcmp(sent_dest, "echo") == 0 && sent_len == 16 &&
                                             ((struct echo_shout *)sent)->event == ECHO_SHOUT);
    int r = echo_dispatch(&handlers, NULL, NULL, sent, sent_len);
    check("amc_new_message_dispatched",
          r == 42 && shouts == 1 && heard_volume == 11 && strcmp(heard, "hey!") == 0);
    r = echo_dispatch(&handlers, NULL, NULL, sent, sent_len - 1);
    check("amc_new_message_wrong_size", r == -EBADMSG && shouts == 1);
    /* The old messages are still there, unhandled here: refused, not sent to on_shout. */
    echo_send_echo_request("echo", 0, "x", 1);
    check("amc_new_message_old_ones_intact",
          echo_dispatch(&handlers, NULL, NULL, sent, sent_len) == -EPROTO && shouts == 1 &&
              ECHO_ECHO_REQUEST == 1 && ECHO_ECHO_REPLY == 2);
    return failures ? 1 : 0;
}
