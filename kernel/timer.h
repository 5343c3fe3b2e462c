/* The PIT (channel 0) as the system clock: TIMER_HZ interrupts per second. */
#ifndef LAYERCAKE_TIMER_H
#define LAYERCAKE_TIMER_H

#include <stdint.h>

#define TIMER_HZ 1000

void timer_init(void);
uint32_t
timer_ticks(void); /* ticks since timer_init; at 1000 Hz, milliseconds (wraps after 49 days) */

/* Microseconds since timer_init, from the ticks and the PIT's count; never goes back. */
uint64_t timer_uptime_us(void);

/* Called on every tick, after the counter advanced (e.g. by the scheduler). */
void timer_set_tick_hook(void (*hook)(void));

#endif
