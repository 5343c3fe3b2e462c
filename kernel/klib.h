/* Freestanding replacements for the few libc functions the kernel uses. GCC may also emit
 * calls to memcpy/memset/memmove/memcmp on its own, so those keep their standard names. */
#ifndef LAYERCAKE_KLIB_H
#define LAYERCAKE_KLIB_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copies at most size-1 bytes and always NUL-terminates (when size > 0); returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);

/* Nonzero when the word w holds a zero byte; then its lowest set bit is 0x80 << (8 * k) for the
 * first zero byte k (in memory order on this little-endian CPU; a borrow sets bits only above a
 * real zero byte). For string code that moves a word at a time. */
static inline unsigned zero_byte_bits(unsigned w)
{
    return (w - 0x01010101u) & ~w & 0x80808080u;
}

#endif
