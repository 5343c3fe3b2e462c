/* Paging: one page directory per address space; the kernel half is shared by all of them. */
#ifndef LAYERCAKE_VMM_H
#define LAYERCAKE_VMM_H

#include <stdint.h>

#include "x86.h"

#define PTE_P 0x001u  /* present */
#define PTE_W 0x002u  /* writable */
#define PTE_U 0x004u  /* user */
#define PTE_PS 0x080u /* 4 MiB page (in a directory entry) */
/* Software bits (the CPU ignores bits 9-11). PTE_COW: present and read-only, shared after fork;
 * the first write gets a private copy. PTE_ZERO: not present yet (with the W and U bits it will
 * have); the first access maps a zeroed frame. */
#define PTE_COW 0x200u
#define PTE_ZERO 0x400u
#define PTE_ADDR(e) ((e) & ~0xFFFu)
#define PDE_INDEX(va) ((va) >> 22)
#define PTE_INDEX(va) (((va) >> 12) & 0x3FFu)

typedef uint32_t pde_t;
typedef uint32_t pte_t;

/* A page-aligned range [start, end) of user addresses. clone and destroy walk only the ranges
 * they are given: the caller names every range in which anything may be mapped. */
struct vmm_range {
    uint32_t start, end;
};

/* Takes over the boot page directory: drops the identity map and enables write protection. */
void vmm_init(void);
pde_t *vmm_kernel_pd(void);

/* A fresh address space with no user mappings; NULL when out of memory. */
pde_t *vmm_create(void);
/* Drops every user page of the ranges, frees their page tables and the directory itself. */
void vmm_destroy(pde_t *pd, const struct vmm_range *ranges, int n);
/* fork: a copy of the ranges of src that shares every page. Writable pages become copy-on-write
 * in both, and the copies they may need are promised; src must be the active address space.
 * NULL when out of memory (nothing leaks). */
pde_t *vmm_clone(pde_t *src, const struct vmm_range *ranges, int n);
/* Loads pd into CR3 (inline: every context switch does it). */
static inline void vmm_activate(pde_t *pd)
{
    __asm__ volatile("mov %0, %%cr3" ::"r"(V2P(pd)) : "memory");
}

/* Maps one user page to frame pa; returns 0 or -ENOMEM (page table allocation failed). */
int vmm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
/* Allocates, zeroes and maps a frame at va; returns 0 or -ENOMEM. */
int vmm_map_new(pde_t *pd, uint32_t va, uint32_t flags);
/* Maps va demand-zero: no frame until the first access (one is promised now). Returns 0 or
 * -ENOMEM. */
int vmm_map_zero(pde_t *pd, uint32_t va, uint32_t flags);
/* Unmaps va and drops its frame, if mapped. */
void vmm_unmap_free(pde_t *pd, uint32_t va);
/* Frees the page tables of [start, end) that map nothing any more; pd must be the active one. */
void vmm_free_empty_tables(pde_t *pd, uint32_t start, uint32_t end);
/* Copies n bytes to va in address space pd (which need not be the active one); the pages must be
 * mapped (demand-zero and copy-on-write pages are made private first). Returns 0 or -EFAULT. */
int vmm_write(pde_t *pd, uint32_t va, const void *src, uint32_t n);
/* The entry mapping va, or NULL when its page table does not exist. Inline: the amc paths look
 * up the partner's buffer on every message. */
static inline pte_t *vmm_lookup(const pde_t *pd, uint32_t va)
{
    pde_t pde = pd[PDE_INDEX(va)];
    if (!(pde & PTE_P) || (pde & PTE_PS))
        return 0;
    return &((pte_t *)P2V(PTE_ADDR(pde)))[PTE_INDEX(va)];
}
/*
 * A page fault at user address va in pd: maps a demand-zero page, or for a write gives a
 * copy-on-write page its own frame (taking the old one over when no one else holds it). The
 * frames were promised when the pages were mapped or shared, so this never runs out of memory.
 * Returns 0 when the access can be retried, -EFAULT when va is not a page either applies to.
 */
int vmm_fault(pde_t *pd, uint32_t va, int write);

#endif
