/*
 * sh: the serial-console shell. Edits a line after the prompt "$ " (user/sh.c's editor below,
 * with the console in raw mode), splits it into words (quotes group words and are removed), and
 * runs a builtin or spawns the boot module of that name and waits for it, with the console back
 * in cooked mode and the child as its foreground process, so Ctrl-C ends it. A child that fails
 * or is killed gets a "[NAME: how]" line. Ctrl-D on an empty line leaves the shell.
 *
 * Keys: left/right (Ctrl-B/Ctrl-F), Home/End (Ctrl-A/Ctrl-E), Backspace, Delete, Ctrl-U (erase to
 * the start), Ctrl-K (erase to the end), Ctrl-W (erase the word before the cursor), up/down
 * (history), Ctrl-C (discard the line). The terminal is driven with backspaces and rewritten text
 * only, and escape sequences are consumed, never echoed.
 */
#include <libsys.h>

#include "amc_commands.h"

#define SH_LINE_MAX 512
#define SH_MAX_WORDS 32
#define SH_HISTORY 16

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
static int builtin_kill(int argc, char **argv);

/* Commands the shell runs itself. A new builtin is one entry here and its function. */
static const struct builtin builtins[] = {
    {"help", "", "list builtins and programs", builtin_help},
    {"exit", "[N]", "leave the shell with status N (default 0)", builtin_exit},
    {"pid", "", "print the shell's process id", builtin_pid},
    {"kill", "PID...", "end the processes PID... (as Ctrl-C ends the foreground one)",
     builtin_kill},
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

static int builtin_kill(int argc, char **argv)
{
    if (argc < 2) {
        dprintf(STDERR_FILENO, "usage: kill PID...\n");
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        char *end;
        long pid = strtol(argv[i], &end, 10);
        if (end == argv[i] || *end != '\0') {
            dprintf(STDERR_FILENO, "sh: kill: bad pid '%s'\n", argv[i]);
            status = 1;
            continue;
        }
        int r = kill((int32_t)pid);
        if (r < 0) {
            dprintf(STDERR_FILENO, "sh: kill: %ld: %s\n", pid, strerror(r));
            status = 1;
        }
    }
    return status;
}

/* amc echo [-u] TEXT... | amc kv set K V | get K | del K: call a service from the shell itself,
 * through the same generated stubs as the echo-client and kv programs. */
static int builtin_amc(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "echo") == 0)
        return echo_command("amc echo", argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "kv") == 0)
        return kv_command("amc kv", argc - 1, argv + 1);
    dprintf(STDERR_FILENO, "usage: amc echo [-u] TEXT... | amc kv set KEY VALUE | amc kv get KEY | "
                           "amc kv del KEY\n");
    return 2;
}

/*
 * Split line into at most max words in place. Quotes group words and are removed: '...' keeps
 * everything literally, "..." too except that \" and \\ stand for " and \; outside quotes a
 * backslash takes the next character literally. Returns the number of words, -E2BIG for too many
 * words, or -EINVAL for an unclosed quote.
 */
static int split_words(char *line, char **words, int max)
{
    char *in = line, *out = line; /* out never passes in: quoting only shrinks the text */
    int n = 0;
    for (;;) {
        while (isspace(*in))
            in++;
        if (!*in)
            return n;
        if (n == max)
            return -E2BIG;
        words[n++] = out;
        char quote = 0;
        while (*in && (quote || !isspace(*in))) {
            char c = *in++;
            if (quote && c == quote)
                quote = 0;
            else if (!quote && (c == '"' || c == '\''))
                quote = c;
            else if (c == '\\' && quote != '\'' && *in && (!quote || *in == '"' || *in == '\\'))
                *out++ = *in++;
            else
                *out++ = c;
        }
        if (quote)
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

    console_mode(CONSOLE_COOKED, pid); /* Ctrl-C now ends the child */
    struct wait_info info;
    int r = waitpid(pid, &info, 0);
    console_mode(CONSOLE_COOKED, 0);
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

/* ---- the line editor ---- */

#define CTRL(c) ((c)&0x1F)
#define KEY_DEL 0x7F
#define ESC 0x1B

enum key {
    KEY_NONE = 0x100, /* a sequence the editor does not know: ignored */
    KEY_UP,
    KEY_DOWN,
    KEY_LEFT,
    KEY_RIGHT,
    KEY_HOME,
    KEY_END,
    KEY_DELETE,
    KEY_EOF, /* end of input or a read error */
};

struct editor {
    char text[SH_LINE_MAX];
    int len, pos;            /* text[0..len), cursor at pos */
    int shown;               /* the terminal's cursor, as an offset into text */
    int hist;                /* the history entry shown; history_len for the line being typed */
    char draft[SH_LINE_MAX]; /* the line being typed, while history is shown */
};

static char history[SH_HISTORY][SH_LINE_MAX];
static int history_len;

static int read_byte(void)
{
    char c;
    return read(STDIN_FILENO, &c, 1) == 1 ? (unsigned char)c : KEY_EOF;
}

static int final_key(int f, int param)
{
    switch (f) {
    case 'A':
        return KEY_UP;
    case 'B':
        return KEY_DOWN;
    case 'C':
        return KEY_RIGHT;
    case 'D':
        return KEY_LEFT;
    case 'H':
        return KEY_HOME;
    case 'F':
        return KEY_END;
    case '~':
        if (param == 1 || param == 7)
            return KEY_HOME;
        if (param == 4 || param == 8)
            return KEY_END;
        return param == 3 ? KEY_DELETE : KEY_NONE;
    default:
        return f == KEY_EOF ? KEY_EOF : KEY_NONE;
    }
}

/* After ESC: "O" and one byte, or "[", parameter and intermediate bytes, and a final byte
 * (ECMA-48); the VT100 and xterm spellings of the keys above. Anything else is swallowed. */
static int read_escape(void)
{
    int c = read_byte();
    if (c == 'O')
        return final_key(read_byte(), 0);
    if (c != '[')
        return c == KEY_EOF ? KEY_EOF : KEY_NONE;
    int param = 0;
    for (;;) {
        int f = read_byte();
        if (f >= '0' && f <= '9')
            param = param * 10 + (f - '0');
        else if (f < 0x20 || f > 0x3F) /* not a parameter or intermediate byte: the end */
            return final_key(f, param);
    }
}

static int read_key(void)
{
    int c = read_byte();
    return c == ESC ? read_escape() : c;
}

/*
 * Bring the terminal up to date after an edit that changed nothing before offset from, when the
 * line was old_len long: move to from, rewrite the rest of the line, blank what is left of the
 * old one, and step back to the cursor. Only backspaces and text, which every terminal knows.
 */
static void redraw(struct editor *ed, int from, int old_len)
{
    char out[3 * SH_LINE_MAX];
    int n = 0;
    if (from > ed->shown)
        from = ed->shown; /* the terminal cursor is still to the left of the change */
    for (int i = from; i < ed->shown; i++)
        out[n++] = '\b';
    for (int i = from; i < ed->len; i++)
        out[n++] = ed->text[i];
    int end = ed->len;
    for (; end < old_len; end++)
        out[n++] = ' ';
    for (; end > ed->pos; end--)
        out[n++] = '\b';
    write(STDOUT_FILENO, out, (uint32_t)n);
    ed->shown = ed->pos;
}

static void insert(struct editor *ed, char c)
{
    if (ed->len == SH_LINE_MAX - 1)
        return; /* full: the line stays as it is */
    memmove(ed->text + ed->pos + 1, ed->text + ed->pos, (size_t)(ed->len - ed->pos));
    ed->text[ed->pos] = c;
    ed->len++;
    ed->pos++;
    redraw(ed, ed->pos - 1, ed->len - 1);
}

/* Remove text[from..to) and put the cursor at from. */
static void erase(struct editor *ed, int from, int to)
{
    if (from >= to)
        return;
    int old_len = ed->len;
    memmove(ed->text + from, ed->text + to, (size_t)(ed->len - to));
    ed->len -= to - from;
    ed->pos = from;
    redraw(ed, from, old_len);
}

static void move_to(struct editor *ed, int pos)
{
    int from = pos < ed->pos ? pos : ed->pos;
    ed->pos = pos;
    redraw(ed, from, ed->len);
}

/* Replace the whole line (history), cursor at its end. */
static void replace_line(struct editor *ed, const char *text)
{
    int old_len = ed->len;
    ed->len = (int)strlen(text);
    memcpy(ed->text, text, (size_t)ed->len);
    ed->pos = ed->len;
    redraw(ed, 0, old_len);
}

static void show_history(struct editor *ed, int index)
{
    if (index < 0 || index > history_len || index == ed->hist)
        return;
    if (ed->hist == history_len) { /* leaving the line being typed: keep it */
        memcpy(ed->draft, ed->text, (size_t)ed->len);
        ed->draft[ed->len] = '\0';
    }
    ed->hist = index;
    replace_line(ed, index == history_len ? ed->draft : history[index]);
}

static void remember(const char *line)
{
    if (!*line || (history_len && strcmp(history[history_len - 1], line) == 0))
        return;
    if (history_len == SH_HISTORY) {
        memmove(history[0], history[1], sizeof(history[0]) * (SH_HISTORY - 1));
        history_len--;
    }
    strlcpy(history[history_len++], line, SH_LINE_MAX);
}

static int word_start(const struct editor *ed)
{
    int i = ed->pos;
    while (i > 0 && ed->text[i - 1] == ' ')
        i--;
    while (i > 0 && ed->text[i - 1] != ' ')
        i--;
    return i;
}

/* Edit one line with the console in raw mode. Returns its length (the text NUL-terminated in
 * ed->text), or -1 at end of input. */
static int edit_line(struct editor *ed)
{
    ed->len = ed->pos = ed->shown = 0;
    ed->hist = history_len;
    static int after_cr; /* a CR LF pair is one Enter */
    write(STDOUT_FILENO, "$ ", 2);
    for (;;) {
        int key = read_key();
        int was_cr = after_cr;
        after_cr = key == '\r';
        if (key == '\n' && was_cr)
            continue;
        switch (key) {
        case '\n':
        case '\r':
            move_to(ed, ed->len);
            write(STDOUT_FILENO, "\n", 1);
            ed->text[ed->len] = '\0';
            return ed->len;
        case KEY_EOF:
            return -1;
        case CTRL('D'):
            if (ed->len == 0) {
                write(STDOUT_FILENO, "\n", 1);
                return -1;
            }
            /* Ctrl-D inside a line deletes, as in readline */
            __attribute__((fallthrough));
        case KEY_DELETE:
            erase(ed, ed->pos, ed->pos < ed->len ? ed->pos + 1 : ed->pos);
            break;
        case CTRL('C'):
            move_to(ed, ed->len);
            write(STDOUT_FILENO, "^C\n$ ", 5);
            ed->len = ed->pos = ed->shown = 0;
            ed->hist = history_len;
            break;
        case KEY_DEL:
        case CTRL('H'):
            erase(ed, ed->pos > 0 ? ed->pos - 1 : 0, ed->pos);
            break;
        case CTRL('U'):
            erase(ed, 0, ed->pos);
            break;
        case CTRL('K'):
            erase(ed, ed->pos, ed->len);
            break;
        case CTRL('W'):
            erase(ed, word_start(ed), ed->pos);
            break;
        case KEY_LEFT:
        case CTRL('B'):
            move_to(ed, ed->pos > 0 ? ed->pos - 1 : 0);
            break;
        case KEY_RIGHT:
        case CTRL('F'):
            move_to(ed, ed->pos < ed->len ? ed->pos + 1 : ed->len);
            break;
        case KEY_HOME:
        case CTRL('A'):
            move_to(ed, 0);
            break;
        case KEY_END:
        case CTRL('E'):
            move_to(ed, ed->len);
            break;
        case KEY_UP:
        case CTRL('P'):
            show_history(ed, ed->hist - 1);
            break;
        case KEY_DOWN:
        case CTRL('N'):
            show_history(ed, ed->hist + 1);
            break;
        default:
            if (key >= ' ' && key < KEY_DEL)
                insert(ed, (char)key);
            /* other control bytes and unknown sequences are dropped, not echoed */
            break;
        }
    }
}

int main(void)
{
    static struct editor ed;
    for (;;) {
        int r = console_mode(CONSOLE_RAW, 0);
        if (r < 0) {
            dprintf(STDERR_FILENO, "sh: console_mode: %s\n", strerror(r));
            return 1;
        }
        int len = edit_line(&ed);
        console_mode(CONSOLE_COOKED, 0);
        if (len < 0)
            return 0; /* end of input */
        remember(ed.text);
        run_line(ed.text);
    }
}
