/* Fatal errors. Both print a report that starts with a `PANIC:` line, lists the registers and a
 * symbolized backtrace, then exit QEMU with failure (when exit=qemu is given) or halt. */
#ifndef LAYERCAKE_PANIC_H
#define LAYERCAKE_PANIC_H

#include "trap.h"

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* An unhandled trap: `PANIC: <exception name> (vector N) error=0x...`, CR2 for page faults. */
__attribute__((noreturn)) void panic_trap(const struct trap_frame *tf);

/* A trap handled on a task of its own (the double fault): tf holds the interrupted context as
 * the task switch saved it, esp and ss its stack; note, if not NULL, is printed below the PANIC
 * line. */
__attribute__((noreturn)) void panic_task_trap(const struct trap_frame *tf, uint32_t esp,
                                               uint32_t ss, const char *note);

/* Print the frame-pointer chain starting at ebp, after a first frame at eip (if nonzero). */
void backtrace_print(uint32_t eip, uint32_t ebp);

#define assert(cond)                                                                               \
    do {                                                                                           \
        if (!(cond))                                                                               \
            panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);                      \
    } while (0)

#endif
