/* The console: serial output, and a line discipline for serial input (fd 0). */
#ifndef LAYERCAKE_CONSOLE_H
#define LAYERCAKE_CONSOLE_H

#include <stdint.h>

#include "uaccess.h"

/* Takes over serial input. */
void console_init(void);
/* Feeds one received character to the line discipline (called from the serial interrupt). */
void console_input(char c);
/* Reads up to len bytes of completed input into user memory, blocking until a line is there.
 * Returns the byte count, 0 at end of input (Ctrl-D on an empty line), or -EFAULT. */
int32_t console_read(user_out_t buf, uint32_t len);
int32_t console_write(user_in_t buf, uint32_t len);

#endif
