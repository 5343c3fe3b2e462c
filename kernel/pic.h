/* The two 8259A PICs, remapped to vectors 0x20-0x2F. */
#ifndef LAYERCAKE_PIC_H
#define LAYERCAKE_PIC_H

#include <stdint.h>

#define PIC_NUM_IRQS 16
#define IRQ_TIMER 0
#define IRQ_CASCADE 2
#define IRQ_COM1 4

void pic_init(void); /* remap; every line masked except the cascade */
void pic_unmask(uint32_t irq);
void pic_eoi(uint32_t irq);
int pic_is_spurious(uint32_t irq); /* IRQ 7/15 raised without being in service */

#endif
