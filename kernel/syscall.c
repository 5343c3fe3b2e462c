/*
 * The C side of int 0x80. The NASM stub has saved the user registers in a trap frame and loaded
 * kernel segments; the generated dispatcher validates arguments and calls the handler, and the
 * result goes back to ring 3 in the frame's eax.
 */
#include "proc.h"
#include "syscall_handlers.h"

void syscall_entry(struct trap_frame *tf)
{
    current_proc()->tf = tf;
    syscall_dispatch(tf);
    sched_preempt_point();
}
