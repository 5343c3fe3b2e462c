/* Fault injection: kernel command-line options that make kernel allocations fail on purpose, so
 * the out-of-memory paths run in tests.
 *   failalloc=N   the Nth counted allocation fails (once)
 *   failevery=N   every Nth counted allocation fails
 * Counted allocations are frames (pmm_alloc, pmm_alloc_contiguous), frame reservations
 * (pmm_reserve: the frames promised to demand-zero and copy-on-write pages) and heap blocks
 * (kmalloc) taken while a process other than init runs, i.e. for a program's syscalls and faults:
 * the kernel's own start-up and init (which starts the program under test) are never failed, so a
 * test boot always gets that far. Each injected failure prints one line naming its caller. */
#ifndef LAYERCAKE_FAULTINJ_H
#define LAYERCAKE_FAULTINJ_H

#include <stdint.h>

void faultinj_init(void); /* reads the options; after cmdline_init */
/* 1 when this allocation must fail; kind names it ("frame", "heap"), caller is the return
 * address. */
int faultinj_fail(const char *kind, uint32_t caller);

#endif
