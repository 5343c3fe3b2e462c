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

#include "abi_base.h"
#include "klib.h"

typedef struct {
    uint32_t addr;
} user_in_t;
typedef struct {
    uint32_t addr;
} user_out_t;
typedef struct {
    uint32_t addr;
} user_inout_t;

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
    ".pushsection uaccess_fixups, \"a\"\n\t.balign 4\n\t.long " insn                               \
    ", %l[fault]\n\t.popsection\n\t"

/*
 * One byte of every page of [uaddr, uaddr + n), n > 0, read (cmpb) or rewritten with its own
 * value (orb): the first byte, the last, and for a range longer than a page the start of each
 * page between, in uaccess_probe_middle_read / _write (kernel/uaccess.c), which take the range in
 * eax and edx, keep every register and set CF when a page is missing. No call is visible to the
 * compiler, so a shim using this keeps its values in the registers it had.
 */
#define USER_PROBE(insn, middle)                                                                   \
    __asm__ goto("1:\t" insn " $0, (%0)\n\t"                                                       \
                 "cmpl $4096, %1\n\t"                                                              \
                 "jbe 2f\n\t"                                                                      \
                 "call " middle "\n\t"                                                             \
                 "jc %l[fault]\n"                                                                  \
                 "2:\t" insn " $0, -1(%0,%1)\n\t" UACCESS_FIXUP("1b") UACCESS_FIXUP("2b")          \
                 :                                                                                 \
                 : "a"(uaddr), "d"(n)                                                              \
                 : "cc", "memory"                                                                  \
                 : fault)

/* 0 when the kernel can read (and, if write, write) every byte of [uaddr, uaddr + n), which
 * must have passed user_range_ok; -EFAULT otherwise. Afterwards the copies to and from the range
 * do not fault: the pages are present, and for write private. */
static inline int user_probe(uint32_t uaddr, uint32_t n, int write)
{
    if (n == 0)
        return 0;
    if (write)
        USER_PROBE("orb", "uaccess_probe_middle_write");
    else
        USER_PROBE("cmpb", "uaccess_probe_middle_read");
    return 0;
fault:
    return -EFAULT;
}

/* Reads the user byte at addr; 0 or -EFAULT. */
static inline int user_probe_read(uint32_t addr)
{
    __asm__ goto("1:\tcmpb $0, (%0)\n\t" UACCESS_FIXUP("1b")
                 :
                 : "r"(addr)
                 : "cc", "memory"
                 : fault);
    return 0;
fault:
    return -EFAULT;
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

/*
 * Copies src[0, n) to dst until and including a NUL, a word at a time while four bytes are left;
 * returns the NUL's index, or -1 when there is none. The bytes after the NUL up to the end of its
 * word are copied too (dst has room for n). src is a user range that cannot fault.
 */
static inline int copy_str_words(char *dst, const char *src, uint32_t n)
{
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        __builtin_memcpy(&w, src + i, 4); /* one mov, at any alignment */
        __builtin_memcpy(dst + i, &w, 4);
        uint32_t z = zero_byte_bits(w);
        if (z)
            return (int)(i + ((uint32_t)__builtin_ctz(z) >> 3));
    }
    for (; i < n; i++)
        if ((dst[i] = src[i]) == '\0')
            return (int)i;
    return -1;
}

/* copy_str_from_user for a string whose n bytes (NUL included) span two or more pages
 * (kernel/uaccess.c). */
int copy_str_from_user_pages(char *dst, uint32_t uaddr, uint32_t max, uint32_t n);

/*
 * Copies the NUL-terminated string at uaddr, at most max bytes and the NUL, into dst[max + 1];
 * returns its length, -EFAULT, or -ENAMETOOLONG. The range is checked once: the string may use
 * the bytes up to the end of user space, at most max of them and its NUL, and no read goes past
 * them. Inline for the common case, those bytes in one page: one probe, then plain word copies
 * that cannot fault (every amc send copies its destination's name).
 */
static inline int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max)
{
    if (!user_range_ok(uaddr, 1))
        return -EFAULT;
    uint32_t room = ABI_USER_HIGH - uaddr;    /* bytes before the end of user space, >= 1 */
    uint32_t n = max < room ? max + 1 : room; /* bytes the string may take, NUL included */
    if ((uaddr & 4095u) + n > 4096u)
        return copy_str_from_user_pages(dst, uaddr, max, n);
    if (user_probe_read(uaddr) < 0)
        return -EFAULT;
    int nul = copy_str_words(dst, (const char *)uaddr, n);
    if (nul >= 0)
        return nul;
    if (n <= max)
        return -EFAULT; /* ran into the end of user space */
    dst[max] = '\0';
    return -ENAMETOOLONG;
}

#endif
