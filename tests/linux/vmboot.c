/*
 * A multiboot loader for Debian's uncompressed 686 kernel (tests/linux/fetch-kernel.sh keeps
 * vmlinux, the ELF its vmlinuz unpacks to, and zeropage, a zeroed boot_params page holding
 * vmlinuz's setup header). QEMU -kernel loads this program and three modules: vmlinux, zeropage
 * and the initramfs. It copies vmlinux's segments to their physical addresses, fills in the
 * boot_params the Linux/x86 boot protocol's 32-bit entry expects (command line, initrd, the e820
 * map from multiboot's) and jumps to vmlinux's entry with %esi pointing at them: what the
 * vmlinuz's own decompressor does after unpacking, which under TCG is seconds of XZ.
 */
#include <stddef.h>
#include <stdint.h>

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0x3u /* modules page-aligned, memory map wanted */
#define MB_BOOT_MAGIC 0x2BADB002u

__attribute__((section(".multiboot"), used, aligned(4))) static const uint32_t mb_header[3] = {
    MB_MAGIC, MB_FLAGS, 0u - MB_MAGIC - MB_FLAGS};

struct mb_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};
struct mb_module {
    uint32_t start, end, string, reserved;
};
struct mb_mmap {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} __attribute__((packed));

struct e820 {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

/* Offsets in boot_params (Documentation/arch/x86/zero-page.rst, boot.rst). */
#define BP_E820_ENTRIES 0x1e8
#define BP_SENTINEL 0x1ef
#define BP_TYPE_OF_LOADER 0x210
#define BP_LOADFLAGS 0x211
#define BP_RAMDISK_IMAGE 0x218
#define BP_RAMDISK_SIZE 0x21c
#define BP_CMD_LINE_PTR 0x228
#define BP_E820_TABLE 0x2d0
#define E820_MAX 128
#define LOADED_HIGH 0x01

struct elf_header {
    uint8_t ident[16];
    uint16_t type, machine;
    uint32_t version, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf_phdr {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

static uint8_t zero_page[4096] __attribute__((aligned(4096)));
static char cmdline[2048];

/* String instructions: under TCG a byte loop over vmlinux's 16 MiB costs a tenth of a second. */
static void copy(void *dst, const void *src, size_t n)
{
    __asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static void fill(void *dst, uint8_t v, size_t n)
{
    __asm__ volatile("cld; rep stosb" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

static void put32(uint32_t off, uint32_t v)
{
    copy(zero_page + off, &v, 4);
}

/* Stops the machine: QEMU runs with -no-reboot, and the suite reports a boot without results. */
static _Noreturn void halt(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

/* Copies vmlinux's loadable segments to their physical addresses; returns its entry. */
static uint32_t load_elf(const uint8_t *image)
{
    const struct elf_header *eh = (const void *)image;
    if (eh->ident[0] != 0x7f || eh->ident[1] != 'E' || eh->ident[2] != 'L' || eh->ident[3] != 'F')
        halt();
    for (uint16_t i = 0; i < eh->phnum; i++) {
        const struct elf_phdr *ph = (const void *)(image + eh->phoff + i * eh->phentsize);
        if (ph->type != 1)
            continue;
        copy((void *)ph->paddr, image + ph->offset, ph->filesz);
        fill((uint8_t *)ph->paddr + ph->filesz, 0, ph->memsz - ph->filesz);
    }
    return eh->entry;
}

void vmboot_main(uint32_t magic, const struct mb_info *mb)
{
    if (magic != MB_BOOT_MAGIC || !(mb->flags & (1u << 3)) || mb->mods_count < 3)
        halt();
    const struct mb_module *mods = (const void *)mb->mods_addr;
    copy(zero_page, (const void *)mods[1].start, sizeof zero_page);
    zero_page[BP_SENTINEL] = 0;
    zero_page[BP_TYPE_OF_LOADER] = 0xff;
    zero_page[BP_LOADFLAGS] |= LOADED_HIGH;
    put32(BP_RAMDISK_IMAGE, mods[2].start);
    put32(BP_RAMDISK_SIZE, mods[2].end - mods[2].start);
    if (mb->flags & (1u << 2)) {
        const char *c = (const char *)mb->cmdline;
        size_t n = 0;
        while (c[n] && n < sizeof cmdline - 1)
            n++;
        copy(cmdline, c, n);
        cmdline[n] = 0;
        put32(BP_CMD_LINE_PTR, (uint32_t)cmdline);
    }
    if (mb->flags & (1u << 6)) {
        struct e820 *table = (struct e820 *)(zero_page + BP_E820_TABLE);
        uint32_t n = 0;
        for (uint32_t at = mb->mmap_addr; at < mb->mmap_addr + mb->mmap_length && n < E820_MAX;) {
            const struct mb_mmap *e = (const void *)at;
            struct e820 entry = {e->addr, e->len, e->type};
            copy(&table[n++], &entry, sizeof entry);
            at += e->size + 4;
        }
        zero_page[BP_E820_ENTRIES] = (uint8_t)n;
    }
    uint32_t entry = load_elf((const uint8_t *)mods[0].start);
    __asm__ volatile("cli\n\tjmp *%0" : : "r"(entry), "S"(zero_page), "b"(0), "D"(0) : "memory");
    halt();
}
