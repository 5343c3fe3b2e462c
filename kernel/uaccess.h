/*
 * Moving data across the user/kernel boundary.
 *
 * The generated entry shims have already checked that every user range lies inside user space
 * without wrapping; these functions add the second half of the check, that each page is really
 * mapped for the user (and writable when written), so a bad pointer becomes -EFAULT, never a
 * kernel page fault. Handlers see user buffers only as these opaque address types.
 */
#ifndef LAYERCAKE_UACCESS_H
#define LAYERCAKE_UACCESS_H

#include <stdint.h>

#include "abi.h"

typedef struct {
    uint32_t addr;
} user_in_t;
typedef struct {
    uint32_t addr;
} user_out_t;
typedef struct {
    uint32_t addr;
} user_inout_t;

/* 1 when [addr, addr + len) lies inside user space without wrapping. */
static inline int user_range_ok(uint32_t addr, uint32_t len)
{
    return addr >= ABI_USER_LOW && addr <= ABI_USER_HIGH && len <= ABI_USER_HIGH - addr;
}

/* 1 when every page of [uaddr, uaddr + n) is mapped for ring 3 (and writable, if write). The
 * generated shims call it after their range check, before the handler runs. */
int user_mapped(uint32_t uaddr, uint32_t n, int write);
int copy_from_user(void *dst, uint32_t uaddr, uint32_t n);     /* 0 or -EFAULT */
int copy_to_user(uint32_t uaddr, const void *src, uint32_t n); /* 0 or -EFAULT */
int copy_str_from_user(char *dst, uint32_t uaddr,
                       uint32_t max); /* length, -EFAULT, -ENAMETOOLONG */

#endif
