/* Programmable interval timer, channel 0, mode 2 (rate generator) on IRQ0.
 *
 * With `tickwatch` on the command line the timer also watches itself: it times every tick with
 * the TSC and reports each new longest gap between two ticks it served. A gap of two periods or
 * more means a tick was lost (the PIC keeps one pending request per line), and a gap of one
 * period plus x means interrupts were off for at least x; tests read the report to bound how long
 * the kernel keeps interrupts off. The TSC is calibrated against the PIT itself (ticks 100 to
 * 1100, ignoring the boot). */
#include "timer.h"

#include "cmdline.h"
#include "kprintf.h"
#include "pic.h"
#include "trap.h"
#include "x86.h"

#define PIT_CH0 0x40
#define PIT_CMD 0x43
#define PIT_CH0_LOHI_MODE2 0x34
#define PIT_CH0_LATCH 0x00
#define PIT_INPUT_HZ 1193182u

static volatile uint32_t ticks;
static volatile uint32_t ticks_high; /* times ticks wrapped: uptime_us counts past 49 days */
static uint32_t divisor;
static void (*tick_hook)(void);

#define CALIBRATE_FROM 100u
#define CALIBRATE_TICKS 1000u

static int watching;
static uint64_t last_tsc, calib_tsc, max_gap;
static uint64_t tsc_per_ms;

static inline uint64_t rdtsc(void)
{
    uint64_t t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static void watch_tick(void)
{
    uint64_t now = rdtsc();
    if (ticks == CALIBRATE_FROM)
        calib_tsc = now;
    if (ticks == CALIBRATE_FROM + CALIBRATE_TICKS)
        tsc_per_ms = (now - calib_tsc) / CALIBRATE_TICKS;
    uint64_t gap = now - last_tsc;
    last_tsc = now;
    if (tsc_per_ms && gap > max_gap) {
        max_gap = gap;
        kprintf("tickwatch: longest gap between ticks %u us at tick %u\n",
                (uint32_t)(gap * 1000 / tsc_per_ms), ticks);
    }
}

static void timer_irq(struct trap_frame *tf)
{
    (void)tf;
    if (++ticks == 0)
        ticks_high++;
    if (watching)
        watch_tick();
    if (tick_hook)
        tick_hook();
}

void timer_init(void)
{
    divisor = (PIT_INPUT_HZ + TIMER_HZ / 2) / TIMER_HZ;
    outb(PIT_CMD, PIT_CH0_LOHI_MODE2);
    outb(PIT_CH0, divisor & 0xFF);
    outb(PIT_CH0, divisor >> 8);
    watching = cmdline_has("tickwatch");
    irq_set_handler(IRQ_TIMER, timer_irq);
    pic_unmask(IRQ_TIMER);
}

uint32_t timer_ticks(void)
{
    return ticks; /* one aligned 32-bit load: atomic on x86 */
}

/*
 * Microseconds since timer_init: the ticks, plus how far the PIT has counted down into the current
 * period (latched and read, interrupts being off in the kernel). A tick that is due but not yet
 * served (the counter reloaded, the interrupt pending) would make the time step back by up to a
 * period, so the result never falls below the last one returned.
 */
uint64_t timer_uptime_us(void)
{
    static uint64_t last;
    outb(PIT_CMD, PIT_CH0_LATCH);
    uint32_t count = inb(PIT_CH0);
    count |= (uint32_t)inb(PIT_CH0) << 8;
    uint32_t into = count && count <= divisor ? divisor - count : 0;
    uint64_t now = ((uint64_t)ticks_high << 32 | ticks) * (1000000u / TIMER_HZ) +
                   (uint64_t)into * 1000000u / PIT_INPUT_HZ;
    if (now < last)
        now = last;
    last = now;
    return now;
}

void timer_set_tick_hook(void (*hook)(void))
{
    tick_hook = hook;
}
