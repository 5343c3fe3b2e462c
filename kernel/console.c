/*
 * Console line discipline.
 *
 * The terminal on the other end of COM1 is in raw mode (QEMU's -serial stdio), so the kernel does
 * what a tty does: echo, backspace, turning Enter's CR into LF, and handing lines to readers only
 * once they are complete. Ctrl-D on an empty line is end of input.
 */
#include "console.h"

#include "abi.h"
#include "proc.h"
#include "serial.h"

#define LINE_MAX 256
#define READY_MAX 1024
#define CTRL_D 0x04

static char line[LINE_MAX];
static uint32_t line_len;
static char ready[READY_MAX]; /* completed input not yet read, a ring */
static uint32_t ready_head, ready_count;
static uint32_t eof_pending;

static void ready_push(char c)
{
    if (ready_count == READY_MAX)
        return; /* reader far behind: drop, as a full tty buffer does */
    ready[(ready_head + ready_count) % READY_MAX] = c;
    ready_count++;
}

static void finish_line(void)
{
    for (uint32_t i = 0; i < line_len; i++)
        ready_push(line[i]);
    line_len = 0;
    proc_wakeup(&ready_count);
}

void console_input(char c)
{
    if (c == '\r')
        c = '\n';
    if (c == CTRL_D) {
        if (line_len == 0)
            eof_pending++;
        finish_line();
        return;
    }
    if (c == 0x7F || c == '\b') {
        if (line_len > 0) {
            line_len--;
            serial_write("\b \b", 3);
        }
        return;
    }
    serial_write(&c, 1);
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX)
        finish_line();
}

/* Writers blocked on a full transmit queue wait on this. */
static int tx_room;

static void wake_writers(void)
{
    proc_wakeup(&tx_room);
}

void console_init(void)
{
    serial_set_input_hook(console_input);
    serial_set_tx_room_hook(wake_writers);
}

int32_t console_read(user_out_t buf, uint32_t len)
{
    while (ready_count == 0 && eof_pending == 0)
        proc_block(&ready_count);
    if (ready_count == 0) {
        eof_pending--;
        return 0;
    }
    /* Copy first and consume after, so a bad buffer loses no input. */
    char chunk[READY_MAX];
    uint32_t n = 0;
    while (n < len && n < ready_count) {
        char c = ready[(ready_head + n) % READY_MAX];
        chunk[n++] = c;
        if (c == '\n')
            break; /* one line per read, like a terminal */
    }
    int err = copy_to_user(buf.addr, chunk, n);
    if (err < 0)
        return err;
    ready_head = (ready_head + n) % READY_MAX;
    ready_count -= n;
    return (int32_t)n;
}

int32_t console_write(user_in_t buf, uint32_t len)
{
    char chunk[256];
    for (uint32_t done = 0; done < len;) {
        uint32_t n = len - done < sizeof chunk ? len - done : sizeof chunk;
        int err = copy_from_user(chunk, buf.addr + done, n);
        if (err < 0)
            return done ? (int32_t)done : err;
        /* Queue it; when the queue is full, sleep until the transmit interrupt has made room
         * (interrupts are on while this process is blocked). */
        for (uint32_t queued = 0; queued < n;) {
            queued += (uint32_t)serial_queue(chunk + queued, n - queued);
            if (queued < n)
                proc_block(&tx_room);
        }
        done += n;
    }
    return (int32_t)len;
}
