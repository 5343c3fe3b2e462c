/*
 * Interface between the generated syscall fuzzer and its driver.
 *
 * gen/out_fuzzer.lua turns abi/syscalls.def into build/gen/fuzz/syscall_fuzzer.c: for every
 * syscall it knows the argument kinds and the .def's `fuzz` hints, and chooses a mix of valid
 * and hostile values (kernel and unmapped addresses, ranges that wrap or straddle an unmapped
 * page, huge lengths, negative and random numbers, numbers that are no syscall). It never
 * touches the process itself: the driver (tests/fuzz/fuzz.c) makes the calls, isolates the ones
 * that may block forever in a child, reaps children and checks the results.
 *
 * Everything the generated code chooses comes from env->rng, so a seed replays the same calls.
 */
#ifndef LAYERCAKE_FUZZ_H
#define LAYERCAKE_FUZZ_H

#include <stdint.h>

#include "abi.h"

/* Valid buffers the kernel may write lie in the first FUZZ_BUF_AREA bytes of scratch; strings
 * in slots after it. Small, because every isolated call forks (copies) the fuzzer. */
#define FUZZ_BUF_AREA 16384u

/* Most resource types a definition may have (the generated code asserts it), and how many of
 * the values its producers returned the driver keeps for each (the latest ones). */
#define FUZZ_RESOURCES_MAX 8
#define FUZZ_POOL 16

/* fuzz_call.flags */
#define FUZZ_F_ISOLATE 0x1u  /* may block forever or end the caller: make it in a child */
#define FUZZ_F_NORETURN 0x2u /* never returns when it succeeds */
#define FUZZ_F_UNSIGNED 0x4u /* result is u32/uptr: errors are (uint32_t)-ABI_ERRNO_MAX and up */

/* What the generated code may use of the calling process. The driver guarantees each property. */
struct fuzz_env {
    uint32_t rng; /* xorshift32 state, never 0 */
    /* Mapped, writable, used for nothing else: fuzz_scratch_need bytes at least. */
    uint8_t *scratch;
    uint32_t scratch_size;
    /* Mapped, writable and unused, directly above `edge`, below which nothing is mapped. */
    uint32_t spare, spare_size;
    uint32_t edge;
    uint32_t readonly;                /* first byte of at least one mapped read-only page */
    uint32_t unmapped, unmapped_size; /* inside user space, never mapped */
    uint32_t heap;                    /* the initial break: mapped or not, as sbrk leaves it */
    const uint32_t *kernel_addrs;     /* addresses of kernel code and data */
    uint32_t kernel_addr_count;
    const char *const *names; /* strings worth passing: program and service names */
    uint32_t name_count;
    const int32_t *children; /* the caller's live children */
    uint32_t child_count;
    const int32_t *dead; /* pids that are certainly not live (reaped children) */
    uint32_t dead_count;
    /* What the producers of each resource returned in this process (fuzz_produced). */
    uint32_t pool[FUZZ_RESOURCES_MAX][FUZZ_POOL];
    uint32_t pool_count[FUZZ_RESOURCES_MAX];
};
/* The last 16 bytes of user space hold no NUL (the driver fills them), so a string there runs
 * into the end of user space. */

struct fuzz_region {
    uint32_t addr, len;
};

struct fuzz_call {
    uint32_t index; /* into fuzz_syscall_names; fuzz_syscall_count for a number that is none */
    uint32_t nr;    /* the number put in eax */
    uint32_t nargs, flags;
    uint32_t args[ABI_MAX_ARGS];
    uint32_t volatile_args; /* bit i: args[i] depends on the run (a child's pid), not the seed */
    int32_t produces;       /* the resource a success returns (index), or -1 */
    const uint16_t
        *errors; /* errors the call may return (its .def errors and implied ones), 0-ended */
    uint32_t nout;
    struct fuzz_region out[ABI_MAX_ARGS]; /* scratch the kernel may change only on success */
};

extern const uint32_t fuzz_syscall_count;
extern const char *const fuzz_syscall_names[]; /* fuzz_syscall_count + 1 names */
extern const uint32_t fuzz_scratch_need;

#define FUZZ_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Generated (build/gen/fuzz/syscall_fuzzer.c): the size of one string slot in scratch. */
extern const uint32_t fuzz_str_slot;

/*
 * Generated: how to choose each syscall's arguments, as data that tests/fuzz/pick.c interprets:
 * a row per syscall, and a row per argument (in argument order, each one drawing from env->rng
 * in turn) that says which value pool fills which slot of fuzz_call.args.
 */
enum fuzz_op {
    FUZZ_OP_SCALAR,       /* fuzz_scalar(bits, is_signed) */
    FUZZ_OP_SCALAR64,     /* a 64-bit scalar: two 32-bit words, the high one (in aux) is_signed */
    FUZZ_OP_RESOURCE,     /* fuzz_resource(res, values, count): its value depends on the run */
    FUZZ_OP_OWN_CHILD,    /* fuzz_own_child: the same */
    FUZZ_OP_FLAGS,        /* fuzz_flags(values, count, bits) */
    FUZZ_OP_ENUM,         /* fuzz_enum(values, count, bits, is_signed) */
    FUZZ_OP_CLAMP,        /* the slot's value kept within [0, max] (fuzz max hint) */
    FUZZ_OP_AVOID,        /* the slot's value kept off values (fuzz avoid hint) */
    FUZZ_OP_ARRAY,        /* fuzz_array into the slot and its length's slot aux */
    FUZZ_OP_ARRAY_LENPTR, /* the same with a value-result length: aux gets a pointer to it */
    FUZZ_OP_BUFFER_FOR,   /* fuzz_buffer_for the length in slot aux (times size) */
    FUZZ_OP_STRING,  /* fuzz_string in string slot aux, at most max bytes (optional: or NULL) */
    FUZZ_OP_POINTER, /* fuzz_pointer to size bytes */
};

struct fuzz_arg {
    uint8_t op;   /* enum fuzz_op */
    uint8_t at;   /* the fuzz_call.args slot it fills */
    uint8_t aux;  /* another slot (see enum fuzz_op) */
    uint8_t bits; /* of the scalar, or of the length */
    uint8_t is_signed, writes, optional;
    uint8_t res;            /* a resource's index */
    uint32_t max;           /* the bound of a buffer, string or clamp */
    uint32_t size;          /* a pointee's or an element's size */
    const uint32_t *values; /* members, specials or avoided values */
    uint32_t count;
};
#define FUZZ_ARG(op, at, aux, bits, is_signed, writes, optional, res, max, size, values, count)    \
    {                                                                                              \
        op, at, aux, bits, is_signed, writes, optional, res, max, size, values, count              \
    }
#define FUZZ_SCALAR(at, bits, is_signed)                                                           \
    FUZZ_ARG(FUZZ_OP_SCALAR, at, 0, bits, is_signed, 0, 0, 0, 0, 0, 0, 0)
#define FUZZ_SCALAR64(lo, hi, is_signed)                                                           \
    FUZZ_ARG(FUZZ_OP_SCALAR64, lo, hi, 32, is_signed, 0, 0, 0, 0, 0, 0, 0)
#define FUZZ_NAMED(op, at, bits, is_signed, res, values, count)                                    \
    FUZZ_ARG(op, at, 0, bits, is_signed, 0, 0, res, 0, 0, values, count)
#define FUZZ_CLAMP(at, bits, is_signed, max)                                                       \
    FUZZ_ARG(FUZZ_OP_CLAMP, at, 0, bits, is_signed, 0, 0, 0, max, 0, 0, 0)
#define FUZZ_AVOID(at, bits, is_signed, values, count)                                             \
    FUZZ_ARG(FUZZ_OP_AVOID, at, 0, bits, is_signed, 0, 0, 0, 0, 0, values, count)
#define FUZZ_ARRAY(op, at, len, max, bits, writes, elem, optional)                                 \
    FUZZ_ARG(op, at, len, bits, 0, writes, optional, 0, max, elem, 0, 0)
#define FUZZ_BUFFER_FOR(at, len, elem, bits, writes)                                               \
    FUZZ_ARG(FUZZ_OP_BUFFER_FOR, at, len, bits, 0, writes, 0, 0, 0, elem, 0, 0)
#define FUZZ_STRING(at, slot, max, optional)                                                       \
    FUZZ_ARG(FUZZ_OP_STRING, at, slot, 0, 0, 0, optional, 0, max, 0, 0, 0)
#define FUZZ_POINTER(at, size, writes)                                                             \
    FUZZ_ARG(FUZZ_OP_POINTER, at, 0, 0, 0, writes, 0, 0, 0, size, 0, 0)

struct fuzz_syscall {
    uint32_t nr;
    uint8_t nargs;          /* argument registers it takes */
    uint8_t flags;          /* FUZZ_F_* */
    int8_t produces;        /* the resource a success returns (index), or -1 */
    uint8_t nrows;          /* its rows in fuzz_args */
    uint32_t first;         /* the first of them */
    const uint16_t *errors; /* fuzz_call.errors */
};
extern const struct fuzz_syscall fuzz_syscalls[];
extern const struct fuzz_arg fuzz_args[];

/* Generated: the numbers below SYS_TABLE_SIZE that name no syscall. */
extern const uint32_t fuzz_unused[];
extern const uint32_t fuzz_unused_count;

/* The value pools (tests/fuzz/values.c) the generated choosers draw arguments from. */
uint32_t fuzz_rand(struct fuzz_env *env);
uint32_t fuzz_below(struct fuzz_env *env, uint32_t n);
/* A value for a scalar of the given width: edge values, small, negative and random numbers. */
uint32_t fuzz_scalar(struct fuzz_env *env, uint32_t bits, int is_signed);
/* v kept within [0, max] (fuzz max hint), or away from the listed values (fuzz avoid hint). */
uint32_t fuzz_clamp(uint32_t v, uint32_t bits, int is_signed, uint32_t max);
uint32_t fuzz_avoid(uint32_t v, uint32_t bits, int is_signed, const uint32_t *avoid, uint32_t n);
/* A pid that is the caller's own child or cannot be live (fuzz own_child hint). */
uint32_t fuzz_own_child(struct fuzz_env *env);
/* A flags argument: an OR of members (n of them), less often with a bit none defines (within
 * bits) or anything at all. */
uint32_t fuzz_flags(struct fuzz_env *env, const uint32_t *members, uint32_t n, uint32_t bits);
/* An enum argument: one of its n values, less often the one past the largest, or anything. */
uint32_t fuzz_enum(struct fuzz_env *env, const uint32_t *values, uint32_t n, uint32_t bits,
                   int is_signed);
/* A resource argument: a value its producers returned in this process, one of its n specials,
 * or one that cannot be valid; never an arbitrary number (it could name another's resource). */
uint32_t fuzz_resource(struct fuzz_env *env, uint32_t res, const uint32_t *specials, uint32_t n);
/* The driver: a call that produces resource res returned v. */
void fuzz_produced(struct fuzz_env *env, uint32_t res, uint32_t v);
/* A buffer and its length (max: the bound of a len_bits-wide length), valid or hostile; a writable
 * one is noted in c->out so the driver can check it is untouched when the call fails. */
void fuzz_buffer(struct fuzz_env *env, struct fuzz_call *c, uint32_t *addr, uint32_t *len,
                 uint32_t max, uint32_t len_bits, int writes);
/* The same for an array of elements of elem_size bytes (len and max count elements); optional:
 * NULL with any length is valid too. */
void fuzz_array(struct fuzz_env *env, struct fuzz_call *c, uint32_t *addr, uint32_t *len,
                uint32_t max, uint32_t len_bits, int writes, uint32_t elem_size, int optional);
/* A pointer to a u32 holding n (a value-result length, which the kernel writes back), in
 * scratch, or a hostile pointer. */
uint32_t fuzz_length_pointer(struct fuzz_env *env, struct fuzz_call *c, uint32_t n);
/* A second buffer measured by the same length. */
uint32_t fuzz_buffer_for(struct fuzz_env *env, struct fuzz_call *c, uint32_t len, uint32_t len_bits,
                         int writes);
/* A pointer to size bytes (a struct or scalar argument), valid or hostile. */
uint32_t fuzz_pointer(struct fuzz_env *env, struct fuzz_call *c, uint32_t size, int writes);
/* A string of at most n bytes in string slot slot, or a hostile address. */
uint32_t fuzz_string(struct fuzz_env *env, uint32_t slot, uint32_t n);
/* Chooses the next call; the same env->rng gives the same call (tests/fuzz/pick.c). */
void fuzz_pick(struct fuzz_env *env, struct fuzz_call *call);
/* Traps into the kernel with the call's number and argument registers; returns eax. */
uint32_t fuzz_trap(const struct fuzz_call *call);
/* The positive error number a result stands for, or 0 for a success. */
uint32_t fuzz_error(const struct fuzz_call *call, uint32_t ret);
/* 1 when abi/syscalls.def lets the call fail with err. */
int fuzz_error_documented(const struct fuzz_call *call, uint32_t err);

#endif
