/* COM1 console: output queued and drained by the transmit interrupt (synchronous after
 * serial_sync), interrupt-driven input (IRQ4) into a ring buffer. */
#ifndef LAYERCAKE_SERIAL_H
#define LAYERCAKE_SERIAL_H

#include <stddef.h>

void serial_init(void);         /* 115200 8N1, output usable right after */
void serial_enable_input(void); /* after the IDT and PIC are set up: unmask IRQ4 */
/* Kernel messages: c is queued like everything else ("\n" goes out as "\r\n"); after
 * serial_sync it is sent at once, by polling. Works with interrupts off and inside a panic. */
void serial_putc(char c);
/* From now on all output is synchronous (panic, halt); what is queued is sent first. */
void serial_sync(void);
/* Queues up to n bytes for the transmit interrupt; returns how many fitted (the rest waits for
 * room: see serial_set_tx_room_hook). */
size_t serial_queue(const char *s, size_t n);
/* Queues all n bytes, polling the line for room when the queue is full (never blocks a process:
 * for interrupt context and the input echo). */
void serial_write(const char *s, size_t n);
/* Sends everything queued, by polling, and waits for the line to be idle (before power-off). */
void serial_flush(void);
/* hook() runs (in interrupt context) when a writer that found the queue full may go on. */
void serial_set_tx_room_hook(void (*hook)(void));
/* From now on, hand every received byte to hook (in interrupt context) instead of the ring buffer;
 * bytes already buffered are passed to it first. */
void serial_set_input_hook(void (*hook)(char c));
int serial_getc(void);             /* next received byte, halting until one arrives */
size_t serial_input_dropped(void); /* bytes lost because the ring buffer was full */

#endif
