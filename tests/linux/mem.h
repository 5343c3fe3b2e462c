/* memset and memcpy (tests/linux/mem.c) for the static Linux test programs, which link no libc. */
#ifndef TESTS_LINUX_MEM_H
#define TESTS_LINUX_MEM_H
#include <stddef.h>

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

#endif
