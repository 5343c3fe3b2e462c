/*
 * amc: message passing between named services.
 *
 * A process may own one service. Sending copies the payload into a kernel message at once and
 * appends it to the receiver's queue, so the sender may reuse its buffer immediately and one
 * sender's messages are delivered in the order sent. The kernel writes the header (source name and
 * pid, destination, length); the sender supplies only the payload, so it cannot forge its source.
 * Each sender has its own share of a receiver's queue (AMC_QUEUE_DEPTH messages) and a budget
 * over all receivers (AMC_SENDER_BUDGET), so a flooder fills only its own share: another sender's
 * send still succeeds and a filtered await still finds its message, and one sender costs at most
 * AMC_SENDER_BUDGET messages of kernel memory. A send past either limit fails with ENOBUFS. A
 * receiver that serves with amc_reply_wait declares a maximum (its cap), and a larger message is
 * refused at send time with EMSGSIZE, so none can sit unreceivable at the head of a queue. A
 * message is freed exactly once: when it is delivered, or when its receiver goes away (counted
 * as dropped).
 *
 * The fast path: when the receiver is blocked in an await with an empty queue, the sender writes
 * header and payload straight into the receiver's buffer (one copy instead of two, no queueing)
 * and wakes it; the await then returns as if the message had been queued. Small queued messages
 * come from a fixed pool instead of the heap. Names and payloads move a word at a time.
 */
#include "amc_impl.h"

#include "abi_base.h"
#include "heap.h"
#include "proc.h"
#include "klib.h"
#include "syscall_handlers.h"
#include "memlayout.h"
#include "uaccess.h"
#include "vmm.h"

/* deliver() copies header and payload in one go. */
_Static_assert(__builtin_offsetof(struct amc_message, payload) ==
                   __builtin_offsetof(struct amc_message, header) + sizeof(struct amc_header),
               "payload must follow the header directly");

_Static_assert(sizeof(((struct amc_service *)0)->name) == sizeof(((struct amc_header *)0)->source),
               "service names are copied whole into headers");

struct amc_service amc_services[NPROC];
static int services_used; /* slots at and above it have never been used */
static uint32_t total_queued, total_dropped;
static uint32_t last_service_id;
uint32_t amc_last_seq; /* of the last message or call (amc_next_seq) */
/* Messages each sender slot has queued at all services together (AMC_SENDER_BUDGET). */
static uint16_t sender_queued[NPROC + 1];

/* The pool of small messages: a free list, filled from pool_mem as it is first needed. */
#define POOL_PAYLOAD 64
#define POOL_MESSAGES 64
#define POOL_SLOT (sizeof(struct amc_message) + POOL_PAYLOAD)
static uint8_t pool_mem[POOL_MESSAGES][POOL_SLOT] __attribute__((aligned(4)));
static uint32_t pool_fresh; /* slots of pool_mem never handed out yet */
static struct amc_message *pool_free;

static struct amc_message *message_alloc(uint32_t len)
{
    if (len > POOL_PAYLOAD)
        return kmalloc(sizeof(struct amc_message) + len);
    struct amc_message *m = pool_free;
    if (m)
        pool_free = m->next;
    else if (pool_fresh < POOL_MESSAGES)
        m = (struct amc_message *)pool_mem[pool_fresh++];
    else
        m = kmalloc(POOL_SLOT);
    return m;
}

static void message_free(struct amc_message *m)
{
    uint8_t *at = (uint8_t *)m;
    if (at >= pool_mem[0] && at < pool_mem[POOL_MESSAGES]) {
        m->next = pool_free;
        pool_free = m;
    } else {
        kfree(m);
    }
}

/*
 * strcmp(padded, name) == 0 a word at a time: every send looks its destination up by name.
 * padded is NUL-padded to AMC_NAME_MAX + 1 bytes (a service's name, a header's source), so a
 * word whose last byte is zero holds its end; name is a NUL-terminated string in a buffer of
 * that size (a shim's copy), so the words read stay in both. Bytes of name after its NUL may be
 * anything: when a word differs, only the bytes up to padded's NUL count.
 */
static inline __attribute__((always_inline)) int name_is(const char *padded, const char *name)
{
    for (uint32_t i = 0; i < AMC_NAME_MAX + 1; i += 4) {
        uint32_t a, b;
        __builtin_memcpy(&a, padded + i, 4);
        __builtin_memcpy(&b, name + i, 4);
        if (a != b) {
            uint32_t z = zero_byte_bits(a);
            uint32_t upto_nul = ((z & -z) << 1) - 1; /* the bytes up to a's first NUL */
            return z && !((a ^ b) & upto_nul);
        }
        if (!(a >> 24))
            return 1;
    }
    return 0; /* unreachable: a padded name ends in a NUL */
}
_Static_assert((AMC_NAME_MAX + 1) % 4 == 0, "names are compared a word at a time");

static const char no_name[AMC_NAME_MAX + 1]; /* the source name of a sender without a service */

static inline __attribute__((always_inline)) struct amc_service *find_service(const char *name)
{
    const struct amc_service *end = &amc_services[services_used];
    for (struct amc_service *s = amc_services; s < end; s++)
        if (s->owner && name_is(s->name, name))
            return s;
    return 0;
}

struct amc_service *amc_find_service(const char *name)
{
    return find_service(name);
}

int32_t sys_amc_register_service(const char *name)
{
    struct proc *p = current_proc();
    if (name[0] == '\0')
        return -EINVAL;
    if (p->service)
        return -EBUSY;
    if (find_service(name))
        return -EEXIST;
    for (int i = 0; i < NPROC; i++) {
        struct amc_service *s = &amc_services[i];
        if (!s->owner) {
            memset(s, 0, sizeof *s);
            strlcpy(s->name, name, sizeof s->name);
            s->owner = p;
            s->id = ++last_service_id;
            p->service = s;
            if (i >= services_used)
                services_used = i + 1;
            return 0;
        }
    }
    return -EBUSY; /* unreachable: there is a slot per process */
}

void amc_unqueue(struct amc_service *s, struct amc_message *m, struct amc_message *prev,
                 int dropped)
{
    if (prev)
        prev->next = m->next;
    else
        s->head = m->next;
    if (s->tail == m)
        s->tail = prev;
    s->queued--;
    s->share[m->sender]--;
    sender_queued[m->sender]--;
    total_queued--;
    total_dropped += dropped != 0;
    message_free(m);
}

/* The service goes away: its queue is dropped, its callers get EPIPE, its handles go stale. */
static void release_service(struct proc *p)
{
    struct amc_service *s = p->service;
    if (!s)
        return;
    while (s->head)
        amc_unqueue(s, s->head, 0, 1);
    amc_calls_service_gone(s);
    s->owner = 0;
    s->id = 0; /* its handles are stale from now on */
    p->service = 0;
}

int32_t sys_amc_unregister_service(void)
{
    struct proc *p = current_proc();
    if (!p->service)
        return -ENOENT;
    release_service(p);
    return 0;
}

/* The messages of a sender that ends stay queued, but no longer count against the share of
 * whoever takes its slot next. */
static void orphan_messages(uint32_t slot)
{
    for (int i = 0; i < services_used && sender_queued[slot]; i++) {
        struct amc_service *s = &amc_services[i];
        for (struct amc_message *m = s->head; m && s->share[slot]; m = m->next) {
            if (m->sender != slot)
                continue;
            m->sender = AMC_ORPHAN;
            s->share[slot]--;
            s->share[AMC_ORPHAN]++;
            sender_queued[slot]--;
            sender_queued[AMC_ORPHAN]++;
        }
    }
}

void amc_release(struct proc *p)
{
    release_service(p);
    orphan_messages(proc_index(p));
    amc_calls_release(p);
}

void amc_stats(uint32_t *queued, uint32_t *dropped)
{
    *queued = total_queued;
    *dropped = total_dropped;
}

_Static_assert(sizeof(((struct amc_header *)0)->source) == AMC_NAME_MAX + 1 &&
                   sizeof(((struct amc_header *)0)->dest) == AMC_NAME_MAX + 1,
               "header names are whole service names");

/*
 * Fills a header at dst: source from the sending process's service ("" when it has none). dst
 * may be a receiver's buffer at any byte address, so the header is not written through a struct
 * amc_header pointer (misaligned: undefined behaviour, which the test kernel's UBSan reports):
 * the two names, adjacent in the header, go with two string moves of 8 words, pid and length
 * with a 4-byte memcpy each (one mov).
 */
static void fill_header(void *dst, const struct proc *self, const struct amc_service *to,
                        uint32_t len)
{
    _Static_assert(__builtin_offsetof(struct amc_header, source) == 0 &&
                       __builtin_offsetof(struct amc_header, dest) == AMC_NAME_MAX + 1,
                   "the names open the header, source first");
    uint8_t *h = dst;
    const char *source = self->service ? self->service->name : no_name;
    uint32_t words = (AMC_NAME_MAX + 1) / 4;
    __asm__ volatile("rep movsl\n\t"
                     "movl %[dest], %%esi\n\t"
                     "movl %[words], %%ecx\n\t"
                     "rep movsl"
                     : "+D"(h), "+S"(source), "+c"(words)
                     : [dest] "g"(to->name), [words] "i"((AMC_NAME_MAX + 1) / 4)
                     : "memory");
    int32_t pid = self->pid;
    uint8_t *tail = (uint8_t *)dst + __builtin_offsetof(struct amc_header, source_pid);
    __builtin_memcpy(tail, &pid, sizeof pid);
    __builtin_memcpy(tail + sizeof pid, &len, sizeof len);
}

/*
 * The fast path: to's owner waits in an await that this message satisfies, with nothing queued
 * before it. Writes header and payload into the receiver's buffer through the kernel's direct map
 * of the page that holds it and returns 1, or returns 0 when the buffer is not inside one page
 * (the message is then queued as usual) or too small (the await then fails with EMSGSIZE, as
 * with a queued message). The receiver's shim probed the buffer for writing, which made its pages
 * present and private (not copy-on-write); the receiver has been blocked since, and only a
 * process itself changes its own mappings.
 */
static int hand_over(struct amc_service *to, const struct proc *self, user_in_t buf, uint32_t len)
{
    uint32_t total = sizeof(struct amc_header) + len;
    uint32_t offset = to->wait_buf & (PAGE_SIZE - 1);
    if (total > to->wait_cap || total > PAGE_SIZE - offset)
        return 0;
    const pte_t *pte = vmm_lookup(to->owner->pd, to->wait_buf);
    if (!pte || (*pte & (PTE_P | PTE_U | PTE_W)) != (PTE_P | PTE_U | PTE_W))
        return 0;
    uint8_t *dst = (uint8_t *)P2V(PTE_ADDR(*pte)) + offset;
    if (user_copy(dst + sizeof(struct amc_header), (const void *)buf.addr, len) <
        0)        /* range: shim */
        return 0; /* cannot happen: the sender's shim checked buf; queueing reports it */
    fill_header(dst, self, to, len);
    to->delivered = (int32_t)total;
    to->waiting = 0;
    return 1;
}

static int sender_matches(const struct proc *self, const char *source)
{
    const char *name = self->service ? self->service->name : no_name;
    return !source || name_is(name, source);
}

/* The live service called dest, trying self's last destination first: a sender mostly talks to
 * one service, and live names are unique, so a live service of that name is the one. */
static inline __attribute__((always_inline)) struct amc_service *find_dest(struct proc *self,
                                                                           const char *dest)
{
    struct amc_service *s = self->amc.last_dest;
    if (s && s->owner && name_is(s->name, dest))
        return s;
    s = find_service(dest);
    self->amc.last_dest = s;
    return s;
}

int32_t sys_amc_message_send(const char *dest, user_in_t buf, uint32_t len)
{
    if (len < sizeof(uint32_t))
        return -EINVAL; /* no room for the discriminator */
    struct proc *self = current_proc();
    struct amc_service *to = find_dest(self, dest);
    if (!to)
        return -ENOENT;
    if (to->max_request && sizeof(struct amc_header) + len > to->max_request)
        return -EMSGSIZE; /* more than the service said it takes (its amc_reply_wait cap) */
    if (to->waiting && !to->head && sender_matches(self, to->wait_source) &&
        hand_over(to, self, buf, len)) {
        proc_wake(to->owner, to); /* only its owner waits on a service */
        return 0;
    }
    uint32_t slot = proc_index(self);
    if (to->share[slot] >= AMC_QUEUE_DEPTH || sender_queued[slot] >= AMC_SENDER_BUDGET)
        return -ENOBUFS;
    struct amc_message *m = message_alloc(len);
    if (!m)
        return -ENOBUFS;
    int err = copy_from_user(m->payload, buf.addr, len);
    if (err < 0) {
        message_free(m);
        return err;
    }
    fill_header(&m->header, self, to, len);
    m->next = 0;
    m->seq = amc_next_seq();
    m->sender = slot;
    to->share[slot]++;
    sender_queued[slot]++;
    if (to->tail)
        to->tail->next = m;
    else
        to->head = m;
    to->tail = m;
    to->queued++;
    total_queued++;
    proc_wake(to->owner, to);
    return 0;
}

/* The first queued message from source (any message when source is NULL), or NULL. */
static struct amc_message *find_message(struct amc_service *s, const char *source,
                                        struct amc_message **prev_out)
{
    struct amc_message *prev = 0;
    for (struct amc_message *m = s->head; m; prev = m, m = m->next) {
        if (!source || name_is(m->header.source, source)) {
            *prev_out = prev;
            return m;
        }
    }
    return 0;
}

/* Copies a message out and, only when that worked, unlinks and frees it. */
static int32_t deliver(struct amc_service *s, struct amc_message *m, struct amc_message *prev,
                       user_out_t buf, uint32_t cap)
{
    uint32_t total = sizeof m->header + m->header.len;
    if (cap < total)
        return -EMSGSIZE;
    int err = copy_to_user(buf.addr, &m->header, total);
    if (err < 0)
        return err;
    amc_unqueue(s, m, prev, 0);
    return (int32_t)total;
}

static inline __attribute__((always_inline)) int32_t receive(const char *source, user_out_t buf,
                                                             uint32_t cap, int block)
{
    struct proc *self = current_proc();
    for (;;) {
        struct amc_service *s = self->service;
        if (!s)
            return -EINVAL; /* only a registered service has a queue */
        struct amc_message *prev, *m = find_message(s, source, &prev);
        if (m)
            return deliver(s, m, prev, buf, cap);
        if (!block)
            return -EAGAIN;
        s->waiting = 1;
        s->wait_buf = buf.addr;
        s->wait_cap = cap;
        s->wait_source = source;
        s->delivered = 0;
        proc_block_for_woken(s);
        s->waiting = 0;
        if (s->delivered)
            return s->delivered;
    }
}

int32_t sys_amc_message_await(user_out_t buf, uint32_t cap)
{
    return receive(0, buf, cap, 1);
}

int32_t sys_amc_message_await_from(const char *source, user_out_t buf, uint32_t cap)
{
    return receive(source, buf, cap, 1);
}

int32_t sys_amc_message_poll(user_out_t buf, uint32_t cap)
{
    return receive(0, buf, cap, 0);
}
