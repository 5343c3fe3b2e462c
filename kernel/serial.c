/* COM1 (16550 UART) driver.
 *
 * Output goes into one transmit ring that the transmitter-empty interrupt drains, so nobody waits
 * with interrupts off for the line: programs' writes (serial_queue; the writer blocks while the
 * ring is full), the input echo and kernel messages (serial_write, serial_putc: they poll for room
 * only when the ring is full). One ring keeps everything in the order it was written. Once the
 * kernel stops trusting interrupts (a panic, a halt: serial_sync) output is synchronous: the ring
 * is pushed out by polling, then every byte is polled out as it comes, so a panic report is on the
 * wire before the machine stops.
 *
 * Input arrives by IRQ4 into a ring buffer that readers drain with serial_getc
 * (or, once the console takes over, is handed to an input hook). */
#include "serial.h"

#include <stdint.h>

#include "pic.h"
#include "trap.h"
#include "x86.h"

#define COM1 0x3F8
#define REG_DATA 0 /* DLAB=0: receive/transmit buffer; DLAB=1: divisor low */
#define REG_IER 1  /* DLAB=0: interrupt enable; DLAB=1: divisor high */
#define REG_IIR 2  /* read: interrupt identification */
#define REG_FCR 2  /* write: FIFO control */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define IER_RX_READY 0x01
#define IER_TX_EMPTY 0x02
#define IIR_NONE 0x01         /* no interrupt pending */
#define MCR_DTR_RTS_OUT2 0x0B /* OUT2 gates the UART interrupt line to the PIC */
#define LSR_RX_READY 0x01
#define LSR_TX_EMPTY 0x20
#define BAUD_DIVISOR 1 /* 115200 / 1 */

#define RX_SIZE 1024 /* power of two: indices wrap with a mask */
#define TX_SIZE 4096 /* power of two */

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

/* Transmit ring: head is the next free byte (writers), tail the next to send (the interrupt).
 * Bytes are stored as given; a '\n' goes out as "\r\n", cr_sent remembering that the '\r' of
 * the byte at tail has been sent. */
static uint8_t tx_buf[TX_SIZE];
static volatile uint32_t tx_head, tx_tail;
static int cr_sent;
static int tx_want_room;
static void (*tx_room_hook)(void);
static uint8_t ier = 0;
static int sync_output;

static void set_ier(uint8_t value)
{
    ier = value;
    outb(COM1 + REG_IER, value);
}

static int tx_ready(void)
{
    return (inb(COM1 + REG_LSR) & LSR_TX_EMPTY) != 0;
}

/* Sends the next byte of the ring (the transmitter must be empty); returns 0 when the ring is
 * empty. Called with interrupts off. */
static int tx_send_one(void)
{
    if (tx_tail == tx_head)
        return 0;
    uint8_t byte = tx_buf[tx_tail % TX_SIZE];
    if (byte == '\n' && !cr_sent) {
        outb(COM1 + REG_DATA, '\r');
        cr_sent = 1;
        return 1;
    }
    outb(COM1 + REG_DATA, byte);
    cr_sent = 0;
    tx_tail++;
    return 1;
}

/* Transmitter-empty interrupt: send a byte, stop the interrupt when nothing is left, and tell the
 * writer waiting for room once half the ring is free. */
static void tx_interrupt(void)
{
    if (!tx_ready())
        return;
    if (!tx_send_one())
        set_ier(ier & ~IER_TX_EMPTY);
    if (tx_want_room && tx_head - tx_tail <= TX_SIZE / 2) {
        tx_want_room = 0;
        if (tx_room_hook)
            tx_room_hook();
    }
}

/* Sends everything queued by polling. Called with interrupts off. */
static void tx_drain_polled(void)
{
    for (;;) {
        while (!tx_ready())
            ;
        if (!tx_send_one())
            return;
    }
}

static void (*input_hook)(char c);

static void rx_interrupt(void)
{
    while (inb(COM1 + REG_LSR) & LSR_RX_READY) {
        uint8_t byte = inb(COM1 + REG_DATA);
        if (input_hook)
            input_hook((char)byte);
        else
            rx_push(byte);
    }
}

/* One IRQ4 may stand for several causes: serve them until the UART reports none, so that no
 * cause is left asserted (the PIC only sees edges). A transmitter faster than the CPU (an
 * emulated one) would keep one interrupt going for the whole queue: after IRQ_ROUNDS bytes the
 * handler returns, and turning the transmit interrupt off and on again makes a fresh edge, so
 * the rest is sent from later interrupts, with other interrupts served in between. */
#define IRQ_ROUNDS 64

static void serial_irq(struct trap_frame *tf)
{
    (void)tf;
    for (int rounds = 0; !(inb(COM1 + REG_IIR) & IIR_NONE); rounds++) {
        if (rounds == IRQ_ROUNDS) {
            uint8_t enabled = ier;
            set_ier(enabled & ~IER_TX_EMPTY);
            set_ier(enabled);
            return;
        }
        rx_interrupt();
        tx_interrupt();
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
    set_ier(ier | IER_RX_READY);
    /* A byte that arrived before IER was set raised no interrupt: collect it now. */
    int enabled = irq_save();
    rx_interrupt();
    irq_restore(enabled);
    pic_unmask(IRQ_COM1);
}

void serial_putc(char c)
{
    if (!sync_output) {
        serial_write(&c, 1);
        return;
    }
    int enabled = irq_save();
    tx_drain_polled();
    if (c == '\n') {
        while (!tx_ready())
            ;
        outb(COM1 + REG_DATA, '\r');
    }
    while (!tx_ready())
        ;
    outb(COM1 + REG_DATA, (uint8_t)c);
    irq_restore(enabled);
}

void serial_sync(void)
{
    sync_output = 1;
    serial_flush();
}

size_t serial_queue(const char *s, size_t n)
{
    int enabled = irq_save();
    size_t done = 0;
    while (done < n && tx_head - tx_tail < TX_SIZE)
        tx_buf[tx_head++ % TX_SIZE] = (uint8_t)s[done++];
    if (done < n)
        tx_want_room = 1;
    /* Setting the enable bit while the transmitter is empty raises the interrupt at once. */
    if (done && !(ier & IER_TX_EMPTY))
        set_ier(ier | IER_TX_EMPTY);
    irq_restore(enabled);
    return done;
}

void serial_write(const char *s, size_t n)
{
    for (size_t done = 0; done < n;) {
        done += serial_queue(s + done, n - done);
        if (done < n) { /* full: make room by polling, as nobody here may wait */
            int enabled = irq_save();
            while (!tx_ready())
                ;
            tx_send_one();
            irq_restore(enabled);
        }
    }
}

void serial_flush(void)
{
    int enabled = irq_save();
    tx_drain_polled();
    while (!tx_ready())
        ;
    irq_restore(enabled);
}

void serial_set_tx_room_hook(void (*hook)(void))
{
    tx_room_hook = hook;
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
