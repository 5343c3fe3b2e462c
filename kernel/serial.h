/* COM1 console: polled output, interrupt-driven input (IRQ4) into a ring buffer. */
#ifndef LAYERCAKE_SERIAL_H
#define LAYERCAKE_SERIAL_H

#include <stddef.h>

void serial_init(void);         /* 115200 8N1, output usable right after */
void serial_enable_input(void); /* after the IDT and PIC are set up: unmask IRQ4 */
void serial_putc(char c);       /* "\n" goes out as "\r\n" */
void serial_write(const char *s, size_t n);
/* From now on, hand every received byte to hook (in interrupt context) instead of the ring buffer;
 * bytes already buffered are passed to it first. */
void serial_set_input_hook(void (*hook)(char c));
int serial_getc(void);             /* next received byte, halting until one arrives */
size_t serial_input_dropped(void); /* bytes lost because the ring buffer was full */

#endif
