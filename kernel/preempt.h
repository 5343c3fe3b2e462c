/* Preemption points for long syscalls.
 *
 * The kernel runs with interrupts off (every gate is an interrupt gate), so a syscall that loops
 * over many pages would hold the CPU, and lose timer ticks, for its whole length. Such a loop is
 * bracketed by long_enter / long_leave and calls long_point at least once per page of work
 * (a few thousand instructions, far below the 1 ms timer period). long_point lets pending
 * interrupts in and switches to another process when the scheduler asks.
 *
 * While a process is inside such a section, kill does not end it at once (it holds things the
 * kill would leak: a half-built address space, a kernel buffer): the kill is recorded,
 * long_point returns nonzero, the loop gives up the way it gives up when memory runs out,
 * releases what it holds, and long_leave ends the process as killed. A process that is ending
 * (exit, fault, kill) frees its heap inside a section it never leaves, so a kill meanwhile
 * changes nothing. */
#ifndef LAYERCAKE_PREEMPT_H
#define LAYERCAKE_PREEMPT_H

#include "proc.h"

void long_enter(void);
/* 0 to go on; nonzero when the process has been killed and the loop must unwind. */
int long_point(void);
/* Ends the section; a process killed inside it ends here, as killed (does not return then). */
void long_leave(void);
/* For kill: 1 when p is inside a long section, and the kill is now pending on it. */
int long_defer_kill(const struct proc *p);
/* A new process in p's slot: no section, no pending kill. */
void long_reset(const struct proc *p);

#endif
