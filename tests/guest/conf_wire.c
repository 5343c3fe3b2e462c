/*
 * Hand-written conformance: amc messages on the wire match the generated enums and layouts.
 *
 * Every message of every service in abi/syscalls.def is sent with its generated send helper to
 * this process's own service, received raw with amc_message_poll, and its bytes are read back
 * by offset: the first u32 is the discriminator (the generated enum value, and the number the
 * .def gives it), the fields follow at the offsets the .def implies, and the payload is exactly
 * the declared size. Then the generated dispatcher must route the raw bytes to the right handler
 * and refuse a payload with an unknown discriminator or a wrong size.
 */
#include "gtest.h"

#include "amc_services.h"

#define ME "conf-wire"

static struct {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
} rx;

static uint32_t u32_at(uint32_t offset)
{
    uint32_t v;
    memcpy(&v, rx.payload + offset, 4);
    return v;
}

/* Receives the message just sent to ourselves; returns its payload length or -1. */
static int32_t receive(void)
{
    int32_t n = amc_message_poll(&rx, sizeof rx);
    if (n < (int32_t)sizeof rx.hdr || (uint32_t)n != sizeof rx.hdr + rx.hdr.len)
        return -1;
    return (int32_t)rx.hdr.len;
}

static void test_echo_request(void)
{
    CHECK_EQ(echo_send_echo_request(ME, 0xA5A5, "hi!", 3), 0);
    CHECK_EQ(receive(), ECHO_ECHO_REQUEST_SIZE + 3);
    CHECK_EQ(u32_at(0), ECHO_ECHO_REQUEST);
    CHECK_EQ(u32_at(0), 1); /* message 1 echo_request */
    CHECK_EQ(u32_at(4), 0xA5A5);
    CHECK_EQ(u32_at(8), 3);
    CHECK(!memcmp(rx.payload + 12, "hi!", 3));
}

static void test_echo_reply(void)
{
    CHECK_EQ(echo_send_echo_reply(ME, "back", 4), 0);
    CHECK_EQ(receive(), ECHO_ECHO_REPLY_SIZE + 4);
    CHECK_EQ(u32_at(0), ECHO_ECHO_REPLY);
    CHECK_EQ(u32_at(0), 2);
    CHECK_EQ(u32_at(4), 4);
    CHECK(!memcmp(rx.payload + 8, "back", 4));
}

static void test_kv_set(void)
{
    CHECK_EQ(kv_send_set(ME, "colour", "blue", 4), 0);
    CHECK_EQ(receive(), KV_SET_SIZE + 4);
    CHECK_EQ(u32_at(0), KV_SET);
    CHECK_EQ(u32_at(0), 1);
    CHECK(!strcmp((const char *)rx.payload + 4, "colour")); /* key: char[KV_KEY_SIZE] at 4 */
    CHECK_EQ(rx.payload[4 + 31], 0);
    CHECK_EQ(u32_at(36), 4);
    CHECK(!memcmp(rx.payload + 40, "blue", 4));
}

static void test_kv_get(void)
{
    CHECK_EQ(kv_send_get(ME, "colour"), 0);
    CHECK_EQ(receive(), KV_GET_SIZE);
    CHECK_EQ(KV_GET_SIZE, 36);
    CHECK_EQ(u32_at(0), KV_GET);
    CHECK_EQ(u32_at(0), 2);
    CHECK(!strcmp((const char *)rx.payload + 4, "colour"));
}

static void test_kv_delete(void)
{
    CHECK_EQ(kv_send_delete(ME, "k"), 0);
    CHECK_EQ(receive(), KV_DELETE_SIZE);
    CHECK_EQ(u32_at(0), KV_DELETE);
    CHECK_EQ(u32_at(0), 3);
    CHECK(!strcmp((const char *)rx.payload + 4, "k"));
}

static void test_kv_reply(void)
{
    CHECK_EQ(kv_send_reply(ME, ENOENT, "", 0), 0);
    CHECK_EQ(receive(), KV_REPLY_SIZE);
    CHECK_EQ(u32_at(0), KV_REPLY);
    CHECK_EQ(u32_at(0), 4);
    CHECK_EQ(u32_at(4), ENOENT);
    CHECK_EQ(u32_at(8), 0);
}

/* The generated dispatcher reads the same bytes back. */
static uint32_t routed;

static int on_get(void *ctx, const struct amc_header *hdr, const struct kv_get *m)
{
    (void)ctx;
    (void)hdr;
    routed = m->event == KV_GET && !strcmp(m->key, "route") ? KV_GET : 99;
    return 7;
}

static void test_dispatch_raw(void)
{
    struct kv_handlers h = {0};
    h.get = on_get;
    CHECK_EQ(kv_send_get(ME, "route"), 0);
    int32_t len = receive();
    CHECK_EQ(len, KV_GET_SIZE);
    routed = 0;
    CHECK_EQ(kv_dispatch(&h, 0, &rx.hdr, rx.payload, (uint32_t)len), 7);
    CHECK_EQ(routed, KV_GET);
    /* The same payload one byte short, and with a discriminator no message has. */
    CHECK_EQ(kv_dispatch(&h, 0, &rx.hdr, rx.payload, (uint32_t)len - 1), -EBADMSG);
    uint32_t bogus = 0x7777;
    memcpy(rx.payload, &bogus, 4);
    CHECK_EQ(kv_dispatch(&h, 0, &rx.hdr, rx.payload, (uint32_t)len), -EPROTO);
    /* A known message without a handler is refused too. */
    CHECK_EQ(kv_send_delete(ME, "x"), 0);
    len = receive();
    CHECK_EQ(kv_dispatch(&h, 0, &rx.hdr, rx.payload, (uint32_t)len), -EPROTO);
}

static const struct gtest tests[] = {
    {"conf_wire_echo_echo_request", test_echo_request},
    {"conf_wire_echo_echo_reply", test_echo_reply},
    {"conf_wire_kv_set", test_kv_set},
    {"conf_wire_kv_get", test_kv_get},
    {"conf_wire_kv_delete", test_kv_delete},
    {"conf_wire_kv_reply", test_kv_reply},
    {"conf_wire_dispatch_raw", test_dispatch_raw},
};

int main(void)
{
    if (amc_register_service(ME) != 0) {
        printf("FAIL conf_wire_setup: cannot register %s\n", ME);
        return 1;
    }
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
