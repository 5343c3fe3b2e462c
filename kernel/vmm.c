/*
 * Virtual memory.
 *
 * The kernel half (directory entries 768..1023) is the direct map of physical memory, made of
 * 4 MiB pages by boot.asm; it never changes after boot, so a new address space simply copies
 * those entries. The user half is built from 4 KiB pages whose frames belong to the process and
 * are freed with it. Page tables and directories are reached through the direct map.
 *
 * fork shares pages instead of copying them: every writable page becomes read-only and
 * copy-on-write in both address spaces, and its frame gains a reference (kernel/pmm.c). The first
 * write to it faults, and vmm_fault gives the writer a copy, or the frame itself once no one else
 * holds it. Stack and bss pages start demand-zero: an entry that records the page's permissions
 * but has no frame until it is first touched. Walks over an address space (clone, destroy) visit
 * only the ranges the process can have mapped, which proc.c names (image and heap, stack).
 *
 * Every frame those faults will take is promised when the page is mapped or shared (kernel/pmm.c):
 * one per demand-zero entry, and one per sharing of a copy-on-write frame (a frame held by k
 * entries may need k - 1 copies; the last writer takes the frame itself). So fork and spawn fail
 * with ENOMEM up front when memory is short, and a fault never does.
 */
#include "vmm.h"

#include "abi_base.h"
#include "kprintf.h"
#include "panic.h"
#include "memlayout.h"
#include "pmm.h"
#include "klib.h"

#define KERNEL_PDE_FIRST PDE_INDEX(KERNEL_BASE)

extern pde_t boot_page_directory[]; /* boot.asm */

static pde_t *kernel_pd;

static inline void load_cr3(uint32_t pa)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(pa) : "memory");
}

static inline void invlpg(uint32_t va)
{
    __asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
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

static pte_t *page_table(const pde_t *pd, uint32_t i)
{
    return P2V(PTE_ADDR(pd[i]));
}

/* The directory entries [first, last] that a non-empty range touches; panics on a range outside
 * user space (a kernel bug: its walks would reach the shared kernel half). */
static void range_tables(const struct vmm_range *r, uint32_t *first, uint32_t *last)
{
    if (r->start < ABI_USER_LOW || r->end > ABI_USER_HIGH || ((r->start | r->end) & 0xFFFu))
        panic("vmm: bad range [0x%x, 0x%x)", r->start, r->end);
    *first = PDE_INDEX(r->start);
    *last = PDE_INDEX(r->end - 1);
}

/* The entries [*j0, *j1) of page table i that the range covers. */
static void table_span(const struct vmm_range *r, uint32_t i, uint32_t *j0, uint32_t *j1)
{
    uint32_t base = i << 22;
    *j0 = r->start > base ? (r->start - base) >> 12 : 0;
    *j1 = r->end - base >= (1u << 22) ? 1024 : (r->end - base) >> 12;
}

/* Gives back what entry e holds: its frame's reference, or the frame it was promised. */
static void drop_entry(pte_t e)
{
    if (!(e & PTE_P)) {
        pmm_unreserve(1); /* demand-zero */
        return;
    }
    /* A shared copy-on-write frame loses one of the copies it may need. */
    if ((e & PTE_COW) && pmm_refs(PTE_ADDR(e)) > 1)
        pmm_unreserve(1);
    pmm_free(PTE_ADDR(e));
}

void vmm_destroy(pde_t *pd, const struct vmm_range *ranges, int n)
{
    /* Entries first, tables second: two ranges may share a table. */
    for (int k = 0; k < n; k++) {
        const struct vmm_range *r = &ranges[k];
        uint32_t first, last, j0, j1;
        if (r->end <= r->start)
            continue;
        range_tables(r, &first, &last);
        for (uint32_t i = first; i <= last; i++) {
            if (!(pd[i] & PTE_P))
                continue;
            const pte_t *pt = page_table(pd, i);
            table_span(r, i, &j0, &j1);
            for (uint32_t j = j0; j < j1; j++)
                if (pt[j])
                    drop_entry(pt[j]);
        }
    }
    for (int k = 0; k < n; k++) {
        uint32_t first, last;
        if (ranges[k].end <= ranges[k].start)
            continue;
        range_tables(&ranges[k], &first, &last);
        for (uint32_t i = first; i <= last; i++) {
            if (pd[i] & PTE_P)
                pmm_free(PTE_ADDR(pd[i]));
            pd[i] = 0;
        }
    }
    pmm_free(V2P(pd));
}

/* The entry for user address va, allocating a zeroed page table if needed; NULL when out of
 * memory. */
static pte_t *entry_for(pde_t *pd, uint32_t va)
{
    if (va < ABI_USER_LOW || va >= ABI_USER_HIGH)
        panic("vmm_map: 0x%x is not a user address", va);
    pde_t *pde = &pd[PDE_INDEX(va)];
    if (!(*pde & PTE_P)) {
        uint32_t pt = pmm_alloc();
        if (!pt)
            return 0;
        memset(P2V(pt), 0, PAGE_SIZE);
        /* Directory entries are permissive; the page entries decide. */
        *pde = pt | PTE_P | PTE_W | PTE_U;
    }
    return &((pte_t *)P2V(PTE_ADDR(*pde)))[PTE_INDEX(va)];
}

int vmm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags)
{
    pte_t *pte = entry_for(pd, va);
    if (!pte)
        return -ENOMEM;
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

int vmm_map_zero(pde_t *pd, uint32_t va, uint32_t flags)
{
    if (pmm_reserve(1) < 0)
        return -ENOMEM;
    pte_t *pte = entry_for(pd, va);
    if (!pte) {
        pmm_unreserve(1);
        return -ENOMEM;
    }
    *pte = (flags & (PTE_W | PTE_U)) | PTE_ZERO;
    return 0;
}

void vmm_unmap_free(pde_t *pd, uint32_t va)
{
    pte_t *pte = vmm_lookup(pd, va);
    if (!pte || !*pte)
        return;
    drop_entry(*pte);
    *pte = 0;
    invlpg(va);
}

void vmm_free_empty_tables(pde_t *pd, uint32_t start, uint32_t end)
{
    if (end <= start)
        return;
    int freed = 0;
    for (uint32_t i = PDE_INDEX(start); i < KERNEL_PDE_FIRST && i <= PDE_INDEX(end - 1); i++) {
        if (!(pd[i] & PTE_P))
            continue;
        const pte_t *pt = page_table(pd, i);
        uint32_t j = 0;
        while (j < 1024 && !pt[j])
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

/* Shares the entries [j0, j1) of page table src with dst: writable pages turn copy-on-write on
 * both sides, every frame gains a reference and every copy the new entries may need is promised.
 * -ENOMEM when memory cannot keep those promises (the entries shared so far stay shared). */
static int share_span(pte_t *src, pte_t *dst, uint32_t j0, uint32_t j1)
{
    for (uint32_t j = j0; j < j1; j++) {
        pte_t e = src[j];
        if (!e)
            continue;
        if ((e & (PTE_ZERO | PTE_W | PTE_COW)) && pmm_reserve(1) < 0)
            return -ENOMEM;
        if (e & PTE_P) {
            if (e & PTE_W)
                src[j] = e = (e & ~PTE_W) | PTE_COW;
            pmm_ref(PTE_ADDR(e));
        }
        dst[j] = e;
    }
    return 0;
}

pde_t *vmm_clone(pde_t *src, const struct vmm_range *ranges, int n)
{
    pde_t *dst = vmm_create();
    if (!dst)
        return 0;
    int ok = 1;
    for (int k = 0; k < n && ok; k++) {
        const struct vmm_range *r = &ranges[k];
        uint32_t first, last, j0, j1;
        if (r->end <= r->start)
            continue;
        range_tables(r, &first, &last);
        for (uint32_t i = first; i <= last && ok; i++) {
            if (!(src[i] & PTE_P))
                continue;
            ok = entry_for(dst, i << 22) != 0;
            table_span(r, i, &j0, &j1);
            ok = ok && share_span(page_table(src, i), page_table(dst, i), j0, j1) == 0;
        }
    }
    /* src's entries lost their write permission: drop what the TLB remembers of them. */
    load_cr3(V2P(src));
    if (!ok) {
        vmm_destroy(dst, ranges, n);
        return 0;
    }
    return dst;
}

/* Gives the demand-zero entry *pte a zeroed frame, the one promised to it. */
static void page_in(pte_t *pte)
{
    uint32_t pa = pmm_alloc_reserved();
    memset(P2V(pa), 0, PAGE_SIZE);
    *pte = pa | (*pte & (PTE_W | PTE_U)) | PTE_P; /* a missing entry is never in the TLB */
}

/* Makes the copy-on-write page va of entry *pte private and writable: a copy of the frame (one
 * that was promised when it was shared), or the frame itself when this entry holds its last
 * reference. */
static void unshare(pte_t *pte, uint32_t va)
{
    uint32_t pa = PTE_ADDR(*pte);
    if (pmm_refs(pa) > 1) {
        uint32_t copy = pmm_alloc_reserved();
        memcpy(P2V(copy), P2V(pa), PAGE_SIZE);
        pmm_free(pa);
        pa = copy;
    }
    *pte = pa | (*pte & PTE_U) | PTE_W | PTE_P;
    invlpg(va);
}

int vmm_fault(pde_t *pd, uint32_t va, int write)
{
    if (!pd || va < ABI_USER_LOW || va >= ABI_USER_HIGH)
        return -EFAULT;
    pte_t *pte = vmm_lookup(pd, va);
    if (!pte)
        return -EFAULT;
    if (!(*pte & PTE_P)) {
        if (!(*pte & PTE_ZERO))
            return -EFAULT;
        page_in(pte);
        if (!write || (*pte & PTE_W))
            return 0;
    }
    /* Any other fault on a present page (a write to text, say) is not ours to fix. */
    if (!write || !(*pte & PTE_COW))
        return -EFAULT;
    unshare(pte, PAGE_ROUND_DOWN(va));
    return 0;
}

/* Writes go through the direct map, so read-only pages are written too (the loader fills text
 * this way), but never a frame that another address space still shares. */
int vmm_write(pde_t *pd, uint32_t va, const void *src, uint32_t n)
{
    const uint8_t *from = src;
    while (n > 0) {
        pte_t *pte = vmm_lookup(pd, va);
        if (!pte || !*pte)
            return -EFAULT;
        if (!(*pte & PTE_P))
            page_in(pte);
        if (*pte & PTE_COW)
            unshare(pte, PAGE_ROUND_DOWN(va));
        uint32_t in_page = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        uint32_t chunk = n < in_page ? n : in_page;
        memcpy((uint8_t *)P2V(PTE_ADDR(*pte)) + (va & (PAGE_SIZE - 1)), from, chunk);
        va += chunk;
        from += chunk;
        n -= chunk;
    }
    return 0;
}
