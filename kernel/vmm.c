/*
 * Virtual memory.
 *
 * The kernel half (directory entries 768..1023) is the direct map of physical memory, made of
 * 4 MiB pages by boot.asm; it never changes after boot, so a new address space simply copies
 * those entries. The user half is built from 4 KiB pages whose frames belong to the process and
 * are freed with it. Page tables and directories are reached through the direct map.
 */
#include "vmm.h"

#include "abi.h"
#include "kprintf.h"
#include "panic.h"
#include "memlayout.h"
#include "pmm.h"
#include "klib.h"

#define PDE_INDEX(va) ((va) >> 22)
#define PTE_INDEX(va) (((va) >> 12) & 0x3FFu)
#define KERNEL_PDE_FIRST PDE_INDEX(KERNEL_BASE)

extern pde_t boot_page_directory[]; /* boot.asm */

static pde_t *kernel_pd;

static inline void load_cr3(uint32_t pa)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(pa) : "memory");
}

void vmm_init(void)
{
    kernel_pd = boot_page_directory;
    for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++)
        kernel_pd[i] = 0;
    load_cr3(V2P(kernel_pd));
    /* CR0.WP: make read-only user pages read-only for the kernel too, so a bug cannot write them.
     */
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | 0x10000u));
}

pde_t *vmm_kernel_pd(void)
{
    return kernel_pd;
}

pde_t *vmm_create(void)
{
    uint32_t pa = pmm_alloc();
    if (!pa)
        return 0;
    pde_t *pd = P2V(pa);
    memset(pd, 0, KERNEL_PDE_FIRST * sizeof(pde_t));
    memcpy(&pd[KERNEL_PDE_FIRST], &kernel_pd[KERNEL_PDE_FIRST],
           (1024 - KERNEL_PDE_FIRST) * sizeof(pde_t));
    return pd;
}

void vmm_destroy(pde_t *pd)
{
    for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
        if (!(pd[i] & PTE_P))
            continue;
        pte_t *pt = P2V(PTE_ADDR(pd[i]));
        for (uint32_t j = 0; j < 1024; j++)
            if (pt[j] & PTE_P)
                pmm_free(PTE_ADDR(pt[j]));
        pmm_free(PTE_ADDR(pd[i]));
    }
    pmm_free(V2P(pd));
}

pte_t *vmm_lookup(const pde_t *pd, uint32_t va)
{
    pde_t pde = pd[PDE_INDEX(va)];
    if (!(pde & PTE_P) || (pde & PTE_PS))
        return 0;
    return &((pte_t *)P2V(PTE_ADDR(pde)))[PTE_INDEX(va)];
}

int vmm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
    if (va < ABI_USER_LOW || va >= ABI_USER_HIGH)
        panic("vmm_map: 0x%x is not a user address", va);
    pde_t *pde = &pd[PDE_INDEX(va)];
    if (!(*pde & PTE_P)) {
        uint32_t pt = pmm_alloc();
        if (!pt)
            return -ENOMEM;
        memset(P2V(pt), 0, PAGE_SIZE);
        /* Directory entries are permissive; the page entries decide. */
        *pde = pt | PTE_P | PTE_W | PTE_U;
    }
    pte_t *pte = &((pte_t *)P2V(PTE_ADDR(*pde)))[PTE_INDEX(va)];
    *pte = pa | flags | PTE_P;
    return 0;
}

int vmm_map_new(pde_t *pd, uint32_t va, uint32_t flags)
{
    uint32_t pa = pmm_alloc();
    if (!pa)
        return -ENOMEM;
    memset(P2V(pa), 0, PAGE_SIZE);
    if (vmm_map(pd, va, pa, flags) < 0) {
        pmm_free(pa);
        return -ENOMEM;
    }
    return 0;
}

void vmm_unmap_free(pde_t *pd, uint32_t va)
{
    pte_t *pte = vmm_lookup(pd, va);
    if (!pte || !(*pte & PTE_P))
        return;
    pmm_free(PTE_ADDR(*pte));
    *pte = 0;
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

void vmm_free_empty_tables(pde_t *pd, uint32_t start, uint32_t end)
{
    if (end <= start)
        return;
    int freed = 0;
    for (uint32_t i = PDE_INDEX(start); i < KERNEL_PDE_FIRST && i <= PDE_INDEX(end - 1); i++) {
        if (!(pd[i] & PTE_P))
            continue;
        const pte_t *pt = P2V(PTE_ADDR(pd[i]));
        uint32_t j = 0;
        while (j < 1024 && !(pt[j] & PTE_P))
            j++;
        if (j < 1024)
            continue;
        pmm_free(PTE_ADDR(pd[i]));
        pd[i] = 0;
        freed = 1;
    }
    /* The CPU may cache directory entries: reload CR3 so none points at a freed table. */
    if (freed)
        load_cr3(V2P(pd));
}

pde_t *vmm_clone(const pde_t *src)
{
    pde_t *dst = vmm_create();
    if (!dst)
        return 0;
    for (uint32_t i = 0; i < KERNEL_PDE_FIRST; i++) {
        if (!(src[i] & PTE_P))
            continue;
        const pte_t *pt = P2V(PTE_ADDR(src[i]));
        for (uint32_t j = 0; j < 1024; j++) {
            if (!(pt[j] & PTE_P))
                continue;
            uint32_t pa = pmm_alloc();
            uint32_t va = (i << 22) | (j << 12);
            if (!pa || vmm_map(dst, va, pa, pt[j] & (PTE_W | PTE_U)) < 0) {
                if (pa)
                    pmm_free(pa);
                vmm_destroy(dst);
                return 0;
            }
            memcpy(P2V(pa), P2V(PTE_ADDR(pt[j])), PAGE_SIZE);
        }
    }
    return dst;
}

void vmm_activate(pde_t *pd)
{
    load_cr3(V2P(pd));
}

int vmm_write(pde_t *pd, uint32_t va, const void *src, uint32_t n)
{
    const uint8_t *from = src;
    while (n > 0) {
        pte_t *pte = vmm_lookup(pd, va);
        if (!pte || !(*pte & PTE_P))
            return -EFAULT;
        uint32_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        uint32_t chunk = n < in_page ? n : in_page;
        memcpy((uint8_t *)P2V(PTE_ADDR(*pte)) + (va & (PAGE_SIZE - 1)), from, chunk);
        va += chunk;
        from += chunk;
        n -= chunk;
    }
    return 0;
}
