/*
 * The syscall descriptors (the table build/gen/kernel/syscall_table.c fills, one entry per
 * number) and the entry points around the generated shims. Included by the generated
 * syscall_handlers.h after abi.h (SYS_TABLE_SIZE, ABI_MAX_ARGS) and trap.h, which it includes
 * itself so that the generator's host tests can put their stand-ins in their place; the tracer
 * (kernel/trace.c) prints calls from the descriptors.
 */
#ifndef LAYERCAKE_SYSCALL_DESC_H
#define LAYERCAKE_SYSCALL_DESC_H

#include <stdint.h>

/* How the tracer prints an argument or a result. */
enum syscall_arg_kind {
    SARG_INT,
    SARG_UINT,
    SARG_HEX,
    SARG_IN_BUF,
    SARG_OUT_BUF,
    SARG_INOUT_BUF,
    SARG_IN_STR,
    SARG_IN_PTR,
    SARG_OUT_PTR,
    SARG_INOUT_PTR
};

#define SYSCALL_F_NORETURN 0x01
#define SYSCALL_F_BLOCKING 0x02
#define SYSCALL_F_RETIRED 0x04
#define SYSCALL_NO_LEN_ARG 0xFF /* len_arg of an argument that is not a buffer */

/* size: N for in str[N], the pointee size for in/out/inout T, else 0. */
struct syscall_arg_desc {
    const char *name;
    uint8_t kind;
    uint8_t len_arg;
    uint16_t size;
};

struct syscall_desc {
    const char *name; /* NULL for unused and retired slots */
    int32_t (*shim)(struct trap_frame *tf);
    uint8_t nargs, flags; /* SYSCALL_F_NORETURN, _BLOCKING, _RETIRED */
    uint8_t ret_kind;     /* SARG_INT, SARG_UINT or SARG_HEX */
    struct syscall_arg_desc args[ABI_MAX_ARGS];
};

extern const struct syscall_desc syscall_table[SYS_TABLE_SIZE];

/*
 * What the int 0x80 stub (kernel/trap.asm) calls for a number below SYS_TABLE_SIZE:
 * entries[nr](tf), cdecl, the result in eax. That is the syscall's entry shim, or for a syscall
 * without arguments its handler itself: such a shim would only forward the call, and a cdecl
 * callee may ignore the argument it is passed. The entries have different C types and only
 * assembly calls through them, so they are stored as plain code addresses.
 */
typedef void (*syscall_code_t)(void);
extern const syscall_code_t syscall_entries[SYS_TABLE_SIZE];

/* Entry from the trap handler: number in tf->eax, result stored to tf->eax. */
void syscall_dispatch(struct trap_frame *tf);
/* The shim of unused and retired numbers: returns -ENOSYS. */
int32_t syscall_nosys(struct trap_frame *tf);

/* Tracing (kernel/trace.c). nr may be >= SYS_TABLE_SIZE (the call then fails with ENOSYS). */
extern int syscall_trace_enabled;
void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr);
void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret);

#endif
