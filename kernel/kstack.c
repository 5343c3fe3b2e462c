/* Guarded kernel stacks (see kstack.h). The area is one page table, made at boot and entered in
 * the kernel's page directory, so every address space shares it: mapping or unmapping a stack
 * page here is seen by all of them (after invlpg on this CPU, the only one). */
#include "kstack.h"

#include "klib.h"
#include "memlayout.h"
#include "panic.h"
#include "pmm.h"
#include "vmm.h"

#define SLOT_PAGES (KSTACK_PAGES + 1u) /* the guard page first */
#define SLOTS (1024u / SLOT_PAGES)

static pte_t *area_pt;
static uint8_t slot_used[SLOTS];

static uint32_t slot_base(uint32_t slot)
{
    return KSTACK_AREA + slot * SLOT_PAGES * PAGE_SIZE;
}

void kstack_init(void)
{
    uint32_t pa = pmm_alloc();
    if (!pa)
        panic("kstack: no frame for the stack area's page table");
    area_pt = P2V(pa);
    memset(area_pt, 0, PAGE_SIZE);
    vmm_kernel_pd()[KSTACK_AREA >> 22] = pa | PTE_P | PTE_W;
}

static void unmap_pages(uint32_t slot, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t va = slot_base(slot) + (1 + i) * PAGE_SIZE;
        pte_t *pte = &area_pt[(va >> 12) & 0x3FF];
        pmm_free(PTE_ADDR(*pte));
        *pte = 0;
        __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
    }
}

uint8_t *kstack_alloc(void)
{
    uint32_t slot = 0;
    while (slot < SLOTS && slot_used[slot])
        slot++;
    if (slot == SLOTS)
        return 0;
    for (uint32_t i = 0; i < KSTACK_PAGES; i++) {
        uint32_t pa = pmm_alloc();
        if (!pa) {
            unmap_pages(slot, i);
            return 0;
        }
        uint32_t va = slot_base(slot) + (1 + i) * PAGE_SIZE;
        area_pt[(va >> 12) & 0x3FF] = pa | PTE_P | PTE_W;
    }
    slot_used[slot] = 1;
    return (uint8_t *)(slot_base(slot) + PAGE_SIZE);
}

void kstack_free(uint8_t *stack)
{
    uint32_t off = (uint32_t)stack - KSTACK_AREA;
    uint32_t slot = off / (SLOT_PAGES * PAGE_SIZE);
    if ((uint32_t)stack < KSTACK_AREA || slot >= SLOTS || !slot_used[slot] ||
        (uint32_t)stack != slot_base(slot) + PAGE_SIZE)
        panic("kstack_free: %p is not a kernel stack", (void *)stack);
    unmap_pages(slot, KSTACK_PAGES);
    slot_used[slot] = 0;
}

static int in_area(uint32_t addr)
{
    return addr >= KSTACK_AREA && addr - KSTACK_AREA < SLOTS * SLOT_PAGES * PAGE_SIZE;
}

int kstack_in_guard(uint32_t addr)
{
    return in_area(addr) && ((addr - KSTACK_AREA) / PAGE_SIZE) % SLOT_PAGES == 0;
}

int kstack_mapped(uint32_t addr)
{
    return in_area(addr) && area_pt && (area_pt[(addr >> 12) & 0x3FF] & PTE_P);
}
