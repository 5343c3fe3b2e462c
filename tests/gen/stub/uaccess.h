/* Test-only stand-in for kernel/uaccess.h (docs/design.md). */
#ifndef UACCESS_H
#define UACCESS_H
#include <stdint.h>
typedef struct { uint32_t addr; } user_in_t;
typedef struct { uint32_t addr; } user_out_t;
typedef struct { uint32_t addr; } user_inout_t;
int copy_from_user(void *dst, uint32_t uaddr, uint32_t n);
int copy_to_user(uint32_t uaddr, const void *src, uint32_t n);
int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max);
int user_probe(uint32_t uaddr, uint32_t n, int write);
#endif
