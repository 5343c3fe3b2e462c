/* Trap dispatch: exceptions go to a registered handler or panic; IRQs go to their handler and
 * are acknowledged at the PIC. */
#include "trap.h"

#include <stddef.h>

#include "console.h"
#include "panic.h"
#include "pic.h"
#include "proc.h"
#include "uaccess.h"
#include "vmm.h"
#include "x86.h"
#include "../include/x86_exceptions.h"

static trap_handler_t exception_handlers[NUM_EXCEPTIONS];
static trap_handler_t irq_handlers[PIC_NUM_IRQS];

#define EXCEPTION_NAME(vector, name) [vector] = name,
static const char *const exception_names[NUM_EXCEPTIONS] = {X86_EXCEPTIONS(EXCEPTION_NAME)};
#undef EXCEPTION_NAME
_Static_assert(NUM_EXCEPTIONS == X86_EXCEPTION_COUNT, "one name per exception vector");

const char *trap_name(uint32_t vector)
{
    if (vector < NUM_EXCEPTIONS)
        return exception_names[vector];
    if (vector >= T_IRQ0 && vector < T_IRQ0 + PIC_NUM_IRQS)
        return "Hardware interrupt";
    if (vector == T_SYSCALL)
        return "System call";
    return "Unknown trap";
}

void trap_set_handler(uint32_t vector, trap_handler_t handler)
{
    if (vector >= NUM_EXCEPTIONS)
        panic("trap_set_handler: vector %u is not a CPU exception", vector);
    exception_handlers[vector] = handler;
}

void irq_set_handler(uint32_t irq, trap_handler_t handler)
{
    if (irq >= PIC_NUM_IRQS)
        panic("irq_set_handler: no IRQ line %u", irq);
    irq_handlers[irq] = handler;
}

static void dispatch_irq(struct trap_frame *tf)
{
    uint32_t irq = tf->vector - T_IRQ0;
    if (pic_is_spurious(irq))
        return;
    /* Acknowledge first: a handler may switch to another context and not come back here soon. */
    pic_eoi(irq);
    if (irq_handlers[irq])
        irq_handlers[irq](tf);
    /* A Ctrl-C may have named the running process, or the timer ended its time slice: act
     * before returning to it. */
    if (trap_from_user(tf)) {
        console_interrupt_point();
        sched_preempt_point();
    }
}

/*
 * Page faults that are not errors: the first touch of a demand-zero page or the first write to a
 * copy-on-write one, from user code or from a kernel copy to or from user memory; and a kernel
 * access to user memory that failed but has a fixup (kernel/uaccess.c), which resumes there and
 * makes the access return -EFAULT. Everything else goes to the registered handler.
 */
static int page_fault_resolved(struct trap_frame *tf)
{
    const struct proc *p = current_proc();
    if (p && vmm_fault(p->pd, read_cr2(), tf->error & 2) == 0)
        return 1;
    uint32_t fixup = trap_from_user(tf) ? 0 : uaccess_fixup(tf->eip);
    if (fixup)
        tf->eip = fixup;
    return fixup != 0;
}

void trap_dispatch(struct trap_frame *tf)
{
    if (tf->vector == T_PAGE_FAULT && page_fault_resolved(tf))
        return;
    if (tf->vector == T_BOUND && syscall_slow_path(tf))
        return;
    if (tf->vector < NUM_EXCEPTIONS) {
        trap_handler_t handler = exception_handlers[tf->vector];
        if (!handler)
            panic_trap(tf);
        handler(tf);
        return;
    }
    if (tf->vector >= T_IRQ0 && tf->vector < T_IRQ0 + PIC_NUM_IRQS) {
        dispatch_irq(tf);
        return;
    }
    panic_trap(tf);
}
