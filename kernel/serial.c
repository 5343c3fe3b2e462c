/* COM1 (16550 UART) driver. Output is polled: it must work before interrupts exist and inside
 * a panic. Input arrives by IRQ4 into a ring buffer that readers drain with serial_getc. */
#include "serial.h"

#include <stdint.h>

#include "pic.h"
#include "trap.h"
#include "x86.h"

#define COM1 0x3F8
#define REG_DATA 0 /* DLAB=0: receive/transmit buffer; DLAB=1: divisor low */
#define REG_IER 1  /* DLAB=0: interrupt enable; DLAB=1: divisor high */
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define IER_RX_READY 0x01
#define MCR_DTR_RTS_OUT2 0x0B /* OUT2 gates the UART interrupt line to the PIC */
#define LSR_RX_READY 0x01
#define LSR_TX_EMPTY 0x20
#define BAUD_DIVISOR 1 /* 115200 / 1 */

#define RX_SIZE 1024 /* power of two: indices wrap with a mask */

static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint32_t rx_head, rx_tail; /* head: next write (IRQ); tail: next read */
static volatile uint32_t rx_dropped;

static void rx_push(uint8_t byte)
{
    if (rx_head - rx_tail == RX_SIZE) {
        rx_dropped++;
        return;
    }
    rx_buf[rx_head % RX_SIZE] = byte;
    rx_head++;
}

void serial_init(void)
{
    outb(COM1 + REG_IER, 0);
    outb(COM1 + REG_LCR, LCR_DLAB);
    outb(COM1 + REG_DATA, BAUD_DIVISOR & 0xFF);
    outb(COM1 + REG_IER, BAUD_DIVISOR >> 8);
    outb(COM1 + REG_LCR, LCR_8N1);
    /* The FIFOs stay off: switching them on flushes the receiver, which would lose input that a
     * test harness queued before boot. One byte per interrupt is plenty for a console. */
    outb(COM1 + REG_FCR, 0);
    outb(COM1 + REG_MCR, MCR_DTR_RTS_OUT2);
}

static void (*input_hook)(char c);

static void serial_irq(struct trap_frame *tf)
{
    (void)tf;
    while (inb(COM1 + REG_LSR) & LSR_RX_READY) {
        uint8_t byte = inb(COM1 + REG_DATA);
        if (input_hook)
            input_hook((char)byte);
        else
            rx_push(byte);
    }
}

void serial_set_input_hook(void (*hook)(char c))
{
    int enabled = irq_save();
    while (rx_tail != rx_head)
        hook((char)rx_buf[rx_tail++ % RX_SIZE]);
    input_hook = hook;
    irq_restore(enabled);
}

void serial_enable_input(void)
{
    irq_set_handler(IRQ_COM1, serial_irq);
    outb(COM1 + REG_IER, IER_RX_READY);
    /* A byte that arrived before IER was set raised no interrupt: collect it now. */
    int enabled = irq_save();
    serial_irq(0);
    irq_restore(enabled);
    pic_unmask(IRQ_COM1);
}

void serial_putc(char c)
{
    if (c == '\n')
        serial_putc('\r');
    while (!(inb(COM1 + REG_LSR) & LSR_TX_EMPTY))
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        serial_putc(s[i]);
}

int serial_getc(void)
{
    for (;;) {
        cli();
        if (rx_tail != rx_head) {
            int c = rx_buf[rx_tail % RX_SIZE];
            rx_tail++;
            sti();
            return c;
        }
        sti_hlt(); /* no lost wake-up: the IRQ can only land once hlt is reached */
    }
}

size_t serial_input_dropped(void)
{
    return rx_dropped;
}
