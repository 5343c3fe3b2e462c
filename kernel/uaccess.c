/*
 * User copies: the parts of kernel/uaccess.h that are not inline, and the exception table.
 *
 * The table is the section uaccess_fixups (kernel/linker.ld collects it): one entry per kernel
 * instruction that may fault on a user address, written next to the instruction by
 * UACCESS_FIXUP. It is searched only when such an access faults.
 */
#include "uaccess.h"

#include "memlayout.h"

struct uaccess_fixup {
    uint32_t insn, resume;
};

extern const struct uaccess_fixup uaccess_fixups_start[], uaccess_fixups_end[]; /* linker.ld */

uint32_t uaccess_fixup(uint32_t eip)
{
    for (const struct uaccess_fixup *f = uaccess_fixups_start; f < uaccess_fixups_end; f++)
        if (f->insn == eip)
            return f->resume;
    return 0;
}

int user_probe_pages(uint32_t uaddr, uint32_t n, int write)
{
    uint32_t last = uaddr + n - 1;
    for (uint32_t page = PAGE_ROUND_DOWN(uaddr); page < PAGE_ROUND_DOWN(last); page += PAGE_SIZE) {
        uint32_t at = page < uaddr ? uaddr : page;
        if ((write ? user_probe_write(at) : user_probe_read(at)) < 0)
            return -EFAULT;
    }
    return write ? user_probe_write(last) : user_probe_read(last);
}

/* Each page is probed before its first byte is read, so the plain reads cannot fault. */
int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max)
{
    for (uint32_t i = 0; i <= max; i++) {
        uint32_t va = uaddr + i;
        if (va < uaddr || !user_range_ok(va, 1))
            return -EFAULT;
        if ((i == 0 || (va & (PAGE_SIZE - 1)) == 0) && user_probe_read(va) < 0)
            return -EFAULT;
        dst[i] = *(const volatile char *)va;
        if (dst[i] == '\0')
            return (int)i;
    }
    dst[max] = '\0';
    return -ENAMETOOLONG;
}
