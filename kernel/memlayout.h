/* Virtual memory layout shared by the memory and process code (see docs/design.md). The kernel
 * half (KERNEL_BASE, P2V, V2P, DIRECT_MAP_SIZE) is defined in x86.h; user space comes from
 * abi/syscalls.def through the generated abi.h (ABI_USER_LOW, ABI_USER_HIGH). */
#ifndef LAYERCAKE_MEMLAYOUT_H
#define LAYERCAKE_MEMLAYOUT_H

#include <stdint.h>

#include "abi_base.h"
#include "x86.h"

#define PAGE_SIZE 4096u
#define PAGE_ROUND_DOWN(a) ((uint32_t)(a) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_UP(a) (((uint32_t)(a) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))

/* User stack: the top pages of user space, below ABI_USER_HIGH, demand-zero. */
#define USER_STACK_PAGES 8u
#define USER_STACK_BOTTOM (ABI_USER_HIGH - USER_STACK_PAGES * PAGE_SIZE)
/* The page below the stack is never mapped: a stack overflow faults there, and the report says
 * so. Nothing else may reach it: images and the heap stay below USER_HEAP_LIMIT. */
#define USER_STACK_GUARD (USER_STACK_BOTTOM - PAGE_SIZE)
/* The heap (sbrk) and program images stay below this, leaving a gap above for the stack. */
#define USER_HEAP_LIMIT 0xB0000000u
_Static_assert(USER_HEAP_LIMIT <= USER_STACK_GUARD, "the heap must stay below the stack guard");

#endif
