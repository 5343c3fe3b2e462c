/*
 * spin: burn CPU without making syscalls, so only timer preemption lets other processes run.
 * usage: spin ITERATIONS [NAME [EVERY]]
 * One iteration is SPIN_WORK steps of a busy loop. Every EVERY iterations (default: a tenth of
 * ITERATIONS) it prints "spin NAME i"; at the end "spin NAME done". NAME defaults to the pid.
 */
#include <libsys.h>

#define SPIN_WORK 10000

static int parse_count(const char *s, const char *what, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0) {
        dprintf(STDERR_FILENO, "spin: bad %s '%s'\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        dprintf(STDERR_FILENO, "usage: spin ITERATIONS [NAME [EVERY]]\n");
        return 2;
    }
    long iterations, every;
    if (parse_count(argv[1], "iteration count", &iterations) < 0)
        return 2;
    char pidname[16];
    snprintf(pidname, sizeof(pidname), "%d", (int)getpid());
    const char *name = argc > 2 ? argv[2] : pidname;
    every = iterations / 10 > 0 ? iterations / 10 : 1;
    if (argc > 3) {
        if (parse_count(argv[3], "interval", &every) < 0)
            return 2;
        if (every == 0) {
            dprintf(STDERR_FILENO, "spin: interval must be at least 1\n");
            return 2;
        }
    }

    volatile uint32_t sink = 0;
    for (long i = 0; i < iterations; i++) {
        if (i % every == 0)
            printf("spin %s %ld\n", name, i);
        for (int k = 0; k < SPIN_WORK; k++)
            sink = sink + 1;
    }
    printf("spin %s done\n", name);
    return 0;
}
