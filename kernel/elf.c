/*
 * ELF32 loader.
 *
 * Everything in the image is checked before it is trusted: the header, that the program headers
 * and each segment's bytes lie inside the file (with overflow-safe arithmetic), that segments lie
 * inside user space below the stack, do not overlap each other, and that the entry point is inside
 * an executable segment. Each refusal prints one line saying what is wrong.
 *
 * W^X: i686 paging without PAE has no no-execute bit, so every mapped page is executable and the
 * one permission a page entry carries is "writable". What the loader guarantees is that no page
 * holding code or read-only data is ever writable: a segment that asks for both write and execute
 * is refused, and so are two segments of different writability that would share a page (mapping
 * that page would have to make the read-only one writable or the writable one read-only).
 */
#include "elf.h"

#include "abi_base.h"
#include "kprintf.h"
#include "memlayout.h"
#include "klib.h"
#include "preempt.h"

#define ELF_MAX_PHDRS 16
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PF_X 1
#define PF_W 2

struct elf_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static int refuse(const char *name, const char *why, uint32_t detail)
{
    kprintf("exec: %s: not a valid program: %s (0x%x)\n", name, why, detail);
    return -ENOEXEC;
}

static const char *check_header(const struct elf_header *h, uint32_t size)
{
    if (size < sizeof *h)
        return "shorter than an ELF header";
    if (memcmp(h->ident,
               "\x7f"
               "ELF",
               4) != 0)
        return "bad magic";
    if (h->ident[4] != 1 || h->ident[5] != 1 || h->version != 1)
        return "not a little-endian ELF32 version 1 file";
    if (h->type != 2 || h->machine != 3)
        return "not an i386 executable";
    if (h->phentsize != sizeof(struct elf_phdr) || h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
        return "bad program header table shape";
    if (h->phoff > size || (uint32_t)h->phnum * sizeof(struct elf_phdr) > size - h->phoff)
        return "program header table past the end of the file";
    return 0;
}

/* The user address range a loadable segment may occupy: above the NULL guard, below the heap limit.
 */
static const char *check_segment(const struct elf_phdr *ph, uint32_t size)
{
    if (ph->filesz > ph->memsz)
        return "segment file size exceeds its memory size";
    if (ph->offset > size || ph->filesz > size - ph->offset)
        return "segment bytes past the end of the file";
    if (ph->vaddr < ABI_USER_LOW || ph->memsz > USER_HEAP_LIMIT - ph->vaddr ||
        ph->vaddr > USER_HEAP_LIMIT)
        return "segment outside user space";
    if (ph->align & (ph->align - 1))
        return "segment alignment not a power of two";
    if (ph->align > 1 && (ph->vaddr - ph->offset) % ph->align)
        return "segment address and file offset disagree modulo its alignment";
    if ((ph->flags & PF_W) && (ph->flags & PF_X))
        return "segment both writable and executable";
    return 0;
}

static int overlaps(const struct elf_phdr *a, const struct elf_phdr *b)
{
    return a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz;
}

/* Whether a and b touch a common page (their last pages are at most USER_HEAP_LIMIT - 1). */
static int share_a_page(const struct elf_phdr *a, const struct elf_phdr *b)
{
    uint32_t a_first = PAGE_ROUND_DOWN(a->vaddr), a_last = PAGE_ROUND_DOWN(a->vaddr + a->memsz - 1);
    uint32_t b_first = PAGE_ROUND_DOWN(b->vaddr), b_last = PAGE_ROUND_DOWN(b->vaddr + b->memsz - 1);
    return a_first <= b_last && b_first <= a_last;
}

/* Refusal of segment i given the loadable segments before it, or NULL. */
static const char *check_against_earlier(const struct elf_phdr *ph, int i)
{
    for (int j = 0; j < i; j++) {
        if (ph[j].type != PT_LOAD || ph[j].memsz == 0)
            continue;
        if (overlaps(&ph[i], &ph[j]))
            return "overlapping segments";
        if (share_a_page(&ph[i], &ph[j]) && ((ph[i].flags ^ ph[j].flags) & PF_W))
            return "writable and read-only segments share a page (W^X)";
    }
    return 0;
}

/* Segments sharing a page have the same writability (checked above), so a page already mapped by
 * an earlier segment already has the right permission. Pages past the segment's file bytes (bss)
 * are mapped demand-zero: they get a frame when first touched. */
static int map_segment(pde_t *pd, const struct elf_phdr *ph, const uint8_t *image)
{
    uint32_t flags = PTE_U | ((ph->flags & PF_W) ? PTE_W : 0);
    for (uint32_t va = PAGE_ROUND_DOWN(ph->vaddr); va < ph->vaddr + ph->memsz; va += PAGE_SIZE) {
        if (long_point())
            return -ENOMEM; /* killed meanwhile: give up, the caller frees the address space */
        pte_t *pte = vmm_lookup(pd, va);
        if (pte && *pte)
            continue;
        int err =
            va >= ph->vaddr + ph->filesz ? vmm_map_zero(pd, va, flags) : vmm_map_new(pd, va, flags);
        if (err < 0)
            return -ENOMEM;
    }
    return vmm_write(pd, ph->vaddr, image + ph->offset, ph->filesz) < 0 ? -ENOMEM : 0;
}

int elf_load(pde_t *pd, const char *name, const uint8_t *image, uint32_t size, uint32_t *entry,
             uint32_t *image_end)
{
    const struct elf_header *h = (const struct elf_header *)image;
    const char *why = check_header(h, size);
    if (why)
        return refuse(name, why, size);
    const struct elf_phdr *ph = (const struct elf_phdr *)(image + h->phoff);
    int entry_ok = 0, loads = 0;
    uint32_t end = 0;
    for (int i = 0; i < h->phnum; i++) {
        if (ph[i].type == PT_INTERP || ph[i].type == PT_DYNAMIC)
            return refuse(name, "dynamically linked (no loader for it here)", ph[i].type);
        if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
            continue;
        if ((why = check_segment(&ph[i], size)) || (why = check_against_earlier(ph, i)))
            return refuse(name, why, ph[i].vaddr);
        if ((ph[i].flags & PF_X) && h->entry >= ph[i].vaddr && h->entry - ph[i].vaddr < ph[i].memsz)
            entry_ok = 1;
        if (ph[i].vaddr + ph[i].memsz > end)
            end = ph[i].vaddr + ph[i].memsz;
        loads++;
    }
    if (loads == 0)
        return refuse(name, "no loadable segment", 0);
    if (!entry_ok)
        return refuse(name, "entry point outside the executable segments", h->entry);
    for (int i = 0; i < h->phnum; i++)
        if (ph[i].type == PT_LOAD && ph[i].memsz && map_segment(pd, &ph[i], image) < 0)
            return -ENOMEM;
    *entry = h->entry;
    *image_end = PAGE_ROUND_UP(end);
    return 0;
}
