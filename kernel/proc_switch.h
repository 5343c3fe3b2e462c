/*
 * The switch of the amc fast paths (kernel/amc_call.c, their entries in kernel/trap.asm).
 *
 * A fast path runs at the top of the caller's kernel stack, right below its trap frame, and
 * leaves no C frames behind when it blocks: the process is parked. Its saved context is the
 * word below its trap frame, which holds where it resumes: an assembly continuation that
 * finishes the syscall in C and returns to ring 3 (when something else wakes it: the scheduler
 * switches to it as to any process), or trap_return itself once a partner has put the results
 * in its frame (proc_unpark). The process to run next can be parked or blocked anywhere: the
 * caller's assembly loads the saved context this returns and executes ret, which is the second
 * half of swtch (kernel/proc.c), so the scheduler and the fast paths resume each other's
 * processes alike.
 */
#ifndef LAYERCAKE_PROC_SWITCH_H
#define LAYERCAKE_PROC_SWITCH_H

#include "fpu.h"
#include "gdt.h"
#include "proc.h"

/*
 * Parks the current process, blocked on chan, to resume at resume (a code address) with esp at
 * its trap frame, and makes next (blocked or runnable, never the current process) the running
 * process with the rest of the time slice, as proc_handoff does. Returns next's saved context
 * for the caller's assembly to switch to: from here on the current stack must not be returned
 * through.
 */
static inline __attribute__((always_inline)) uint32_t
proc_park_switch(struct proc *next, const void *chan, uint32_t resume)
{
    struct proc *prev = current;
    uint32_t *ctx = (uint32_t *)prev->tf - 1; /* the stub's room below the frame: unused here */
    *ctx = resume;
    prev->context = (uint32_t)ctx;
    prev->parked = 1;
    prev->state = PROC_BLOCKED;
    prev->wait_chan = chan;
    next->parked = 0;
    next->state = PROC_RUNNING;
    next->wait_chan = 0;
    next->slice_left = prev->slice_left; /* >= 1: a slice that ran out in ring 3 ended there */
    current = next;
    tss_set_kernel_stack((uint32_t)(next->tf + 1)); /* the frame is at the top of its stack */
    __asm__ volatile("mov %0, %%cr3" ::"r"(next->cr3) : "memory"); /* vmm_activate */
    fpu_switch(next, &procs[0]);
    return next->context;
}

/* Parked p's syscall is finished (its results are in its trap frame): it resumes straight in
 * ring 3. */
static inline void proc_unpark(struct proc *p)
{
    *(uint32_t *)p->context = (uint32_t)trap_return;
}

#endif
