/*
 * The fixed part of choosing a fuzzed call: pick one of the generated choosers
 * (build/gen/fuzz/syscall_fuzzer.c, from gen/out_fuzzer.lua), or a number that is no syscall,
 * and read its result. Everything the .def decides (the choosers, the weights, the unused
 * numbers, each call's errors) is in the generated tables this file reads.
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

void fuzz_pick(struct fuzz_env *env, struct fuzz_call *c)
{
    for (uint32_t i = 0; i < ABI_MAX_ARGS; i++)
        c->args[i] = 0;
    c->nout = 0;
    c->volatile_args = 0;
    c->produces = -1;
    const uint32_t i = fuzz_choices[fuzz_below(env, fuzz_choice_count)];
    if (i < fuzz_syscall_count)
        fuzz_pickers[i](env, c);
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
