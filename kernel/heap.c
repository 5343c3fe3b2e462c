/*
 * Kernel heap.
 *
 * One arena of contiguous frames is taken from the frame allocator at boot, so the frame count
 * that leak tests compare never moves because of the heap. Blocks carry a 16-byte header and live
 * on one address-ordered list; allocation is first fit with splitting and free merges with both
 * neighbours, which keeps fragmentation low for the few object sizes the kernel uses (kernel
 * stacks, amc messages).
 */
#include "heap.h"

#include "faultinj.h"
#include "kprintf.h"
#include "panic.h"
#include "memlayout.h"
#include "pmm.h"
#include "klib.h"

#define ARENA_PAGES 1024u /* 4 MiB */
#define ALIGN 16u
#define MAGIC_FREE 0xF4EEB10Cu
#define MAGIC_USED 0xA110CA7Eu

struct block {
    uint32_t size; /* whole block, header included, multiple of ALIGN */
    uint32_t magic;
    struct block *next; /* next block in address order */
    uint32_t pad;
};

_Static_assert(sizeof(struct block) == ALIGN, "block header must keep payloads aligned");

static struct block *first;
static uint32_t used_bytes;

void heap_init(void)
{
    uint32_t pa = pmm_alloc_contiguous(ARENA_PAGES);
    if (!pa)
        panic("heap: no room for a %u KiB arena", ARENA_PAGES * 4);
    first = P2V(pa);
    first->size = ARENA_PAGES * PAGE_SIZE;
    first->magic = MAGIC_FREE;
    first->next = 0;
}

void *kmalloc(uint32_t size)
{
    if (size == 0 || size > ARENA_PAGES * PAGE_SIZE)
        return 0;
    if (faultinj_fail("heap", (uint32_t)__builtin_return_address(0)))
        return 0;
    uint32_t need = (size + sizeof(struct block) + ALIGN - 1) & ~(ALIGN - 1);
    for (struct block *b = first; b; b = b->next) {
        if (b->magic != MAGIC_FREE || b->size < need)
            continue;
        if (b->size - need >= 2 * ALIGN) {
            struct block *rest = (struct block *)((uint8_t *)b + need);
            rest->size = b->size - need;
            rest->magic = MAGIC_FREE;
            rest->next = b->next;
            b->next = rest;
            b->size = need;
        }
        b->magic = MAGIC_USED;
        used_bytes += b->size;
        return b + 1;
    }
    return 0;
}

void kfree(void *p)
{
    if (!p)
        return;
    struct block *b = (struct block *)p - 1;
    if (b->magic != MAGIC_USED)
        panic("kfree: %p is not an allocated block", p);
    b->magic = MAGIC_FREE;
    used_bytes -= b->size;
    /* Merge with the following block, then let the previous one swallow this one. */
    if (b->next && b->next->magic == MAGIC_FREE) {
        b->size += b->next->size;
        b->next = b->next->next;
    }
    struct block *prev = 0;
    for (struct block *c = first; c && c != b; c = c->next)
        prev = c;
    if (prev && prev->magic == MAGIC_FREE) {
        prev->size += b->size;
        prev->next = b->next;
    }
}

uint32_t heap_used(void)
{
    return used_bytes;
}
