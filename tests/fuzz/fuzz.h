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
/* Generated: one chooser per syscall; fuzz_choices holds indices into it (fuzz_syscall_count
 * for a number that is no syscall), each as often as its weight; numbers below SYS_TABLE_SIZE
 * that name no syscall. tests/fuzz/pick.c reads them. */
typedef void fuzz_picker_fn(struct fuzz_env *env, struct fuzz_call *c);
extern fuzz_picker_fn *const fuzz_pickers[];
extern const uint16_t fuzz_choices[];
extern const uint32_t fuzz_choice_count;
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
