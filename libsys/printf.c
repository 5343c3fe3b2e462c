/*
 * libsys printf family. All variants share one formatter that feeds characters to a sink: a
 * caller's buffer (snprintf) or a stack buffer that is written to a file descriptor when full
 * and at the end (printf, dprintf), so short outputs take exactly one write().
 */
#include <libsys.h>

struct sink {
    char *buf;
    size_t cap;
    size_t len;
    int to_fd; /* 1: flush to fd when full; 0: string sink, truncating at cap - 1 */
    int fd;
    int total; /* characters produced so far, as printf returns */
    int error; /* first write error of an fd sink, or 0 */
};

static void sink_flush(struct sink *s)
{
    if (!s->to_fd)
        return;
    if (s->len > 0 && !s->error) {
        int r = write_all(s->fd, s->buf, s->len);
        if (r < 0)
            s->error = r;
    }
    s->len = 0;
}

static void sink_put(struct sink *s, char c)
{
    s->total++;
    if (s->to_fd) {
        if (s->len == s->cap)
            sink_flush(s);
        s->buf[s->len++] = c;
    } else if (s->len + 1 < s->cap) {
        s->buf[s->len++] = c;
    }
}

static void sink_repeat(struct sink *s, char c, int n)
{
    while (n-- > 0)
        sink_put(s, c);
}

static void sink_string(struct sink *s, const char *str, int n)
{
    while (n-- > 0)
        sink_put(s, *str++);
}

/* A parsed conversion specification. */
struct spec {
    int left;  /* '-' flag */
    int zero;  /* '0' flag */
    int plus;  /* '+' flag */
    int space; /* ' ' flag */
    int alt;   /* '#' flag */
    int width;
    int precision; /* -1 when absent */
    int longlong;  /* "ll": a 64-bit argument */
    int pointer;   /* %p: "0x" even for a zero value */
};

/*
 * Divide *n by base (at most 16) in place and return the remainder, using only 32-bit
 * divisions so that no libgcc helper (__udivdi3) is needed: the 64-bit value is processed as
 * four 16-bit chunks, and remainder * 65536 + chunk always fits in 32 bits.
 */
static unsigned divmod64(uint64_t *n, unsigned base)
{
    uint64_t q = 0;
    uint32_t rem = 0;
    for (int shift = 48; shift >= 0; shift -= 16) {
        uint32_t part = (rem << 16) | (uint32_t)((*n >> shift) & 0xffff);
        q |= (uint64_t)(part / base) << shift;
        rem = part % base;
    }
    *n = q;
    return rem;
}

/* Emit an integer: [sign or 0x][zeros][digits], padded to the field width. */
static void format_integer(struct sink *s, const struct spec *sp, uint64_t value, int negative,
                           unsigned base, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int ndigits = 0;
    /* C's '#' adds "0x" only to nonzero values; %p always has it. */
    int hex_prefix = base == 16 && (sp->pointer || (sp->alt && value != 0));

    /* C says a zero value with precision 0 prints no digits. */
    if (!(value == 0 && sp->precision == 0)) {
        do
            tmp[ndigits++] = digits[divmod64(&value, base)];
        while (value);
    }

    char prefix[3] = {0};
    int nprefix = 0;
    if (negative)
        prefix[nprefix++] = '-';
    else if (sp->plus)
        prefix[nprefix++] = '+';
    else if (sp->space)
        prefix[nprefix++] = ' ';
    if (hex_prefix) {
        prefix[nprefix++] = '0';
        prefix[nprefix++] = upper ? 'X' : 'x';
    }

    int zeros = sp->precision > ndigits ? sp->precision - ndigits : 0;
    int body = nprefix + zeros + ndigits;
    int pad = sp->width > body ? sp->width - body : 0;
    /* The '0' flag pads with zeros after the prefix, unless '-' or a precision is given. */
    if (sp->zero && !sp->left && sp->precision < 0) {
        zeros += pad;
        pad = 0;
    }

    if (!sp->left)
        sink_repeat(s, ' ', pad);
    sink_string(s, prefix, nprefix);
    sink_repeat(s, '0', zeros);
    while (ndigits > 0)
        sink_put(s, tmp[--ndigits]);
    if (sp->left)
        sink_repeat(s, ' ', pad);
}

static void format_string(struct sink *s, const struct spec *sp, const char *str)
{
    if (!str)
        str = "(null)";
    int len = 0;
    while (str[len] && (sp->precision < 0 || len < sp->precision))
        len++;
    int pad = sp->width > len ? sp->width - len : 0;
    if (!sp->left)
        sink_repeat(s, ' ', pad);
    sink_string(s, str, len);
    if (sp->left)
        sink_repeat(s, ' ', pad);
}

/* Parse flags, width, precision and length at *fmt (just after '%'); advance *fmt. */
static void parse_spec(const char **fmt, struct spec *sp, va_list *ap)
{
    const char *f = *fmt;
    memset(sp, 0, sizeof(*sp));
    sp->precision = -1;

    for (;; f++) {
        if (*f == '-')
            sp->left = 1;
        else if (*f == '0')
            sp->zero = 1;
        else if (*f == '+')
            sp->plus = 1;
        else if (*f == ' ')
            sp->space = 1;
        else if (*f == '#')
            sp->alt = 1;
        else
            break;
    }

    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = 1;
            sp->width = -sp->width;
        }
        f++;
    } else {
        while (isdigit(*f))
            sp->width = sp->width * 10 + (*f++ - '0');
    }

    if (*f == '.') {
        f++;
        sp->precision = 0;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            if (sp->precision < 0)
                sp->precision = -1;
            f++;
        } else {
            while (isdigit(*f))
                sp->precision = sp->precision * 10 + (*f++ - '0');
        }
    }

    /*
     * On i686 long and size_t are 32 bits like int (and short is promoted to int), so only "ll"
     * changes the argument size; the sizeof tests keep this right on 64-bit hosts (host tests).
     */
    if (f[0] == 'l' && f[1] == 'l') {
        sp->longlong = 1;
        f += 2;
    } else if (*f == 'l' || *f == 'z') {
        sp->longlong = (*f == 'l' ? sizeof(long) : sizeof(size_t)) > sizeof(int);
        f++;
    } else if (*f == 'h') {
        f += f[1] == 'h' ? 2 : 1;
    }
    *fmt = f;
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
    /* va_list may be an array type; work on a copy we can pass by address. */
    va_list args;
    va_copy(args, ap);

    while (*fmt) {
        if (*fmt != '%') {
            sink_put(s, *fmt++);
            continue;
        }
        const char *start = fmt++;
        struct spec sp;
        parse_spec(&fmt, &sp, &args);

        char conv = *fmt;
        if (conv)
            fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = sp.longlong ? va_arg(args, long long) : va_arg(args, int);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            format_integer(s, &sp, mag, v < 0, 10, 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = sp.longlong ? va_arg(args, unsigned long long) : va_arg(args, unsigned);
            format_integer(s, &sp, v, 0, conv == 'u' ? 10 : 16, conv == 'X');
            break;
        }
        case 'p': {
            /* Always 0x and eight digits: addresses line up in listings. */
            struct spec psp = sp;
            psp.pointer = 1;
            psp.precision = 8;
            format_integer(s, &psp, (uintptr_t)va_arg(args, void *), 0, 16, 0);
            break;
        }
        case 's':
            format_string(s, &sp, va_arg(args, const char *));
            break;
        case 'c': {
            char c = (char)va_arg(args, int);
            int pad = sp.width > 1 ? sp.width - 1 : 0;
            if (!sp.left)
                sink_repeat(s, ' ', pad);
            sink_put(s, c);
            if (sp.left)
                sink_repeat(s, ' ', pad);
            break;
        }
        case '%':
            sink_put(s, '%');
            break;
        default:
            /* Unknown or truncated conversion: print it as written. */
            sink_string(s, start, (int)(fmt - start));
            break;
        }
    }
    va_end(args);
}

int vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct sink s = {.buf = buf, .cap = cap};
    format(&s, fmt, ap);
    if (cap > 0)
        buf[s.len] = '\0';
    return s.total;
}

int snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

int vdprintf(int fd, const char *fmt, va_list ap)
{
    char buf[PRINTF_BUF];
    struct sink s = {.buf = buf, .cap = sizeof(buf), .to_fd = 1, .fd = fd};
    format(&s, fmt, ap);
    sink_flush(&s);
    return s.error ? s.error : s.total;
}

int dprintf(int fd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(fd, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vdprintf(STDOUT_FILENO, fmt, ap);
    va_end(ap);
    return n;
}

int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done;
        if (chunk > IO_MAX)
            chunk = IO_MAX;
        int32_t r = write(fd, p + done, chunk);
        if (r < 0)
            return r;
        if (r == 0)
            return -EIO; /* no progress: give up rather than spin */
        done += (size_t)r;
    }
    return (int)n;
}

int puts(const char *s)
{
    return dprintf(STDOUT_FILENO, "%s\n", s) < 0 ? EOF : 0;
}

int dputs(int fd, const char *s)
{
    return dprintf(fd, "%s", s) < 0 ? EOF : 0;
}

int putchar(int c)
{
    char ch = (char)c;
    return write(STDOUT_FILENO, &ch, 1) == 1 ? (unsigned char)c : EOF;
}
