/*
 * Console line discipline.
 *
 * The terminal on the other end of COM1 is in raw mode (QEMU's -serial stdio), so the kernel does
 * what a tty does. Received bytes wait unprocessed in `typed` until they are read (or a reader is
 * already waiting), and are then interpreted in the mode in effect (console_mode): typed-ahead
 * input reaches the program that reads it, under that program's mode, and is echoed once.
 *
 * Cooked mode: echo, backspace, CR turned into LF, whole lines handed to readers, Ctrl-D on an
 * empty line as end of input. A Ctrl-C that arrives in cooked mode is acted on at once, read or
 * not: it discards the input before it and kills the foreground process. Raw mode (a shell
 * editing its line): bytes as typed, without echo, one line's worth per read; a Ctrl-C is one of
 * them.
 */
#include "console.h"

#include "abi_base.h"
#include "preempt.h"
#include "proc.h"
#include "serial.h"

#define LINE_MAX 256
#define READY_MAX 1024
#define CTRL_C 0x03
#define CTRL_D 0x04

struct ring {
    char buf[READY_MAX];
    uint32_t head, count;
};

static struct ring typed;   /* received, not yet interpreted */
static struct ring ready;   /* interpreted input (completed lines) not yet read */
static char line[LINE_MAX]; /* the cooked line being edited */
static uint32_t line_len;
static uint32_t eof_pending;
static const char readers; /* the wait channel of processes blocked in console_read */

static uint32_t mode = CONSOLE_COOKED;
static int32_t raw_owner;    /* the process that asked for raw mode */
static int32_t foreground;   /* the process Ctrl-C kills, 0 for none */
static int32_t kill_pending; /* Ctrl-C hit the running process: kill it on its way out */

static void ring_push(struct ring *r, char c)
{
    if (r->count == READY_MAX)
        return; /* reader far behind: drop, as a full tty buffer does */
    r->buf[(r->head + r->count) % READY_MAX] = c;
    r->count++;
}

static char ring_at(const struct ring *r, uint32_t i)
{
    return r->buf[(r->head + i) % READY_MAX];
}

static void ring_drop(struct ring *r, uint32_t n)
{
    r->head = (r->head + n) % READY_MAX;
    r->count -= n;
}

/* The live process (not free, not a zombie) with this pid, or NULL. */
static const struct proc *live_proc(int32_t pid)
{
    for (uint32_t i = 1; i < NPROC; i++) {
        const struct proc *p = proc_slot(i);
        if (p && p->pid == pid && p->state != PROC_FREE && p->state != PROC_ZOMBIE)
            return p;
    }
    return 0;
}

/* Someone is blocked in console_read. Asked of the process table rather than counted, since a
 * reader may be killed while it waits. */
static int reader_waiting(void)
{
    for (uint32_t i = 1; i < NPROC; i++) {
        const struct proc *p = proc_slot(i);
        if (p && p->state == PROC_BLOCKED && p->wait_chan == &readers)
            return 1;
    }
    return 0;
}

/* Raw mode and the foreground outlive nobody: a shell that died leaves a cooked console. */
static void forget_the_dead(void)
{
    if (mode == CONSOLE_RAW && !live_proc(raw_owner))
        mode = CONSOLE_COOKED;
    if (foreground && !live_proc(foreground))
        foreground = 0;
}

/* Ctrl-C arrived in cooked mode: discard the input typed before it and end the foreground
 * process. The process the serial interrupt interrupted is ended on its way back to ring 3
 * (console_interrupt_point), not in the middle of the interrupt handler. */
static void interrupt(void)
{
    typed.count = 0;
    ready.count = 0;
    line_len = 0;
    eof_pending = 0;
    serial_write("^C\n", 3);
    forget_the_dead();
    int32_t victim = foreground;
    foreground = 0;
    const struct proc *p = victim ? live_proc(victim) : 0;
    if (!p || long_defer_kill(p))
        return; /* none, or inside a long syscall: it ends at its next preemption point */
    if (p == current_proc())
        kill_pending = victim;
    else
        proc_kill(victim);
}

void console_interrupt_point(void)
{
    int32_t victim = kill_pending;
    kill_pending = 0;
    if (victim && victim == current_proc()->pid)
        proc_kill(victim);
}

static void finish_line(void)
{
    for (uint32_t i = 0; i < line_len; i++)
        ring_push(&ready, line[i]);
    line_len = 0;
}

/* One byte through the cooked discipline. */
static void cook(char c)
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

/* Interpret typed bytes in cooked mode until a line (or end of input) is ready. */
static void cook_typed(void)
{
    while (typed.count && ready.count == 0 && eof_pending == 0) {
        char c = ring_at(&typed, 0);
        ring_drop(&typed, 1);
        cook(c);
    }
}

void console_input(char c)
{
    forget_the_dead();
    if (mode == CONSOLE_COOKED && c == CTRL_C) {
        interrupt();
        return;
    }
    ring_push(&typed, c);
    if (reader_waiting()) {
        if (mode == CONSOLE_COOKED)
            cook_typed(); /* echo now: someone is waiting for this line */
        proc_wakeup(&readers);
    }
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

int32_t console_set_mode(uint32_t new_mode, int32_t fg)
{
    /* new_mode is CONSOLE_COOKED or CONSOLE_RAW: the entry shim refuses any other (enum
     * input_mode, the .def). */
    const struct proc *me = current_proc();
    if (fg) {
        const struct proc *p = live_proc(fg);
        if (!p || (p != me && p->ppid != me->pid))
            return -ESRCH; /* only the caller or its own child: Ctrl-C must not reach others */
    }
    mode = new_mode;
    raw_owner = me->pid;
    foreground = fg;
    proc_wakeup(&readers); /* a blocked reader now reads under the new mode */
    return 0;
}

/* Copy up to len bytes of r to user memory, stopping after a line end; consume them on success. */
static int32_t take(struct ring *r, user_out_t buf, uint32_t len)
{
    /* Copy first and consume after, so a bad buffer loses no input. */
    char chunk[READY_MAX];
    uint32_t n = 0;
    while (n < len && n < r->count) {
        char c = ring_at(r, n);
        chunk[n++] = c;
        if (c == '\n' || c == '\r')
            break; /* one line per read, like a terminal */
    }
    int err = copy_to_user(buf.addr, chunk, n);
    if (err < 0)
        return err;
    ring_drop(r, n);
    return (int32_t)n;
}

int32_t console_read(user_out_t buf, uint32_t len)
{
    for (;;) {
        forget_the_dead();
        if (ready.count)
            return take(&ready, buf, len);
        if (mode == CONSOLE_RAW && typed.count)
            return take(&typed, buf, len);
        if (mode == CONSOLE_COOKED) {
            cook_typed();
            if (ready.count)
                continue;
            if (eof_pending) {
                eof_pending--;
                return 0;
            }
        }
        proc_block(&readers);
    }
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
