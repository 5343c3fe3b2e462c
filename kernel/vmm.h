/* Paging: one page directory per address space; the kernel half is shared by all of them. */
#ifndef LAYERCAKE_VMM_H
#define LAYERCAKE_VMM_H

#include <stdint.h>

#define PTE_P 0x001u  /* present */
#define PTE_W 0x002u  /* writable */
#define PTE_U 0x004u  /* user */
#define PTE_PS 0x080u /* 4 MiB page (in a directory entry) */
#define PTE_ADDR(e) ((e) & ~0xFFFu)

typedef uint32_t pde_t;
typedef uint32_t pte_t;

/* Takes over the boot page directory: drops the identity map and enables write protection. */
void vmm_init(void);
pde_t *vmm_kernel_pd(void);

/* A fresh address space with no user mappings; NULL when out of memory. */
pde_t *vmm_create(void);
/* Frees every user page, every page table and the directory itself. */
void vmm_destroy(pde_t *pd);
/* A deep copy of pd's user half (fork); NULL when out of memory (nothing leaks). */
pde_t *vmm_clone(const pde_t *pd);
void vmm_activate(pde_t *pd);

/* Maps one user page to frame pa; returns 0 or -ENOMEM (page table allocation failed). */
int vmm_map(pde_t *pd, uint32_t va, uint32_t pa, uint32_t flags);
/* Allocates, zeroes and maps a frame at va; returns 0 or -ENOMEM. */
int vmm_map_new(pde_t *pd, uint32_t va, uint32_t flags);
/* Unmaps va and frees its frame, if mapped. */
void vmm_unmap_free(pde_t *pd, uint32_t va);
/* Frees the page tables of [start, end) that map nothing any more; pd must be the active one. */
void vmm_free_empty_tables(pde_t *pd, uint32_t start, uint32_t end);
/* Copies n bytes to va in address space pd (which need not be the active one); the pages must be
 * mapped. Returns 0 or -EFAULT. */
int vmm_write(pde_t *pd, uint32_t va, const void *src, uint32_t n);
/* The entry mapping va, or NULL when its page table does not exist. */
pte_t *vmm_lookup(const pde_t *pd, uint32_t va);

#endif
