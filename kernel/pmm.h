/* Physical frame allocator: one bit per 4 KiB frame of the direct-mapped range, and a reference
 * count per frame in use. */
#ifndef LAYERCAKE_PMM_H
#define LAYERCAKE_PMM_H

#include <stdint.h>

void pmm_init(void);
/* Returns the physical address of a free frame, or 0 when every free frame is promised. */
uint32_t pmm_alloc(void);
/* Promises n frames for later (demand-zero pages, copy-on-write copies): 0 or -ENOMEM. */
int pmm_reserve(uint32_t n);
/* Takes back n promises that will not be needed. */
void pmm_unreserve(uint32_t n);
/* A frame for a promise made with pmm_reserve: never fails. */
uint32_t pmm_alloc_reserved(void);
/* Returns the physical address of n contiguous free frames, or 0. Used once, for the heap arena. */
uint32_t pmm_alloc_contiguous(uint32_t n);
/* Drops one reference to frame pa (a new frame has one); the last one frees it. */
void pmm_free(uint32_t pa);
/* Takes another reference to the allocated frame pa (copy-on-write sharing). */
void pmm_ref(uint32_t pa);
/* The number of references to the allocated frame pa. */
uint32_t pmm_refs(uint32_t pa);
/* Frames neither in use nor promised. */
uint32_t pmm_free_count(void);
uint32_t pmm_total_count(void);

#endif
