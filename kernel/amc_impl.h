/*
 * What kernel/amc.c (services, plain messages) and kernel/amc_call.c (handles, calls) share:
 * the service table and the queue of plain messages. Not for the rest of the kernel.
 */
#ifndef LAYERCAKE_AMC_IMPL_H
#define LAYERCAKE_AMC_IMPL_H

#include "amc.h"
#include "proc.h"
#include "uaccess.h"

struct amc_message {
    struct amc_message *next;
    uint32_t seq;             /* arrival order, shared with calls (amc_next_seq) */
    uint32_t sender;          /* the sender's process slot (or AMC_ORPHAN), for its shares */
    struct amc_header header; /* exactly what the receiver gets in front of the payload */
    uint8_t payload[];
};

struct amc_service {
    char name[AMC_NAME_MAX + 1]; /* NUL-padded: copied whole into headers */
    struct proc *owner;          /* NULL when the slot is free */
    uint32_t id;                 /* this registration, never reused: handles name it */
    struct amc_message *head, *tail;
    uint32_t queued;
    uint16_t share[NPROC + 1]; /* queued messages per sender slot (AMC_QUEUE_DEPTH each), and
                                  at AMC_ORPHAN those of senders that have ended */
    /* While the owner is blocked in an await with nothing queued for it: */
    int waiting;
    uint32_t wait_buf, wait_cap; /* its buffer, which its shim found mapped and writable */
    const char *wait_source;     /* the await_from filter (NULL: any sender) */
    int32_t delivered;           /* set by a sender that wrote straight into wait_buf */
    /* Calls (kernel/amc_call.c): */
    struct proc *calls, *calls_tail; /* callers whose request is not received yet, in order */
    uint32_t max_request;            /* the cap of the owner's last amc_reply_wait (0: none yet) */
    int serving;                     /* the owner is blocked in amc_reply_wait */
};

extern struct amc_service amc_services[NPROC];
#define AMC_ORPHAN NPROC /* amc_message.sender of a message whose sender has ended */

extern uint32_t amc_last_seq;
static inline uint32_t amc_next_seq(void)
{
    return ++amc_last_seq;
}
/* The live service called name (a NUL-terminated string in a buffer of AMC_NAME_MAX + 1 bytes,
 * as the shims copy it), or NULL. */
struct amc_service *amc_find_service(const char *name);
/* 1 when sequence number a came before b (they wrap). */
static inline int amc_seq_before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* Unlinks m (prev is the message before it, or NULL) from s's queue and frees it; dropped counts
 * it as lost rather than delivered. */
void amc_unqueue(struct amc_service *s, struct amc_message *m, struct amc_message *prev,
                 int dropped);

/* Called by amc_release for the service s that is going away, and by amc_call.c: */
void amc_calls_service_gone(struct amc_service *s);
void amc_calls_release(struct proc *p);

#endif
