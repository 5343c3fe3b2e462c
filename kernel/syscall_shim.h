/*
 * The hand-written part of build/gen/kernel/syscall_table.c, which includes this file once: a
 * helper of the generated entry shims, the entry of unused numbers and the dispatcher of the int
 * 0x80 stub's slow path. Everything here is the same for every .def; what the generated file
 * adds is only what the .def decides (one shim per syscall, the tables).
 */
#ifndef LAYERCAKE_SYSCALL_SHIM_H
#define LAYERCAKE_SYSCALL_SHIM_H

/* Needs syscall_handlers.h (and through it uaccess.h) first: the generated file includes it,
 * and proc.h when one of its shims uses shim_user_frame. */

/*
 * The user-range test of every pointer a shim checks: [addr, addr + len) is not inside user
 * space. Written as addr - LOW > SPAN - len, which also catches addr < LOW and a range that
 * wraps; it needs len <= SHIM_USER_SPAN, which the shim knows from the length's type or max, or
 * tests first. Macros, so that a shim reads as one line per argument.
 */
#define SHIM_USER_SPAN (ABI_USER_HIGH - ABI_USER_LOW)
#define SHIM_OUTSIDE_USER(addr, len) ((addr)-ABI_USER_LOW > SHIM_USER_SPAN - (len))

/*
 * Copy the NUL-terminated user string at addr (at most max bytes) into buf[max + 1]. A string
 * that runs to the end of user space is a fault, not a kernel read: the copy never looks past
 * ABI_USER_HIGH. copy_str_from_user fails only with -EFAULT or "too long" (which not every .def
 * names, so it is not spelled here).
 */
__attribute__((always_inline, unused)) static inline int32_t
shim_str_in(char *buf, uint32_t addr, uint32_t max, int32_t toolong)
{
    if (addr - ABI_USER_LOW >= ABI_USER_HIGH - ABI_USER_LOW)
        return -EFAULT;
    const uint32_t room = ABI_USER_HIGH - addr;
    if (room <= max) {
        const int32_t n = copy_str_from_user(buf, addr, room - 1);
        return n < 0 ? -EFAULT : n;
    }
    const int32_t n = copy_str_from_user(buf, addr, max);
    return n >= 0 || n == -EFAULT ? n : toolong;
}

/*
 * The saved user registers of the syscall being served, where a shim puts the words of a result
 * that come back beyond eax (the high word of a 64-bit result, extra results): the stub restores
 * every register from there but eax, which it sets from the shim's return value. That is the
 * process's trap frame, which the fast path's frame (the shim's own argument) is, and the one
 * the slow path copies the shim's argument from: a store to the argument would be lost there.
 */
#define shim_user_frame() (current_proc()->tf)

const uint32_t syscall_entry_room = sizeof(struct syscall_room);

int32_t syscall_nosys(struct syscall_frame f)
{
    (void)f;
    return -ENOSYS;
}

/* The slow path calls a shim the C way, with a copy of the frame. */
__attribute__((noinline)) static uint32_t syscall_call_shim(const struct trap_frame *tf,
                                                            uint32_t nr)
{
    if (nr >= SYS_TABLE_SIZE)
        return (uint32_t)-ENOSYS;
    struct syscall_frame f;
    f.tf = *tf;
    return (uint32_t)syscall_table[nr].shim(f);
}

__attribute__((noinline, cold)) static void syscall_dispatch_traced(struct trap_frame *tf,
                                                                    uint32_t nr)
{
    syscall_trace_enter(tf, nr);
    const uint32_t ret = syscall_call_shim(tf, nr);
    tf->eax = ret;
    syscall_trace_exit(tf, nr, ret);
}

/* The stub's slow path: numbers outside the table, and every call while tracing. */
void syscall_dispatch(struct trap_frame *tf)
{
    const uint32_t nr = tf->eax;
    if (__builtin_expect(syscall_trace_enabled, 0)) {
        syscall_dispatch_traced(tf, nr);
        return;
    }
    tf->eax = syscall_call_shim(tf, nr);
}

#endif
