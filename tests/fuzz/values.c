/*
 * The value pools of the syscall fuzzer: what the generated choosers
 * (build/gen/fuzz/syscall_fuzzer.c, from gen/out_fuzzer.lua) draw arguments from. Valid values
 * (buffers in the driver's scratch memory, names worth passing, small numbers) mixed with hostile
 * ones (kernel and unmapped addresses, wrapping ranges, ranges straddling an unmapped page or
 * running past user space, lengths beyond the bound, negative and random numbers). The same
 * env->rng gives the same values.
 */
#include "fuzz.h"

/* xorshift32: small, fast, and the same sequence for the same seed. */
uint32_t fuzz_rand(struct fuzz_env *env)
{
    uint32_t x = env->rng ? env->rng : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    env->rng = x;
    return x;
}

/* A number in [0, n); 0 when n is 0. */
uint32_t fuzz_below(struct fuzz_env *env, uint32_t n)
{
    const uint32_t r = fuzz_rand(env);
    return n ? r % n : 0;
}

/* Integers on some boundary: zero, sign bits, type limits, pages, user space. */
static const uint32_t fuzz_edge_values[] = {
    0u,          1u,          2u,           0x7Fu,         0x80u,
    0xFFu,       0x100u,      0xFFFu,       0x1000u,       0x7FFFu,
    0x8000u,     0xFFFFu,     0x10000u,     0x7FFFFFFFu,   0x80000000u,
    0xFFFFFFFEu, 0xFFFFFFFFu, ABI_USER_LOW, ABI_USER_HIGH, ABI_USER_HIGH - ABI_USER_LOW,
};

/*
 * An address no user pointer may be given, for an argument covering size bytes: below or above
 * user space, kernel code and data, never-mapped user pages, a range that starts in the unmapped
 * page below env->edge, or one that wraps around. Never an address the process could write.
 */
static uint32_t fuzz_hostile_addr(struct fuzz_env *env, uint32_t size)
{
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    const uint32_t k = 1 + hi % (size ? size : 1);
    switch (r % 8) {
    case 0:
        return 0;
    case 1:
        return hi % ABI_USER_LOW;
    case 2:
        return ABI_USER_HIGH - (k - 1); /* ends past the top of user space */
    case 3:
        return ABI_USER_HIGH + hi % (0u - ABI_USER_HIGH);
    case 4:
        return env->kernel_addr_count ? env->kernel_addrs[hi % env->kernel_addr_count]
                                      : ABI_USER_HIGH;
    case 5:
        return env->unmapped + (env->unmapped_size ? hi % env->unmapped_size : 0);
    case 6:
        return env->edge - k;
    default:
        return 0u - k; /* wraps around to 0 */
    }
}

/* An address to pass as a plain number: user, kernel or nonsense. */
static uint32_t fuzz_address_value(struct fuzz_env *env)
{
    const uint32_t r = fuzz_rand(env);
    switch (r % 4) {
    case 0:
        return (uint32_t)env->scratch + (r >> 8) % FUZZ_BUF_AREA;
    case 1:
        return env->heap + (r >> 8) % 0x10000u;
    case 2:
        return env->readonly;
    default:
        return fuzz_hostile_addr(env, 1);
    }
}

/* The value the entry shim sees in a register for an argument of this width and signedness. */
static uint32_t fuzz_truncate(uint32_t v, uint32_t bits, int is_signed)
{
    if (bits >= 32)
        return v;
    const uint32_t mask = (1u << bits) - 1;
    uint32_t t = v & mask;
    if (is_signed && (t >> (bits - 1)))
        t |= ~mask;
    return t;
}

/* A register for a scalar argument: small numbers most of the time, else edge values, random,
 * negative, address-like, or a small number with garbage above the argument's width. */
uint32_t fuzz_scalar(struct fuzz_env *env, uint32_t bits, int is_signed)
{
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    switch (r % 16) {
    case 0:
        return fuzz_edge_values[hi % FUZZ_COUNT(fuzz_edge_values)];
    case 1:
        return fuzz_rand(env);
    case 2:
        return 0u - 1 - hi % 4096;
    case 3:
        return fuzz_address_value(env);
    case 4:
        return bits < 32 ? (hi % 17) | (fuzz_rand(env) & ~((1u << bits) - 1)) : hi % 17;
    case 5:
    case 6:
    case 7: /* the values most calls accept: 0, 1, 2 (and -1) */
        return is_signed ? hi % 4 - 1 : hi % 3;
    default:
        return is_signed ? hi % 18 - 1 : hi % 17;
    }
}

/* Hint `max N`: never above N (as the shim sees the argument). */
uint32_t fuzz_clamp(uint32_t v, uint32_t bits, int is_signed, uint32_t max)
{
    const uint32_t t = fuzz_truncate(v, bits, is_signed);
    if (is_signed ? (int32_t)t > (int32_t)max : t > max)
        return t % (max + 1);
    return v;
}

/* Hint `avoid N...`: never one of these values. */
uint32_t fuzz_avoid(uint32_t v, uint32_t bits, int is_signed, const uint32_t *avoid, uint32_t n)
{
    for (uint32_t round = 0; round <= n; round++) {
        const uint32_t t = fuzz_truncate(v, bits, is_signed);
        int hit = 0;
        for (uint32_t i = 0; i < n; i++)
            hit |= t == fuzz_truncate(avoid[i], bits, is_signed);
        if (!hit)
            break;
        v = t + 1;
    }
    return v;
}

/* Hint `own_child`: one of the caller's children, or a pid that cannot be live. */
uint32_t fuzz_own_child(struct fuzz_env *env)
{
    static const int32_t never[] = {0, -1, -2, -1000, (int32_t)0x80000000u, 0x7FFFFFFF};
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    if (r % 4 < 2 && env->child_count)
        return (uint32_t)env->children[hi % env->child_count];
    if (r % 4 < 3 && env->dead_count)
        return (uint32_t)env->dead[hi % env->dead_count];
    return (uint32_t)never[hi % FUZZ_COUNT(never)];
}

uint32_t fuzz_flags(struct fuzz_env *env, const uint32_t *members, uint32_t n, uint32_t bits)
{
    const uint32_t r = fuzz_rand(env), width = bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1;
    uint32_t v = 0, mask = 0;
    for (uint32_t i = 0; i < n; i++) {
        mask |= members[i];
        if (fuzz_rand(env) & 1)
            v |= members[i];
    }
    switch (r % 8) {
    case 5: { /* a bit no member defines: the shim refuses it with EINVAL */
        const uint32_t undefined = width & ~mask;
        if (undefined) {
            uint32_t bit;
            do
                bit = 1u << fuzz_below(env, bits >= 32 ? 32 : bits);
            while (!(bit & undefined));
            v |= bit;
        }
        return v;
    }
    case 6:
        return 0;
    case 7:
        return fuzz_scalar(env, bits, 0);
    default:
        return v;
    }
}

uint32_t fuzz_enum(struct fuzz_env *env, const uint32_t *values, uint32_t n, uint32_t bits,
                   int is_signed)
{
    const uint32_t r = fuzz_rand(env);
    if (n == 0 || r % 8 == 7)
        return fuzz_scalar(env, bits, is_signed);
    if (r % 8 == 6) { /* past the largest value */
        uint32_t top = values[0];
        for (uint32_t i = 1; i < n; i++)
            top = values[i] > top ? values[i] : top;
        return top + 1 + fuzz_below(env, 3);
    }
    return values[(r >> 8) % n];
}

void fuzz_produced(struct fuzz_env *env, uint32_t res, uint32_t v)
{
    if (res >= FUZZ_RESOURCES_MAX)
        return;
    env->pool[res][env->pool_count[res] % FUZZ_POOL] = v;
    env->pool_count[res]++;
}

uint32_t fuzz_resource(struct fuzz_env *env, uint32_t res, const uint32_t *specials, uint32_t n)
{
    /* Values no resource ever has: negative (but not a special's usual -1) and huge. */
    static const uint32_t never[] = {0xFFFFFFFEu, 0xFFFFFC18u, 0x80000000u, 0x7FFFFFFFu};
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    const uint32_t have = res < FUZZ_RESOURCES_MAX ? env->pool_count[res] : 0;
    if (r % 8 < 5 && have)
        return env->pool[res][hi % (have < FUZZ_POOL ? have : FUZZ_POOL)];
    if (r % 8 < 7 && n)
        return specials[hi % n];
    return never[hi % FUZZ_COUNT(never)];
}

/* Remember a piece of scratch that the kernel may change only if the call succeeds. */
static void fuzz_note_out(struct fuzz_env *env, struct fuzz_call *c, uint32_t addr, uint32_t len)
{
    const uint32_t base = (uint32_t)env->scratch;
    if (len == 0 || addr < base || addr - base >= env->scratch_size ||
        len > env->scratch_size - (addr - base) || c->nout >= ABI_MAX_ARGS)
        return;
    c->out[c->nout].addr = addr;
    c->out[c->nout].len = len;
    c->nout++;
}

/* A length for a valid buffer of at most limit (<= FUZZ_BUF_AREA) bytes, short ones more often. */
static uint32_t fuzz_valid_len(struct fuzz_env *env, uint32_t limit)
{
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    switch (r % 4) {
    case 0:
        return hi % ((limit < 16 ? limit : 16) + 1);
    case 1:
        return hi % ((limit < 256 ? limit : 256) + 1);
    case 2:
        return hi % (limit + 1);
    default:
        return limit;
    }
}

/* Where a valid buffer of len (<= FUZZ_BUF_AREA) bytes starts: anywhere in the buffer area. */
static uint32_t fuzz_in_scratch(struct fuzz_env *env, uint32_t len)
{
    return (uint32_t)env->scratch + fuzz_below(env, FUZZ_BUF_AREA - len + 1);
}

/* Mapped and writable, but not the program's: the spare page or the heap, if it is mapped. */
static uint32_t fuzz_free_space(struct fuzz_env *env, uint32_t len)
{
    const uint32_t r = fuzz_rand(env);
    if ((r & 1) && len <= env->spare_size)
        return env->spare + fuzz_below(env, env->spare_size - len + 1);
    return env->heap + fuzz_below(env, 4096);
}

/*
 * A buffer (or array) argument and its length register: max is the .def's bound in elements of
 * es bytes (0xFFFFFFFF when none), len_bits the width of the length argument, writes whether the
 * kernel writes the buffer. A buffer the kernel may write lies in scratch or free space, or is
 * refused before any copy. Lengths count elements; the hostile ones may overflow when the kernel
 * multiplies them by es.
 */
void fuzz_array(struct fuzz_env *env, struct fuzz_call *c, uint32_t *addr, uint32_t *len,
                uint32_t max, uint32_t len_bits, int writes, uint32_t es, int optional)
{
    const uint32_t type_max = len_bits >= 32 ? 0xFFFFFFFFu : (1u << len_bits) - 1;
    const uint32_t bound = max < type_max ? max : type_max;
    es = es ? es : 1;
    /* The kernel only reads an in buffer: one may run past scratch into whatever follows. */
    const uint32_t area = (writes ? FUZZ_BUF_AREA : 0x100000u) / es;
    const uint32_t limit = bound < area ? bound : area;
    const uint32_t in_area = FUZZ_BUF_AREA / es, in_page = 4096 / es ? 4096 / es : 1;
    const uint32_t r = fuzz_rand(env);
    uint32_t a, n;
    switch (r % 16) {
    case 7: /* NULL: valid for an optional buffer, whatever the length */
        n = fuzz_valid_len(env, limit < in_area ? limit : in_area);
        a = optional ? 0 : fuzz_in_scratch(env, n * es);
        break;
    case 8: /* empty, at a bad address */
        n = 0;
        a = fuzz_hostile_addr(env, 1);
        break;
    case 9: /* longer than the bound */
        if (bound < type_max) {
            n = bound + 1 + fuzz_below(env, type_max - bound);
        } else if (len_bits >= 32) {
            n = 0x80000000u | fuzz_rand(env);
        } else {
            n = type_max;
        }
        a = fuzz_in_scratch(env, n <= in_area ? n * es : 0);
        break;
    case 10:
        n = fuzz_valid_len(env, limit < in_area ? limit : in_area);
        a = fuzz_hostile_addr(env, n * es);
        break;
    case 11: { /* starts in the unmapped page below edge and runs into the mapped one */
        const uint32_t k = 1 + fuzz_below(env, 64);
        n = (k + fuzz_below(env, 64)) / es + 1;
        a = env->edge - k;
        break;
    }
    case 12: { /* runs past the end of user space, or wraps around */
        n = 1 + fuzz_below(env, 8192 / es + 1);
        const uint32_t k = fuzz_below(env, n * es);
        a = (r & 0x100) ? ABI_USER_HIGH - k : 0u - k;
        break;
    }
    case 13:
        n = fuzz_valid_len(env, limit < in_page ? limit : in_page);
        a = env->readonly;
        break;
    case 14: /* huge: unmapped pages on the way, or past user space */
        n = len_bits >= 32 ? 0x40000000u | fuzz_rand(env) : type_max;
        a = fuzz_in_scratch(env, len_bits >= 32 || type_max > in_area ? 0 : type_max * es);
        break;
    case 15:
        n = fuzz_valid_len(env, limit < in_page ? limit : in_page);
        a = fuzz_free_space(env, n * es);
        break;
    default:
        n = fuzz_valid_len(env, limit);
        a = fuzz_in_scratch(env, n < in_area ? n * es : FUZZ_BUF_AREA);
        if (len_bits < 32 && (r & 0x10000))
            n |= fuzz_rand(env) & ~type_max; /* garbage above the length's width */
        break;
    }
    *addr = a;
    *len = n;
    if (writes)
        fuzz_note_out(env, c, a, (n & type_max) <= in_area ? (n & type_max) * es : 0);
}

void fuzz_buffer(struct fuzz_env *env, struct fuzz_call *c, uint32_t *addr, uint32_t *len,
                 uint32_t max, uint32_t len_bits, int writes)
{
    fuzz_array(env, c, addr, len, max, len_bits, writes, 1, 0);
}

uint32_t fuzz_length_pointer(struct fuzz_env *env, struct fuzz_call *c, uint32_t n)
{
    const uint32_t r = fuzz_rand(env);
    if (r % 8 == 0)
        return fuzz_hostile_addr(env, 4);
    /* The last word of the buffer area: buffers may cover it, as a careless caller's would. */
    const uint32_t at = (uint32_t)env->scratch + FUZZ_BUF_AREA - 4;
    *(uint32_t *)at = n;
    fuzz_note_out(env, c, at, 4);
    return at;
}

/* A second buffer whose length register was chosen with another buffer. */
uint32_t fuzz_buffer_for(struct fuzz_env *env, struct fuzz_call *c, uint32_t len, uint32_t len_bits,
                         int writes)
{
    const uint32_t n = len & (len_bits >= 32 ? 0xFFFFFFFFu : (1u << len_bits) - 1);
    const uint32_t r = fuzz_rand(env);
    uint32_t a;
    if (r % 4 == 0 || n > FUZZ_BUF_AREA)
        a = fuzz_hostile_addr(env, n);
    else if (r % 4 == 1)
        a = env->readonly;
    else
        a = fuzz_in_scratch(env, n);
    if (writes)
        fuzz_note_out(env, c, a, n);
    return a;
}

/* A pointer to one struct or scalar of size bytes. */
uint32_t fuzz_pointer(struct fuzz_env *env, struct fuzz_call *c, uint32_t size, int writes)
{
    const uint32_t r = fuzz_rand(env);
    uint32_t a;
    switch (r % 12) {
    case 6:
        a = 0;
        break;
    case 7:
        a = fuzz_hostile_addr(env, size);
        break;
    case 8: /* starts unmapped, ends mapped */
        a = env->edge - 1 - fuzz_below(env, size);
        break;
    case 9: /* ends past the top of user space */
        a = ABI_USER_HIGH - fuzz_below(env, size);
        break;
    case 10:
        a = env->readonly;
        break;
    case 11:
        a = fuzz_free_space(env, size);
        break;
    default:
        a = size <= FUZZ_BUF_AREA ? fuzz_in_scratch(env, size) : fuzz_hostile_addr(env, size);
        break;
    }
    if (writes)
        fuzz_note_out(env, c, a, size);
    return a;
}

static void fuzz_fill(struct fuzz_env *env, char *s, uint32_t len, int printable)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789-_.";
    for (uint32_t i = 0; i < len; i++) {
        const uint32_t r = fuzz_rand(env);
        s[i] = printable ? chars[r % (sizeof chars - 1)] : (char)(1 + r % 255);
    }
    s[len] = '\0';
}

/* An in str[n] argument, written to its own slot of scratch: a name worth passing, random
 * text up to and past n, empty, or at an address the kernel must refuse. */
uint32_t fuzz_string(struct fuzz_env *env, uint32_t slot, uint32_t n)
{
    char *s = (char *)env->scratch + FUZZ_BUF_AREA + slot * fuzz_str_slot;
    const uint32_t room = fuzz_str_slot - 1;
    const uint32_t r = fuzz_rand(env);
    uint32_t len;
    switch (r % 12) {
    case 4:
        len = fuzz_below(env, n + 1);
        break;
    case 5:
        len = n;
        break;
    case 6:
        len = n + 1;
        break;
    case 7:
        len = 0;
        break;
    case 8:
        return fuzz_hostile_addr(env, n + 1);
    case 9:
        return ABI_USER_HIGH - 1 - fuzz_below(env, 16);
    case 10:
        len = fuzz_below(env, n + 2);
        if (len > room)
            len = room;
        fuzz_fill(env, s, len, 0);
        return (uint32_t)s;
    case 11:
        return env->readonly + fuzz_below(env, 4096);
    default:
        if (env->name_count) {
            const char *name = env->names[(r >> 8) % env->name_count];
            for (len = 0; len < room && name[len]; len++)
                s[len] = name[len];
            s[len] = '\0';
            return (uint32_t)s;
        }
        len = fuzz_below(env, n + 1);
        break;
    }
    if (len > room)
        len = room;
    fuzz_fill(env, s, len, 1);
    return (uint32_t)s;
}
