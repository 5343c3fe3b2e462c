/* The trap frame every interrupt stub builds (layout fixed by docs/design.md) and the
 * dispatcher that hands traps to registered handlers. */
#ifndef LAYERCAKE_TRAP_H
#define LAYERCAKE_TRAP_H

#include <stdint.h>

#include "abi_base.h"

struct trap_frame {
    uint32_t gs, fs, es, ds;                               /* pushed by the stub            */
    uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax; /* pusha                         */
    uint32_t vector, error;                                /* stub / CPU                    */
    uint32_t eip, cs, eflags;                              /* CPU                           */
    uint32_t user_esp, user_ss;                            /* CPU, only from ring 3         */
};

#define T_DIVIDE 0
#define T_DEBUG 1
#define T_BREAKPOINT 3
#define T_BOUND 5
#define T_INVALID_OPCODE 6
#define T_DOUBLE_FAULT 8
#define T_GP_FAULT 13
#define T_PAGE_FAULT 14
#define T_IRQ0 0x20        /* PIC vectors 0x20-0x2F */
#define T_SYSCALL ABI_TRAP /* the syscall gate: `trap` in abi/syscalls.def */
#define NUM_EXCEPTIONS 32

typedef void (*trap_handler_t)(struct trap_frame *tf);

/* Called by trap_common (kernel/trap.asm) for vectors 0-47. */
void trap_dispatch(struct trap_frame *tf);

/* Handle a CPU exception vector (e.g. page faults, faults from user mode) instead of panicking.
 * The handler decides; it may call panic_trap(tf) for what it does not handle. */
void trap_set_handler(uint32_t vector, trap_handler_t handler);

/* Handle hardware interrupt line irq (0-15); the PIC end-of-interrupt is sent by the dispatcher. */
void irq_set_handler(uint32_t irq, trap_handler_t handler);

/* The slow path of the int 0x80 stub (kernel/syscall.c): numbers outside the table, and every
 * call while syscalls are traced, which reach it as the #BR of the stub's bound check. Returns 1
 * when tf is that #BR (the call has then been served), 0 for any other #BR. */
int syscall_slow_path(struct trap_frame *tf);

/* Restores the frame at esp and irets (kernel/trap.asm): the way into a new user context. */
void trap_return(void);

const char *trap_name(uint32_t vector);

static inline int trap_from_user(const struct trap_frame *tf)
{
    return (tf->cs & 3) == 3;
}

#endif
