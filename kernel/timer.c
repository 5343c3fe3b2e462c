/* Programmable interval timer, channel 0, mode 2 (rate generator) on IRQ0. */
#include "timer.h"

#include "pic.h"
#include "trap.h"
#include "x86.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_LOHI_MODE2 0x34
#define PIT_INPUT_HZ 1193182u

static volatile uint32_t ticks;
static void (*tick_hook)(void);

static void timer_irq(struct trap_frame *tf)
{
    (void)tf;
    ticks++;
    if (tick_hook)
        tick_hook();
}

void timer_init(void)
{
    uint32_t divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;
    outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
    outb(PIT_CH0, divisor & 0xFF);
    outb(PIT_CH0, divisor >> 8);
    irq_set_handler(IRQ_TIMER, timer_irq);
    pic_unmask(IRQ_TIMER);
}

uint32_t timer_ticks(void)
{
    return ticks; /* one aligned 32-bit load: atomic on x86 */
}

void timer_set_tick_hook(void (*hook)(void))
{
    tick_hook = hook;
}
