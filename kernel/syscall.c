/*
 * The slow path of int 0x80.
 *
 * The stub in kernel/trap.asm saves the user registers in a trap frame, loads kernel segments and
 * calls the syscall's entry straight from the generated syscall_entries table when the number is
 * below syscall_fast_limit. Everything else comes here, to the generated C dispatcher: numbers
 * outside the table (it answers -ENOSYS) and, while syscalls are traced, every call. The limit
 * starts at 0, so the first syscall comes here and opens the fast path unless tracing is on;
 * trace=syscalls is read at boot, before init makes its first call, and never changes.
 *
 * The frame is the process's tf: a trap from ring 3 builds it at the top of the process's kernel
 * stack (the TSS's esp0), exactly where proc_alloc points tf, so there is nothing to record.
 */
#include "syscall_handlers.h"

uint32_t syscall_fast_limit;

void syscall_entry(struct trap_frame *tf)
{
    syscall_fast_limit = syscall_trace_enabled ? 0 : SYS_TABLE_SIZE;
    syscall_dispatch(tf);
}
