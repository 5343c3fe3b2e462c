/*
 * Host test of the code generated from tests/gen/fixtures/full.def: the
 * entry shims (range checks, copies, optional NULL), the dispatcher, the
 * descriptor table and the amc send helpers and dispatchers. Built with the
 * host compiler; "user memory" is two fake regions at the ends of user space.
 */
#include <stdio.h>
#include <string.h>

#include "syscall_handlers.h"
#include "amc_services.h"

int32_t amc_message_send(const char *dest, const void *buf, uint32_t len);

/* --- fake user memory ------------------------------------------------- */
#define REGION 4096u
static uint8_t low_mem[REGION], high_mem[REGION];
#define HIGH_BASE (ABI_USER_HIGH - REGION)

static uint8_t *user_ptr(uint32_t addr, uint32_t n)
{
    if (addr >= ABI_USER_LOW && addr - ABI_USER_LOW <= REGION && n <= REGION - (addr - ABI_USER_LOW))
        return low_mem + (addr - ABI_USER_LOW);
    if (addr >= HIGH_BASE && n <= ABI_USER_HIGH - addr)
        return high_mem + (addr - HIGH_BASE);
    return NULL;
}

int user_probe(uint32_t uaddr, uint32_t n, int write)
{
    (void)write;
    return user_ptr(uaddr, n) != NULL ? 0 : -EFAULT;
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
        if (*p == 0)
            return (int)i;
    }
    return -ENAMETOOLONG;
}

/* --- tracing ------------------------------------------------------------- */
int syscall_trace_enabled;
static int trace_enters, trace_exits;
static uint32_t trace_nr, trace_ret;
void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr)
{
    (void)tf;
    trace_enters++;
    trace_nr = nr;
}
void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    (void)tf;
    (void)nr;
    trace_exits++;
    trace_ret = ret;
}

/* --- handlers: record what they got ------------------------------------ */
static int calls;
static int32_t next_ret;
static uint32_t got[5];
static char got_str[2][80];
static struct point got_point;
static int got_null_q, got_null_s;

int32_t sys_nop(void) { calls++; return next_ret; }
int32_t sys_split(void) { calls++; return 0; }
uint32_t sys_scalars(int8_t a, uint8_t b, int16_t c, uint16_t d, uint32_t e)
{
    calls++;
    got[0] = (uint32_t)(int32_t)a, got[1] = b, got[2] = (uint32_t)(int32_t)c, got[3] = d, got[4] = e;
    return 0xFFFFFFFFu;
}
int32_t sys_bufs(user_in_t src, uint32_t n, user_out_t dst, uint16_t m, user_inout_t io)
{
    calls++;
    got[0] = src.addr, got[1] = n, got[2] = dst.addr, got[3] = m, got[4] = io.addr;
    return next_ret;
}
int32_t sys_narrow(user_inout_t b, uint8_t n8) { calls++; got[0] = b.addr; got[1] = n8; return 0; }
int32_t sys_open(const char *path, const char *alias)
{
    calls++;
    strcpy(got_str[0], path);
    strcpy(got_str[1], alias);
    return 3;
}
int32_t sys_structs(const struct point *p, struct point *q, struct every *r, const uint32_t *s, uint64_t *t)
{
    calls++;
    got_point = *p;
    got_null_q = q == NULL;
    got_null_s = s == NULL;
    if (q) {
        q->x = 7;
        q->y = 8;
    }
    r->d += 1;
    *t = 0x1122334455667788ull;
    return next_ret;
}
uint32_t sys_brk(uint32_t to) { calls++; return to + 1; }
int32_t sys_quit(int32_t code) { calls++; return code; }
int32_t sys_amc_message_send(const char *dest, user_in_t buf, uint32_t len)
{
    calls++;
    strcpy(got_str[0], dest);
    got[0] = buf.addr, got[1] = len;
    return 0;
}

/* --- test plumbing ------------------------------------------------------- */
static int failures;
#define CHECK(name, cond)                                                       \
    do {                                                                        \
        if (cond)                                                               \
            printf("ok %s\n", name);                                            \
        else {                                                                  \
            printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__);           \
            failures++;                                                         \
        }                                                                       \
    } while (0)

static struct trap_frame tf;
static uint32_t call(uint32_t nr, uint32_t b, uint32_t c, uint32_t d, uint32_t s, uint32_t di)
{
    memset(&tf, 0, sizeof tf);
    tf.eax = nr, tf.ebx = b, tf.ecx = c, tf.edx = d, tf.esi = s, tf.edi = di;
    calls = 0;
    syscall_dispatch(&tf);
    return tf.eax;
}
#define ERR(e) ((uint32_t)-(e))
#define LOW ABI_USER_LOW

static void test_dispatch(void)
{
    CHECK("gen_behaviour_nr_too_large", call(SYS_TABLE_SIZE, 0, 0, 0, 0, 0) == ERR(ENOSYS) && calls == 0);
    CHECK("gen_behaviour_nr_huge", call(0xFFFFFFFFu, 0, 0, 0, 0, 0) == ERR(ENOSYS));
    CHECK("gen_behaviour_retired_enosys", call(6, 0, 0, 0, 0, 0) == ERR(ENOSYS) && calls == 0);
    next_ret = 42;
    CHECK("gen_behaviour_null_syscall", call(SYS_nop, 0, 0, 0, 0, 0) == 42 && calls == 1);
    CHECK("gen_behaviour_scalar_truncation",
          call(SYS_scalars, 0x1FF, 0x2FE, 0x18000, 0x1FFFF, 0xDEADBEEF) == 0xFFFFFFFFu &&
              got[0] == 0xFFFFFFFFu && got[1] == 0xFE && got[2] == 0xFFFF8000u && got[3] == 0xFFFF &&
              got[4] == 0xDEADBEEF);
    CHECK("gen_behaviour_uptr_result", call(SYS_brk, 0x1000, 0, 0, 0, 0) == 0x1001);
    CHECK("gen_behaviour_noreturn_passes", call(SYS_quit, 5, 0, 0, 0, 0) == 5 && calls == 1);
}

static void test_buffers(void)
{
    next_ret = 0;
    CHECK("gen_behaviour_buf_ok", call(SYS_bufs, LOW, 16, LOW + 16, 16, LOW + 32) == 0 && calls == 1 &&
                                      got[0] == LOW && got[1] == 16 && got[3] == 16);
    CHECK("gen_behaviour_buf_max_toolong", call(SYS_bufs, LOW, MSG_MAX + 1, LOW, 0, LOW) == ERR(ERANGE) && calls == 0);
    CHECK("gen_behaviour_buf_at_max", call(SYS_bufs, LOW, MSG_MAX, LOW, 0, LOW) == 0 && calls == 1);
    CHECK("gen_behaviour_buf_below_user", call(SYS_bufs, LOW - 1, 1, LOW, 0, LOW) == ERR(EFAULT) && calls == 0);
    CHECK("gen_behaviour_buf_null", call(SYS_bufs, 0, 0, LOW, 0, LOW) == ERR(EFAULT));
    CHECK("gen_behaviour_buf_end_exact", call(SYS_bufs, LOW, 0, ABI_USER_HIGH - 16, 16, LOW) == 0 && calls == 1);
    CHECK("gen_behaviour_buf_past_end", call(SYS_bufs, LOW, 0, ABI_USER_HIGH - 15, 16, LOW) == ERR(EFAULT));
    CHECK("gen_behaviour_buf_wrap", call(SYS_bufs, LOW, 0, LOW, 0, 0xFFFFFFF0u) == ERR(EFAULT));
    CHECK("gen_behaviour_buf_kernel", call(SYS_bufs, LOW, 0, ABI_USER_HIGH, 1, LOW) == ERR(EFAULT));
    CHECK("gen_behaviour_buf_u16_len_truncated", call(SYS_bufs, LOW, 0, LOW, 0x10010, LOW) == 0 && got[3] == 0x10);
    CHECK("gen_behaviour_u8_len", call(SYS_narrow, ABI_USER_HIGH - 255, 0x1FF, 0, 0, 0) == 0 && got[1] == 255);
}

static void put_str(uint32_t addr, const char *s)
{
    memcpy(user_ptr(addr, (uint32_t)strlen(s) + 1), s, strlen(s) + 1);
}

static void test_strings(void)
{
    char longpath[100];
    put_str(LOW, "/etc/motd");
    put_str(LOW + 100, "motd");
    CHECK("gen_behaviour_str_ok", call(SYS_open, LOW, LOW + 100, 0, 0, 0) == 3 &&
                                      strcmp(got_str[0], "/etc/motd") == 0 && strcmp(got_str[1], "motd") == 0);
    memset(longpath, 'a', 63);
    longpath[63] = 0;
    put_str(LOW + 200, longpath);
    CHECK("gen_behaviour_str_at_limit", call(SYS_open, LOW + 200, LOW + 100, 0, 0, 0) == 3 &&
                                            strlen(got_str[0]) == 63);
    longpath[63] = 'a';
    longpath[64] = 0;
    put_str(LOW + 200, longpath);
    CHECK("gen_behaviour_str_toolong_default", call(SYS_open, LOW + 200, LOW + 100, 0, 0, 0) == ERR(ENAMETOOLONG) &&
                                                   calls == 0);
    put_str(LOW + 300, "12345678");
    CHECK("gen_behaviour_str_toolong_custom", call(SYS_open, LOW, LOW + 300, 0, 0, 0) == ERR(ERANGE));
    CHECK("gen_behaviour_str_null", call(SYS_open, 0, LOW + 100, 0, 0, 0) == ERR(EFAULT));
    memcpy(high_mem + REGION - 3, "abc", 3); /* no NUL before the end of user space */
    CHECK("gen_behaviour_str_runs_into_kernel", call(SYS_open, ABI_USER_HIGH - 3, LOW + 100, 0, 0, 0) == ERR(EFAULT));
    memcpy(high_mem + REGION - 3, "ab", 3);
    CHECK("gen_behaviour_str_ends_at_user_end", call(SYS_open, ABI_USER_HIGH - 3, LOW + 100, 0, 0, 0) == 3 &&
                                                    strcmp(got_str[0], "ab") == 0);
}

static void test_structs(void)
{
    struct point p = { -3, 4 }, q = { 0, 0 };
    struct every e;
    uint64_t t = 0;
    memset(&e, 0, sizeof e);
    e.d = 41;
    copy_to_user(LOW, &p, sizeof p);
    copy_to_user(LOW + 64, &e, sizeof e);
    next_ret = 0;
    CHECK("gen_behaviour_struct_in_out", call(SYS_structs, LOW, LOW + 16, LOW + 64, 0, LOW + 256) == 0 &&
                                             got_point.x == -3 && got_point.y == 4 && !got_null_q && got_null_s);
    copy_from_user(&q, LOW + 16, sizeof q);
    copy_from_user(&e, LOW + 64, sizeof e);
    copy_from_user(&t, LOW + 256, sizeof t);
    CHECK("gen_behaviour_struct_copied_out", q.x == 7 && q.y == 8 && e.d == 42 && t == 0x1122334455667788ull);
    CHECK("gen_behaviour_optional_null", call(SYS_structs, LOW, 0, LOW + 64, 0, LOW + 256) == 0 && got_null_q);
    next_ret = -EINVAL;
    q.x = 1;
    copy_to_user(LOW + 16, &q, sizeof q);
    CHECK("gen_behaviour_no_copy_out_on_error", call(SYS_structs, LOW, LOW + 16, LOW + 64, 0, LOW + 256) == ERR(EINVAL));
    copy_from_user(&q, LOW + 16, sizeof q);
    CHECK("gen_behaviour_out_untouched_on_error", q.x == 1);
    next_ret = 0;
    CHECK("gen_behaviour_struct_bad_ptr", call(SYS_structs, 0x10, LOW, LOW + 64, 0, LOW + 256) == ERR(EFAULT) && calls == 0);
    CHECK("gen_behaviour_struct_straddles_end", call(SYS_structs, ABI_USER_HIGH - 4, 0, LOW + 64, 0, LOW + 256) == ERR(EFAULT));
    CHECK("gen_behaviour_copy_in_fault", call(SYS_structs, LOW + 2 * REGION, 0, LOW + 64, 0, LOW + 256) == ERR(EFAULT) && calls == 0);
}

static void test_trace_and_table(void)
{
    syscall_trace_enabled = 1;
    next_ret = 9;
    trace_enters = trace_exits = 0;
    call(SYS_nop, 0, 0, 0, 0, 0);
    CHECK("gen_behaviour_trace_called", trace_enters == 1 && trace_exits == 1 && trace_nr == SYS_nop && trace_ret == 9);
    call(500, 0, 0, 0, 0, 0);
    CHECK("gen_behaviour_trace_enosys", trace_ret == ERR(ENOSYS) && tf.eax == ERR(ENOSYS));
    syscall_trace_enabled = 0;
    call(SYS_nop, 0, 0, 0, 0, 0);
    CHECK("gen_behaviour_trace_off", trace_enters == 2);
    const struct syscall_desc *b = &syscall_table[SYS_bufs];
    CHECK("gen_behaviour_desc_bufs", strcmp(b->name, "bufs") == 0 && b->nargs == 5 && b->args[0].kind == SARG_IN_BUF &&
                                         b->args[0].len_arg == 1 && b->args[2].kind == SARG_OUT_BUF &&
                                         b->args[2].len_arg == 3 && b->args[4].kind == SARG_INOUT_BUF &&
                                         b->args[1].len_arg == 0 && b->ret_kind == SARG_INT);
    CHECK("gen_behaviour_desc_retired", syscall_table[6].name == NULL && syscall_table[6].flags == SYSCALL_F_RETIRED &&
                                            syscall_table[6].shim == syscall_nosys);
    CHECK("gen_behaviour_desc_flags", syscall_table[SYS_quit].flags == (SYSCALL_F_NORETURN | SYSCALL_F_BLOCKING) &&
                                          syscall_table[SYS_structs].flags == SYSCALL_F_BLOCKING);
    CHECK("gen_behaviour_desc_sizes", syscall_table[SYS_open].args[0].size == 63 &&
                                          syscall_table[SYS_open].args[0].kind == SARG_IN_STR &&
                                          syscall_table[SYS_structs].args[2].size == sizeof(struct every) &&
                                          syscall_table[SYS_structs].args[1].kind == SARG_OUT_PTR &&
                                          syscall_table[SYS_structs].args[2].kind == SARG_INOUT_PTR);
    CHECK("gen_behaviour_desc_kinds", syscall_table[SYS_brk].ret_kind == SARG_HEX &&
                                          syscall_table[SYS_brk].args[0].kind == SARG_HEX &&
                                          syscall_table[SYS_scalars].ret_kind == SARG_UINT &&
                                          syscall_table[SYS_scalars].args[0].kind == SARG_INT &&
                                          syscall_table[SYS_scalars].args[1].kind == SARG_UINT);
}

/* --- amc ----------------------------------------------------------------- */
static uint8_t sent[1024];
static uint32_t sent_len;
static char sent_dest[64];
int32_t amc_message_send(const char *dest, const void *buf, uint32_t len)
{
    strcpy(sent_dest, dest);
    memcpy(sent, buf, len);
    sent_len = len;
    return 0;
}

static int handled;
static uint32_t handled_len;
static int on_request(void *ctx, const struct amc_header *hdr, const struct echo_echo_request *m)
{
    (void)ctx, (void)hdr;
    handled++;
    handled_len = m->len;
    return 5;
}
static int on_put(void *ctx, const struct amc_header *hdr, const struct store_put *m)
{
    (void)ctx, (void)hdr;
    handled++;
    handled_len = m->n;
    return 6;
}
static int on_get(void *ctx, const struct amc_header *hdr, const struct store_get *m)
{
    (void)ctx, (void)hdr, (void)m;
    handled++;
    return 7;
}

static void test_amc(void)
{
    struct echo_handlers eh = { .echo_request = on_request };
    struct store_handlers sh = { .put = on_put, .get = on_get };
    struct point at = { 1, 2 };
    uint16_t tags[2] = { 3, 4 };
    static uint8_t big[600];
    CHECK("gen_amc_send_echo", echo_send_echo_request("echo", 1, "hi!", 3) == 0 && sent_len == 15 &&
                                   strcmp(sent_dest, "echo") == 0 && ((uint32_t *)(void *)sent)[0] == ECHO_ECHO_REQUEST &&
                                   ((uint32_t *)(void *)sent)[2] == 3 && memcmp(sent + 12, "hi!", 3) == 0);
    CHECK("gen_amc_send_too_big", echo_send_echo_request("echo", 0, big, MSG_MAX - 11) == -EMSGSIZE);
    CHECK("gen_amc_send_at_limit", echo_send_echo_request("echo", 0, big, MSG_MAX - 12) == 0 && sent_len == MSG_MAX);
    CHECK("gen_amc_send_put", store_send_put("st", "k", &at, tags, 9, 0, "vv", 2) == 0 && sent_len == STORE_PUT_SIZE + 2 &&
                                  memcmp(sent + 4, "k\0\0\0\0\0\0\0", 8) == 0);
    CHECK("gen_amc_send_key_too_long", store_send_put("st", "12345678", &at, tags, 0, 0, "", 0) == -EINVAL);
    CHECK("gen_amc_send_over_max", store_send_put("st", "k", &at, tags, 0, 0, big, 65) == -EMSGSIZE);
    CHECK("gen_amc_dispatch_empty", echo_dispatch(&eh, NULL, NULL, sent, 0) == -EBADMSG);
    echo_send_echo_request("echo", 1, "hey", 3);
    handled = 0;
    CHECK("gen_amc_dispatch_calls", echo_dispatch(&eh, NULL, NULL, sent, sent_len) == 5 && handled == 1 && handled_len == 3);
    CHECK("gen_amc_dispatch_short", echo_dispatch(&eh, NULL, NULL, sent, sent_len - 1) == -EBADMSG);
    CHECK("gen_amc_dispatch_long", echo_dispatch(&eh, NULL, NULL, sent, sent_len + 1) == -EBADMSG);
    CHECK("gen_amc_dispatch_no_discriminator", echo_dispatch(&eh, NULL, NULL, sent, 3) == -EBADMSG);
    CHECK("gen_amc_dispatch_truncated_header", echo_dispatch(&eh, NULL, NULL, sent, 8) == -EBADMSG);
    echo_send_echo_reply("x", "a", 1);
    CHECK("gen_amc_dispatch_null_handler", echo_dispatch(&eh, NULL, NULL, sent, sent_len) == -EPROTO);
    uint32_t unknown[4] = { 77, 0, 0, 0 };
    CHECK("gen_amc_dispatch_unknown", echo_dispatch(&eh, NULL, NULL, unknown, sizeof unknown) == -EPROTO);
    unknown[0] = 3; /* retired in store */
    CHECK("gen_amc_dispatch_retired", store_dispatch(&sh, NULL, NULL, unknown, sizeof unknown) == -EPROTO);
    store_send_get("st", "key");
    CHECK("gen_amc_dispatch_fixed", store_dispatch(&sh, NULL, NULL, sent, sent_len) == 7);
    CHECK("gen_amc_dispatch_fixed_wrong", store_dispatch(&sh, NULL, NULL, sent, sent_len + 4) == -EBADMSG);
    store_send_put("st", "k", &at, tags, 0, 0, big, 64);
    CHECK("gen_amc_dispatch_var_max", store_dispatch(&sh, NULL, NULL, sent, sent_len) == 6 && handled_len == 64);
    memset(sent, 0, sizeof sent);
    struct store_put *p = (struct store_put *)(void *)sent;
    p->event = STORE_PUT;
    p->n = 65;
    CHECK("gen_amc_dispatch_var_over_max", store_dispatch(&sh, NULL, NULL, sent, STORE_PUT_SIZE + 65) == -EBADMSG);
}

int main(void)
{
    test_dispatch();
    test_buffers();
    test_strings();
    test_structs();
    test_trace_and_table();
    test_amc();
    return failures != 0;
}
