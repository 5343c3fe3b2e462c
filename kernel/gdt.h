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

void gdt_init(void);
void tss_set_kernel_stack(uint32_t esp0);

#endif
