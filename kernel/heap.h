/* Kernel heap: variable-size allocations from one fixed arena taken at boot. */
#ifndef LAYERCAKE_HEAP_H
#define LAYERCAKE_HEAP_H

#include <stdint.h>

void heap_init(void);
/* 16-byte aligned block of at least size bytes, or NULL. */
void *kmalloc(uint32_t size);
void kfree(void *p);
/* Bytes currently handed out (block headers included), for leak checks. */
uint32_t heap_used(void);

#endif
