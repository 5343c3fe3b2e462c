/* Per-process x87/MMX/SSE state.
 *
 * Each process has its own FXSAVE image (struct proc's fpu); the FPU's registers hold the state
 * of at most one process, fpu_loaded. Two ways to switch it, chosen at boot:
 *   eager (default)  switch_to saves the outgoing state and loads the incoming one (FXSAVE +
 *                    FXRSTOR) whenever the FPU holds someone else's;
 *   fpu=lazy         switch_to only sets CR0.TS when the FPU holds someone else's state; the
 *                    first FPU instruction then traps (#NM), and the trap does the swap.
 * Both are measured by `make bench` (rows yield_switch and fpu_pair_yield); docs/design.md says
 * why eager is the default. A new process starts from the state FNINIT gives, with the default
 * MXCSR (all SSE exceptions masked); fork copies the parent's state. The idle task never uses the
 * FPU, so switching to it changes nothing. */
#ifndef LAYERCAKE_FPU_H
#define LAYERCAKE_FPU_H

#include "proc.h"

#define CR0_TS 0x8u

/* Whose state the FPU registers hold; the idle task when nobody's (its image is scratch space,
 * so saving into it is harmless and the switch needs no NULL test). */
extern struct proc *fpu_loaded;
extern int fpu_lazy;
extern int fpu_ts_set; /* lazy: CR0.TS is set */

/* CPU set-up (CR0.EM off, MP and NE on; CR4.OSFXSR and OSXMMEXCPT), the clean state, and the
 * #NM handler in lazy mode. After the fault handlers are installed, before the first process. */
void fpu_init(void);
/* A new process's state: the clean one. */
void fpu_start(struct proc *p);
/* The child gets a copy of the current process's state. */
void fpu_fork(struct proc *child);
/* p has ended: its state is no longer worth saving. */
void fpu_release(const struct proc *p);

static inline void fpu_fxsave(struct proc *p)
{
    __asm__ volatile("fxsave %0" : "=m"(p->fpu));
}

static inline void fpu_fxrstor(const struct proc *p)
{
    __asm__ volatile("fxrstor %0" : : "m"(p->fpu));
}

static inline void fpu_set_ts(void)
{
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0 | CR0_TS));
    fpu_ts_set = 1;
}

/* Called by switch_to for every switch (next is never the current process). Inline: the yield
 * path's cost is a bench target. */
static inline void fpu_switch(struct proc *next, const struct proc *idle)
{
    struct proc *loaded = fpu_loaded;
    if (next == loaded || next == idle)
        return;
    if (__builtin_expect(fpu_lazy, 0)) {
        if (!fpu_ts_set)
            fpu_set_ts();
        return;
    }
    fpu_fxsave(loaded);
    fpu_fxrstor(next);
    fpu_loaded = next;
}

#endif
