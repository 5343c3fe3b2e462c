/* Kernel stacks with guard pages: each stack is KSTACK_PAGES mapped pages above one page that is
 * never mapped, in a kernel area of their own (KSTACK_AREA, outside the direct map), so running
 * off the end of a stack faults instead of overwriting whatever lies below it. The fault cannot
 * be delivered on that stack, so the CPU raises a double fault, which runs on its own task
 * (kernel/gdt.c) and reports the overflow. */
#ifndef LAYERCAKE_KSTACK_H
#define LAYERCAKE_KSTACK_H

#include <stdint.h>

#define KSTACK_PAGES 2u
#define KSTACK_BYTES (KSTACK_PAGES * 4096u)
#define KSTACK_AREA 0xE0000000u /* one page table's worth (4 MiB) of kernel address space */

/* Sets up the area's page table. Before the first address space is made: every page directory
 * copies the kernel's entries, this one included. */
void kstack_init(void);
/* A stack (its lowest address; not cleared, as the heap never cleared one either) or NULL when
 * frames or slots have run out. */
uint8_t *kstack_alloc(void);
void kstack_free(uint8_t *stack);
/* Whether addr lies in a guard page of the area / in a mapped stack page. */
int kstack_in_guard(uint32_t addr);
int kstack_mapped(uint32_t addr);

#endif
