/*
 * kvd: the key-value store service ("kv" in abi/syscalls.def). Every set, get and delete is
 * answered with a reply to the requester's service name: status 0, ENOENT (no such key), ENOMEM
 * (store full) or EINVAL (empty key, or one without its NUL). Requests are handled one at a
 * time in arrival order, so clients running at once see each request applied whole, and one
 * client's requests in the order it sent them. Built only on the generated layer.
 */
#include "amc_client.h"

#define KVD_MAX_KEYS 256

struct entry {
    char key[AMC_KEY_MAX + 1]; /* "" when the slot is free */
    uint32_t len;
    uint8_t value[KV_VALUE_MAX];
};

static struct entry store[KVD_MAX_KEYS];

/* A key from the wire is valid when it is non-empty and NUL-terminated inside its field. */
static int key_valid(const char key[KV_KEY_SIZE])
{
    return key[0] != '\0' && memchr(key, '\0', KV_KEY_SIZE) != 0;
}

static struct entry *find(const char *key)
{
    for (int i = 0; i < KVD_MAX_KEYS; i++)
        if (store[i].key[0] && strcmp(store[i].key, key) == 0)
            return &store[i];
    return 0;
}

static struct entry *find_free(void)
{
    for (int i = 0; i < KVD_MAX_KEYS; i++)
        if (!store[i].key[0])
            return &store[i];
    return 0;
}

static int reply(const struct amc_header *hdr, uint32_t status, const void *value, uint32_t len)
{
    if (hdr->source[0] == '\0')
        return -ENOENT; /* the sender has no service name: nowhere to reply */
    return kv_send_reply(hdr->source, status, value, len);
}

static int on_set(void *ctx, const struct amc_header *hdr, const struct kv_set *msg)
{
    (void)ctx;
    if (!key_valid(msg->key))
        return reply(hdr, EINVAL, 0, 0);
    struct entry *e = find(msg->key);
    if (!e)
        e = find_free();
    if (!e)
        return reply(hdr, ENOMEM, 0, 0);
    strlcpy(e->key, msg->key, sizeof e->key);
    memcpy(e->value, msg->value, msg->len); /* at most KV_VALUE_MAX: the dispatcher checked */
    e->len = msg->len;
    return reply(hdr, 0, 0, 0);
}

static int on_get(void *ctx, const struct amc_header *hdr, const struct kv_get *msg)
{
    (void)ctx;
    if (!key_valid(msg->key))
        return reply(hdr, EINVAL, 0, 0);
    const struct entry *e = find(msg->key);
    if (!e)
        return reply(hdr, ENOENT, 0, 0);
    return reply(hdr, 0, e->value, e->len);
}

static int on_delete(void *ctx, const struct amc_header *hdr, const struct kv_delete *msg)
{
    (void)ctx;
    if (!key_valid(msg->key))
        return reply(hdr, EINVAL, 0, 0);
    struct entry *e = find(msg->key);
    if (!e)
        return reply(hdr, ENOENT, 0, 0);
    e->key[0] = '\0';
    e->len = 0;
    return reply(hdr, 0, 0, 0);
}

int main(void)
{
    static struct amc_received rx;
    /* No reply handler: a reply sent to the store is refused with -EPROTO. */
    static const struct kv_handlers handlers = {.set = on_set, .get = on_get, .delete = on_delete};
    int r = amc_register_service(KV_SERVICE_NAME);
    if (r < 0) {
        dprintf(STDERR_FILENO, "kvd: cannot register service '%s': %s\n", KV_SERVICE_NAME,
                strerror(r));
        return 1;
    }
    for (;;) {
        r = amc_message_await(&rx, sizeof rx);
        if (r < 0) {
            dprintf(STDERR_FILENO, "kvd: await: %s\n", strerror(r));
            return 1;
        }
        r = kv_dispatch(&handlers, 0, &rx.hdr, rx.payload, rx.hdr.len);
        if (r < 0)
            dprintf(STDERR_FILENO, "kvd: message from '%s' (pid %d) not answered: %s\n",
                    rx.hdr.source, (int)rx.hdr.source_pid, strerror(r));
    }
}
