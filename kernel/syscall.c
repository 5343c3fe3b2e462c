/*
 * The slow path of int 0x80.
 *
 * The stub in kernel/trap.asm saves the user registers in a trap frame, loads kernel segments and
 * calls the syscall's entry straight from the generated syscall_entries table when its bound
 * instruction finds the number inside syscall_bounds. Everything else raises #BR there and comes
 * here, to the C dispatcher (kernel/syscall_shim.h): numbers outside the table (it answers
 * -ENOSYS) and, while syscalls are traced, every call. The bounds start empty, so the first
 * syscall comes here and opens the fast path unless tracing is on; trace=syscalls is read at
 * boot, before init makes its first call, and never changes.
 *
 * The syscall's frame is the process's tf: a trap from ring 3 builds it at the top of the
 * process's kernel stack (the TSS's esp0), exactly where proc_alloc points tf.
 */
#include "syscall_handlers.h"

extern const uint32_t syscall_bound_insn; /* kernel/trap.asm: the stub's bound instruction */

/* bound's operand: the lowest and the highest number the fast path serves (signed). */
int32_t syscall_bounds[2] = {0, -1};

int syscall_slow_path(struct trap_frame *tf)
{
    if (trap_from_user(tf) || tf->eip != syscall_bound_insn)
        return 0;
    syscall_bounds[1] = syscall_trace_enabled ? -1 : SYS_TABLE_SIZE - 1;
    /* From ring 0 the CPU pushed no esp: the stub's stack, the syscall's frame, starts where
     * user_esp would be. */
    syscall_dispatch((struct trap_frame *)&tf->user_esp);
    tf->eip = (uint32_t)trap_return; /* the #BR returns into the syscall's own way out */
    return 1;
}
