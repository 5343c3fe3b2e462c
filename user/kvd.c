/*
 * kvd: the key-value store service ("kv" in abi/syscalls.def). Every set, get and delete call is
 * answered with a reply: status 0, ENOENT (no such key), ENOMEM (store full) or EINVAL (empty
 * key, or one without its NUL). Requests are handled one at a time in arrival order, so clients
 * running at once see each request applied whole, and one client's requests in the order it made
 * them. Built only on the generated layer: kv_serve checks and dispatches, this file is the store.
 */
#include <libsys.h>

#include "amc_services.h"

#define KVD_MAX_KEYS 256

struct entry {
    char key[KV_KEY_SIZE]; /* "" when the slot is free */
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

/* The handlers answer in reply->m.status; the reply is zeroed before they run. */
static int on_set(void *ctx, const struct amc_request *rq, const struct kv_set *req,
                  union kv_reply_room *reply)
{
    (void)ctx;
    (void)rq;
    if (!key_valid(req->key)) {
        reply->m.status = EINVAL;
        return 0;
    }
    struct entry *e = find(req->key);
    if (!e)
        e = find_free();
    if (!e) {
        reply->m.status = ENOMEM;
        return 0;
    }
    strlcpy(e->key, req->key, sizeof e->key);
    memcpy(e->value, req->value, req->len); /* at most KV_VALUE_MAX: the loop checked */
    e->len = req->len;
    return 0;
}

static int on_get(void *ctx, const struct amc_request *rq, const struct kv_get *req,
                  union kv_reply_room *reply)
{
    (void)ctx;
    (void)rq;
    const struct entry *e = key_valid(req->key) ? find(req->key) : 0;
    if (!e) {
        reply->m.status = key_valid(req->key) ? ENOENT : EINVAL;
        return 0;
    }
    memcpy(reply->m.value, e->value, e->len);
    reply->m.len = e->len;
    return 0;
}

static int on_delete(void *ctx, const struct amc_request *rq, const struct kv_delete *req,
                     union kv_reply_room *reply)
{
    (void)ctx;
    (void)rq;
    struct entry *e = key_valid(req->key) ? find(req->key) : 0;
    if (!e) {
        reply->m.status = key_valid(req->key) ? ENOENT : EINVAL;
        return 0;
    }
    e->key[0] = '\0';
    e->len = 0;
    return 0;
}

static void refused(void *ctx, const struct amc_request *rq, int err)
{
    (void)ctx;
    if (rq->hdr)
        dprintf(STDERR_FILENO, "kvd: message from '%s' (pid %d) not answered: %s\n",
                rq->hdr->source, (int)rq->pid, strerror(err));
    else
        dprintf(STDERR_FILENO, "kvd: call from pid %d refused: %s\n", (int)rq->pid, strerror(err));
}

int main(void)
{
    /* No reply handler: a reply sent to the store is refused with -EPROTO. */
    static const struct kv_server server = {.set = on_set, .get = on_get, .delete = on_delete};
    static struct kv_stats stats;
    int r = amc_register_service(KV_SERVICE_NAME);
    if (r < 0) {
        dprintf(STDERR_FILENO, "kvd: cannot register service '%s': %s\n", KV_SERVICE_NAME,
                strerror(r));
        return 1;
    }
    r = kv_serve(&server, 0, &stats, refused);
    dprintf(STDERR_FILENO, "kvd: amc_reply_wait: %s\n", strerror(r));
    return 1;
}
