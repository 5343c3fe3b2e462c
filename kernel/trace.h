/* The tracer's description of what syscalls point to (kernel/trace.c), filled in by the
 * generated build/gen/kernel/trace_table.c from abi/syscalls.def: struct layouts, so an out-struct
 * is printed field by field when the call returns, and the named values of fields and arguments
 * (consts whose doc starts "NAME.FIELD:"), so a trace says cause=EXITED rather than cause=0. */
#ifndef LAYERCAKE_TRACE_H
#define LAYERCAKE_TRACE_H

#include <stdint.h>

#include "abi.h"

/* TRACE_FLAGS: a flags set, its values the bits, printed as NAME|NAME|0x8. */
enum trace_kind {
    TRACE_INT,
    TRACE_UINT,
    TRACE_HEX,
    TRACE_CHARS,
    TRACE_ARRAY,
    TRACE_STRUCT,
    TRACE_FLAGS
};

struct trace_value {
    const char *name; /* NULL ends a list */
    uint32_t value;
};

struct trace_struct;

struct trace_field {
    const char *name; /* NULL ends a list */
    uint16_t offset, size;
    uint8_t kind;                      /* enum trace_kind */
    const struct trace_struct *layout; /* TRACE_STRUCT */
    const struct trace_value *values;  /* named values, or NULL */
};

struct trace_struct {
    const char *name;
    uint16_t size;
    const struct trace_field *fields;
};

/* One argument: what a pointer points to (a struct, or a scalar described by kind and size), and
 * the named values of a scalar argument. */
struct trace_arg {
    const struct trace_struct *layout;
    uint8_t kind, size;
    const struct trace_value *values;
};

struct trace_syscall {
    struct trace_arg args[ABI_MAX_ARGS];
};

extern const struct trace_syscall trace_syscalls[SYS_TABLE_SIZE];

/* Reads trace= from the kernel command line (kernel/trace.c) and turns tracing on. */
void trace_init(void);

#endif
