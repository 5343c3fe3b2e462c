/*
 * init: process 1. Starts one program (argv[1], with argv[2..] as its arguments; "sh" when the
 * kernel passes none), then reaps every child that ends, including orphans the kernel hands
 * to init. When no children remain it reports how the program ended and exits with its status
 * (1 if it was killed), which the kernel can turn into QEMU's exit status.
 */
#include <libsys.h>

#define DEFAULT_PROGRAM "sh"

/* Spawn argv[0] with argv as its arguments; returns its pid or a negative -E error. */
static int start(int argc, char **argv)
{
    static char packed[ARGV_MAX];
    int len = argv_pack(packed, sizeof(packed), argc, argv);
    if (len < 0)
        return len;
    return spawn(argv[0], packed, (uint32_t)len);
}

int main(int argc, char **argv)
{
    char *fallback[] = {DEFAULT_PROGRAM, NULL};
    char **child_argv = argc > 1 ? argv + 1 : fallback;
    int child_argc = argc > 1 ? argc - 1 : 1;
    const char *name = child_argv[0];

    int pid = start(child_argc, child_argv);
    if (pid < 0) {
        dprintf(STDERR_FILENO, "init: cannot start %s: %s\n", name, strerror(pid));
        return 1;
    }

    struct wait_info result;
    int ended = 0;
    for (;;) {
        struct wait_info info;
        int r = waitpid(-1, &info, 0);
        if (r == -ECHILD)
            break; /* nothing left to wait for */
        if (r < 0) {
            dprintf(STDERR_FILENO, "init: waitpid: %s\n", strerror(r));
            return 1;
        }
        if (r == pid) {
            result = info;
            ended = 1;
        }
    }
    if (!ended) {
        dprintf(STDERR_FILENO, "init: %s vanished without being reaped\n", name);
        return 1;
    }

    char how[128];
    wait_describe(&result, how, sizeof(how));
    printf("init: %s exited: %s\n", name, how);
    if (result.cause != WAIT_EXITED)
        return 1;
    return result.status;
}
