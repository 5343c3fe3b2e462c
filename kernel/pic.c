/* 8259A programmable interrupt controllers. The BIOS maps IRQ 0-7 onto vectors 8-15, which
 * collide with CPU exceptions, so pic_init moves them to 0x20-0x2F. */
#include "pic.h"

#include "trap.h"
#include "x86.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1

#define ICW1_INIT_ICW4 0x11 /* edge triggered, cascade mode, ICW4 follows */
#define ICW4_8086 0x01
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0B

static void write_masks(uint16_t mask)
{
    outb(PIC1_DATA, mask & 0xFF);
    outb(PIC2_DATA, mask >> 8);
}

static uint16_t read_masks(void)
{
    return (uint16_t)(inb(PIC1_DATA) | (inb(PIC2_DATA) << 8));
}

void pic_init(void)
{
    outb(PIC1_CMD, ICW1_INIT_ICW4);
    io_wait();
    outb(PIC2_CMD, ICW1_INIT_ICW4);
    io_wait();
    outb(PIC1_DATA, T_IRQ0);
    io_wait(); /* ICW2: vector base */
    outb(PIC2_DATA, T_IRQ0 + 8);
    io_wait();
    outb(PIC1_DATA, 1 << IRQ_CASCADE);
    io_wait(); /* ICW3: slave on IRQ2 */
    outb(PIC2_DATA, IRQ_CASCADE);
    io_wait(); /* ICW3: slave identity */
    outb(PIC1_DATA, ICW4_8086);
    io_wait();
    outb(PIC2_DATA, ICW4_8086);
    io_wait();
    write_masks((uint16_t) ~(1u << IRQ_CASCADE));
}

void pic_unmask(uint32_t irq)
{
    int enabled = irq_save();
    write_masks(read_masks() & (uint16_t) ~(1u << irq));
    irq_restore(enabled);
}

void pic_eoi(uint32_t irq)
{
    if (irq >= 8)
        outb(PIC2_CMD, OCW2_EOI);
    outb(PIC1_CMD, OCW2_EOI);
}

static uint8_t read_isr(uint16_t cmd_port)
{
    outb(cmd_port, OCW3_READ_ISR);
    return inb(cmd_port);
}

int pic_is_spurious(uint32_t irq)
{
    if (irq == 7)
        return !(read_isr(PIC1_CMD) & 0x80);
    if (irq == 15 && !(read_isr(PIC2_CMD) & 0x80)) {
        outb(PIC1_CMD, OCW2_EOI); /* the master did see an interrupt on the cascade line */
        return 1;
    }
    return 0;
}
