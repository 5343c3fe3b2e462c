/*
 * User copies with page-table checks.
 *
 * The kernel runs with interrupts off and on one CPU, so a mapping checked here cannot disappear
 * before the copy that follows; the copy itself goes through the user's virtual addresses, which
 * the current page directory maps.
 */
#include "uaccess.h"

#include "abi.h"
#include "memlayout.h"
#include "proc.h"
#include "klib.h"
#include "vmm.h"

/* 1 when the page holding va is mapped for ring 3 (and writable, if write). */
static int user_page_ok(uint32_t va, int write)
{
    const pte_t *pte = vmm_lookup(current_proc()->pd, va);
    uint32_t need = PTE_P | PTE_U | (write ? PTE_W : 0);
    return pte && (*pte & need) == need;
}

int user_mapped(uint32_t uaddr, uint32_t n, int write)
{
    if (!user_range_ok(uaddr, n))
        return 0;
    if (n == 0)
        return 1;
    for (uint32_t page = PAGE_ROUND_DOWN(uaddr); page <= uaddr + n - 1; page += PAGE_SIZE) {
        if (!user_page_ok(page, write))
            return 0;
        if (page + PAGE_SIZE == 0)
            break;
    }
    return 1;
}

int copy_from_user(void *dst, uint32_t uaddr, uint32_t n)
{
    if (!user_mapped(uaddr, n, 0))
        return -EFAULT;
    memcpy(dst, (const void *)uaddr, n);
    return 0;
}

int copy_to_user(uint32_t uaddr, const void *src, uint32_t n)
{
    if (!user_mapped(uaddr, n, 1))
        return -EFAULT;
    memcpy((void *)uaddr, src, n);
    return 0;
}

int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max)
{
    for (uint32_t i = 0; i <= max; i++) {
        uint32_t va = uaddr + i;
        if (va < uaddr || !user_range_ok(va, 1))
            return -EFAULT;
        if ((i == 0 || (va & (PAGE_SIZE - 1)) == 0) && !user_page_ok(va, 0))
            return -EFAULT;
        dst[i] = *(const char *)va;
        if (dst[i] == '\0')
            return (int)i;
    }
    dst[max] = '\0';
    return -ENAMETOOLONG;
}
