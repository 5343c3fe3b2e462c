/* libsys number parsing, program exit helpers and argv packing. */
#include <libsys.h>

const char *progname = "?";

static int digit_value(int c)
{
    if (isdigit(c))
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/*
 * The common part of strtol and strtoul: skip spaces, read a sign and a base prefix, then
 * digits. Stores the magnitude in *out (saturated at limit, with *overflow set) and returns a
 * pointer just past the number, or s itself if there was no number.
 */
static const char *parse_number(const char *s, int base, unsigned long limit, unsigned long *out,
                                int *negative, int *overflow)
{
    const char *p = s;
    *out = 0;
    *negative = 0;
    *overflow = 0;
    if (base < 0 || base == 1 || base > 36)
        return s;
    while (isspace(*p))
        p++;
    if (*p == '-' || *p == '+')
        *negative = *p++ == '-';
    if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
        isxdigit(p[2])) {
        p += 2;
        base = 16;
    } else if (base == 0) {
        base = p[0] == '0' ? 8 : 10;
    }

    const char *digits = p;
    unsigned long value = 0;
    for (; digit_value(*p) < base; p++) {
        unsigned long d = (unsigned long)digit_value(*p);
        if (value > (limit - d) / (unsigned long)base) {
            *overflow = 1;
            value = limit;
        } else if (!*overflow) {
            value = value * (unsigned long)base + d;
        }
    }
    if (p == digits)
        return s;
    *out = value;
    return p;
}

unsigned long strtoul(const char *s, char **end, int base)
{
    unsigned long v;
    int negative, overflow;
    const char *p = parse_number(s, base, (unsigned long)-1, &v, &negative, &overflow);
    if (end)
        *end = (char *)p;
    return negative && !overflow ? (unsigned long)0 - v : v;
}

long strtol(const char *s, char **end, int base)
{
    const unsigned long max = (unsigned long)-1 >> 1; /* LONG_MAX */
    unsigned long v;
    int negative, overflow;
    /* A negative number may reach LONG_MIN, whose magnitude is max + 1. */
    const char *p = parse_number(s, base, max + 1, &v, &negative, &overflow);
    if (end)
        *end = (char *)p;
    if (negative)
        return v == max + 1 ? -(long)max - 1 : -(long)v;
    return v > max ? (long)max : (long)v;
}

int atoi(const char *s)
{
    return (int)strtol(s, NULL, 10);
}

int abs(int x)
{
    return x < 0 ? -x : x;
}

void die(const char *fmt, ...)
{
    char msg[PRINTF_BUF - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    dprintf(STDERR_FILENO, "%s: %s\n", progname, msg);
    exit(127);
}

void abort(void)
{
    die("abort");
}

int argv_pack(char *buf, size_t cap, int argc, char **argv)
{
    if (argc < 0 || (argc > 0 && !argv))
        return -EINVAL;
    size_t used = 0;
    for (int i = 0; i < argc; i++) {
        if (!argv[i])
            return -EINVAL;
        size_t n = strlen(argv[i]) + 1;
        if (n > cap - used)
            return -E2BIG;
        memcpy(buf + used, argv[i], n);
        used += n;
    }
    return (int)used;
}
