/* Processes: the table, their lifecycle, blocking and the round-robin scheduler. */
#ifndef LAYERCAKE_PROC_H
#define LAYERCAKE_PROC_H

#include <stdint.h>

#include "abi_base.h"
#include "amc.h"
#include "kstack.h"
#include "trap.h"
#include "vmm.h"

#define NPROC 64
#define KSTACK_SIZE KSTACK_BYTES /* guarded: kernel/kstack.h */
#define TIME_SLICE_TICKS 10u

enum proc_state { PROC_FREE, PROC_RUNNABLE, PROC_RUNNING, PROC_BLOCKED, PROC_ZOMBIE };

struct amc_service;

struct proc {
    int32_t pid, ppid;
    enum proc_state state;
    char name[32];
    pde_t *pd;               /* the kernel's for the idle task; NULL once a process has ended */
    uint32_t cr3;            /* V2P(pd) while pd is set: the amc fast paths' switch loads it */
    uint8_t *kstack;         /* KSTACK_SIZE bytes; freed when the parent reaps the zombie */
    uint32_t context;        /* saved kernel esp while switched out (see swtch in proc.c) */
    struct trap_frame *tf;   /* user registers of the syscall or interrupt being served */
    uint32_t image_end, brk; /* heap: [image_end, brk) */
    const void *wait_chan;   /* what a blocked process waits for (proc_wakeup) */
    uint32_t wake_tick;      /* sleep_ms deadline, 0 when not sleeping */
    uint32_t slice_left;     /* ticks before preemption */
    uint32_t slot;           /* proc_index: in the low bits of its amc call badges */
    uint32_t parked;         /* blocked by an amc fast path at the top of its kernel stack
                                (kernel/proc_switch.h): no C frames of its syscall below */
    struct wait_info end;    /* how it ended, valid for a zombie */
    struct amc_service *service;
    struct amc_proc amc; /* handles and the call in progress (kernel/amc_call.c) */
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image (kernel/fpu.h) */
};

void proc_init(void);

/* The running process (the idle task when there is none); set only by the scheduler. */
extern struct proc *current;
/* Inline: every syscall that asks about its caller starts here. */
static inline struct proc *current_proc(void)
{
    return current;
}
/* The table, for the inline lookups below only: the rest of proc.c's state is its own. */
extern struct proc procs[NPROC];
static inline struct proc *proc_slot(uint32_t slot)
{
    return slot < NPROC ? &procs[slot] : 0;
}
static inline uint32_t proc_index(const struct proc *p) /* p == proc_slot(proc_index(p)) */
{
    return (uint32_t)(p - procs);
}
uint32_t proc_live_count(void);

/* Starts boot module name with packed argv (NUL-terminated strings) as a child of parent.
 * Returns the new pid or a negative error. */
int32_t proc_spawn(const char *name, const char *argv, uint32_t argv_len, int32_t parent);
int32_t proc_fork(void);
_Noreturn void proc_exit(int32_t status);
/* Ends the current process because of a CPU fault in ring 3 and prints the one-line report. */
_Noreturn void proc_fault(const struct trap_frame *tf);
int32_t proc_kill(int32_t pid);
int32_t proc_wait(int32_t pid, struct wait_info *info, uint32_t flags);

/* Blocks the current process until proc_wakeup(chan); returns once it runs again. */
void proc_block(const void *chan);
void proc_wakeup(const void *chan);
/* The last process proc_wake woke: proc_block_for_woken's first choice. */
extern struct proc *proc_woken;
/* Wakes p if it is blocked on chan: proc_wakeup for a waiter the caller knows, without a scan. */
static inline void proc_wake(struct proc *p, const void *chan)
{
    if (p->state == PROC_BLOCKED && p->wait_chan == chan) {
        p->state = PROC_RUNNABLE;
        p->wait_chan = 0;
        proc_woken = p;
    }
}
/* Blocks the current process on chan and gives the CPU straight to next, which must be blocked
 * (it is woken) or runnable, without a scan of the table; the IPC fast path. Returns once the
 * current process runs again. */
void proc_handoff(struct proc *next, const void *chan);
/* proc_block, but the CPU goes to the process the caller last woke with proc_wake, when it is
 * still runnable, like proc_handoff: a sender that then waits for the answer runs its receiver
 * at once, without a scan. */
void proc_block_for_woken(const void *chan);
void proc_sleep_ms(uint32_t ms);
void sched_yield(void);
/* Timer hook: wakes sleepers and asks for a switch when the running slice is over. */
void sched_tick(uint32_t now);
/* Called on the way back to ring 3: switches if the timer asked for it. */
void sched_preempt_point(void);
/* Turns the boot thread into the idle task and starts scheduling. */
_Noreturn void sched_run(void);

#endif
