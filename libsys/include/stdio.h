/*
 * libsys formatted output on top of write().
 *
 * Supported conversions: %d %i %u %x %X %p %s %c %%, with flags '-' and '0', a field width,
 * a precision (for %s: the most characters printed; for integers: the fewest digits), '*' for
 * width or precision, the '+', ' ' and '#' flags, and the length modifiers 'l', 'z', 'h' (no
 * effect: long and size_t are 32 bits) and 'll' (64-bit, converted without libgcc).
 *
 * printf and dprintf format into a stack buffer and write it with a single write() call when
 * the output fits (PRINTF_BUF bytes), so a test line printed with one printf is never
 * interleaved with another process's output. Longer output is written in PRINTF_BUF pieces.
 */
#ifndef LIBSYS_STDIO_H
#define LIBSYS_STDIO_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_BUF 512

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#define EOF (-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vdprintf(int fd, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int snprintf(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Write s and a newline to fd 1 with one write; returns a nonnegative value or EOF. */
int puts(const char *s);
/* Write s (no newline added) to fd; returns a nonnegative value or EOF. */
int dputs(int fd, const char *s);
int putchar(int c);

/*
 * Write all n bytes of buf to fd, retrying after short writes. Returns n, or the negative -E
 * error of the write that failed.
 */
int write_all(int fd, const void *buf, size_t n);

#endif
