/* Flat segments for kernel and user mode, the TSS that gives the CPU the kernel stack to use
 * when an interrupt arrives in user mode, and the double-fault task's TSS. */
#ifndef LAYERCAKE_GDT_H
#define LAYERCAKE_GDT_H

#include <stdint.h>

#define SEG_KCODE 0x08
#define SEG_KDATA 0x10
#define SEG_UCODE 0x1B /* index 3, RPL 3 */
#define SEG_UDATA 0x23 /* index 4, RPL 3 */
#define SEG_TSS 0x28
#define SEG_DF_TSS 0x30 /* the double-fault task (IDT vector 8 is a task gate to it) */

/* 32-bit TSS; in the main one only ss0/esp0 (the stack for traps from ring 3) and iomap_base are
 * set, and the double fault's task switch saves the interrupted registers in it. */
struct tss {
    uint32_t prev_task, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

extern struct tss kernel_tss;

void gdt_init(void);

/* Inline: every context switch sets it. */
static inline void tss_set_kernel_stack(uint32_t esp0)
{
    kernel_tss.esp0 = esp0;
}

#endif
