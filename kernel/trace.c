/*
 * strace-style syscall tracing (kernel command line trace=..., parsed by trace_init).
 *
 * Everything printed comes from generated tables: names, argument names and kinds from the
 * syscall table, struct layouts and named values from trace_table.c (kernel/trace.h). A line is
 * printed when the call returns, so output buffers show the bytes the kernel really transferred
 * and out-structs are decoded field by field; calls that never return are printed on entry with
 * "= ?". With a filter only the chosen syscalls are printed; with the summary, each process's
 * calls are counted and timed (TSC ticks from entry to return, blocking included) and the table
 * is printed when the process ends (its exit call, or its parent reaping it), like strace -c.
 */
#include "cmdline.h"
#include "klib.h"
#include "kprintf.h"
#include "proc.h"
#include "syscall_handlers.h"
#include "trace.h"
#include "uaccess.h"

#define SHOW_BYTES 64
#define STRUCT_MAX 256 /* larger structs are shown by address */

int syscall_trace_enabled;
static int print_lines;                  /* trace=syscalls: print each call */
static int summary;                      /* trace=summary: count them */
static uint8_t selected[SYS_TABLE_SIZE]; /* the filter; all set without one */

/*
 * Categories for the filter (trace=syscalls:amc,proc). A member ending in '*' is a prefix.
 * Every name is checked against the syscall table at boot, so a renamed syscall is reported
 * ("trace: category ... names no syscall ...") instead of silently dropping out.
 */
static const struct {
    const char *name;
    const char *members;
} categories[] = {
    {"amc", "amc_*"},
    {"proc", "exit getpid getppid spawn fork waitpid kill proc_info proc_name"},
    {"io", "read write console_mode"},
    {"mem", "sbrk"},
    {"time", "yield sleep_ms uptime_ms sleep_us uptime_us"},
    {"info", "kstat module_name proc_info proc_name"},
};

/* Per process-table slot: calls, errors and ticks per syscall, for the summary. */
struct proc_stats {
    int32_t pid; /* 0: slot unused */
    char name[32];
    uint64_t entered;
    uint32_t calls[SYS_TABLE_SIZE], errors[SYS_TABLE_SIZE];
    uint64_t ticks[SYS_TABLE_SIZE];
};
static struct proc_stats stats[NPROC];

/* Where each argument register sits in the frame, in ABI order (arg_registers in the .def). */
#define ARG_OFFSET(reg) offsetof(struct trap_frame, reg),
static const uint8_t arg_offsets[ABI_MAX_ARGS] = {ABI_ARG_REGISTERS(ARG_OFFSET)};
#undef ARG_OFFSET

static uint32_t reg_value(const struct trap_frame *tf, uint32_t slot)
{
    return *(const uint32_t *)((const char *)tf + arg_offsets[slot]);
}

/* The register of argument i of syscall nr: register i, unless a 64-bit argument before it took
 * two (kernel/syscall_desc.h). */
static uint32_t arg_value(const struct trap_frame *tf, uint32_t nr, int i)
{
    const struct syscall_arg_desc *a = &syscall_table[nr].args[i];
    return reg_value(tf, a->reg ? a->reg - 1u : (uint32_t)i);
}

/* Prints bytes as a C string literal. */
static void print_escaped(const char *bytes, uint32_t n)
{
    kprintf("\"");
    for (uint32_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (c == '\n')
            kprintf("\\n");
        else if (c == '\r')
            kprintf("\\r");
        else if (c == '\t')
            kprintf("\\t");
        else if (c == '"' || c == '\\')
            kprintf("\\%c", c);
        else if (c >= 32 && c < 127)
            kprintf("%c", c);
        else
            kprintf("\\x%02x", (unsigned char)c);
    }
    kprintf("\"");
}

/* Prints up to SHOW_BYTES of a user buffer, reading it safely; "0x..." if unreadable. */
static void print_user_bytes(uint32_t addr, uint32_t len)
{
    char bytes[SHOW_BYTES];
    uint32_t n = len < SHOW_BYTES ? len : SHOW_BYTES;
    if (copy_from_user(bytes, addr, n) < 0) {
        kprintf("0x%x", addr);
        return;
    }
    print_escaped(bytes, n);
    if (len > n)
        kprintf("...");
}

/* A bounded user string, read the way the shim reads it (never past its limit or user space). */
static void print_user_string(uint32_t addr, uint32_t max)
{
    char s[SHOW_BYTES + 1];
    uint32_t limit = max < SHOW_BYTES ? max : SHOW_BYTES;
    int n = copy_str_from_user(s, addr, limit);
    if (n == -EFAULT) {
        kprintf("0x%x", addr);
        return;
    }
    /* Too long: show the limit's worth, the bytes read (the rest of s is stale kernel stack). */
    print_escaped(s, n < 0 ? limit : (uint32_t)n);
    if (n < 0)
        kprintf("...");
}

/* The name of v among values, or NULL. */
static const char *value_name(const struct trace_value *values, uint32_t v)
{
    for (; values && values->name; values++)
        if (values->value == v)
            return values->name;
    return 0;
}

static uint64_t load(const uint8_t *p, uint32_t size)
{
    uint64_t v = 0;
    for (uint32_t i = size; i > 0; i--)
        v = (v << 8) | p[i - 1];
    return v;
}

/* A flags value: the names of its set bits, then what no name covers, NAME|NAME|0x8. */
static void print_flags(uint32_t v, const struct trace_value *values)
{
    const char *sep = "";
    for (; values && values->name; values++)
        if (values->value && (v & values->value) == values->value) {
            kprintf("%s%s", sep, values->name);
            sep = "|";
            v &= ~values->value;
        }
    if (v)
        kprintf("%s0x%x", sep, v);
    else if (!*sep)
        kprintf("0");
}

/* One scalar of kind and size bytes at p, by name when values name it. */
static void print_scalar(const uint8_t *p, uint32_t size, uint8_t kind,
                         const struct trace_value *values)
{
    uint64_t v = load(p, size);
    if (kind == TRACE_FLAGS) {
        print_flags((uint32_t)v, values);
        return;
    }
    const char *name = size <= 4 ? value_name(values, (uint32_t)v) : 0;
    if (name)
        kprintf("%s", name);
    else if (size == 8)
        kprintf("0x%x%08x", (uint32_t)(v >> 32), (uint32_t)v);
    else if (kind == TRACE_INT)
        kprintf("%d", size == 4 ? (int32_t)v : size == 2 ? (int16_t)v : (int8_t)v);
    else if (kind == TRACE_HEX)
        kprintf("0x%x", (uint32_t)v);
    else
        kprintf("%u", (uint32_t)v);
}

/* A 64-bit value from its two words, in decimal (kprintf has no 64-bit conversion). */
static void print_u64(uint64_t v, int width);
static void print_64(uint32_t lo, uint32_t hi, int is_signed)
{
    uint64_t v = (uint64_t)hi << 32 | lo;
    if (is_signed && (int64_t)v < 0) {
        kprintf("-");
        v = -v;
    }
    print_u64(v, 0);
}

static int all_zero(const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

/* {field=value, ...}; trailing fields that are all zero are left out, as they say nothing. */
static void print_struct(const struct trace_struct *s, const uint8_t *p)
{
    uint32_t shown = 0;
    for (uint32_t i = 0; s->fields[i].name; i++)
        if (!all_zero(p + s->fields[i].offset, s->fields[i].size) || s->fields[i].values)
            shown = i + 1;
    kprintf("{");
    for (uint32_t i = 0; i < shown; i++) {
        const struct trace_field *f = &s->fields[i];
        kprintf("%s%s=", i ? ", " : "", f->name);
        const uint8_t *v = p + f->offset;
        if (f->kind == TRACE_STRUCT)
            print_struct(f->layout, v);
        else if (f->kind == TRACE_CHARS)
            print_escaped((const char *)v, (uint32_t)strnlen((const char *)v, f->size));
        else if (f->kind == TRACE_ARRAY)
            kprintf("[...]");
        else
            print_scalar(v, f->size, f->kind, f->values);
    }
    kprintf("}");
}

/* What a pointer argument points to: a struct or a scalar, read safely; else its address. */
static void print_pointee(const struct trace_arg *t, uint32_t addr)
{
    uint8_t buf[STRUCT_MAX];
    uint32_t size = t->layout ? t->layout->size : t->size;
    if (!addr || size == 0 || size > sizeof buf || copy_from_user(buf, addr, size) < 0) {
        kprintf(addr ? "0x%x" : "NULL", addr);
        return;
    }
    if (t->layout) {
        print_struct(t->layout, buf);
    } else {
        kprintf("[");
        print_scalar(buf, size, t->kind, t->values);
        kprintf("]");
    }
}

/* A call being printed: done once it has returned ret. */
struct call {
    const struct trap_frame *tf;
    uint32_t nr, ret;
    int done;
};

/* The length in bytes of a buffer argument: its length argument, the u32 that argument points
 * to for a value-result length (0 if unreadable), times the element size of an array. */
static uint32_t buffer_len(const struct trap_frame *tf, uint32_t nr,
                           const struct syscall_arg_desc *a)
{
    uint32_t len = arg_value(tf, nr, a->len_arg);
    uint8_t len_kind = syscall_table[nr].args[a->len_arg].kind;
    if (len_kind == SARG_INOUT_PTR && copy_from_user(&len, len, sizeof len) < 0)
        len = 0;
    return a->size ? len * a->size : len;
}

/*
 * The capacity of a call's value-result buffer as it was on entry, per process-table slot: on
 * return *len holds the size, which may be more than the kernel could write. 0: none recorded.
 */
static uint32_t entry_capacity[NPROC];

static const struct syscall_arg_desc *value_result_buffer(uint32_t nr)
{
    const struct syscall_desc *d = &syscall_table[nr];
    for (int i = 0; i < d->nargs; i++) {
        const struct syscall_arg_desc *a = &d->args[i];
        if ((a->kind == SARG_OUT_BUF || a->kind == SARG_INOUT_BUF) &&
            d->args[a->len_arg].kind == SARG_INOUT_PTR)
            return a;
    }
    return 0;
}

/* Argument i; a successful call shows what the kernel wrote to its out arguments. */
static void print_arg(const struct call *call, int i)
{
    const struct syscall_arg_desc *a = &syscall_table[call->nr].args[i];
    const struct trace_arg *t = &trace_syscalls[call->nr].args[i];
    uint32_t v = arg_value(call->tf, call->nr, i);
    uint32_t len = a->kind == SARG_IN_BUF || a->kind == SARG_OUT_BUF || a->kind == SARG_INOUT_BUF
                       ? buffer_len(call->tf, call->nr, a)
                       : 0;
    int ok = call->done && call->ret < (uint32_t)-ABI_ERRNO_MAX;
    switch (a->kind) {
    case SARG_INT:
    case SARG_UINT:
    case SARG_HEX:
        print_scalar((const uint8_t *)&v, 4,
                     t->kind == TRACE_FLAGS ? TRACE_FLAGS
                     : a->kind == SARG_INT  ? TRACE_INT
                     : a->kind == SARG_HEX  ? TRACE_HEX
                                            : TRACE_UINT,
                     t->values);
        break;
    case SARG_INT64:
    case SARG_UINT64:
        print_64(v, reg_value(call->tf, a->len_arg), a->kind == SARG_INT64);
        break;
    case SARG_IN_BUF:
        print_user_bytes(v, len);
        break;
    case SARG_OUT_BUF:
    case SARG_INOUT_BUF:
        /* The bytes transferred: as many as the call returned, never more than the buffer. */
        if (ok && value_result_buffer(call->nr) == a) {
            uint32_t cap = entry_capacity[current_proc() - proc_slot(0)];
            print_user_bytes(v, len < cap ? len : cap);
        } else if (ok)
            print_user_bytes(v, call->ret < len ? call->ret : len);
        else if (a->kind == SARG_INOUT_BUF)
            print_user_bytes(v, len);
        else
            kprintf("0x%x", v);
        break;
    case SARG_IN_STR:
        print_user_string(v, a->size);
        break;
    case SARG_IN_PTR:
    case SARG_INOUT_PTR:
        print_pointee(t, v);
        break;
    case SARG_OUT_PTR:
        if (ok)
            print_pointee(t, v);
        else
            kprintf(v ? "0x%x" : "NULL", v);
        break;
    default:
        kprintf("0x%x", v);
        break;
    }
}

/* "EFAULT" for 14, from the error list in abi/syscalls.def; NULL when unknown. */
static const char *error_name(int32_t err)
{
#define ERROR_CASE(name, number, text)                                                             \
    case number:                                                                                   \
        return #name;
    switch (err) {
        ABI_ERRORS(ERROR_CASE)
    default:
        return 0;
    }
#undef ERROR_CASE
}

static void print_call(const struct call *call)
{
    const struct syscall_desc *d = &syscall_table[call->nr];
    const struct proc *p = current_proc();
    kprintf("[%d %s] %s(", p->pid, p->name, d->name);
    for (int i = 0; i < d->nargs; i++) {
        if (i)
            kprintf(", ");
        print_arg(call, i);
    }
    kprintf(")");
}

/* The result, and after it the extra results the shim put in the caller's registers:
 * " = 0 (w0=5, w1=7)". */
static void print_result(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    const struct syscall_desc *d = &syscall_table[nr];
    if (ret >= (uint32_t)-ABI_ERRNO_MAX && error_name(-(int32_t)ret))
        kprintf(" = -%s", error_name(-(int32_t)ret));
    else if (d->ret_kind == SARG_INT64 || d->ret_kind == SARG_UINT64) {
        kprintf(" = ");
        print_64(ret, *(const uint32_t *)((const char *)tf + d->ret_hi), d->ret_kind == SARG_INT64);
    } else if (d->ret_kind == SARG_HEX)
        kprintf(" = 0x%x", ret);
    else if (d->ret_kind == SARG_UINT)
        kprintf(" = %u", ret);
    else
        kprintf(" = %d", (int32_t)ret);
    for (uint32_t i = 0; i < d->nresults; i++) {
        const struct syscall_result_desc *r = &d->results[i];
        uint32_t v = *(const uint32_t *)((const char *)tf + r->offset);
        kprintf("%s%s=", i ? ", " : " (", r->name);
        print_scalar((const uint8_t *)&v, 4,
                     r->kind == SARG_INT   ? TRACE_INT
                     : r->kind == SARG_HEX ? TRACE_HEX
                                           : TRACE_UINT,
                     0);
    }
    kprintf(d->nresults ? ")\n" : "\n");
}

/* ---- the summary ---- */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* The current process's counters, started afresh when its slot has a new process. */
static struct proc_stats *my_stats(void)
{
    const struct proc *p = current_proc();
    struct proc_stats *st = &stats[p - proc_slot(0)];
    if (st->pid != p->pid) {
        memset(st, 0, sizeof *st);
        st->pid = p->pid;
        strlcpy(st->name, p->name, sizeof st->name);
    }
    return st;
}

static void print_u64(uint64_t v, int width)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = n; i < width; i++)
        kprintf(" ");
    while (n)
        kprintf("%c", digits[--n]);
}

/* The strace -c table of one process, once; its counters are then free for the next one. */
static void print_summary(struct proc_stats *st)
{
    uint32_t calls = 0, errors = 0;
    uint64_t ticks = 0;
    kprintf("[%d %s] summary:     calls    errors        ticks  syscall\n", st->pid, st->name);
    for (uint32_t nr = 0; nr < SYS_TABLE_SIZE; nr++) {
        if (!st->calls[nr])
            continue;
        kprintf("[%d %s] summary: %9u %9u ", st->pid, st->name, st->calls[nr], st->errors[nr]);
        print_u64(st->ticks[nr], 12);
        kprintf("  %s\n", syscall_table[nr].name);
        calls += st->calls[nr];
        errors += st->errors[nr];
        ticks += st->ticks[nr];
    }
    kprintf("[%d %s] summary: %9u %9u ", st->pid, st->name, calls, errors);
    print_u64(ticks, 12);
    kprintf("  total\n");
    st->pid = 0;
}

/* A parent reaped pid: print its summary unless its exit call did. */
static void reaped(int32_t pid)
{
    for (uint32_t i = 0; i < NPROC; i++)
        if (stats[i].pid == pid && pid > 0) {
            print_summary(&stats[i]);
            return;
        }
}

/* ---- the hooks and the command line ---- */

static int known(uint32_t nr)
{
    return nr < SYS_TABLE_SIZE && syscall_table[nr].name;
}

void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr)
{
    if (!known(nr))
        return;
    const struct syscall_arg_desc *vr = value_result_buffer(nr);
    if (print_lines && vr)
        entry_capacity[current_proc() - proc_slot(0)] = buffer_len(tf, nr, vr);
    if (summary) {
        struct proc_stats *st = my_stats();
        st->entered = rdtsc();
        if (syscall_table[nr].flags & SYSCALL_F_NORETURN) {
            st->calls[nr]++;
            print_summary(st);
        }
    }
    if (print_lines && selected[nr] && (syscall_table[nr].flags & SYSCALL_F_NORETURN)) {
        struct call call = {tf, nr, 0, 0};
        print_call(&call);
        kprintf(" = ?\n");
    }
}

void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    if (!known(nr)) {
        if (print_lines)
            kprintf("[%d %s] syscall_%u(...) = -ENOSYS\n", current_proc()->pid,
                    current_proc()->name, nr);
        return;
    }
    if (summary) {
        struct proc_stats *st = my_stats();
        st->calls[nr]++;
        st->errors[nr] += ret >= (uint32_t)-ABI_ERRNO_MAX;
        st->ticks[nr] += rdtsc() - st->entered;
    }
    if (print_lines && selected[nr]) {
        struct call call = {tf, nr, ret, 1};
        print_call(&call);
        print_result(tf, nr, ret);
    }
    if (summary && nr == SYS_waitpid && (int32_t)ret > 0)
        reaped((int32_t)ret);
}

static void print_word(const char *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        kprintf("%c", s[i]);
}

/* Sets the filter of every syscall whose name is name (len bytes), or starts with it when
 * prefix; returns how many there were. */
static int select_syscalls(const char *name, uint32_t len, int prefix, uint8_t on)
{
    int hits = 0;
    for (uint32_t nr = 0; nr < SYS_TABLE_SIZE; nr++) {
        const char *sc = syscall_table[nr].name;
        if (sc && !strncmp(sc, name, len) && (prefix || strlen(sc) == len)) {
            selected[nr] = on;
            hits++;
        }
    }
    return hits;
}

/* Sets the filter of the syscall or the category called name (len bytes); 0 if neither. */
static int select_word(const char *name, uint32_t len, uint8_t on)
{
    int found = select_syscalls(name, len, 0, on);
    for (uint32_t c = 0; c < sizeof categories / sizeof categories[0]; c++) {
        if (strlen(categories[c].name) != len || strncmp(categories[c].name, name, len))
            continue;
        found = 1;
        for (const char *m = categories[c].members; *m;) {
            uint32_t n = 0;
            while (m[n] && m[n] != ' ')
                n++;
            int prefix = m[n - 1] == '*';
            if (!select_syscalls(m, n - (uint32_t)prefix, prefix, on)) {
                kprintf("trace: category %s names no syscall ", categories[c].name);
                print_word(m, n);
                kprintf("\n");
            }
            m += n + (m[n] == ' ');
        }
    }
    return found;
}

/*
 * trace=MODE[+MODE][:NAME,...]: MODE is syscalls (print each call) or summary (a table per
 * process when it ends); NAMEs are syscalls or categories (amc proc io mem time info), -NAME
 * leaves one out; without a NAME to add, every syscall is chosen first. Bad words are reported
 * and skipped: a typo still boots.
 */
void trace_init(void)
{
    const char *v = cmdline_get("trace");
    if (!v)
        return;
    uint32_t modes_len = 0;
    while (v[modes_len] && v[modes_len] != ':')
        modes_len++;
    const char *filter = v[modes_len] ? v + modes_len : 0;
    for (const char *m = v; m < v + modes_len;) {
        uint32_t n = 0;
        while (m + n < v + modes_len && m[n] != '+')
            n++;
        if (n == 8 && !strncmp(m, "syscalls", 8))
            print_lines = 1;
        else if (n == 7 && !strncmp(m, "summary", 7))
            summary = 1;
        else {
            kprintf("trace: unknown mode '");
            print_word(m, n);
            kprintf("' (syscalls, summary)\n");
        }
        m += n + 1;
    }
    const char *words = filter ? filter + 1 : "";
    int adds = 0;
    for (const char *w = words; *w; w++)
        adds |= (w == words || w[-1] == ',') && *w != ',' && *w != '-';
    memset(selected, !adds, sizeof selected);
    for (const char *w = words; *w;) {
        uint8_t on = *w != '-';
        w += !on;
        uint32_t n = 0;
        while (w[n] && w[n] != ',')
            n++;
        if (n && !select_word(w, n, on)) {
            kprintf("trace: no syscall or category '");
            print_word(w, n);
            kprintf("'\n");
        }
        w += n + (w[n] == ',');
    }
    syscall_trace_enabled = print_lines || summary;
}
