/* Physical frame allocator: one bit per 4 KiB frame of the direct-mapped range. */
#ifndef LAYERCAKE_PMM_H
#define LAYERCAKE_PMM_H

#include <stdint.h>

void pmm_init(void);
/* Returns the physical address of a free frame, or 0 when memory is exhausted. */
uint32_t pmm_alloc(void);
/* Returns the physical address of n contiguous free frames, or 0. Used once, for the heap arena. */
uint32_t pmm_alloc_contiguous(uint32_t n);
void pmm_free(uint32_t pa);
uint32_t pmm_free_count(void);
uint32_t pmm_total_count(void);

#endif
