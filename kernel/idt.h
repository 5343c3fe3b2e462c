/* Interrupt descriptor table: CPU exceptions 0-31, PIC IRQs 0x20-0x2F, int 0x80. */
#ifndef LAYERCAKE_IDT_H
#define LAYERCAKE_IDT_H

void idt_init(void);

#endif
