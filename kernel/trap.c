/* Trap dispatch: exceptions go to a registered handler or panic; IRQs go to their handler and
 * are acknowledged at the PIC. */
#include "trap.h"

#include <stddef.h>

#include "panic.h"
#include "pic.h"
#include "proc.h"
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
    /* The timer may have ended the running process's time slice: switch before returning to it. */
    if (trap_from_user(tf))
        sched_preempt_point();
}

void trap_dispatch(struct trap_frame *tf)
{
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
