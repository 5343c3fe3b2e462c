/* What the Multiboot (v1) loader told us: memory, command line, boot modules. */
#ifndef LAYERCAKE_MULTIBOOT_H
#define LAYERCAKE_MULTIBOOT_H

#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper; /* KiB below 1 MiB / above 1 MiB (flag 0) */
    uint32_t boot_device;
    uint32_t cmdline;               /* physical address (flag 2) */
    uint32_t mods_count, mods_addr; /* flag 3 */
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr; /* flag 6 */
    uint32_t drives_length, drives_addr;
    uint32_t config_table, boot_loader_name;
} __attribute__((packed));

struct multiboot_mmap_entry {
    uint32_t size; /* of the rest of the entry */
    uint64_t addr, len;
    uint32_t type; /* 1 = usable RAM */
} __attribute__((packed));

struct multiboot_module {
    uint32_t start, end; /* physical, end exclusive */
    uint32_t name;       /* physical address of the module's string */
    uint32_t reserved;
} __attribute__((packed));

#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)
#define MB_INFO_LOADER_NAME (1u << 9)
#define MB_MMAP_USABLE 1

#define BOOT_MODULE_NAME_MAX 31

/* A boot module. Loaders give each one a string "PATH NAME" (GRUB `module PATH NAME`, QEMU
 * -initrd "PATH NAME"); the name is the word after the path, or the path's base name without
 * ".elf" when there is none. */
struct boot_module {
    uint32_t phys_start, phys_end;
    const char *string; /* as the loader gave it ("" when none) */
    char name[BOOT_MODULE_NAME_MAX + 1];
};

#define MAX_BOOT_MODULES 32

/* Check the loader magic and record the info; panics on a non-Multiboot boot. */
void multiboot_init(uint32_t magic, uint32_t info_phys);
const struct multiboot_info *multiboot_info(void); /* kernel-virtual pointer */
const char *multiboot_cmdline(void);               /* NULL when none */
const char *multiboot_loader_name(void);           /* NULL when none */
uint32_t multiboot_usable_bytes(void); /* usable RAM (memory map; mem_upper + 1 MiB without one) */
uint32_t multiboot_module_count(void);
const struct boot_module *multiboot_module(uint32_t index);        /* NULL when out of range */
const struct boot_module *multiboot_module_find(const char *name); /* NULL when none */

/* For the frame allocator. Region i of the memory map ([start, end), usable or not); returns 0
 * past the last one. Without a map, region 0 is what mem_upper says. */
int multiboot_memory_region(uint32_t i, uint64_t *start, uint64_t *end, int *usable);
/* Physical range i that the loader's data occupies (the info block, memory map, command line,
 * module list, modules and their strings, loader name): these frames must never be handed out.
 * Returns 0 past the last one; an empty range (start == end) is possible. */
int multiboot_reserved_range(uint32_t i, uint32_t *start, uint32_t *end);

#endif
