/*
 * Line input. The kernel console is line-buffered and echoes, so read() on fd 0 normally
 * returns one whole line; we still keep leftovers in a small buffer in case one read returns
 * several lines, or a line longer than the caller's buffer.
 */
#include <libsys.h>

static char pending[256];
static size_t pending_len;
static size_t pending_pos;
static int last_was_cr; /* drop the '\n' of a "\r\n" pair */

/* Next input byte: 1 and *c on success, 0 at end of input, or a negative -E error. */
static int next_byte(int fd, char *c)
{
    if (pending_pos == pending_len) {
        int32_t n = read(fd, pending, sizeof(pending));
        if (n <= 0)
            return n;
        pending_len = (size_t)n;
        pending_pos = 0;
    }
    *c = pending[pending_pos++];
    return 1;
}

int readline(int fd, char *buf, size_t cap)
{
    if (cap < 2)
        return -EINVAL;
    size_t len = 0;
    while (len < cap - 1) {
        char c;
        int r = next_byte(fd, &c);
        if (r < 0)
            return len > 0 ? (int)len : r;
        if (r == 0)
            break;
        if (c == '\n' && last_was_cr) {
            last_was_cr = 0;
            continue;
        }
        last_was_cr = c == '\r';
        if (c == '\r')
            c = '\n';
        buf[len++] = c;
        if (c == '\n')
            break;
    }
    buf[len] = '\0';
    return (int)len;
}
