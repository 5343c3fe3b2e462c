/* Symbol lookup in the table kernel/ksyms.lua generates (second link pass; empty in the first).
 * Entries are sorted by address, so a binary search finds the last symbol at or below addr. */
#include "ksyms.h"

#include <stddef.h>

struct ksym {
    uint32_t addr;
    const char *name;
};

extern const uint32_t ksyms_count;
extern const struct ksym ksyms_table[];
extern const char kernel_phys_start[], kernel_text_end[];

const char *ksyms_lookup(uint32_t addr, uint32_t *offset)
{
    /* Only code addresses have names: the low .boot code up to the end of .text. */
    if (ksyms_count == 0 || addr < (uint32_t)kernel_phys_start || addr >= (uint32_t)kernel_text_end)
        return NULL;
    uint32_t lo = 0, hi = ksyms_count; /* answer in [lo, hi) */
    if (addr < ksyms_table[0].addr)
        return NULL;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ksyms_table[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    *offset = addr - ksyms_table[lo].addr;
    return ksyms_table[lo].name;
}
