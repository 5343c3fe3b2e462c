/*
 * Moving data across the user/kernel boundary.
 *
 * A user range is checked in two halves. The range check (user_range_ok) keeps every access
 * inside user space, so a user pointer can never make the kernel touch its own half. Whether the
 * pages are mapped is not looked up in the page tables: the kernel simply touches them. Each
 * instruction that may touch user memory has an entry in the exception table (section
 * uaccess_fixups: the instruction's address and where to resume), and when it faults on a page
 * that is really missing, the page-fault handler (kernel/trap.c) resumes at the fixup, which
 * returns -EFAULT. A fault on a demand-zero or copy-on-write page is resolved first and the
 * instruction retried, so a kernel write into a page shared after fork gets a private copy,
 * exactly like a user write.
 *
 * The generated entry shims probe every buffer a handler will use (one byte of each page it
 * spans; a write probe rewrites the byte it reads) before the handler runs, so a handler never
 * fails half-way, after it has blocked or changed state, on a bad pointer. Handlers see user
 * buffers only as the opaque address types below.
 */
#ifndef LAYERCAKE_UACCESS_H
#define LAYERCAKE_UACCESS_H

#include <stdint.h>

#include "abi.h"

typedef struct {
    uint32_t addr;
} user_in_t;
typedef struct {
    uint32_t addr;
} user_out_t;
typedef struct {
    uint32_t addr;
} user_inout_t;

#define UACCESS_PAGE 4096u

/* 1 when [addr, addr + len) lies inside user space without wrapping. */
static inline int user_range_ok(uint32_t addr, uint32_t len)
{
    return addr >= ABI_USER_LOW && addr <= ABI_USER_HIGH && len <= ABI_USER_HIGH - addr;
}

/* Where a faulting user access at eip resumes, or 0 when eip is not one (kernel/uaccess.c). */
uint32_t uaccess_fixup(uint32_t eip);

/* An exception-table entry for the instruction at label insn: resume at the asm goto label
 * fault. */
#define UACCESS_FIXUP(insn)                                                                        \
    ".pushsection uaccess_fixups, \"a\"\n\t.balign 4\n\t.long " insn ", %l[fault]\n\t.popsection\n\t"

/* Reads the user byte at addr; 0 or -EFAULT. */
static inline int user_probe_read(uint32_t addr)
{
    __asm__ goto("1:\tcmpb $0, (%0)\n\t" UACCESS_FIXUP("1b") : : "r"(addr) : "cc", "memory" : fault);
    return 0;
fault:
    return -EFAULT;
}

/* Rewrites the user byte at addr with its own value; 0 or -EFAULT. Nothing else writes this
 * address space's pages while its process runs in the kernel, so the byte cannot change between
 * the read and the write. */
static inline int user_probe_write(uint32_t addr)
{
    __asm__ goto("1:\torb $0, (%0)\n\t" UACCESS_FIXUP("1b") : : "r"(addr) : "cc", "memory" : fault);
    return 0;
fault:
    return -EFAULT;
}

/* Probes the pages of a range longer than a page (kernel/uaccess.c). */
int user_probe_pages(uint32_t uaddr, uint32_t n, int write);

/* 0 when the kernel can read (and, if write, write) every byte of [uaddr, uaddr + n), which
 * must have passed user_range_ok; -EFAULT otherwise. Afterwards the copies to and from the range
 * do not fault: the pages are present, and for write private. A range of at most a page spans at
 * most two pages: its first and last bytes are in them. */
static inline int user_probe(uint32_t uaddr, uint32_t n, int write)
{
    if (n == 0)
        return 0;
    if (n > UACCESS_PAGE)
        return user_probe_pages(uaddr, n, write);
    if (write)
        return user_probe_write(uaddr) | user_probe_write(uaddr + n - 1);
    return user_probe_read(uaddr) | user_probe_read(uaddr + n - 1);
}

/* Copies n bytes between a user range that passed user_range_ok and kernel memory, a word at a
 * time; 0 or -EFAULT (some bytes may have been copied). */
static inline int user_copy(void *dst, const void *src, uint32_t n)
{
    __asm__ goto("movl %0, %%edi\n\tmovl %1, %%esi\n\tmovl %2, %%ecx\n\tshrl $2, %%ecx\n"
                 "1:\trep movsl\n\tmovl %2, %%ecx\n\tandl $3, %%ecx\n"
                 "2:\trep movsb\n\t" UACCESS_FIXUP("1b") UACCESS_FIXUP("2b")
                 :
                 : "g"(dst), "g"(src), "g"(n)
                 : "edi", "esi", "ecx", "cc", "memory"
                 : fault);
    return 0;
fault:
    return -EFAULT;
}

/* 0 or -EFAULT. */
static inline int copy_from_user(void *dst, uint32_t uaddr, uint32_t n)
{
    if (!user_range_ok(uaddr, n))
        return -EFAULT;
    return user_copy(dst, (const void *)uaddr, n);
}

/* 0 or -EFAULT. */
static inline int copy_to_user(uint32_t uaddr, const void *src, uint32_t n)
{
    if (!user_range_ok(uaddr, n))
        return -EFAULT;
    return user_copy((void *)uaddr, src, n);
}

/* Copies the NUL-terminated string at uaddr, at most max bytes and the NUL, into dst[max + 1];
 * returns its length, -EFAULT, or -ENAMETOOLONG. */
int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max);

#endif
