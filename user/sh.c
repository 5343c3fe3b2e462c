/*
 * sh: the serial-console shell. Reads a line after the prompt "$ ", splits it into words
 * (double quotes group words and are removed), and runs a builtin or spawns the boot module of
 * that name and waits for it. A child that fails or is killed gets a "[NAME: how]" line.
 * End of input leaves the shell.
 */
#include <libsys.h>

#include "amc_client.h"

#define SH_LINE_MAX 512
#define SH_MAX_WORDS 32

struct builtin {
    const char *name;
    const char *args; /* argument synopsis for help, "" if none */
    const char *summary;
    int (*run)(int argc, char **argv);
};

static int builtin_help(int argc, char **argv);
static int builtin_exit(int argc, char **argv);
static int builtin_pid(int argc, char **argv);
static int builtin_amc(int argc, char **argv);

/* Commands the shell runs itself. A new builtin is one entry here and its function. */
static const struct builtin builtins[] = {
    {"help", "", "list builtins and programs", builtin_help},
    {"exit", "[N]", "leave the shell with status N (default 0)", builtin_exit},
    {"pid", "", "print the shell's process id", builtin_pid},
    {"amc", "echo [-u] TEXT", "ask the echo service (echod) to echo TEXT (-u: upper-cased)",
     builtin_amc},
    {"amc", "kv set K V", "store value V under key K in the kv service (kvd)", builtin_amc},
    {"amc", "kv get K", "print the value stored under key K", builtin_amc},
    {"amc", "kv del K", "remove key K", builtin_amc},
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* Upper bound on module indexes, in case a kernel never answers -ESRCH. */
#define MAX_MODULES 256

/* Print the names of all boot modules on one line, "programs: a b c". */
static int list_programs(void)
{
    char line[SH_LINE_MAX];
    size_t len = (size_t)snprintf(line, sizeof(line), "programs:");
    for (uint32_t i = 0; i < MAX_MODULES; i++) {
        char name[PROG_NAME_MAX + 1];
        int r = module_name(i, name, sizeof(name));
        if (r == -ESRCH)
            break;
        if (r < 0) {
            dprintf(STDERR_FILENO, "sh: help: module_name(%u): %s\n", (unsigned)i, strerror(r));
            return 1;
        }
        /* Start a new line rather than truncate when the list gets long. */
        if (len + strlen(name) + 2 > sizeof(line)) {
            printf("%s\n", line);
            len = (size_t)snprintf(line, sizeof(line), "         ");
        }
        len += (size_t)snprintf(line + len, sizeof(line) - len, " %s", name);
    }
    printf("%s\n", line);
    return 0;
}

static int builtin_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("builtins:\n");
    for (size_t i = 0; i < NBUILTINS; i++)
        printf("  %-5s %-14s %s\n", builtins[i].name, builtins[i].args, builtins[i].summary);
    return list_programs();
}

static int builtin_exit(int argc, char **argv)
{
    long status = 0;
    if (argc > 2) {
        dprintf(STDERR_FILENO, "sh: exit: too many arguments\n");
        return 1;
    }
    if (argc == 2) {
        char *end;
        status = strtol(argv[1], &end, 10);
        if (end == argv[1] || *end != '\0') {
            dprintf(STDERR_FILENO, "sh: exit: bad status '%s'\n", argv[1]);
            return 1;
        }
    }
    exit((int32_t)status);
}

static int builtin_pid(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("%d\n", (int)getpid());
    return 0;
}

/* amc echo [-u] TEXT... | amc kv set K V | get K | del K: talk to a service from the shell
 * itself, through the same client code as the echo-client and kv programs. */
static int builtin_amc(int argc, char **argv)
{
    amc_client_register("sh"); /* replies come to "sh.PID"; the commands report a failure */
    if (argc >= 2 && strcmp(argv[1], "echo") == 0)
        return echo_command("amc echo", argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "kv") == 0)
        return kv_command("amc kv", argc - 1, argv + 1);
    dprintf(STDERR_FILENO, "usage: amc echo [-u] TEXT... | amc kv set KEY VALUE | amc kv get KEY | "
                           "amc kv del KEY\n");
    return 2;
}

/*
 * Split line into at most max words in place, removing the double quotes that group words.
 * Returns the number of words, -E2BIG for too many words, or -EINVAL for an unclosed quote.
 */
static int split_words(char *line, char **words, int max)
{
    char *in = line, *out = line; /* out never passes in: quotes only shrink the text */
    int n = 0;
    for (;;) {
        while (isspace(*in))
            in++;
        if (!*in)
            return n;
        if (n == max)
            return -E2BIG;
        words[n++] = out;
        int quoted = 0;
        while (*in && (quoted || !isspace(*in))) {
            if (*in == '"')
                quoted = !quoted;
            else
                *out++ = *in;
            in++;
        }
        if (quoted)
            return -EINVAL;
        char stop = *in; /* out may equal in: read before writing the terminator */
        *out++ = '\0';
        if (!stop)
            return n;
        in++;
    }
}

/* Spawn the program argv[0] with argv, wait for it, and report a failure. */
static int run_program(int argc, char **argv)
{
    static char packed[ARGV_MAX];
    const char *name = argv[0];
    int len = argv_pack(packed, sizeof(packed), argc, argv);
    if (len < 0) {
        dprintf(STDERR_FILENO, "sh: %s: %s\n", name, strerror(len));
        return 1;
    }
    int pid = spawn(name, packed, (uint32_t)len);
    if (pid == -ENOENT) {
        dprintf(STDERR_FILENO, "sh: %s: no such program\n", name);
        return 1;
    }
    if (pid < 0) {
        dprintf(STDERR_FILENO, "sh: %s: %s\n", name, strerror(pid));
        return 1;
    }

    struct wait_info info;
    int r = waitpid(pid, &info, 0);
    if (r < 0) {
        dprintf(STDERR_FILENO, "sh: waitpid %d: %s\n", pid, strerror(r));
        return 1;
    }
    if (wait_failed(&info)) {
        char how[128];
        wait_describe(&info, how, sizeof(how));
        printf("[%s: %s]\n", name, how);
        return 1;
    }
    return 0;
}

static void run_line(char *line)
{
    char *words[SH_MAX_WORDS];
    int n = split_words(line, words, SH_MAX_WORDS);
    if (n == -E2BIG) {
        dprintf(STDERR_FILENO, "sh: too many words (at most %d)\n", SH_MAX_WORDS);
        return;
    }
    if (n == -EINVAL) {
        dprintf(STDERR_FILENO, "sh: missing closing quote\n");
        return;
    }
    if (n == 0)
        return;
    for (size_t i = 0; i < NBUILTINS; i++) {
        if (strcmp(words[0], builtins[i].name) == 0) {
            builtins[i].run(n, words);
            return;
        }
    }
    run_program(n, words);
}

/* Discard input up to the end of the current line; 0 at end of input, else 1. */
static int skip_rest_of_line(char *buf, size_t cap)
{
    for (;;) {
        int r = readline(STDIN_FILENO, buf, cap);
        if (r <= 0)
            return 0;
        if (buf[r - 1] == '\n')
            return 1;
    }
}

int main(void)
{
    static char line[SH_LINE_MAX];
    for (;;) {
        write(STDOUT_FILENO, "$ ", 2);
        int r = readline(STDIN_FILENO, line, sizeof(line));
        if (r == 0)
            return 0; /* end of input */
        if (r < 0) {
            dprintf(STDERR_FILENO, "sh: read: %s\n", strerror(r));
            return 1;
        }
        if (line[r - 1] != '\n') {
            if (!skip_rest_of_line(line, sizeof(line)))
                return 0;
            dprintf(STDERR_FILENO, "sh: line too long (at most %d characters)\n", SH_LINE_MAX - 2);
            continue;
        }
        line[r - 1] = '\0';
        run_line(line);
    }
}
