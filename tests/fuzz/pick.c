/*
 * The fixed part of choosing a fuzzed call: pick a syscall of the generated tables
 * (build/gen/fuzz/syscall_fuzzer.c, from gen/out_fuzzer.lua) and choose its arguments as they
 * say, or a number that is no syscall, and read its result. Everything the .def decides (each
 * syscall's argument kinds, the weights, the unused numbers, each call's errors) is in the
 * generated tables this file reads.
 */
#include "fuzz.h"

/* What a number that is no syscall may return. */
static const uint16_t fuzz_errors_none[] = {ENOSYS, 0};

/* A number that is no syscall: an unused or retired slot, just past the table, or far away. */
static void fuzz_pick_invalid(struct fuzz_env *env, struct fuzz_call *c)
{
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    switch (r % 4) {
    case 0:
        c->nr = fuzz_unused[hi % fuzz_unused_count];
        break;
    case 1:
        c->nr = SYS_TABLE_SIZE + hi % 256;
        break;
    case 2:
        c->nr = hi & 1 ? 0xFFFFFFFFu - hi % 16 : 0x80000000u + hi % 16;
        break;
    default:
        c->nr = SYS_TABLE_SIZE + fuzz_rand(env) % (0u - SYS_TABLE_SIZE);
        break;
    }
    c->index = fuzz_syscall_count;
    c->nargs = ABI_MAX_ARGS;
    c->flags = 0;
    c->errors = fuzz_errors_none;
    for (uint32_t i = 0; i < ABI_MAX_ARGS; i++)
        c->args[i] = fuzz_rand(env);
}

/* One argument row of the generated tables (fuzz.h, enum fuzz_op). */
static void pick_arg(struct fuzz_env *env, struct fuzz_call *c, const struct fuzz_arg *a)
{
    uint32_t *slot = &c->args[a->at];
    switch (a->op) {
    case FUZZ_OP_SCALAR:
        *slot = fuzz_scalar(env, a->bits, a->is_signed);
        break;
    case FUZZ_OP_SCALAR64:
        *slot = fuzz_scalar(env, 32, 0);
        c->args[a->aux] = fuzz_scalar(env, 32, a->is_signed);
        break;
    case FUZZ_OP_RESOURCE:
        c->volatile_args |= 1u << a->at;
        *slot = fuzz_resource(env, a->res, a->values, a->count);
        break;
    case FUZZ_OP_OWN_CHILD:
        c->volatile_args |= 1u << a->at;
        *slot = fuzz_own_child(env);
        break;
    case FUZZ_OP_FLAGS:
        *slot = fuzz_flags(env, a->values, a->count, a->bits);
        break;
    case FUZZ_OP_ENUM:
        *slot = fuzz_enum(env, a->values, a->count, a->bits, a->is_signed);
        break;
    case FUZZ_OP_CLAMP:
        *slot = fuzz_clamp(*slot, a->bits, a->is_signed, a->max);
        break;
    case FUZZ_OP_AVOID:
        *slot = fuzz_avoid(*slot, a->bits, a->is_signed, a->values, a->count);
        break;
    case FUZZ_OP_ARRAY:
        fuzz_array(env, c, slot, &c->args[a->aux], a->max, a->bits, a->writes, a->size,
                   a->optional);
        break;
    case FUZZ_OP_ARRAY_LENPTR: {
        /* The length is a u32 the kernel reads and writes back: chosen with the buffer, passed in
         * scratch (or at a hostile address) through the length's pointer argument. */
        uint32_t n;
        fuzz_array(env, c, slot, &n, a->max, 32, a->writes, a->size, a->optional);
        c->args[a->aux] = fuzz_length_pointer(env, c, n);
        break;
    }
    case FUZZ_OP_BUFFER_FOR:
        *slot = fuzz_buffer_for(env, c, c->args[a->aux] * a->size, a->bits, a->writes);
        break;
    case FUZZ_OP_STRING:
        *slot = a->optional && fuzz_below(env, 16) == 0 ? 0u : fuzz_string(env, a->aux, a->max);
        break;
    default: /* FUZZ_OP_POINTER */
        *slot = fuzz_pointer(env, c, a->size, a->writes);
        break;
    }
}

/* Syscall i of the generated tables, its arguments chosen in order. */
static void pick_syscall(struct fuzz_env *env, struct fuzz_call *c, uint32_t i)
{
    const struct fuzz_syscall *s = &fuzz_syscalls[i];
    c->index = i;
    c->nr = s->nr;
    c->nargs = s->nargs;
    c->flags = s->flags;
    c->errors = s->errors;
    c->produces = s->produces;
    for (uint32_t k = 0; k < s->nrows; k++)
        pick_arg(env, c, &fuzz_args[s->first + k]);
}

/* How often syscall i (fuzz_syscall_count: a number that is no syscall) is chosen: an isolated
 * call costs a fork, so those a quarter as often as the others. */
static uint32_t weight(uint32_t i)
{
    return i < fuzz_syscall_count && (fuzz_syscalls[i].flags & FUZZ_F_ISOLATE) ? 1 : 4;
}

/* The next syscall to call (or fuzz_syscall_count), by weight. */
static uint32_t choose(struct fuzz_env *env)
{
    static uint32_t total;
    if (total == 0)
        for (uint32_t i = 0; i <= fuzz_syscall_count; i++)
            total += weight(i);
    uint32_t k = fuzz_below(env, total), i = 0;
    while (k >= weight(i))
        k -= weight(i++);
    return i;
}

void fuzz_pick(struct fuzz_env *env, struct fuzz_call *c)
{
    for (uint32_t i = 0; i < ABI_MAX_ARGS; i++)
        c->args[i] = 0;
    c->nout = 0;
    c->volatile_args = 0;
    c->produces = -1;
    const uint32_t i = choose(env);
    if (i < fuzz_syscall_count)
        pick_syscall(env, c, i);
    else
        fuzz_pick_invalid(env, c);
}

uint32_t fuzz_error(const struct fuzz_call *c, uint32_t ret)
{
    if (c->flags & FUZZ_F_UNSIGNED)
        return ret >= (uint32_t)-ABI_ERRNO_MAX ? 0u - ret : 0;
    return (int32_t)ret < 0 ? 0u - ret : 0;
}

int fuzz_error_documented(const struct fuzz_call *c, uint32_t err)
{
    for (const uint16_t *e = c->errors; *e; e++)
        if (*e == err)
            return 1;
    return 0;
}
