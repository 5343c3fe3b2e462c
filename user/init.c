/*
 * init: process 1. `init [-s SERVICES] [PROG [ARGS...]]`: starts the service daemons named in
 * SERVICES (comma-separated programs, e.g. "echod,kvd", from the kernel's services= option),
 * then one program (PROG with ARGS; "sh" when the kernel passes none), and reaps every child
 * that ends, including orphans the kernel hands to init. When the program ends, init stops the
 * daemons still running, and once no children remain it reports how the program ended and
 * exits with its status (1 if it was killed), which the kernel can turn into QEMU's exit status.
 */
#include <libsys.h>

#define DEFAULT_PROGRAM "sh"
#define MAX_SERVICES 8

struct service {
    char name[PROG_NAME_MAX + 1];
    int pid; /* 0 once it has ended */
};

static struct service services[MAX_SERVICES];
static int nservices;

/* Spawn argv[0] with argv as its arguments; returns its pid or a negative -E error. */
static int start(int argc, char **argv)
{
    static char packed[ARGV_MAX];
    int len = argv_pack(packed, sizeof(packed), argc, argv);
    if (len < 0)
        return len;
    return spawn(argv[0], packed, (uint32_t)len);
}

/* Start the daemon called name (len bytes); one that cannot start is reported and skipped, so
 * a typo on the kernel command line still leaves a usable system. */
static void start_service(const char *name, size_t len)
{
    struct service *s = &services[nservices];
    if (len == 0)
        return;
    if (nservices == MAX_SERVICES || len >= sizeof s->name) {
        dprintf(STDERR_FILENO, "init: cannot start service %.*s: %s\n", (int)len, name,
                nservices == MAX_SERVICES ? "too many services" : strerror(-ENAMETOOLONG));
        return;
    }
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    char *argv[] = {s->name, NULL};
    int pid = start(1, argv);
    if (pid < 0) {
        dprintf(STDERR_FILENO, "init: cannot start service %s: %s\n", s->name, strerror(pid));
        return;
    }
    s->pid = pid;
    nservices++;
    printf("init: started service %s (pid %d)\n", s->name, pid);
}

static void start_services(const char *list)
{
    while (*list) {
        const char *end = strchr(list, ',');
        size_t len = end ? (size_t)(end - list) : strlen(list);
        start_service(list, len);
        list += len + (end != NULL);
    }
}

static struct service *find_service(int pid)
{
    for (int i = 0; i < nservices; i++)
        if (services[i].pid == pid)
            return &services[i];
    return NULL;
}

/* The program has ended: the daemons were there to serve it, so stop them. */
static void stop_services(void)
{
    for (int i = 0; i < nservices; i++)
        if (services[i].pid > 0)
            kill(services[i].pid);
}

int main(int argc, char **argv)
{
    const char *service_list = "";
    if (argc > 2 && strcmp(argv[1], "-s") == 0) {
        service_list = argv[2];
        argv += 2;
        argc -= 2;
    }
    char *fallback[] = {DEFAULT_PROGRAM, NULL};
    char **child_argv = argc > 1 ? argv + 1 : fallback;
    int child_argc = argc > 1 ? argc - 1 : 1;
    const char *name = child_argv[0];

    start_services(service_list);
    int pid = start(child_argc, child_argv);
    if (pid < 0) {
        dprintf(STDERR_FILENO, "init: cannot start %s: %s\n", name, strerror(pid));
        stop_services();
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
        struct service *s = find_service(r);
        if (s) {
            if (!ended) { /* a daemon died while the program needed it: say so */
                char how[128];
                wait_describe(&info, how, sizeof(how));
                printf("init: service %s (pid %d) ended: %s\n", s->name, r, how);
            }
            s->pid = 0;
        }
        if (r == pid) {
            result = info;
            ended = 1;
            stop_services();
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
