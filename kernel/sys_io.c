/* Syscall handlers for the console file descriptors 0, 1 and 2. */
#include "console.h"
#include "syscall_handlers.h"

int32_t sys_write(int32_t fd, user_in_t buf, uint32_t len)
{
    if (fd != 1 && fd != 2)
        return -EBADF;
    return console_write(buf, len);
}

int32_t sys_read(int32_t fd, user_out_t buf, uint32_t len)
{
    if (fd != 0)
        return -EBADF;
    if (len == 0)
        return 0;
    return console_read(buf, len);
}

int32_t sys_console_mode(input_mode_t mode, pid_t foreground)
{
    return console_set_mode(mode, foreground);
}
