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

/*
 * uaccess_probe_middle_read / _write, called by USER_PROBE (kernel/uaccess.h) for a range
 * [eax, eax + edx) longer than a page: touch the start of each page after the first, up to the
 * one that holds the last byte. They keep every register and return with CF clear, or with CF set
 * when a page is missing (the fixup of the probing instruction is the error exit).
 */
#define PROBE_MIDDLE(name, insn)                                                                   \
    __asm__(".pushsection .text\n"                                                                 \
            ".globl " name "\n"                                                                    \
            ".type " name ", @function\n" name ":\n\t"                                             \
            "pushl %ecx\n\t"                                                                       \
            "pushl %ebx\n\t"                                                                       \
            "leal -1(%eax,%edx), %ebx\n\t"                                                         \
            "movl %eax, %ecx\n"                                                                    \
            "1:\tandl $-4096, %ecx\n\t"                                                            \
            "addl $4096, %ecx\n\t"                                                                 \
            "cmpl %ebx, %ecx\n\t"                                                                  \
            "ja 3f\n"                                                                              \
            "2:\t" insn " $0, (%ecx)\n\t"                                                          \
            "jmp 1b\n"                                                                             \
            "3:\tpopl %ebx\n\t"                                                                    \
            "popl %ecx\n\t"                                                                        \
            "clc\n\t"                                                                              \
            "ret\n"                                                                                \
            "4:\tpopl %ebx\n\t"                                                                    \
            "popl %ecx\n\t"                                                                        \
            "stc\n\t"                                                                              \
            "ret\n\t"                                                                              \
            ".size " name ", . - " name "\n\t"                                                     \
            ".pushsection uaccess_fixups, \"a\"\n\t.balign 4\n\t.long 2b, 4b\n\t.popsection\n"     \
            ".popsection")

PROBE_MIDDLE("uaccess_probe_middle_read", "cmpb");
PROBE_MIDDLE("uaccess_probe_middle_write", "orb");

/*
 * A page at a time, each page probed before its first byte is read, so the plain reads cannot
 * fault. Running into the end of user space without a NUL is a fault.
 */
int copy_str_from_user_pages(char *dst, uint32_t uaddr, uint32_t max, uint32_t n)
{
    for (uint32_t i = 0; i < n;) {
        uint32_t va = uaddr + i;
        uint32_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1)); /* up to the page's end */
        if (chunk > n - i)
            chunk = n - i;
        if (user_probe_read(va) < 0)
            return -EFAULT;
        int nul = copy_str_words(dst + i, (const char *)va, chunk);
        if (nul >= 0)
            return (int)i + nul;
        i += chunk;
    }
    if (n <= max)
        return -EFAULT;
    dst[max] = '\0';
    return -ENAMETOOLONG;
}
