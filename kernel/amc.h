/*
 * amc, the message center: named services, their queues of plain messages (kernel/amc.c), and
 * handles and calls with replies (kernel/amc_call.c).
 */
#ifndef LAYERCAKE_AMC_H
#define LAYERCAKE_AMC_H

#include <stdint.h>

#include "abi_base.h"

struct proc;
struct amc_service;

/* One entry of a process's handle table. A handle's value is gen * AMC_HANDLE_SLOTS + index,
 * so a closed slot's old values name nothing once gen moves on. */
#define AMC_HANDLE_SLOTS 16u
_Static_assert(AMC_HANDLE_SLOTS == AMC_HANDLES_MAX, "one slot per handle a process may hold");
struct amc_handle_slot {
    uint32_t gen;                /* generation of the value handed out (0: never used) */
    uint32_t service_id;         /* the service instance it names; 0 when the slot is free */
    struct amc_service *service; /* that service's slot */
};

enum amc_call_phase { AMC_CALL_IDLE, AMC_CALL_PENDING, AMC_CALL_TAKEN, AMC_CALL_DONE };

/* The call a process is making (at most one: it is blocked until the call ends). */
struct amc_call {
    struct amc_service *server; /* the service called; NULL when not in a call */
    struct proc *next;          /* next in the server's list of calls not yet received */
    uint32_t badge, seq;        /* its badge (what the server answers), arrival order */
    uint32_t phase, regs;       /* enum amc_call_phase; regs: a register call (amc_call) */
    uint32_t words[3];          /* register call: the request, then the reply */
    uint32_t buf, len, cap;     /* buffer call: the caller's msg, request length, capacity */
    int32_t result;             /* once done: what the call returns */
};

struct amc_proc {
    struct amc_handle_slot handles[AMC_HANDLE_SLOTS];
    struct amc_call call;
    struct amc_service *last_dest; /* where its last amc_message_send went: looked at first */
};

/* Process exit: drops the process's service (its queued messages, its callers get EPIPE),
 * cancels its own call and closes its handles. */
void amc_release(struct proc *p);
void amc_stats(uint32_t *queued, uint32_t *dropped);

#endif
