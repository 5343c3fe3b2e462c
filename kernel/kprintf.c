/* A small printf: one formatter (format) that sends characters to a sink, used both for the
 * console and for buffers. */
#include "kprintf.h"

#include <stdint.h>

#include "serial.h"
#include "x86.h"

struct sink {
    void (*put)(struct sink *s, char c);
    char *buf; /* buffer sink only */
    size_t size;
    size_t len; /* characters produced so far (also those that did not fit) */
};

static void put_console(struct sink *s, char c)
{
    serial_putc(c);
    s->len++;
}

static void put_buffer(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
    s->len++;
}

struct spec {
    int left; /* '-' flag */
    int zero; /* '0' flag */
    int width;
};

static void pad(struct sink *s, int count, char c)
{
    while (count-- > 0)
        s->put(s, c);
}

static void emit_string(struct sink *s, const struct spec *sp, const char *str, int len)
{
    if (!sp->left)
        pad(s, sp->width - len, ' ');
    for (int i = 0; i < len; i++)
        s->put(s, str[i]);
    if (sp->left)
        pad(s, sp->width - len, ' ');
}

static void emit_number(struct sink *s, const struct spec *sp, uint32_t value, unsigned base,
                        int negative, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[12];
    int n = 0;
    do {
        tmp[n++] = digits[value % base];
        value /= base;
    } while (value);

    int len = n + negative;
    if (sp->left) {
        if (negative)
            s->put(s, '-');
        while (n)
            s->put(s, tmp[--n]);
        pad(s, sp->width - len, ' ');
        return;
    }
    if (sp->zero) {
        if (negative)
            s->put(s, '-');
        pad(s, sp->width - len, '0');
    } else {
        pad(s, sp->width - len, ' ');
        if (negative)
            s->put(s, '-');
    }
    while (n)
        s->put(s, tmp[--n]);
}

static const char *parse_spec(const char *fmt, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){0, 0, 0};
    for (;; fmt++) {
        if (*fmt == '-')
            sp->left = 1;
        else if (*fmt == '0')
            sp->zero = 1;
        else
            break;
    }
    if (*fmt == '*') {
        sp->width = va_arg(*ap, int);
        fmt++;
    }
    while (*fmt >= '0' && *fmt <= '9')
        sp->width = sp->width * 10 + (*fmt++ - '0');
    while (*fmt == 'l')
        fmt++;
    return fmt;
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            s->put(s, *fmt);
            continue;
        }
        struct spec sp;
        fmt = parse_spec(fmt + 1, &sp, &args);
        switch (*fmt) {
        case 'd': {
            int32_t v = va_arg(args, int32_t);
            emit_number(s, &sp, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, v < 0, 0);
            break;
        }
        case 'u':
            emit_number(s, &sp, va_arg(args, uint32_t), 10, 0, 0);
            break;
        case 'x':
        case 'X':
            emit_number(s, &sp, va_arg(args, uint32_t), 16, 0, *fmt == 'X');
            break;
        case 'p': {
            /* Always 0x and eight digits: addresses line up in reports. */
            struct spec addr = {0, 1, 8};
            s->put(s, '0');
            s->put(s, 'x');
            emit_number(s, &addr, (uint32_t)va_arg(args, void *), 16, 0, 0);
            break;
        }
        case 's': {
            const char *str = va_arg(args, const char *);
            if (!str)
                str = "(null)";
            int len = 0;
            while (str[len])
                len++;
            emit_string(s, &sp, str, len);
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            emit_string(s, &sp, &c, 1);
            break;
        }
        case '%':
            s->put(s, '%');
            break;
        case '\0':
            fmt--; /* a lone '%' at the end: stop without reading past the string */
            break;
        default: /* unknown conversion: show it as written so the mistake is visible */
            s->put(s, '%');
            s->put(s, *fmt);
            break;
        }
    }
    va_end(args);
}

void kvprintf(const char *fmt, va_list ap)
{
    struct sink s = {put_console, 0, 0, 0};
    int enabled = irq_save(); /* one call's output is never split by an interrupt's output */
    format(&s, fmt, ap);
    irq_restore(enabled);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = {put_buffer, buf, size, 0};
    format(&s, fmt, ap);
    if (size)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return (int)s.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
