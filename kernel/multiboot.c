/* Multiboot information. Addresses in it are physical; everything we keep is checked to lie
 * in the direct map (first 512 MiB), so a strange loader gives a clear message, not a fault. */
#include "multiboot.h"

#include <stddef.h>

#include "klib.h"
#include "panic.h"
#include "x86.h"

static const struct multiboot_info *info;
static struct boot_module modules[MAX_BOOT_MODULES];
static uint32_t module_count;

static int in_direct_map(uint32_t phys, uint32_t len)
{
    return phys < DIRECT_MAP_SIZE && len <= DIRECT_MAP_SIZE - phys;
}

static const char *phys_string(uint32_t phys)
{
    return phys && in_direct_map(phys, 1) ? (const char *)P2V(phys) : NULL;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Name from "PATH NAME ...": the second word, else PATH's base name without ".elf". */
static void module_name(const char *string, char *name)
{
    const char *path = string;
    while (is_space(*path))
        path++;
    const char *path_end = path;
    while (*path_end && !is_space(*path_end))
        path_end++;
    const char *word = path_end;
    while (is_space(*word))
        word++;
    const char *start = word, *end = word;
    while (*end && !is_space(*end))
        end++;
    if (start == end) { /* no second word: base name of the path */
        start = path_end;
        while (start > path && start[-1] != '/')
            start--;
        end = path_end;
        if (end - start > 4 && strncmp(end - 4, ".elf", 4) == 0)
            end -= 4;
    }
    size_t len = (size_t)(end - start);
    if (len > BOOT_MODULE_NAME_MAX)
        panic("multiboot: module name in '%s' is longer than %d bytes", string,
              BOOT_MODULE_NAME_MAX);
    memcpy(name, start, len);
    name[len] = '\0';
}

static void record_modules(void)
{
    if (!(info->flags & MB_INFO_MODS) || info->mods_count == 0)
        return;
    uint32_t count = info->mods_count;
    if (!in_direct_map(info->mods_addr, count * sizeof(struct multiboot_module)))
        panic("multiboot: module list at %p is outside the direct map", (void *)info->mods_addr);
    if (count > MAX_BOOT_MODULES)
        panic("multiboot: %u boot modules, at most %d supported", count, MAX_BOOT_MODULES);
    const struct multiboot_module *mods = P2V(info->mods_addr);
    for (uint32_t i = 0; i < count; i++) {
        if (mods[i].end < mods[i].start ||
            !in_direct_map(mods[i].start, mods[i].end - mods[i].start))
            panic("multiboot: module %u [%p, %p) is outside the direct map", i,
                  (void *)mods[i].start, (void *)mods[i].end);
        const char *string = phys_string(mods[i].name);
        modules[i].phys_start = mods[i].start;
        modules[i].phys_end = mods[i].end;
        modules[i].string = string ? string : "";
        module_name(modules[i].string, modules[i].name);
    }
    module_count = count;
}

void multiboot_init(uint32_t magic, uint32_t info_phys)
{
    if (magic != MULTIBOOT_LOADER_MAGIC)
        panic("multiboot: not started by a Multiboot loader (eax=%p, want %p)", (void *)magic,
              (void *)MULTIBOOT_LOADER_MAGIC);
    if (!in_direct_map(info_phys, sizeof(struct multiboot_info)))
        panic("multiboot: info at %p is outside the direct map", (void *)info_phys);
    info = P2V(info_phys);
    record_modules();
}

const struct multiboot_info *multiboot_info(void)
{
    return info;
}

const char *multiboot_cmdline(void)
{
    return info->flags & MB_INFO_CMDLINE ? phys_string(info->cmdline) : NULL;
}

const char *multiboot_loader_name(void)
{
    return info->flags & MB_INFO_LOADER_NAME ? phys_string(info->boot_loader_name) : NULL;
}

/* Sum the usable regions of the memory map, clipped to 4 GiB (no PAE). */
static uint32_t mmap_usable_bytes(void)
{
    uint64_t total = 0;
    uint32_t offset = 0;
    while (offset + sizeof(struct multiboot_mmap_entry) <= info->mmap_length) {
        const struct multiboot_mmap_entry *e = P2V(info->mmap_addr + offset);
        if (e->type == MB_MMAP_USABLE && e->addr < 0x100000000ull) {
            uint64_t end = e->addr + e->len;
            total += (end > 0x100000000ull ? 0x100000000ull : end) - e->addr;
        }
        offset += e->size + sizeof(e->size);
    }
    return total >= 0x100000000ull ? 0xFFFFFFFFu : (uint32_t)total;
}

uint32_t multiboot_usable_bytes(void)
{
    if ((info->flags & MB_INFO_MMAP) && in_direct_map(info->mmap_addr, info->mmap_length))
        return mmap_usable_bytes();
    if (info->flags & MB_INFO_MEMORY) {
        uint64_t total = ((uint64_t)info->mem_lower + info->mem_upper) * 1024u;
        return total > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)total;
    }
    return 0;
}

uint32_t multiboot_module_count(void)
{
    return module_count;
}

const struct boot_module *multiboot_module(uint32_t index)
{
    return index < module_count ? &modules[index] : NULL;
}

const struct boot_module *multiboot_module_find(const char *name)
{
    for (uint32_t i = 0; i < module_count; i++)
        if (strcmp(modules[i].name, name) == 0)
            return &modules[i];
    return NULL;
}

int multiboot_memory_region(uint32_t i, uint64_t *start, uint64_t *end, int *usable)
{
    if (!(info->flags & MB_INFO_MMAP) || !in_direct_map(info->mmap_addr, info->mmap_length)) {
        if (i != 0 || !(info->flags & MB_INFO_MEMORY))
            return 0;
        *start = 0x100000;
        *end = 0x100000 + (uint64_t)info->mem_upper * 1024;
        *usable = 1;
        return 1;
    }
    uint32_t offset = 0;
    for (uint32_t k = 0; offset + sizeof(struct multiboot_mmap_entry) <= info->mmap_length; k++) {
        const struct multiboot_mmap_entry *e = P2V(info->mmap_addr + offset);
        if (k == i) {
            *start = e->addr;
            *end = e->addr + e->len;
            *usable = e->type == MB_MMAP_USABLE;
            return 1;
        }
        offset += e->size + sizeof(e->size);
    }
    return 0;
}

static uint32_t string_end(uint32_t phys)
{
    const char *s = phys_string(phys);
    return s ? phys + (uint32_t)strlen(s) + 1 : phys;
}

int multiboot_reserved_range(uint32_t i, uint32_t *start, uint32_t *end)
{
    uint32_t info_phys = V2P(info);
    *start = *end = 0;
    switch (i) {
    case 0:
        *start = info_phys;
        *end = info_phys + sizeof *info;
        return 1;
    case 1:
        if (info->flags & MB_INFO_MMAP) {
            *start = info->mmap_addr;
            *end = info->mmap_addr + info->mmap_length;
        }
        return 1;
    case 2:
        if (info->flags & MB_INFO_CMDLINE) {
            *start = info->cmdline;
            *end = string_end(info->cmdline);
        }
        return 1;
    case 3:
        if (info->flags & MB_INFO_LOADER_NAME) {
            *start = info->boot_loader_name;
            *end = string_end(info->boot_loader_name);
        }
        return 1;
    case 4:
        if (module_count) {
            *start = info->mods_addr;
            *end = info->mods_addr + module_count * sizeof(struct multiboot_module);
        }
        return 1;
    default:
        break;
    }
    uint32_t m = (i - 5) / 2;
    if (m >= module_count)
        return 0;
    if ((i - 5) % 2 == 0) {
        *start = modules[m].phys_start;
        *end = modules[m].phys_end;
    } else if (modules[m].string[0]) {
        *start = V2P(modules[m].string);
        *end = *start + (uint32_t)strlen(modules[m].string) + 1;
    }
    return 1;
}
