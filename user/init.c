/*
 * init: process 1. `init [-o] [-s SERVICES] [PROG [ARGS...]]`: starts the service daemons named
 * in SERVICES (comma-separated programs, e.g. "echod,kvd", from the kernel's services= option),
 * then one program (PROG with ARGS; "sh" when the kernel passes none), and reaps every child that
 * ends, including orphans the kernel hands to init.
 *
 * init is a supervisor: a service that ends is started again, and so is the program (the shell's
 * `exit` just gets a fresh shell), so no misbehaving program can leave the system without its
 * shell or its services. A child that ends within RESTART_QUICK_MS of its start is restarted only
 * after RESTART_DELAY_MS, so one that fails at once cannot flood the console.
 *
 * -o (once) is how test boots end: the kernel passes it under exit=qemu (kernel/kmain.c decides
 * that, nothing here reads the command line). The program then runs once: when it ends, init
 * stops the services, reaps every child, and exits with the program's status (1 if it did not
 * exit by itself), which the kernel turns into QEMU's exit status.
 */
#include <libsys.h>

#define DEFAULT_PROGRAM "sh"
#define MAX_SERVICES 8
#define RESTART_QUICK_MS 1000u
#define RESTART_DELAY_MS 1000u

/* A supervised child: a service, or the program. */
struct child {
    char name[PROG_NAME_MAX + 1];
    char **argv; /* NULL for a service: its argv is its name */
    int argc;
    int pid; /* 0 while not running */
    uint32_t started_ms;
};

static struct child services[MAX_SERVICES];
static int nservices;
static struct child program;
static int stopping; /* the services are being stopped: do not restart them */

/* Spawn argv[0] with argv as its arguments; returns its pid or a negative -E error. */
static int start(int argc, char **argv)
{
    static char packed[ARGV_MAX];
    int len = argv_pack(packed, sizeof(packed), argc, argv);
    if (len < 0)
        return len;
    return spawn(argv[0], packed, (uint32_t)len);
}

/* Starts (or restarts) c; returns its pid or the error, which it reports. */
static int start_child(struct child *c)
{
    char *service_argv[] = {c->name, NULL};
    char **argv = c->argv ? c->argv : service_argv;
    int pid = start(c->argv ? c->argc : 1, argv);
    if (pid < 0) {
        dprintf(STDERR_FILENO, "init: cannot start %s%s: %s\n", c->argv ? "" : "service ", c->name,
                strerror(pid));
        return pid;
    }
    c->pid = pid;
    c->started_ms = uptime_ms();
    if (!c->argv)
        printf("init: started service %s (pid %d)\n", c->name, pid);
    return pid;
}

/* Start the daemon called name (len bytes); one that cannot start is reported and skipped, so
 * a typo on the kernel command line still leaves a usable system. */
static void add_service(const char *name, size_t len)
{
    struct child *s = &services[nservices];
    if (len == 0)
        return;
    if (nservices == MAX_SERVICES || len >= sizeof s->name) {
        dprintf(STDERR_FILENO, "init: cannot start service %.*s: %s\n", (int)len, name,
                nservices == MAX_SERVICES ? "too many services" : strerror(-ENAMETOOLONG));
        return;
    }
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    if (start_child(s) > 0)
        nservices++;
}

static void start_services(const char *list)
{
    while (*list) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        add_service(list, len);
        list += len + (end != NULL);
    }
}

static struct child *find_child(int pid)
{
    if (program.pid == pid)
        return &program;
    for (int i = 0; i < nservices; i++)
        if (services[i].pid == pid)
            return &services[i];
    return NULL;
}

/* The program has ended for good: the daemons were there to serve it, so stop them. */
static void stop_services(void)
{
    stopping = 1;
    for (int i = 0; i < nservices; i++)
        if (services[i].pid > 0)
            kill(services[i].pid);
}

/* Starts c again after it ended, waiting first if it lived only briefly. A program that does
 * not exist any more cannot be supervised: -ENOENT is returned and init gives up on it; other
 * failures (memory, a full process table) are retried after a delay. */
static int restart(struct child *c)
{
    if (uptime_ms() - c->started_ms < RESTART_QUICK_MS)
        sleep_ms(RESTART_DELAY_MS);
    for (;;) {
        int pid = start_child(c);
        if (pid > 0 || pid == -ENOENT)
            return pid;
        sleep_ms(RESTART_DELAY_MS);
    }
}

/* Reaps children until none is left to wait for; returns how the program ended (once mode) or
 * -1 when it could not be started again (supervisor mode). */
static int supervise(int once)
{
    struct wait_info result = {.cause = WAIT_KILLED};
    int program_ended = 0;
    for (;;) {
        struct wait_info info;
        int r = waitpid(-1, &info, 0);
        if (r == -ECHILD)
            break; /* nothing left to wait for */
        if (r < 0) {
            dprintf(STDERR_FILENO, "init: waitpid: %s\n", strerror(r));
            return 1;
        }
        struct child *c = find_child(r);
        if (!c)
            continue; /* an orphan, reaped */
        c->pid = 0;
        char how[128];
        wait_describe(&info, how, sizeof(how));
        if (c == &program) {
            printf("init: %s exited: %s\n", c->name, how);
            if (once) {
                result = info;
                program_ended = 1;
                stop_services();
            } else if (restart(c) < 0) {
                stop_services();
            }
        } else if (!stopping) { /* a daemon died while the program needed it */
            printf("init: service %s (pid %d) ended: %s\n", c->name, r, how);
            restart(c);
        }
    }
    if (!program_ended)
        return 1;
    return result.cause == WAIT_EXITED ? result.status : 1;
}

int main(int argc, char **argv)
{
    int once = 0;
    const char *service_list = "";
    if (argc > 1 && strcmp(argv[1], "-o") == 0) {
        once = 1;
        argv++;
        argc--;
    }
    if (argc > 2 && strcmp(argv[1], "-s") == 0) {
        service_list = argv[2];
        argv += 2;
        argc -= 2;
    }
    static char *fallback[] = {DEFAULT_PROGRAM, NULL};
    program.argv = argc > 1 ? argv + 1 : fallback;
    program.argc = argc > 1 ? argc - 1 : 1;
    strlcpy(program.name, program.argv[0], sizeof program.name);

    start_services(service_list);
    if (start_child(&program) < 0) {
        stop_services();
        supervise(1);
        return 1;
    }
    return supervise(once);
}
