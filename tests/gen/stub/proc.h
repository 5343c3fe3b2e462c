/* Test-only stand-in for kernel/proc.h: what the shims use of it, the current process's trap
 * frame (kernel/syscall_shim.h's shim_user_frame). A host program that runs the shims defines
 * `current`. */
#ifndef PROC_H
#define PROC_H
#include "trap.h"
struct proc {
    struct trap_frame *tf;
};
extern struct proc *current;
static inline struct proc *current_proc(void)
{
    return current;
}
#endif
