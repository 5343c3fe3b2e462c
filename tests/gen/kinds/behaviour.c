/*
 * Host test of the shims generated for the v2 kinds (tests/gen/kinds/v2_model.lua): flags and enum
 * checks, extra results and 64-bit results written to the caller's registers, a 64-bit argument
 * joined from its two registers. The shims run through the slow path (syscall_dispatch), whose
 * frame is the process's, as in the kernel.
 */
#include <stdio.h>
#include <string.h>

#include "syscall_handlers.h"
#include "proc.h"

int user_probe(uint32_t uaddr, uint32_t n, int write)
{
    (void)uaddr, (void)n, (void)write;
    return 0;
}
int copy_from_user(void *dst, uint32_t uaddr, uint32_t n)
{
    (void)uaddr;
    memset(dst, 0, n);
    return 0;
}
int copy_to_user(uint32_t uaddr, const void *src, uint32_t n)
{
    (void)uaddr, (void)src, (void)n;
    return 0;
}
int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max)
{
    (void)uaddr, (void)max;
    dst[0] = 0;
    return 0;
}
int syscall_trace_enabled;
void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr)
{
    (void)tf, (void)nr;
}
void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    (void)tf, (void)nr, (void)ret;
}

static struct trap_frame tf;
static struct proc me = {&tf};
struct proc *current = &me;

static int calls;
static int32_t next_ret;
static uint32_t got[4];
static int64_t got64;

/* The v1 fixture's handlers: present, not exercised here. */
int32_t sys_nop(void) { return 0; }
int32_t sys_split(void) { return 0; }
uint32_t sys_scalars(int8_t a, uint8_t b, int16_t c, uint16_t d, uint32_t e) { (void)a, (void)b, (void)c, (void)d, (void)e; return 0; }
int32_t sys_bufs(user_in_t s, uint32_t n, user_out_t d, uint16_t m, user_inout_t io) { (void)s, (void)n, (void)d, (void)m, (void)io; return 0; }
int32_t sys_narrow(user_inout_t b, uint8_t n8) { (void)b, (void)n8; return 0; }
int32_t sys_open(const char *p, const char *a) { (void)p, (void)a; return 0; }
int32_t sys_structs(const struct point *p, struct point *q, struct every *r, const uint32_t *s, uint64_t *t) { (void)p, (void)q, (void)r, (void)s, (void)t; return 0; }
uint32_t sys_brk(uint32_t to) { return to; }
int32_t sys_quit(int32_t code) { return code; }
int32_t sys_amc_message_send(const char *d, user_in_t b, uint32_t l) { (void)d, (void)b, (void)l; return 0; }

int32_t sys_pair_call(int32_t h, uint32_t o, uint32_t md, struct sys_pair_call_results *res)
{
    calls++;
    got[0] = (uint32_t)h, got[1] = o, got[2] = md;
    if (next_ret >= 0) {
        res->w0 = 0xA0A0A0A0u;
        res->w1 = -7;
    }
    return next_ret;
}
uint64_t sys_clock64(void)
{
    calls++;
    return next_ret < 0 ? (uint64_t)(int64_t)next_ret : 0x123456789ABCDEF0ull;
}
int64_t sys_seek(int32_t fd, int64_t pos, uint32_t sp)
{
    calls++;
    got[0] = (uint32_t)fd, got[1] = sp;
    got64 = pos;
    return next_ret < 0 ? next_ret : pos + 1;
}
int32_t sys_make(void) { calls++; return 5; }

static int failures;
#define CHECK(name, cond)                                                                          \
    do {                                                                                           \
        if (cond)                                                                                  \
            printf("ok %s\n", name);                                                               \
        else {                                                                                     \
            printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__);                              \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

static uint32_t call(uint32_t nr, uint32_t b, uint32_t c, uint32_t d, uint32_t s, uint32_t di)
{
    memset(&tf, 0x5A, sizeof tf);
    tf.eax = nr, tf.ebx = b, tf.ecx = c, tf.edx = d, tf.esi = s, tf.edi = di;
    calls = 0;
    syscall_dispatch(&tf);
    return tf.eax;
}
#define ERR(e) ((uint32_t)-(e))

int main(void)
{
    next_ret = 3;
    CHECK("kinds_results_in_registers", call(SYS_pair_call, 9, OPT_A | OPT_C, MODE_AUTO, 0, 0) == 3 && calls == 1 &&
                                            tf.edx == 0xA0A0A0A0u && tf.ecx == (uint32_t)-7 && got[0] == 9 &&
                                            got[1] == 5 && got[2] == 2);
    CHECK("kinds_results_others_kept", tf.ebx == 9 && tf.esi == 0 && tf.edi == 0 && tf.ebp == 0x5A5A5A5Au);
    next_ret = -ENOENT;
    CHECK("kinds_results_zero_on_error", call(SYS_pair_call, 9, 0, 0, 0, 0) == ERR(ENOENT) && tf.edx == 0 &&
                                             tf.ecx == 0);
    next_ret = 0;
    CHECK("kinds_flags_unknown_bit", call(SYS_pair_call, 9, 0x2, 0, 0, 0) == ERR(EINVAL) && calls == 0 &&
                                         tf.edx == 0 && tf.ecx == 0);
    CHECK("kinds_flags_high_bit", call(SYS_pair_call, 9, 0x80000001u, 0, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_flags_none", call(SYS_pair_call, 9, 0, 0, 0, 0) == 0 && calls == 1);
    CHECK("kinds_enum_past_end", call(SYS_pair_call, 9, 0, 3, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_enum_huge", call(SYS_pair_call, 9, 0, 0xFFFFFFFFu, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_enum_last", call(SYS_pair_call, 9, 0, MODE_AUTO, 0, 0) == 0 && calls == 1);
    CHECK("kinds_u64_result", call(SYS_clock64, 0, 0, 0, 0, 0) == 0x9ABCDEF0u && tf.edx == 0x12345678u && calls == 1);
    next_ret = -EINVAL;
    CHECK("kinds_u64_result_error", call(SYS_clock64, 0, 0, 0, 0, 0) == ERR(EINVAL) && tf.edx == 0xFFFFFFFFu);
    next_ret = 0;
    CHECK("kinds_i64_arg_joined", call(SYS_seek, 4, 0x89ABCDEFu, 0x01234567u, SP_FIVE, 0) == 0x89ABCDF0u &&
                                      tf.edx == 0x01234567u && got64 == 0x0123456789ABCDEFll && got[1] == 5);
    CHECK("kinds_i64_arg_negative", call(SYS_seek, 4, 0xFFFFFFFEu, 0xFFFFFFFFu, SP_ONE, 0) == 0xFFFFFFFFu &&
                                        tf.edx == 0xFFFFFFFFu && got64 == -2);
    CHECK("kinds_enum_sparse_gap", call(SYS_seek, 4, 0, 0, 3, 0) == ERR(EINVAL) && tf.edx == 0xFFFFFFFFu && calls == 0);
    CHECK("kinds_enum_sparse_zero", call(SYS_seek, 4, 0, 0, 0, 0) == ERR(EINVAL) && calls == 0);
    const struct syscall_desc *d = &syscall_table[SYS_pair_call];
    CHECK("kinds_desc_results", d->nresults == 2 && strcmp(d->results[0].name, "w0") == 0 &&
                                    d->results[0].offset == offsetof(struct trap_frame, edx) &&
                                    d->results[1].kind == SARG_INT &&
                                    d->results[1].offset == offsetof(struct trap_frame, ecx));
    d = &syscall_table[SYS_seek];
    CHECK("kinds_desc_pair", d->ret_kind == SARG_INT64 && d->args[1].kind == SARG_INT64 && d->args[1].reg == 2 &&
                                 d->args[1].len_arg == 2 && d->args[2].reg == 4);
    return failures != 0;
}
