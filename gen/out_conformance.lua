-- build/gen/conformance/conformance.c and regs.asm: the ABI conformance cases
-- of every syscall, derived from its declaration alone, so a syscall added to
-- the .def is tested with no other edit.  The hand-written runtime
-- (tests/conformance/) runs each case in a child process and judges it.
--
-- Per syscall:
--   * every pointer argument (bytes, str, T) with NULL, a kernel address, an
--     unmapped user address, a range wrapping past 2^32 and a range that starts
--     mapped and ends unmapped: each must fail with its EFAULT before the
--     handler runs (an optional NULL must instead get past the entry; a byte
--     buffer that starts mapped may instead move a short count, as Linux does);
--   * every bounded string exactly at its limit (must not fail with the
--     toolong error or EFAULT) and one byte past it (the toolong error);
--   * every `max` length one past the bound (the toolong error), when the
--     length belongs to that one buffer;
--   * register preservation around the trap, in generated assembly;
-- and the numbers no syscall owns must answer ENOSYS with registers intact.
--
-- Argument values: scalars 0 (an enum its first member), lengths a small valid length (min(16, max)) in
-- the pointer cases and 0 in the register cases, other optional pointers NULL,
-- other pointers a valid zeroed buffer (conf_valid) or the string "/" (conf_str:
-- a path that exists on a POSIX kernel, and is absolute, so that a directory fd
-- argument of 0 does not matter; an empty path is ENOENT on Linux before any
-- other argument is looked at).  With these, every blocking syscall of
-- abi/syscalls.def returns at once (the runtime also times a call out).
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local SMALL_LEN = 16
local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }
local REGS = { "ebx", "ecx", "edx", "esi", "edi", "ebp" }
-- Distinctive top bytes for registers that carry no argument.
local REG_TAG = { ebx = 0xEB, ecx = 0xEC, edx = 0xED, esi = 0x51, edi = 0xD1, ebp = 0xBB }
-- Bits of the mask the assembly checks return, in order.
local MASK_NAMES = { "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eflags", "eax" }
local MASK = {}
for i, n in ipairs(MASK_NAMES) do MASK[n] = 1 << (i - 1) end
-- eflags: CF PF ZF DF OF are set and AF SF cleared before the trap; these and IF
-- (always 1 in ring 3) must come back as they were.  TF, NT, RF, AC, ID and the
-- reserved bits are neither set nor compared.
local FLAGS_MASK = 0xED5
local FLAGS_SET = 0xC45
local FLAGS_WANT = 0xE45

local function hex(v) return string.format("0x%X", cgen.u32(v)) end

-- The small valid length of each length argument: at most SMALL_LEN and at most
-- the max of every buffer it measures.
local function lengths(sc)
    local len = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then
            local i = a.len_arg
            local v = len[i] or math.min(SMALL_LEN, TYPE_MAX[sc.args[i].type.name] or 0xFFFFFFFF)
            if a.max then v = math.min(v, a.max.value) end
            len[i] = v
        end
    end
    return len
end

-- How many bytes a pointer argument's case touches: its length, its type's
-- size, or (for strings) two bytes of an unterminated string.
local function span(a, len)
    if a.kind == "bytes" then return len[a.len_arg] * (a.elem_size or 1) end
    if a.kind == "ptr" then return a.type.size end
    return 2
end

-- The value-result length arguments (bytes[*LEN]): { [index] = C variable holding the capacity },
-- set to the small length before each call (a case runs in a child of its own).
local function capacities(sc)
    local caps = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" and a.len_by_ptr then caps[a.len_arg] = names.conf_cap(sc, sc.args[a.len_arg]) end
    end
    return caps
end

-- The statements a run function needs before its call: the capacities set.
local function call_setup(sc, len)
    local lines = {}
    for i, var in pairs(capacities(sc)) do
        lines[#lines + 1] = string.format("    %s = %du;\n", var, len[i] or SMALL_LEN)
    end
    table.sort(lines)
    return table.concat(lines)
end

-- C argument list of a call in which argument `tested` (an index or nil) is
-- `param` and the others take their default values.
local function call_args(sc, len, tested, param, zero_lengths)
    local args, caps = {}, capacities(sc)
    for i, a in ipairs(sc.args) do
        if i == tested then
            args[i] = param
        elseif caps[i] then
            args[i] = "&" .. caps[i] -- a value-result length: a u32 holding the capacity
        elseif a.kind == "scalar" then
            local named = kinds.named(a)
            if not len[i] and named and named.kind == "enum" and a.einval then
                -- 0 may be no member: the enum check would answer first (kcov's op)
                args[i] = cgen.literal(kinds.bits(named.members[1].value))
            else
                args[i] = len[i] and not zero_lengths and tostring(len[i]) or "0"
            end
        elseif a.kind == "str" then
            args[i] = "conf_str"
        elseif a.optional and not (a.kind == "bytes" and tested and a.len_arg == tested) then
            -- the most neutral value: Linux skips the copy (sigaltstack's ss, prlimit64's new); but a
            -- buffer whose length is under test is there (a NULL one has no length to refuse)
            args[i] = "0"
        else
            args[i] = "(void *)conf_valid"
        end
    end
    return table.concat(args, ", ")
end

local function wrapper_call(m, sc, args)
    for _ in ipairs(kinds.results(sc)) do args = args .. (args == "" and "0" or ", 0") end -- results not wanted
    local call = string.format("%s(%s)", names.wrapper(m.abi, sc), args)
    return sc.ret == "i32" and call or "(int32_t)" .. call
end

-- Values a flags, enum or resource argument must refuse (v2), each with the error the .def
-- declares: every bit outside a flags set's mask (each bit position, 8 to 32 cases), the value
-- past an enum's last and its first gap; for a resource with lifecycle errors, a value that is
-- never valid (not a special, never handed out), one whose process has ended and been reaped and
-- one of another process (the runtime makes these two: CONF_REAPED, CONF_FOREIGN).
local function value_cases(w, m, sc, len, setup, cases)
    for i, a in ipairs(sc.args) do
        local named = a.kind == "scalar" and kinds.named(a)
        local list = {}
        if named and named.kind == "flags" and a.einval then
            local bits = 8 * named.base.size
            for b = 0, bits - 1 do
                if named.mask & (1 << b) == 0 then
                    list[#list + 1] = { "bit_" .. b, 1 << b, a.einval, string.format("%s = 0x%X, a bit outside %s",
                        a.name, 1 << b, named.name) }
                end
            end
        elseif named and named.kind == "enum" and a.einval then
            local members = named.members
            local top = kinds.bits(members[#members].value)
            local max = (1 << (8 * named.base.size)) - 1
            if top < max then
                list[#list + 1] = { "past_end", top + 1, a.einval, string.format("%s = %d, past the last %s",
                    a.name, top + 1, named.name) }
            end
            local taken = {}
            for _, mb in ipairs(members) do taken[kinds.bits(mb.value)] = true end
            for v = kinds.bits(members[1].value), top do
                if not taken[v] then
                    list[#list + 1] = { "gap", v, a.einval, string.format("%s = %d, between values of %s", a.name, v,
                        named.name) }
                    break
                end
            end
        elseif named and named.kind == "resource" and a.lifecycle then
            local lc = a.lifecycle
            if lc.invalid then
                list[#list + 1] = { "invalid", out.never_valid(named), lc.invalid,
                    string.format("%s = a %s that is never valid", a.name, named.name) }
            end
            if lc.reaped then
                list[#list + 1] = { "reaped", 0, lc.reaped, string.format("%s = a %s whose process ended and was reaped",
                    a.name, named.name), "CONF_REAPED" }
            end
            if lc.foreign then
                list[#list + 1] = { "foreign", 0, lc.foreign, string.format("%s = another process's %s", a.name,
                    named.name), "CONF_FOREIGN" }
            end
        end
        local fn = names.conf_val(sc, a)
        if #list > 0 then
            w("static int32_t %s(uint32_t v)\n{\n%s    return %s;\n}", fn, setup,
                wrapper_call(m, sc, call_args(sc, len, i, "v")))
        end
        for _, c in ipairs(list) do
            local run = fn
            if c[5] then -- a value only the runtime can make, in the child
                run = fn .. "_" .. c[1]
                w("static int32_t %s(uint32_t v)\n{\n    (void)v;\n    return %s(conf_resource(%s, %s));\n}", run, fn,
                    cgen.cstring(named.name), c[5])
            end
            cases(names.conf_case(sc, a, c[1]), run, "CONF_EQ", "CONF_VALUE", c[2], "-" .. c[3].name, "0", c[4])
        end
    end
end

-- A value of a resource that no call ever hands out and that is none of its specials: the
-- largest positive one (a signed base) or the largest one, going down past the specials.
function out.never_valid(t)
    local v = t.base.signed and 0x7FFFFFFF or 0xFFFFFFFF
    local special = {}
    for _, s in ipairs(t.specials) do special[kinds.bits(s.value)] = true end
    while special[v] do v = v - 1 end
    return v
end

-- The cases of one syscall, and the C functions they call.
local function syscall_cases(w, m, sc, cases)
    local len = lengths(sc)
    w("/* %d %s */", sc.num, cgen.comment(cgen.signature(sc)))
    -- The errors every answer of this syscall must be among (0-terminated): its errors line and
    -- those its entry checks imply. A syscall without an errors line is not checked.
    if #sc.errors > 0 then
        local errs = {}
        for _, e in ipairs(sc.errors) do errs[#errs + 1] = "-" .. e.name end
        for _, e in ipairs(sc.implied) do errs[#errs + 1] = "-" .. e.name end
        w("static const int32_t %s[] = { %s, 0 };", names.conf_errors(sc), table.concat(errs, ", "))
    end
    local setup = call_setup(sc, len)
    for _, var in pairs(capacities(sc)) do w("static uint32_t %s;", var) end
    for i, a in ipairs(sc.args) do
        if a.kind ~= "scalar" then
            local fn = names.conf_call(sc, a)
            local param = a.kind == "str" and "(const char *)p" or "(void *)p"
            w("static int32_t %s(uint32_t p)\n{\n%s    return %s;\n}", fn, setup,
                wrapper_call(m, sc, call_args(sc, len, i, param)))
            local efault = "-" .. a.efault.name
            local n = span(a, len)
            local function add(suffix, expect, arg, size, want, want2, what)
                cases(names.conf_case(sc, a, suffix), fn, expect, arg, size, want, want2 or "0", what)
            end
            if a.optional then
                add("null", "CONF_ACCEPTED", "CONF_NULL", n, efault, efault, "NULL is allowed (optional)")
            else
                add("null", "CONF_EQ", "CONF_NULL", n, efault, nil, "NULL")
            end
            add("kernel", "CONF_EQ", "CONF_KERNEL", n, efault, nil, "a kernel address")
            add("unmapped", "CONF_EQ", "CONF_UNMAPPED", n, efault, nil, "an unmapped user address")
            -- One byte cannot wrap or straddle a page boundary.
            if n >= 2 then
                add("wrap", "CONF_EQ", "CONF_WRAP", n, efault, nil, "a range wrapping past 0xFFFFFFFF")
                -- A kernel that copies as it goes (Linux) moves the mapped half of a byte buffer
                -- and returns that short count; one that checks the range first returns EFAULT.
                -- The runtime of each kernel says which it accepts (CONF_PARTIAL).
                if a.kind == "bytes" then
                    add("partly_mapped", "CONF_PARTIAL", "CONF_STRADDLE", n, efault, tostring(n),
                        "a range that starts mapped and ends unmapped")
                else
                    add("partly_mapped", "CONF_EQ", "CONF_STRADDLE", n, efault, nil,
                        "a range that starts mapped and ends unmapped")
                end
            end
            if a.kind == "str" then
                local limit = a.size.value
                add("at_limit", "CONF_ACCEPTED", "CONF_STRING", limit, "-" .. a.toolong.name, efault,
                    string.format("a string of exactly %s bytes", a.size.expr))
                add("too_long", "CONF_EQ", "CONF_STRING", limit + 1, "-" .. a.toolong.name, nil,
                    string.format("a string of %s + 1 bytes", a.size.expr))
            end
        end
    end
    -- A length one past its max, when it measures this buffer only (with two,
    -- the other buffer's checks could answer first).
    local users = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then users[a.len_arg] = (users[a.len_arg] or 0) + 1 end
    end
    for _, a in ipairs(sc.args) do
        -- (A value-result length above max is lowered to it, not refused.)
        local la = a.kind == "bytes" and a.max and not a.len_by_ptr and sc.args[a.len_arg]
        if la and users[a.len_arg] == 1 and TYPE_MAX[la.type.name] > a.max.value then
            local fn = names.conf_len(sc, la)
            w("static int32_t %s(uint32_t n)\n{\n%s    return %s;\n}", fn, setup,
                wrapper_call(m, sc, call_args(sc, len, a.len_arg, "n")))
            cases(names.conf_case(sc, a, names.CONF_MAX_CASE), fn, "CONF_EQ", "CONF_VALUE",
                a.max.value + 1, "-" .. a.toolong.name, "0", string.format("%s = %s + 1", la.name, a.max.expr))
        end
    end
    value_cases(w, m, sc, len, setup, cases)
    -- Registers: the assembly routine traps with the default arguments.
    local asm = names.conf_regs(sc)
    local runner = names.conf_run_regs(sc)
    w("%suint32_t %s(int32_t *eax);", sc.attrs.returns_twice and "__attribute__((returns_twice)) " or "", asm)
    w("static int32_t %s(uint32_t p)\n{\n    int32_t eax;\n    (void)p;", runner)
    if sc.attrs.noreturn then
        w("    %s(&eax);\n    return CONF_RETURNED; /* the trap came back */", asm)
    elseif sc.attrs.returns_twice then
        w("    const uint32_t mask = %s(&eax);\n    conf_result = eax;\n    return conf_second_return(mask, eax);",
            asm)
    else
        w("    const uint32_t mask = %s(&eax);\n    conf_result = eax;\n    return (int32_t)mask;", asm)
    end
    w("}\n")
    local what = "registers across the trap"
    if sc.attrs.noreturn then what = "registers up to the trap (noreturn)" end
    if sc.attrs.returns_twice then what = "registers in both returns" end
    cases(names.conf_regs_case(sc), runner, sc.attrs.noreturn and "CONF_NORETURN" or "CONF_REGS",
        "CONF_VALUE", 0, "0", "0", what)
end

-- Numbers no syscall owns: unused slots (the first few), every retired number,
-- one past the table, and values that a signed or truncating dispatcher would
-- get wrong.
function out.invalid_numbers(m)
    local used, list, seen = {}, {}, {}
    for _, sc in ipairs(m.syscalls) do used[sc.num] = true end
    local retired = {}
    for _, r in ipairs(m.retired) do retired[r.num] = r end
    local function add(num, why)
        if not seen[num] and not used[num] then
            seen[num] = true
            list[#list + 1] = { num = num, why = why }
        end
    end
    local unused = 0
    for nr = 0, m.table_size - 1 do
        if retired[nr] then
            add(nr, "retired_" .. retired[nr].name)
        elseif not used[nr] and unused < 4 then
            unused = unused + 1
            add(nr, "unused")
        end
    end
    add(m.table_size, "past_end")
    local first = m.syscalls[1].num -- the model refuses a definition without syscalls
    if 0x100 + first >= m.table_size then add(0x100 + first, "low_byte_" .. first) end
    add(0x10000 + first, "low_half_" .. first)
    add(0x7FFFFFFF, "int_max")
    add(0x80000000, "int_min")
    add(0xFFFFFFFF, "minus_one")
    return list
end

local function nosys_cases(w, m, cases)
    w("/* Numbers without a syscall: ENOSYS, registers intact. */")
    for _, n in ipairs(out.invalid_numbers(m)) do
        local asm = names.conf_nosys(n.num)
        w("uint32_t %s(int32_t *eax);", asm)
        w("static int32_t %s(uint32_t p)", names.conf_run_nosys(n.num))
        w("{")
        w("    int32_t eax;")
        w("    (void)p;")
        w("    return (int32_t)%s(&eax);", asm)
        w("}")
        cases(names.conf_nosys_case(n.num, n.why), names.conf_run_nosys(n.num),
            "CONF_REGS", "CONF_VALUE", 0, "0", "0", "ENOSYS and registers intact")
    end
    w("")
end

-- A kernel-only address: just above user space, or just below it when user
-- space reaches the top, or the first address past user space when there is no room for either.
local function kernel_addr(m)
    if m.abi.user_high <= 0xFFF00000 then return m.abi.user_high + 0x100000 end
    if m.abi.user_low >= 0x1000 then return m.abi.user_low - 0x1000 end
    return m.abi.user_high
end

local function render_c(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("/* ABI conformance cases, run by tests/conformance/runtime.c (see gen/out_conformance.lua). */")
    w("#include \"conformance.h\"")
    w("")
    w("const uint32_t conf_kernel_addr = %su;", hex(kernel_addr(m)))
    w("")
    w("/* Bits of the mask the register checks in regs.asm return. */")
    local reg_names = {}
    for i, n in ipairs(MASK_NAMES) do reg_names[i] = cgen.cstring(n) end
    w("const char *const conf_reg_names[] = { %s };", table.concat(reg_names, ", "))
    w("const int conf_reg_count = %d;", #MASK_NAMES)
    w("")
    w("const char *conf_error_name(int32_t r)")
    w("{")
    w("    switch (r) {")
    for _, e in ipairs(m.errors) do
        w("    case -%s:", e.name)
        w("        return %s;", cgen.cstring(e.name))
    end
    w("    default:")
    w("        return \"\";")
    w("    }")
    w("}")
    w("")
    -- Each case becomes one line of the conf_cases table as soon as it is known. Case names are C
    -- identifiers and need no escaping; the few distinct descriptions are escaped once each.
    local quoted = setmetatable({}, { __index = function(t, k)
        local v = cgen.cstring(k)
        t[k] = v
        return v
    end })
    local rows, count, errors = cgen.buffer(), 0, "0"
    local function cases(name, fn, expect, arg, span_bytes, want, want2, what)
        count = count + 1
        rows("    { \"%s\", %s, %s, %s, %du, %s, %s, %s, %s },", name, fn, expect, arg, span_bytes, want, want2,
            quoted[what], errors)
    end
    w("/* The trap's eax in a register case (the run function returns the register mask). */")
    w("int32_t conf_result;")
    w("")
    for _, sc in ipairs(m.syscalls) do
        errors = #sc.errors > 0 and names.conf_errors(sc) or "0"
        syscall_cases(w, m, sc, cases)
    end
    errors = "0" -- ENOSYS and the registers are checked by the assembly
    nosys_cases(w, m, cases)
    w("const struct conf_case conf_cases[] = {")
    cgen.append(w, rows)
    w("};")
    w("const int conf_case_count = %d;", count)
    return w()
end

----------------------------------------------------------------------------
-- Assembly: one routine per syscall and per invalid number.


-- One routine is one macro line: the generator's output (and time) stays small per syscall.
local function asm_routine(w, sym, nr, values, enosys, results_mask)
    local v = {}
    for i, r in ipairs(REGS) do v[i] = values[r] end
    w("global %s:function", sym)
    if results_mask then
        w("CONF_ROUTINE_RESULTS %s, %s, %s, %s", sym, hex(nr), table.concat(v, ", "), results_mask)
    elseif enosys then
        w("CONF_ROUTINE_ENOSYS %s, %s, %s, -%d", sym, hex(nr), table.concat(v, ", "), enosys)
    else
        w("CONF_ROUTINE %s, %s, %s", sym, hex(nr), table.concat(v, ", "))
    end
end

local function distinct(num)
    local v = {}
    for _, r in ipairs(REGS) do v[r] = hex((REG_TAG[r] << 24) | 0x5A0000 | (num & 0xFFFF)) end
    return v
end

local function render_asm(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("; Register preservation checks for tests/conformance (see gen/out_conformance.lua).")
    w("bits 32")
    w("")
    -- The values the hand-written macros in tests/conformance/regs.inc check against: the mask
    -- bits must match conf_reg_names in conformance.c, the trap is the .def's.
    w("%%define CONF_FLAGS_MASK %s ; CF PF AF ZF SF IF DF OF are compared", hex(FLAGS_MASK))
    w("%%define CONF_FLAGS_SET %s ; CF PF ZF DF OF set, AF SF clear before the trap", hex(FLAGS_SET))
    w("%%define CONF_FLAGS_WANT %s ; ... and IF, which ring 3 always runs with", hex(FLAGS_WANT))
    for _, n in ipairs(MASK_NAMES) do w("%%define CONF_MASK_%s %s", n:upper(), hex(MASK[n])) end
    w("%%define CONF_TRAP 0x%02x", m.abi.trap)
    w('%include "regs.inc"')
    w("")
    local valid_size = 64
    for _, sc in ipairs(m.syscalls) do
        for _, a in ipairs(sc.args) do
            if a.kind == "ptr" then valid_size = math.max(valid_size, a.type.size) end
        end
    end
    w("section .bss")
    w("alignb 16")
    w("global conf_valid:data")
    w("conf_valid: resb %d                ; the valid buffer of every pointer argument", (valid_size + 15) // 16 * 16)
    w("conf_esp_before: resd 1")
    w("conf_esp_after: resd 1")
    w("conf_eax: resd 1")
    w("conf_flags_after: resd 1")
    w("")
    w("section .rodata")
    w("global conf_str:data")
    w("conf_str: db \"/\", 0               ; the valid string: a path that exists, absolute")
    w("")
    w("section .text")
    for _, sc in ipairs(m.syscalls) do
        w("")
        w("; %d %s", sc.num, cgen.signature(sc))
        local values = distinct(sc.num)
        for _, a in ipairs(sc.args) do
            if kinds.is_pair(a) then
                for _, r in ipairs(a.regs) do values[r] = "0" end
            elseif a.kind == "scalar" then
                values[a.reg] = "0"
            elseif a.kind == "str" then
                values[a.reg] = "conf_str"
            elseif a.optional then
                values[a.reg] = "0"
            else
                values[a.reg] = "conf_valid"
            end
        end
        -- The registers a result comes back in are not compared (eax never is).
        local results_mask
        for _, u in ipairs(kinds.upper_words(sc)) do
            local bit = "CONF_MASK_" .. u.reg:upper()
            results_mask = results_mask and (results_mask .. " | " .. bit) or bit
        end
        asm_routine(w, names.conf_regs(sc), sc.num, values, nil, results_mask)
    end
    local enosys
    for _, e in ipairs(m.errors) do
        if e.name == "ENOSYS" then enosys = e.num end
    end
    for _, n in ipairs(out.invalid_numbers(m)) do
        w("")
        w("; %s: %s", hex(n.num), n.why)
        asm_routine(w, names.conf_nosys(n.num), n.num, distinct(n.num), enosys)
    end
    w("")
    w("section .note.GNU-stack noalloc noexec nowrite progbits")
    return w()
end

-- part: "c" (conformance.c) or "asm" (regs.asm).
function out.render(m, part)
    if part == "asm" then return render_asm(m) end
    return render_c(m)
end

return out
