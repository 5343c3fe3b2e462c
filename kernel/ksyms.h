/* The kernel's own symbol table (code symbols), embedded at link time, for backtraces. */
#ifndef LAYERCAKE_KSYMS_H
#define LAYERCAKE_KSYMS_H

#include <stdint.h>

/* Name of the function containing addr and addr's offset in it; NULL when unknown. */
const char *ksyms_lookup(uint32_t addr, uint32_t *offset);

#endif
