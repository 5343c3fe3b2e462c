/* Per-process FPU state (see fpu.h). */
#include "fpu.h"

#include "cmdline.h"
#include "klib.h"
#include "panic.h"
#include "trap.h"

#define CR0_MP 0x2u
#define CR0_EM 0x4u
#define CR0_NE 0x20u
#define CR4_OSFXSR 0x200u
#define CR4_OSXMMEXCPT 0x400u
#define CPUID_FXSR (1u << 24)
#define CPUID_SSE (1u << 25)
#define MXCSR_DEFAULT 0x1F80u /* every SIMD exception masked, round to nearest */

struct proc *fpu_loaded;
int fpu_lazy;
int fpu_ts_set;

static uint8_t clean_state[512] __attribute__((aligned(16)));

/* Lazy mode's device-not-available trap: the first FPU instruction of a process whose state is
 * not loaded. Swap it in and let the instruction run again. */
static void fpu_trap(struct trap_frame *tf)
{
    if (!trap_from_user(tf))
        panic_trap(tf); /* the kernel never uses the FPU */
    struct proc *self = current_proc();
    __asm__ volatile("clts");
    fpu_ts_set = 0;
    if (fpu_loaded != self) {
        fpu_fxsave(fpu_loaded);
        fpu_fxrstor(self);
        fpu_loaded = self;
    }
}

void fpu_init(void)
{
    uint32_t eax = 1, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
    if (!(edx & CPUID_FXSR) || !(edx & CPUID_SSE))
        panic("fpu: the CPU lacks FXSAVE or SSE (cpuid edx 0x%x)", edx);
    uint32_t cr0, cr4;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE;
    __asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSFXSR | CR4_OSXMMEXCPT));
    uint32_t mxcsr = MXCSR_DEFAULT;
    __asm__ volatile("fninit\n\tldmxcsr %1\n\tfxsave %0" : "=m"(clean_state) : "m"(mxcsr));
    fpu_loaded = proc_slot(0);
    fpu_lazy = cmdline_is("fpu", "lazy");
    if (fpu_lazy)
        trap_set_handler(7, fpu_trap);
}

void fpu_start(struct proc *p)
{
    memcpy(p->fpu, clean_state, sizeof p->fpu);
}

void fpu_fork(struct proc *child)
{
    struct proc *self = current_proc();
    /* In lazy mode TS is clear whenever the current process's state is loaded. */
    if (fpu_loaded == self)
        fpu_fxsave(self);
    memcpy(child->fpu, self->fpu, sizeof child->fpu);
}

void fpu_release(const struct proc *p)
{
    if (fpu_loaded == p)
        fpu_loaded = proc_slot(0);
}
