/* echo: print the arguments separated by spaces, as one line with one write. */
#include <libsys.h>

int main(int argc, char **argv)
{
    /* The kernel caps the packed argv at ARGV_MAX bytes, so the line always fits. */
    static char line[ARGV_MAX + 2];
    size_t len = 0;
    for (int i = 1; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (len + n + 2 > sizeof(line)) {
            dprintf(STDERR_FILENO, "echo: arguments too long\n");
            return 1;
        }
        if (i > 1)
            line[len++] = ' ';
        memcpy(line + len, argv[i], n);
        len += n;
    }
    line[len++] = '\n';
    return write_all(STDOUT_FILENO, line, len) < 0 ? 1 : 0;
}
