/* The console: serial output, and a line discipline for serial input (fd 0). */
#ifndef LAYERCAKE_CONSOLE_H
#define LAYERCAKE_CONSOLE_H

#include <stdint.h>

#include "uaccess.h"

/* Takes over serial input. */
void console_init(void);
/* Feeds one received character to the line discipline (called from the serial interrupt). */
void console_input(char c);
/* Reads up to len bytes of input into user memory, blocking until a line (cooked mode) or any
 * byte (raw mode) is there; at most one line per call. Returns the byte count, 0 at end of input
 * (Ctrl-D on an empty line, cooked mode), or -EFAULT. */
int32_t console_read(user_out_t buf, uint32_t len);
int32_t console_write(user_in_t buf, uint32_t len);
/* console_mode: CONSOLE_COOKED or CONSOLE_RAW, and the process Ctrl-C ends (0: none), which must
 * be the caller or its child. Returns 0, -EINVAL or -ESRCH. */
int32_t console_set_mode(uint32_t mode, int32_t foreground);
/* On the way back to ring 3 from an interrupt: ends the current process if a Ctrl-C named it. */
void console_interrupt_point(void);

#endif
