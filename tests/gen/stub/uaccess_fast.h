/* Test-only stand-in for kernel/uaccess_fast.h: the fast paths forward to the uaccess.c
 * functions, which the host tests fake. */
#ifndef UACCESS_FAST_H
#define UACCESS_FAST_H
#include "uaccess.h"
static inline int user_mapped_fast(uint32_t uaddr, uint32_t n, int write)
{
    return user_mapped(uaddr, n, write);
}
static inline int copy_from_user_fast(void *dst, uint32_t uaddr, uint32_t n)
{
    return copy_from_user(dst, uaddr, n);
}
static inline int copy_to_user_fast(uint32_t uaddr, const void *src, uint32_t n)
{
    return copy_to_user(uaddr, src, n);
}
static inline int copy_str_from_user_fast(char *dst, uint32_t uaddr, uint32_t max)
{
    return copy_str_from_user(dst, uaddr, max);
}
#endif
