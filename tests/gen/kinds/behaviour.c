/*
 * Host test of the shims generated from tests/gen/kinds/v2.def: flags and enum checks, extra
 * results and 64-bit results written to the caller's registers, a 64-bit argument joined from its
 * two registers, arrays by element count, value-result lengths, optional buffers and strings.
 * The shims run through the slow path (syscall_dispatch), whose frame is the process's, as in
 * the kernel; "user memory" is one fake region at the bottom of user space.
 */
#include <stdio.h>
#include <string.h>

#include "syscall_handlers.h"
#include "proc.h"

#define REGION 4096u
static uint8_t mem[REGION];
#define LOW ABI_USER_LOW

static uint8_t *user_ptr(uint32_t addr, uint32_t n)
{
    if (addr >= LOW && addr - LOW <= REGION && n <= REGION - (addr - LOW))
        return mem + (addr - LOW);
    return NULL;
}
int user_probe(uint32_t uaddr, uint32_t n, int write)
{
    (void)write;
    return user_ptr(uaddr, n) ? 0 : -EFAULT;
}
int copy_from_user(void *dst, uint32_t uaddr, uint32_t n)
{
    uint8_t *p = user_ptr(uaddr, n);
    if (!p)
        return -EFAULT;
    memcpy(dst, p, n);
    return 0;
}
int copy_to_user(uint32_t uaddr, const void *src, uint32_t n)
{
    uint8_t *p = user_ptr(uaddr, n);
    if (!p)
        return -EFAULT;
    memcpy(p, src, n);
    return 0;
}
int copy_str_from_user(char *dst, uint32_t uaddr, uint32_t max)
{
    for (uint32_t i = 0; i <= max; i++) {
        uint8_t *p = user_ptr(uaddr + i, 1);
        if (!p)
            return -EFAULT;
        dst[i] = (char)*p;
        if (!*p)
            return (int)i;
    }
    return -ENAMETOOLONG;
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
/* The handler's string lives in its shim's frame, dead once the call returns: keep a copy. */
static char got_name[16];
static const char *got_str;

int32_t sys_make(void)
{
    calls++;
    return 5;
}
int32_t sys_pair_call(handle_t h, opts_t o, level_t lv, struct sys_pair_call_results *res)
{
    calls++;
    got[0] = (uint32_t)h, got[1] = o, got[2] = lv;
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
int64_t sys_seek(int32_t fd, int64_t pos, sparse_t sp)
{
    calls++;
    got[0] = (uint32_t)fd, got[1] = sp;
    got64 = pos;
    return next_ret < 0 ? next_ret : pos + 1;
}
int32_t sys_readv(int32_t fd, user_in_t iov, uint32_t count)
{
    calls++;
    got[0] = (uint32_t)fd, got[1] = iov.addr, got[2] = count;
    return 0;
}
int32_t sys_getname(user_out_t buf, uint32_t *len)
{
    calls++;
    got[0] = buf.addr, got[1] = *len;
    const uint32_t n = *len < 5 ? *len : 5;
    copy_to_user(buf.addr, "hello", n);
    *len = n;
    return next_ret;
}
int32_t sys_sendto(user_in_t dest, uint32_t dlen, const char *name)
{
    calls++;
    got[0] = dest.addr, got[1] = dlen;
    got_str = NULL;
    if (name) {
        snprintf(got_name, sizeof got_name, "%s", name);
        got_str = got_name;
    }
    return 0;
}
int32_t sys_execve(const char *path)
{
    calls++;
    (void)path;
    return -ENOSYS;
}
int32_t sys_break_(uint32_t to)
{
    calls++;
    return (int32_t)to;
}
int32_t sys_stat(struct status *st)
{
    calls++;
    st->who = 3;
    st->how = LEVEL_ON;
    st->with = OPT_C;
    return 0;
}

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
#define ERR(e) ((uint32_t) - (e))

static void test_results_and_values(void)
{
    next_ret = 3;
    CHECK("kinds_results_in_registers",
          call(SYS_pair_call, 9, OPT_A | OPT_C, LEVEL_AUTO, 0, 0) == 3 && calls == 1 &&
              tf.edx == 0xA0A0A0A0u && tf.ecx == (uint32_t)-7 && got[0] == 9 && got[1] == 5 &&
              got[2] == 2);
    CHECK("kinds_results_others_kept",
          tf.ebx == 9 && tf.esi == 0 && tf.edi == 0 && tf.ebp == 0x5A5A5A5Au);
    next_ret = -EAGAIN;
    CHECK("kinds_results_zero_on_error",
          call(SYS_pair_call, 9, 0, 0, 0, 0) == ERR(EAGAIN) && tf.edx == 0 && tf.ecx == 0);
    next_ret = 0;
    CHECK("kinds_flags_unknown_bit", call(SYS_pair_call, 9, 0x2, 0, 0, 0) == ERR(EINVAL) &&
                                         calls == 0 && tf.edx == 0 && tf.ecx == 0);
    CHECK("kinds_flags_next_to_top",
          call(SYS_pair_call, 9, 0x40000000u, 0, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_flags_all",
          call(SYS_pair_call, 9, OPT_A | OPT_C | OPT_TOP, 0, 0, 0) == 0 && calls == 1);
    CHECK("kinds_flags_none", call(SYS_pair_call, 9, 0, 0, 0, 0) == 0 && calls == 1);
    CHECK("kinds_enum_past_end", call(SYS_pair_call, 9, 0, 3, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_enum_huge",
          call(SYS_pair_call, 9, 0, 0xFFFFFFFFu, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_enum_last", call(SYS_pair_call, 9, 0, LEVEL_AUTO, 0, 0) == 0 && calls == 1);
    CHECK("kinds_resource_any_value",
          call(SYS_pair_call, 0xFFFFFFFFu, 0, 0, 0, 0) == 0 && got[0] == 0xFFFFFFFFu);
    CHECK("kinds_u64_result",
          call(SYS_clock64, 0, 0, 0, 0, 0) == 0x9ABCDEF0u && tf.edx == 0x12345678u && calls == 1);
    next_ret = -EINVAL;
    CHECK("kinds_u64_result_error",
          call(SYS_clock64, 0, 0, 0, 0, 0) == ERR(EINVAL) && tf.edx == 0xFFFFFFFFu);
    next_ret = 0;
    CHECK("kinds_i64_arg_joined",
          call(SYS_seek, 4, 0x89ABCDEFu, 0x01234567u, SP_FIVE, 0) == 0x89ABCDF0u &&
              tf.edx == 0x01234567u && got64 == 0x0123456789ABCDEFll && got[1] == 5);
    CHECK("kinds_i64_arg_negative",
          call(SYS_seek, 4, 0xFFFFFFFEu, 0xFFFFFFFFu, SP_ONE, 0) == 0xFFFFFFFFu &&
              tf.edx == 0xFFFFFFFFu && got64 == -2);
    CHECK("kinds_enum_sparse_gap",
          call(SYS_seek, 4, 0, 0, 3, 0) == ERR(EINVAL) && tf.edx == 0xFFFFFFFFu && calls == 0);
    CHECK("kinds_enum_u8_truncated", call(SYS_seek, 4, 0, 0, 0x105, 0) == 1 && got[1] == 5);
    CHECK("kinds_enum_sparse_zero", call(SYS_seek, 4, 0, 0, 0, 0) == ERR(EINVAL) && calls == 0);
    CHECK("kinds_resource_result", call(SYS_make, 0, 0, 0, 0, 0) == 5);
}

static void test_buffers(void)
{
    CHECK("kinds_array_ok",
          call(SYS_readv, 1, LOW, IOV_MAX, 0, 0) == 0 && calls == 1 && got[2] == IOV_MAX);
    CHECK("kinds_array_over_max",
          call(SYS_readv, 1, LOW, IOV_MAX + 1, 0, 0) == ERR(E2BIG) && calls == 0);
    CHECK("kinds_array_bytes_checked",
          call(SYS_readv, 1, ABI_USER_HIGH - 8 * sizeof(struct iovec) + 4, IOV_MAX, 0, 0) ==
                  ERR(EFAULT) &&
              calls == 0);
    CHECK("kinds_array_huge_count",
          call(SYS_readv, 1, LOW, 0x20000001u, 0, 0) == ERR(E2BIG) && calls == 0);
    CHECK("kinds_array_empty", call(SYS_readv, 1, LOW, 0, 0, 0) == 0 && calls == 1);
    uint32_t cap = 3;
    copy_to_user(LOW + 100, &cap, 4);
    next_ret = 0;
    CHECK("kinds_value_result_small", call(SYS_getname, LOW, LOW + 100, 0, 0, 0) == 0 &&
                                          got[1] == 3 && memcmp(mem, "hel", 3) == 0);
    copy_from_user(&cap, LOW + 100, 4);
    CHECK("kinds_value_result_written_back", cap == 3);
    cap = 1000;
    copy_to_user(LOW + 100, &cap, 4);
    CHECK("kinds_value_result_capacity_clamped",
          call(SYS_getname, LOW, LOW + 100, 0, 0, 0) == 0 && got[1] == 16);
    copy_from_user(&cap, LOW + 100, 4);
    CHECK("kinds_value_result_size", cap == 5);
    cap = 16;
    copy_to_user(LOW + 100, &cap, 4);
    CHECK("kinds_value_result_buffer_checked",
          call(SYS_getname, LOW + REGION - 8, LOW + 100, 0, 0, 0) == ERR(EFAULT) && calls == 0);
    CHECK("kinds_value_result_len_null",
          call(SYS_getname, LOW, 0, 0, 0, 0) == ERR(EFAULT) && calls == 0);
    next_ret = -EINVAL;
    cap = 16;
    copy_to_user(LOW + 100, &cap, 4);
    CHECK("kinds_value_result_error", call(SYS_getname, LOW, LOW + 100, 0, 0, 0) == ERR(EINVAL));
    copy_from_user(&cap, LOW + 100, 4);
    CHECK("kinds_value_result_not_written_on_error", cap == 16);
    next_ret = 0;
    CHECK("kinds_optional_null", call(SYS_sendto, 0, 20, 0, 0, 0) == 0 && calls == 1 &&
                                     got[0] == 0 && got[1] == 0 && got_str == NULL);
    CHECK("kinds_optional_null_huge_len",
          call(SYS_sendto, 0, 0xFFFFFFFFu, 0, 0, 0) == 0 && got[1] == 0);
    memcpy(mem + 200, "abc", 4);
    CHECK("kinds_optional_given", call(SYS_sendto, LOW, 20, LOW + 200, 0, 0) == 0 &&
                                      got[0] == LOW && got[1] == 20 && got_str &&
                                      strcmp(got_str, "abc") == 0);
    CHECK("kinds_optional_over_max",
          call(SYS_sendto, LOW, 33, 0, 0, 0) == ERR(E2BIG) && calls == 0);
    CHECK("kinds_optional_bad", call(SYS_sendto, 0x1000, 1, 0, 0, 0) == ERR(EFAULT) && calls == 0);
    CHECK("kinds_optional_str_bad",
          call(SYS_sendto, 0, 0, 0x1000, 0, 0) == ERR(EFAULT) && calls == 0);
    CHECK("kinds_c_keyword", call(SYS_break, 77, 0, 0, 0, 0) == 77);
    struct status st;
    CHECK("kinds_named_struct_out", call(SYS_stat, LOW + 300, 0, 0, 0, 0) == 0 &&
                                        copy_from_user(&st, LOW + 300, sizeof st) == 0 &&
                                        st.who == 3 && st.how == LEVEL_ON && st.with == OPT_C);
}

static void test_table(void)
{
    const struct syscall_desc *d = &syscall_table[SYS_pair_call];
    CHECK("kinds_desc_results", d->nresults == 2 && strcmp(d->results[0].name, "w0") == 0 &&
                                    d->results[0].offset == offsetof(struct trap_frame, edx) &&
                                    d->results[1].kind == SARG_INT &&
                                    d->results[1].offset == offsetof(struct trap_frame, ecx));
    d = &syscall_table[SYS_seek];
    CHECK("kinds_desc_pair", d->ret_kind == SARG_INT64 &&
                                 d->ret_hi == offsetof(struct trap_frame, edx) &&
                                 d->args[1].kind == SARG_INT64 && d->args[1].reg == 2 &&
                                 d->args[1].len_arg == 2 && d->args[2].reg == 4);
    d = &syscall_table[SYS_readv];
    CHECK("kinds_desc_array", d->args[1].size == sizeof(struct iovec) && d->args[1].len_arg == 2);
    CHECK("kinds_desc_c_keyword", strcmp(syscall_table[SYS_break].name, "break") == 0);
}

int main(void)
{
    test_results_and_values();
    test_buffers();
    test_table();
    return failures != 0;
}
