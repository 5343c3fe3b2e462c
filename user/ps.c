/* ps: list the process table, one line per live process, via proc_info(slot). */
#include <libsys.h>

/* A generous bound on the table size, so a kernel that never says EINVAL cannot hang us. */
#define MAX_SLOTS 4096

static const char *state_name(uint32_t state)
{
    static const char *const names[] = {"free", "runnable", "running", "blocked", "zombie"};
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "unknown";
}

int main(void)
{
    printf("%3s %4s %-8s %s\n", "PID", "PPID", "STATE", "NAME");
    for (uint32_t slot = 0; slot < MAX_SLOTS; slot++) {
        struct proc_info info;
        int32_t r = proc_info(slot, &info);
        if (r == -EINVAL)
            return 0; /* past the end of the table */
        if (r == -ESRCH)
            continue; /* free slot */
        if (r < 0) {
            dprintf(STDERR_FILENO, "ps: proc_info(%u): %s\n", (unsigned)slot, strerror(r));
            return 1;
        }
        info.name[sizeof(info.name) - 1] = '\0';
        printf("%3d %4d %-8s %s\n", (int)info.pid, (int)info.ppid, state_name(info.state),
               info.name);
    }
    return 0;
}
