-- build/gen/fuzz/syscall_fuzzer.c: the ABI knowledge of the syscall fuzzer.
--
-- For every syscall, a function that chooses its argument registers from the argument kinds:
-- mostly valid values (buffers in the driver's scratch memory, names worth passing, small
-- numbers) mixed with hostile ones (kernel and unmapped addresses, ranges that wrap, straddle an
-- unmapped page or run past user space, lengths beyond the bound, negative and random numbers),
-- and the `fuzz` hints of the .def that keep a call from ending the run (isolate, own_child, max,
-- avoid). Plus numbers that are no syscall, the documented errors of each call, and the trap.
-- The interface and the driver are hand-written: tests/fuzz/fuzz.h and tests/fuzz/fuzz.c.
local cgen = require("cgen")

local out = {}

local MAX_STR_SLOT = 4096 -- longest string slot in scratch, NUL included

-- The generic part: value pools shared by every syscall.
local HELPERS = [[
#define FUZZ_COUNT(a) (sizeof(a) / sizeof((a)[0]))
/* Not every ABI has arguments of every kind, so not every helper is used. */
#define FUZZ_HELPER static __attribute__((unused))

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
FUZZ_HELPER uint32_t fuzz_below(struct fuzz_env *env, uint32_t n)
{
    const uint32_t r = fuzz_rand(env);
    return n ? r % n : 0;
}

/* Integers on some boundary: zero, sign bits, type limits, pages, user space. */
static const uint32_t fuzz_edge_values[] = {
    0u, 1u, 2u, 0x7Fu, 0x80u, 0xFFu, 0x100u, 0xFFFu, 0x1000u, 0x7FFFu, 0x8000u, 0xFFFFu,
    0x10000u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFFFEu, 0xFFFFFFFFu, ABI_USER_LOW, ABI_USER_HIGH,
    ABI_USER_HIGH - ABI_USER_LOW,
};

/*
 * An address no user pointer may be given, for an argument covering size bytes: below or above
 * user space, kernel code and data, never-mapped user pages, a range that starts in the unmapped
 * page below env->edge, or one that wraps around. Never an address the process could write.
 */
FUZZ_HELPER uint32_t fuzz_hostile_addr(struct fuzz_env *env, uint32_t size)
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
        return env->kernel_addr_count ? env->kernel_addrs[hi % env->kernel_addr_count] : ABI_USER_HIGH;
    case 5:
        return env->unmapped + (env->unmapped_size ? hi % env->unmapped_size : 0);
    case 6:
        return env->edge - k;
    default:
        return 0u - k; /* wraps around to 0 */
    }
}

/* An address to pass as a plain number: user, kernel or nonsense. */
FUZZ_HELPER uint32_t fuzz_address_value(struct fuzz_env *env)
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
FUZZ_HELPER uint32_t fuzz_truncate(uint32_t v, uint32_t bits, int is_signed)
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
FUZZ_HELPER uint32_t fuzz_scalar(struct fuzz_env *env, uint32_t bits, int is_signed)
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
FUZZ_HELPER uint32_t fuzz_clamp(uint32_t v, uint32_t bits, int is_signed, uint32_t max)
{
    const uint32_t t = fuzz_truncate(v, bits, is_signed);
    if (is_signed ? (int32_t)t > (int32_t)max : t > max)
        return t % (max + 1);
    return v;
}

/* Hint `avoid N...`: never one of these values. */
FUZZ_HELPER uint32_t fuzz_avoid(uint32_t v, uint32_t bits, int is_signed, const uint32_t *avoid, uint32_t n)
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
FUZZ_HELPER uint32_t fuzz_own_child(struct fuzz_env *env)
{
    static const int32_t never[] = { 0, -1, -2, -1000, (int32_t)0x80000000u, 0x7FFFFFFF };
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    if (r % 4 < 2 && env->child_count)
        return (uint32_t)env->children[hi % env->child_count];
    if (r % 4 < 3 && env->dead_count)
        return (uint32_t)env->dead[hi % env->dead_count];
    return (uint32_t)never[hi % FUZZ_COUNT(never)];
}

/* Remember a piece of scratch that the kernel may change only if the call succeeds. */
FUZZ_HELPER void fuzz_note_out(struct fuzz_env *env, struct fuzz_call *c, uint32_t addr, uint32_t len)
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
FUZZ_HELPER uint32_t fuzz_valid_len(struct fuzz_env *env, uint32_t limit)
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
FUZZ_HELPER uint32_t fuzz_in_scratch(struct fuzz_env *env, uint32_t len)
{
    return (uint32_t)env->scratch + fuzz_below(env, FUZZ_BUF_AREA - len + 1);
}

/* Mapped and writable, but not the program's: the spare page or the heap, if it is mapped. */
FUZZ_HELPER uint32_t fuzz_free_space(struct fuzz_env *env, uint32_t len)
{
    const uint32_t r = fuzz_rand(env);
    if ((r & 1) && len <= env->spare_size)
        return env->spare + fuzz_below(env, env->spare_size - len + 1);
    return env->heap + fuzz_below(env, 4096);
}

/*
 * A buffer argument and its length register: max is the .def's bound (0xFFFFFFFF when none),
 * len_bits the width of the length argument, writes whether the kernel writes the buffer.
 * A buffer the kernel may write lies in scratch or free space, or is refused before any copy.
 */
FUZZ_HELPER void fuzz_buffer(struct fuzz_env *env, struct fuzz_call *c, uint32_t *addr, uint32_t *len,
                        uint32_t max, uint32_t len_bits, int writes)
{
    const uint32_t type_max = len_bits >= 32 ? 0xFFFFFFFFu : (1u << len_bits) - 1;
    const uint32_t bound = max < type_max ? max : type_max;
    /* The kernel only reads an in buffer: one may run past scratch into whatever follows. */
    const uint32_t area = writes ? FUZZ_BUF_AREA : 0x100000u;
    const uint32_t limit = bound < area ? bound : area;
    const uint32_t r = fuzz_rand(env);
    uint32_t a, n;
    switch (r % 16) {
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
        a = fuzz_in_scratch(env, n <= FUZZ_BUF_AREA ? n : 0);
        break;
    case 10:
        n = fuzz_valid_len(env, limit < FUZZ_BUF_AREA ? limit : FUZZ_BUF_AREA);
        a = fuzz_hostile_addr(env, n);
        break;
    case 11: { /* starts in the unmapped page below edge and runs into the mapped one */
        const uint32_t k = 1 + fuzz_below(env, 64);
        n = k + fuzz_below(env, 64);
        a = env->edge - k;
        break;
    }
    case 12: { /* runs past the end of user space, or wraps around */
        n = 1 + fuzz_below(env, 8192);
        const uint32_t k = fuzz_below(env, n);
        a = (r & 0x100) ? ABI_USER_HIGH - k : 0u - k;
        break;
    }
    case 13:
        n = fuzz_valid_len(env, limit < 4096 ? limit : 4096);
        a = env->readonly;
        break;
    case 14: /* huge: unmapped pages on the way, or past user space */
        n = len_bits >= 32 ? 0x40000000u | fuzz_rand(env) : type_max;
        a = fuzz_in_scratch(env, len_bits >= 32 || type_max > FUZZ_BUF_AREA ? 0 : type_max);
        break;
    case 15:
        n = fuzz_valid_len(env, limit < 4096 ? limit : 4096);
        a = fuzz_free_space(env, n);
        break;
    default:
        n = fuzz_valid_len(env, limit);
        a = fuzz_in_scratch(env, n < FUZZ_BUF_AREA ? n : FUZZ_BUF_AREA);
        if (len_bits < 32 && (r & 0x10000))
            n |= fuzz_rand(env) & ~type_max; /* garbage above the length's width */
        break;
    }
    *addr = a;
    *len = n;
    if (writes)
        fuzz_note_out(env, c, a, n & type_max);
}

/* A second buffer whose length register was chosen with another buffer. */
FUZZ_HELPER uint32_t fuzz_buffer_for(struct fuzz_env *env, struct fuzz_call *c, uint32_t len,
                                uint32_t len_bits, int writes)
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
FUZZ_HELPER uint32_t fuzz_pointer(struct fuzz_env *env, struct fuzz_call *c, uint32_t size, int writes)
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

FUZZ_HELPER void fuzz_fill(struct fuzz_env *env, char *s, uint32_t len, int printable)
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
FUZZ_HELPER uint32_t fuzz_string(struct fuzz_env *env, uint32_t slot, uint32_t n)
{
    char *s = (char *)env->scratch + FUZZ_BUF_AREA + slot * FUZZ_STR_SLOT;
    const uint32_t room = FUZZ_STR_SLOT - 1;
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
]]

-- The C expression of a bound: the const's name or the number.
local function expr(v)
    if v.expr:match("^%d") then return v.expr .. "u" end
    return "(uint32_t)" .. v.expr
end

local function scalar_info(a)
    return a.type.size * 8, a.type.signed and 1 or 0
end

local function flags(sc)
    local f = {}
    if sc.fuzz.isolate or sc.attrs.noreturn then f[#f + 1] = "FUZZ_F_ISOLATE" end
    if sc.attrs.noreturn then f[#f + 1] = "FUZZ_F_NORETURN" end
    if sc.ret == "u32" or sc.ret == "uptr" then f[#f + 1] = "FUZZ_F_UNSIGNED" end
    return #f > 0 and table.concat(f, " | ") or "0"
end

local function hint_comment(sc)
    local parts = {}
    if sc.fuzz.isolate then parts[#parts + 1] = "isolate" end
    if sc.attrs.noreturn then parts[#parts + 1] = "noreturn: isolated" end
    for _, a in ipairs(sc.args) do
        local h = sc.fuzz.args[a.name]
        if h then
            local s = a.name .. " " .. h.kind
            if h.max then s = s .. " " .. h.max.expr end
            for _, v in ipairs(h.avoid or {}) do s = s .. " " .. v.expr end
            parts[#parts + 1] = s
        end
    end
    return #parts > 0 and (" (fuzz: " .. table.concat(parts, ", ") .. ")") or ""
end

local function scalar_arg(w, sc, a, i)
    local bits, signed = scalar_info(a)
    local h = sc.fuzz.args[a.name]
    local v = string.format("fuzz_scalar(env, %d, %d)", bits, signed)
    if h and h.kind == "own_child" then
        v = "fuzz_own_child(env)"
        w("    c->volatile_args |= 1u << %d; /* a pid: its value depends on the run */", i - 1)
    elseif h and h.kind == "max" then
        v = string.format("fuzz_clamp(%s, %d, %d, %s)", v, bits, signed, expr(h.max))
    elseif h and h.kind == "avoid" then
        v = string.format("fuzz_avoid(%s, %d, %d, avoid_%s, %d)", v, bits, signed, a.name, #h.avoid)
    end
    w("    c->args[%d] = %s;", i - 1, v)
end

local function picker(w, sc, index)
    w("/* %d %s%s */", sc.num, cgen.comment(cgen.signature(sc)), cgen.comment(hint_comment(sc)))
    w("static void fuzz_pick_%s(struct fuzz_env *env, struct fuzz_call *c)", sc.name)
    w("{")
    for _, a in ipairs(sc.args) do
        local h = sc.fuzz.args[a.name]
        if h and h.kind == "avoid" then
            local vals = {}
            for i, v in ipairs(h.avoid) do vals[i] = expr(v) end
            w("    static const uint32_t avoid_%s[] = { %s };", a.name, table.concat(vals, ", "))
        end
    end
    w("    c->index = %d;\n    c->nr = %d;\n    c->nargs = %d;\n    c->flags = %s;\n    c->errors = fuzz_errors_%s;",
        index, sc.num, #sc.args, flags(sc), sc.name)
    if #sc.args == 0 then w("    (void)env;") end
    local is_len, len_owner = {}, {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then is_len[a.len_arg] = true end
    end
    local slot = 0
    for i, a in ipairs(sc.args) do
        local writes = (a.dir == "out" or a.dir == "inout") and 1 or 0
        if a.kind == "scalar" then
            if not is_len[i] then scalar_arg(w, sc, a, i) end
        elseif a.kind == "bytes" then
            local len_arg = sc.args[a.len_arg]
            local bits = len_arg.type.size * 8
            if not len_owner[a.len_arg] then
                len_owner[a.len_arg] = true
                w("    fuzz_buffer(env, c, &c->args[%d], &c->args[%d], %s, %d, %d);", i - 1, a.len_arg - 1,
                    a.max and expr(a.max) or "0xFFFFFFFFu", bits, writes)
            else
                w("    c->args[%d] = fuzz_buffer_for(env, c, c->args[%d], %d, %d);", i - 1, a.len_arg - 1,
                    bits, writes)
            end
        elseif a.kind == "str" then
            w("    c->args[%d] = fuzz_string(env, %d, %s);", i - 1, slot, expr(a.size))
            slot = slot + 1
        else
            w("    c->args[%d] = fuzz_pointer(env, c, sizeof(%s), %d);", i - 1, cgen.pointee(a.type), writes)
        end
    end
    w("}")
end

-- Numbers below SYS_TABLE_SIZE that name no syscall (unused and retired slots).
local function unused_numbers(m)
    local used, list = {}, {}
    for _, sc in ipairs(m.syscalls) do used[sc.num] = true end
    for nr = 0, m.table_size - 1 do
        if not used[nr] then list[#list + 1] = tostring(nr) .. "u" end
    end
    return list
end

local INVALID = [[
/* A number that is no syscall: an unused or retired slot, just past the table, or far away. */
static void fuzz_pick_invalid(struct fuzz_env *env, struct fuzz_call *c)
{
    const uint32_t r = fuzz_rand(env), hi = r >> 8;
    switch (r % 4) {
    case 0:
        c->nr = fuzz_unused[hi % FUZZ_COUNT(fuzz_unused)];
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
]]

local TAIL = [[
uint32_t fuzz_error(const struct fuzz_call *c, uint32_t ret)
{
    if (c->flags & FUZZ_F_UNSIGNED)
        return ret >= 0xFFFFF001u ? 0u - ret : 0;
    return (int32_t)ret < 0 ? 0u - ret : 0;
}

int fuzz_error_documented(const struct fuzz_call *c, uint32_t err)
{
    for (const uint16_t *e = c->errors; *e; e++)
        if (*e == err)
            return 1;
    return 0;
}
]]

-- Loads of the argument registers from args[] (pointed to by ecx, which is loaded last). ebx and
-- ebp are saved by hand: ebx may be GCC's, ebp is the frame pointer.
local function trap(w, m)
    local lines = { "pushl %%ebp", "pushl %%ebx" }
    local ecx
    for i, r in ipairs(m.abi.arg_registers) do
        if r == "ecx" then
            ecx = i
        else
            lines[#lines + 1] = string.format("movl %d(%%%%ecx), %%%%%s", 4 * (i - 1), r)
        end
    end
    if ecx then lines[#lines + 1] = string.format("movl %d(%%%%ecx), %%%%ecx", 4 * (ecx - 1)) end
    lines[#lines + 1] = "int $" .. m.abi.trap
    lines[#lines + 1] = "popl %%ebx"
    lines[#lines + 1] = "popl %%ebp"
    w("uint32_t fuzz_trap(const struct fuzz_call *c)")
    w("{")
    w("    uint32_t eax = c->nr;")
    w("    const uint32_t *args = c->args;")
    for i, l in ipairs(lines) do
        local text = '"' .. l .. (i < #lines and '\\n\\t"' or '"')
        w((i == 1 and "    __asm__ volatile(" or "                     ") .. text)
    end
    w('                     : "+a"(eax), "+c"(args)')
    w("                     :")
    w('                     : "edx", "esi", "edi", "memory", "cc");')
    w("    return eax;")
    w("}")
end

-- Bytes of scratch the generated code needs: the buffer area and one slot per string argument.
local function str_slots(m)
    local slot_len, slots = 16, 0
    for _, sc in ipairs(m.syscalls) do
        local n = 0
        for _, a in ipairs(sc.args) do
            if a.kind == "str" then
                n = n + 1
                slot_len = math.max(slot_len, math.min(a.size.value + 2, MAX_STR_SLOT))
            end
        end
        slots = math.max(slots, n)
    end
    return (slot_len + 15) // 16 * 16, slots
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"fuzz.h\"")
    w("")
    local slot_len, slots = str_slots(m)
    w("/* Strings are written to slots of scratch after the buffer area, one per str argument. */")
    w("#define FUZZ_STR_SLOT %du", slot_len)
    w("const uint32_t fuzz_scratch_need = FUZZ_BUF_AREA + %d * FUZZ_STR_SLOT;", slots)
    w("")
    w(HELPERS)
    w("/* The errors each syscall may return: its errors line and those its entry checks imply. */")
    w("static const uint16_t fuzz_errors_none[] = { ENOSYS, 0 };")
    for _, sc in ipairs(m.syscalls) do
        local names = {}
        for _, e in ipairs(sc.errors) do names[#names + 1] = e.name end
        for _, e in ipairs(sc.implied) do names[#names + 1] = e.name end
        names[#names + 1] = "0"
        w("static const uint16_t fuzz_errors_%s[] = { %s };", sc.name, table.concat(names, ", "))
    end
    w("")
    for i, sc in ipairs(m.syscalls) do
        picker(w, sc, i - 1)
        w("")
    end
    local unused = unused_numbers(m)
    if #unused == 0 then unused[1] = "SYS_TABLE_SIZE" end
    w("static const uint32_t fuzz_unused[] = { %s };", table.concat(unused, ", "))
    w("")
    w("const uint32_t fuzz_syscall_count = %d;", #m.syscalls)
    w("const char *const fuzz_syscall_names[] = {")
    for _, sc in ipairs(m.syscalls) do w("    \"%s\",", sc.name) end -- C identifiers: no escaping
    w("    \"(no syscall)\",")
    w("};")
    w("")
    w(INVALID)
    if #m.syscalls > 0 then
        w("static void (*const fuzz_pickers[])(struct fuzz_env *env, struct fuzz_call *c) = {")
        for _, sc in ipairs(m.syscalls) do w("    fuzz_pick_%s,", sc.name) end
        w("};")
        w("")
    end
    local choices = {}
    for i, sc in ipairs(m.syscalls) do
        for _ = 1, (sc.fuzz.isolate or sc.attrs.noreturn) and 1 or 4 do choices[#choices + 1] = i - 1 end
    end
    for _ = 1, 4 do choices[#choices + 1] = #m.syscalls end
    w("/* Indices into fuzz_pickers (the last one: no syscall): an isolated call costs a fork, so")
    w(" * those are chosen a quarter as often as the others. */")
    w("static const uint16_t fuzz_choices[] = {")
    for i = 1, #choices, 16 do
        w("    %s,", table.concat(choices, ", ", i, math.min(i + 15, #choices)))
    end
    w("};")
    w("")
    w("void fuzz_pick(struct fuzz_env *env, struct fuzz_call *c)")
    w("{")
    w("    for (uint32_t i = 0; i < ABI_MAX_ARGS; i++)")
    w("        c->args[i] = 0;")
    w("    c->nout = 0;")
    w("    c->volatile_args = 0;")
    w("    const uint32_t i = fuzz_choices[fuzz_below(env, FUZZ_COUNT(fuzz_choices))];")
    if #m.syscalls > 0 then
        w("    if (i < fuzz_syscall_count)")
        w("        fuzz_pickers[i](env, c);")
        w("    else")
        w("        fuzz_pick_invalid(env, c);")
    else
        w("    (void)i;")
        w("    fuzz_pick_invalid(env, c);")
    end
    w("}")
    w("")
    trap(w, m)
    w("")
    w(TAIL)
    return w()
end

return out
