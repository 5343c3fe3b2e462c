/*
 * strace-style syscall tracing (kernel command line trace=syscalls).
 *
 * Everything printed comes from the generated descriptor table: names, argument names and kinds.
 * A line is printed when the call returns, so output buffers can be shown with what the kernel
 * wrote; calls that never return are printed on entry with "= ?".
 */
#include "kprintf.h"
#include "proc.h"
#include "klib.h"
#include "syscall_handlers.h"
#include "uaccess.h"

#define SHOW_BYTES 64

int syscall_trace_enabled;

/* Where each argument register sits in the frame, in ABI order (arg_registers in the .def). */
#define ARG_OFFSET(reg) offsetof(struct trap_frame, reg),
static const uint8_t arg_offsets[ABI_MAX_ARGS] = {ABI_ARG_REGISTERS(ARG_OFFSET)};
#undef ARG_OFFSET

static uint32_t arg_value(const struct trap_frame *tf, int i)
{
    return *(const uint32_t *)((const char *)tf + arg_offsets[i]);
}

/* Prints bytes as a C string literal. */
static void print_escaped(const char *bytes, uint32_t n)
{
    kprintf("\"");
    for (uint32_t i = 0; i < n; i++) {
        char c = bytes[i];
        if (c == '\n')
            kprintf("\\n");
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

static void print_arg(const struct syscall_desc *d, const struct trap_frame *tf, int i, int done)
{
    const struct syscall_arg_desc *a = &d->args[i];
    uint32_t v = arg_value(tf, i);
    switch (a->kind) {
    case SARG_INT:
        kprintf("%d", (int32_t)v);
        break;
    case SARG_UINT:
        kprintf("%u", v);
        break;
    case SARG_IN_BUF:
    case SARG_INOUT_BUF:
        print_user_bytes(v, arg_value(tf, a->len_arg));
        break;
    case SARG_OUT_BUF:
        if (done)
            print_user_bytes(v, arg_value(tf, a->len_arg));
        else
            kprintf("0x%x", v);
        break;
    case SARG_IN_STR:
        print_user_string(v, a->size);
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

static void print_call(uint32_t nr, const struct trap_frame *tf, int done)
{
    const struct syscall_desc *d = &syscall_table[nr];
    const struct proc *p = current_proc();
    kprintf("[%d %s] %s(", p->pid, p->name, d->name);
    for (int i = 0; i < d->nargs; i++) {
        if (i)
            kprintf(", ");
        print_arg(d, tf, i, done);
    }
    kprintf(")");
}

void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr)
{
    if (nr < SYS_TABLE_SIZE && syscall_table[nr].name &&
        (syscall_table[nr].flags & SYSCALL_F_NORETURN)) {
        print_call(nr, tf, 0);
        kprintf(" = ?\n");
    }
}

void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    if (nr >= SYS_TABLE_SIZE || !syscall_table[nr].name) {
        kprintf("[%d %s] syscall_%u(...) = -ENOSYS\n", current_proc()->pid, current_proc()->name,
                nr);
        return;
    }
    print_call(nr, tf, (int32_t)ret >= 0);
    if (ret >= (uint32_t)-ABI_ERRNO_MAX && error_name(-(int32_t)ret))
        kprintf(" = -%s\n", error_name(-(int32_t)ret));
    else if (syscall_table[nr].ret_kind == SARG_HEX)
        kprintf(" = 0x%x\n", ret);
    else if (syscall_table[nr].ret_kind == SARG_UINT)
        kprintf(" = %u\n", ret);
    else
        kprintf(" = %d\n", (int32_t)ret);
}
