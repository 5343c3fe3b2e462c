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
    SARG_INOUT_PTR,
    SARG_INT64, /* a 64-bit scalar in two registers, or a 64-bit result in two */
    SARG_UINT64
};

#define SYSCALL_F_NORETURN 0x01
#define SYSCALL_F_BLOCKING 0x02
#define SYSCALL_F_RETIRED 0x04

/*
 * size: N for in str[N], the pointee size for in/out/inout T, the element size of an array
 * T[COUNT] (its len_arg is then the count), else 0. A buffer whose len_arg is a pointer argument
 * (bytes[*len]) has its length in user memory, a value-result length. reg: the argument's
 * register as its position in arg_registers plus one, or 0 when argument i is in register i (a
 * 64-bit argument takes two registers, which moves every later one). A 64-bit argument's reg is
 * its low word's, and its len_arg the position (from 0) of its high word's register. len_arg of
 * any other argument is 0 and never read.
 */
struct syscall_arg_desc {
    const char *name;
    uint8_t kind;
    uint8_t len_arg;
    uint16_t size;
    uint8_t reg;
};

/* An extra result (result_registers after eax): where the shim put it in the trap frame. */
struct syscall_result_desc {
    const char *name;
    uint8_t kind; /* SARG_INT, SARG_UINT or SARG_HEX */
    uint8_t offset;
};
#define SYSCALL_MAX_RESULTS 2

/*
 * What an entry shim receives: the trap frame itself, by value, where the int 0x80 stub
 * (kernel/trap.asm) built it, with room below it. The stub reserves syscall_entry_room bytes
 * under the frame and calls the entry, so the frame is the entry's argument area: a shim reads
 * the argument registers from it at fixed offsets from its stack pointer, passes the handler's
 * arguments on in the room (in place, no second frame) and ends in a jump to the handler. The
 * room holds nothing on entry and is never read back; it has a slot for every argument a
 * handler can take, so passing them on never reaches the frame.
 */
struct syscall_room {
    uint32_t slot[ABI_MAX_ARGS];
};
struct syscall_frame {
    struct syscall_room room;
    struct trap_frame tf;
};
extern const uint32_t syscall_entry_room;

/* The generated table gives the first five fields in order, the others by name. */
struct syscall_desc {
    const char *name; /* NULL for unused and retired slots */
    int32_t (*shim)(struct syscall_frame f);
    uint8_t nargs, flags; /* SYSCALL_F_NORETURN, _BLOCKING, _RETIRED */
    uint8_t ret_kind;     /* SARG_INT, SARG_UINT, SARG_HEX, SARG_INT64 or SARG_UINT64 */
    uint8_t nresults;     /* extra results, in results[] */
    uint8_t ret_hi;       /* a 64-bit result: where its high word is in the trap frame */
    struct syscall_arg_desc args[ABI_MAX_ARGS];
    struct syscall_result_desc results[SYSCALL_MAX_RESULTS];
};

extern const struct syscall_desc syscall_table[SYS_TABLE_SIZE];

/*
 * What the int 0x80 stub (kernel/trap.asm) calls for a number below SYS_TABLE_SIZE:
 * entries[nr](frame), cdecl, the result in eax. That is the syscall's entry shim, or for a
 * syscall without arguments its handler itself: such a shim would only forward the call, and a
 * cdecl callee may ignore the arguments it is passed. The entries have different C types and
 * only assembly calls through them, so they are stored as plain code addresses.
 */
typedef void (*syscall_code_t)(void);
extern const syscall_code_t syscall_entries[SYS_TABLE_SIZE];

/* Entry from the trap handler: number in tf->eax, result stored to tf->eax. */
void syscall_dispatch(struct trap_frame *tf);
/* The shim of unused and retired numbers: returns -ENOSYS. */
int32_t syscall_nosys(struct syscall_frame f);

/* Tracing (kernel/trace.c). nr may be >= SYS_TABLE_SIZE (the call then fails with ENOSYS). */
extern int syscall_trace_enabled;
void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr);
void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret);

#endif
