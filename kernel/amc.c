/*
 * amc: message passing between named services.
 *
 * A process may own one service. Sending copies the payload into a kernel message at once and
 * appends it to the receiver's queue, so the sender may reuse its buffer immediately and one
 * sender's messages are delivered in the order sent. The kernel writes the header (source name and
 * pid, destination, length); the sender supplies only the payload, so it cannot forge its source.
 * Queues are bounded (AMC_QUEUE_DEPTH), so a flood costs at most depth * AMC_MAX_MESSAGE bytes per
 * receiver; a full queue refuses the send with ENOBUFS. A message is freed exactly once: when it is
 * delivered, or when its receiver goes away (counted as dropped).
 */
#include "amc.h"

#include "abi.h"
#include "heap.h"
#include "proc.h"
#include "klib.h"
#include "syscall_handlers.h"

struct amc_message {
    struct amc_message *next;
    struct amc_header header; /* exactly what the receiver gets in front of the payload */
    uint8_t payload[];
};

/* deliver() copies header and payload in one go. */
_Static_assert(__builtin_offsetof(struct amc_message, payload) ==
                   __builtin_offsetof(struct amc_message, header) + sizeof(struct amc_header),
               "payload must follow the header directly");

struct amc_service {
    char name[AMC_NAME_MAX + 1];
    struct proc *owner; /* NULL when the slot is free */
    struct amc_message *head, *tail;
    uint32_t queued;
};

static struct amc_service services[NPROC];
static uint32_t total_queued, total_dropped;

static struct amc_service *find_service(const char *name)
{
    for (int i = 0; i < NPROC; i++)
        if (services[i].owner && strcmp(services[i].name, name) == 0)
            return &services[i];
    return 0;
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
        struct amc_service *s = &services[i];
        if (!s->owner) {
            memset(s, 0, sizeof *s);
            strlcpy(s->name, name, sizeof s->name);
            s->owner = p;
            p->service = s;
            return 0;
        }
    }
    return -EBUSY; /* unreachable: there is a slot per process */
}

static void drop_queue(struct amc_service *s)
{
    while (s->head) {
        struct amc_message *m = s->head;
        s->head = m->next;
        kfree(m);
        total_queued--;
        total_dropped++;
    }
    s->tail = 0;
    s->queued = 0;
}

int32_t sys_amc_unregister_service(void)
{
    struct proc *p = current_proc();
    if (!p->service)
        return -ENOENT;
    amc_release(p);
    return 0;
}

void amc_release(struct proc *p)
{
    struct amc_service *s = p->service;
    if (!s)
        return;
    drop_queue(s);
    s->owner = 0;
    p->service = 0;
}

void amc_stats(uint32_t *queued, uint32_t *dropped)
{
    *queued = total_queued;
    *dropped = total_dropped;
}

int32_t sys_amc_message_send(const char *dest, user_in_t buf, uint32_t len)
{
    if (len < sizeof(uint32_t))
        return -EINVAL; /* no room for the discriminator */
    struct amc_service *to = find_service(dest);
    if (!to)
        return -ENOENT;
    if (to->queued >= AMC_QUEUE_DEPTH)
        return -ENOBUFS;
    struct amc_message *m = kmalloc(sizeof *m + len);
    if (!m)
        return -ENOBUFS;
    int err = copy_from_user(m->payload, buf.addr, len);
    if (err < 0) {
        kfree(m);
        return err;
    }
    struct proc *self = current_proc();
    memset(&m->header, 0, sizeof m->header);
    if (self->service)
        strlcpy(m->header.source, self->service->name, sizeof m->header.source);
    strlcpy(m->header.dest, to->name, sizeof m->header.dest);
    m->header.source_pid = self->pid;
    m->header.len = len;
    m->next = 0;
    if (to->tail)
        to->tail->next = m;
    else
        to->head = m;
    to->tail = m;
    to->queued++;
    total_queued++;
    proc_wakeup(to);
    return 0;
}

/* The first queued message from source (any message when source is NULL), or NULL. */
static struct amc_message *find_message(struct amc_service *s, const char *source,
                                        struct amc_message **prev_out)
{
    struct amc_message *prev = 0;
    for (struct amc_message *m = s->head; m; prev = m, m = m->next) {
        if (!source || strcmp(m->header.source, source) == 0) {
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
    if (prev)
        prev->next = m->next;
    else
        s->head = m->next;
    if (s->tail == m)
        s->tail = prev;
    s->queued--;
    total_queued--;
    kfree(m);
    return (int32_t)total;
}

static int32_t receive(const char *source, user_out_t buf, uint32_t cap, int block)
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
        proc_block(s);
    }
}

int32_t sys_amc_message_await(user_out_t buf, uint32_t cap) { return receive(0, buf, cap, 1); }

int32_t sys_amc_message_await_from(const char *source, user_out_t buf, uint32_t cap)
{
    return receive(source, buf, cap, 1);
}

int32_t sys_amc_message_poll(user_out_t buf, uint32_t cap) { return receive(0, buf, cap, 0); }
