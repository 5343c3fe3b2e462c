/* Formatted output to the serial console. Conversions: %d %u %x %X %p %s %c %%, with an optional
 * '-' (left-justify) or '0' (zero-pad) flag and a field width (number or '*'). 'l' is accepted
 * and ignored (long is 32 bits here). */
#ifndef LAYERCAKE_KPRINTF_H
#define LAYERCAKE_KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

/* Like snprintf: writes at most size-1 characters plus NUL; returns the full length. */
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt, ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
