/*
 * Inline fast paths of kernel/uaccess.c for the syscall hot path.
 *
 * Almost every buffer a syscall names lies inside one page. For such a range the answer of
 * user_mapped() is one page-table entry away: the entry is read here directly from the page
 * tables of the active address space (CR3, which the kernel reaches through its direct map), and
 * the data is moved a word at a time. Everything else (ranges that cross a page, empty ranges)
 * goes to the out-of-line functions of uaccess.c, which give the same answers more slowly. The
 * generated entry shims and amc use these; the generator's host tests replace this header with
 * one that only forwards to uaccess.c (tests/gen/stub/uaccess_fast.h).
 */
#ifndef LAYERCAKE_UACCESS_FAST_H
#define LAYERCAKE_UACCESS_FAST_H

#include <stdint.h>

#include "memlayout.h"
#include "uaccess.h"
#include "vmm.h"

/* 1 when [uaddr, uaddr + n) is not empty and lies inside one page. */
static inline int in_one_page(uint32_t uaddr, uint32_t n)
{
    return n - 1 < PAGE_SIZE - (uaddr & (PAGE_SIZE - 1));
}

/* The page-table entry of va in page directory pd, or 0 when no page table covers va (the
 * kernel half is mapped with 4 MiB pages, so kernel addresses give 0 too). */
static inline pte_t user_pte(const pde_t *pd, uint32_t va)
{
    pde_t pde = pd[va >> 22];
    if ((pde & (PTE_P | PTE_PS)) != PTE_P)
        return 0;
    return ((const pte_t *)P2V(PTE_ADDR(pde)))[(va >> 12) & 1023];
}

/* The page directory of the running process: vmm_activate loads CR3 with it. */
static inline const pde_t *active_pd(void)
{
    uint32_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    return (const pde_t *)P2V(cr3);
}

/* 1 when the page holding uaddr is mapped for ring 3 (and writable, if write). */
static inline int user_page_ok_fast(uint32_t uaddr, int write)
{
    pte_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
    return (user_pte(active_pd(), uaddr) & need) == need;
}

/* 1 when [uaddr, uaddr + n) lies in one page that user_page_ok_fast accepts. */
static inline int user_page_range_ok(uint32_t uaddr, uint32_t n, int write)
{
    return in_one_page(uaddr, n) && user_page_ok_fast(uaddr, write);
}

/* Moves n bytes a word at a time (klib's memcpy goes byte by byte). */
static inline void copy_words(void *dst, const void *src, uint32_t n)
{
    uint32_t words = n / 4, bytes = n % 4;
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(bytes) : : "memory");
}

/* user_mapped(), answered inline for a range inside one page. */
static inline int user_mapped_fast(uint32_t uaddr, uint32_t n, int write)
{
    if (!in_one_page(uaddr, n))
        return user_mapped(uaddr, n, write);
    return user_page_ok_fast(uaddr, write);
}

/* copy_from_user(), inline when the range lies in one mapped page. */
static inline int copy_from_user_fast(void *dst, uint32_t uaddr, uint32_t n)
{
    if (!user_page_range_ok(uaddr, n, 0))
        return copy_from_user(dst, uaddr, n);
    copy_words(dst, (const void *)uaddr, n);
    return 0;
}

/* copy_to_user(), inline when the range lies in one mapped, writable page. */
static inline int copy_to_user_fast(uint32_t uaddr, const void *src, uint32_t n)
{
    if (!user_page_range_ok(uaddr, n, 1))
        return copy_to_user(uaddr, src, n);
    copy_words((void *)uaddr, src, n);
    return 0;
}

/* copy_str_from_user(), inline when all max + 1 bytes the string may take lie in one mapped
 * page (a shorter string that ends before an unmapped page goes the slow way). */
static inline int copy_str_from_user_fast(char *dst, uint32_t uaddr, uint32_t max)
{
    if (!user_page_range_ok(uaddr, max + 1, 0))
        return copy_str_from_user(dst, uaddr, max);
    const char *src = (const char *)uaddr;
    for (uint32_t i = 0; i <= max; i++) {
        dst[i] = src[i];
        if (dst[i] == '\0')
            return (int)i;
    }
    dst[max] = '\0';
    return -ENAMETOOLONG;
}

#endif
