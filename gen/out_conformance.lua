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
--   * the values a flags, enum or resource argument must refuse;
--   * register preservation around the trap;
-- and the numbers no syscall owns must answer ENOSYS with registers intact.
--
-- The output is data only (tests/conformance/conf_cases.h): a row per syscall (its number and
-- the default value of each argument register) and a row per case (a pointer argument's five in
-- one, through a macro the file defines); the fixed interpreter (tests/conformance/conf_run.c)
-- and trap (regs.inc) run every case the same way.
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
-- Bit r of a register set (conf_cases.h's enum conf_reg).
local REG_INDEX = { ebx = 0, ecx = 1, edx = 2, esi = 3, edi = 4, ebp = 5 }
local fmt, concat, min = string.format, table.concat, math.min
-- Numbers as text (syscall numbers, registers, masks, spans), converted once each: a number
-- joined to a string is formatted every time.
local nums, num32 = cgen.num, cgen.num32
-- "-ENAME" of an error, once per error.
local negated = cgen.weak_memo(function(e) return "-" .. e.name end)

-- The scratch of one syscall, by argument index (tables made once, not per syscall): len[i] the
-- small valid length of length argument i (at most SMALL_LEN and at most the max of every buffer
-- it measures; false for an argument that measures none), cap_of[i] whether it is a value-result
-- length, users[i] how many buffers it measures, reg[i] argument i's register (bit index).
local len, cap_of, users, reg = {}, {}, {}, {}

-- Fill the scratch for args; returns whether any argument is a byte buffer (the scratch is
-- filled, and read, only then: a syscall without one has no lengths).
local function lengths(args, nargs)
    local k = 1
    while k <= nargs and args[k].kind ~= "bytes" do k = k + 1 end
    if k > nargs then return false end
    local len_, cap_of_, users_ = len, cap_of, users
    for j = 1, nargs do
        len_[j], cap_of_[j], users_[j] = false, false, 0
    end
    for j = k, nargs do
        local a = args[j]
        if a.kind == "bytes" then
            local i = a.len_arg
            local v = len_[i] or min(SMALL_LEN, TYPE_MAX[args[i].type.name] or 0xFFFFFFFF)
            if a.max then v = min(v, a.max.value) end
            len_[i] = v
            users_[i] = users_[i] + 1
            if a.len_by_ptr then cap_of_[i] = true end
        end
    end
    return true
end

local function number(v)
    if v == 0 then return "0" end
    return cgen.literal(kinds.bits(v))
end

-- The pieces of a syscall's row: a register's default value with what comes before it (the
-- first after ", { "), and what follows the values up to the errors, by the register masks and
-- the flags: MASKS[args | valid << 6 | str << 12 | caps << 18 | ignore << 24 | flags << 30], flags
-- 0, 1 (noreturn) or 2 (returns twice). Each made once.
local FIRST_VALUE = cgen.memo(function(v) return ", { " .. v end)
local NEXT_VALUE = cgen.memo(function(v) return ", " .. v end)
local FLAGS = { [0] = "0", "CONF_SC_NORETURN", "CONF_SC_RETURNS_TWICE" }
local MASKS = cgen.memo(function(key)
    return " }, " .. nums[key & 63] .. ", " .. nums[key >> 6 & 63] .. ", " .. nums[key >> 12 & 63] .. ", " ..
        nums[key >> 18 & 63] .. ", " .. FLAGS[key >> 30] .. ", " .. nums[key >> 24 & 63] .. ", "
end)

-- The spelling of an enum's first member, once per enum.
local ENUM_FIRST = cgen.weak_memo(function(named) return number(named.members[1].value) end)

-- A value of a resource that no call ever hands out and that is none of its specials: the
-- largest positive one (a signed base) or the largest one, going down past the specials.
function out.never_valid(t)
    local v = t.base.signed and 0x7FFFFFFF or 0xFFFFFFFF
    local special = {}
    for _, s in ipairs(t.specials) do special[kinds.bits(s.value)] = true end
    while special[v] do v = v - 1 end
    return v
end

-- Values a flags, enum or resource argument must refuse (v2), each with the error the .def
-- declares: every bit outside a flags set's mask (each bit position, 8 to 32 cases), the value
-- past an enum's last and its first gap; for a resource with lifecycle errors, a value that is
-- never valid (not a special, never handed out), one whose process has ended and been reaped and
-- one of another process (the runtime makes these two: CONF_REAPED, CONF_FOREIGN).
--   The rows of an argument are the same in every argument of its type and errors but for the
-- case names' stem, the syscall's index, the argument's register and its name (which starts each
-- case's description, and is a C identifier: nothing in it to escape): they are made once for
-- each type and errors, as { before the stem, after it up to the index, after the register up
-- to the name, after the name } for each case.
local value_lists -- named type -> key -> list, for one render (cgen.shape_memo: tests/gen/shape_test.lua turns it off)
-- Bit b of a flags set: the case's suffix, the value in decimal and in hex (0x10).
local BITS = {}
for b = 0, 63 do BITS[b] = { suffix = "bit_" .. b, dec = fmt("%d", 1 << b), hex = fmt("0x%X", 1 << b) } end

-- A C string literal of a text that follows a C identifier, without its opening quote.
local function quoted_rest(what)
    return cgen.cstring(what):sub(2)
end

local function value_list(named, a)
    local lc, einval = a.lifecycle, a.einval
    local key = einval and einval.name or ""
    if lc then
        key = key .. " " .. (lc.invalid and lc.invalid.name or "") .. " " .. (lc.reaped and lc.reaped.name or "") ..
            " " .. (lc.foreign and lc.foreign.name or "")
    end
    local of_type = value_lists[named]
    if not of_type then
        of_type = {}
        value_lists[named] = of_type
    end
    local list = of_type[key]
    if list then return list end
    list = {}
    -- value: its C spelling (decimal, then "u"); what: the description after the argument's name.
    local function add(suffix, value, err, what, lifecycle)
        local n = #list
        list[n + 2] = suffix .. '", '
        if lifecycle then
            list[n + 1] = '    { "'
            list[n + 3] = ", CONF_NONE, 0, -" .. err.name .. ', 0, "'
            list[n + 4] = quoted_rest(what) .. ", " .. cgen.cstring(named.name) .. ", " .. lifecycle .. " },"
        else
            list[n + 1] = '    CONF_ROW("'
            list[n + 3] = ", " .. value .. "u, -" .. err.name .. ', 0, "'
            list[n + 4] = quoted_rest(what) .. "),"
        end
    end
    if named.kind == "flags" and einval then
        for b = 0, 8 * named.base.size - 1 do
            if named.mask & (1 << b) == 0 then
                local bit = BITS[b]
                add(bit.suffix, bit.dec, einval, " = " .. bit.hex .. ", a bit outside " .. named.name)
            end
        end
    elseif named.kind == "enum" and einval then
        local members = named.members
        local top = kinds.bits(members[#members].value)
        if top < (1 << (8 * named.base.size)) - 1 then
            add("past_end", fmt("%d", top + 1), einval, fmt(" = %d, past the last %s", top + 1, named.name))
        end
        local taken = {}
        for _, mb in ipairs(members) do taken[kinds.bits(mb.value)] = true end
        for v = kinds.bits(members[1].value), top do
            if not taken[v] then
                add("gap", fmt("%d", v), einval, fmt(" = %d, between values of %s", v, named.name))
                break
            end
        end
    elseif named.kind == "resource" and lc then
        if lc.invalid then
            add("invalid", fmt("%d", out.never_valid(named)), lc.invalid, " = a " .. named.name .. " that is never valid")
        end
        if lc.reaped then
            add("reaped", "0", lc.reaped, " = a " .. named.name .. " whose process ended and was reaped", "CONF_REAPED")
        end
        if lc.foreign then
            add("foreign", "0", lc.foreign, " = another process's " .. named.name, "CONF_FOREIGN")
        end
    end
    of_type[key] = list
    return list
end

-- A value list's rows with an argument register put in, once per list and register (by_reg:
-- list -> register -> rows, for one render): row k is A .. stem .. B .. sci .. C .. name .. D, with
-- { A, B, C, D, E } its five entries, E being D .. "\n" .. the next row's A (several rows are one
-- `..` chain, and one string: making a string is much of what a row costs).
local by_reg

local function register_rows(list, r)
    local of_list = by_reg[list]
    if not of_list then
        of_list = {}
        by_reg[list] = of_list
    end
    local v = of_list[r]
    if v then return v end
    v = {}
    local rt, j = ", CONF_EQ, CONF_VALUE, " .. nums[r], 0
    for k = 1, #list, 4 do
        v[j + 1], v[j + 2], v[j + 3], v[j + 4] = list[k], list[k + 1], rt .. list[k + 2], list[k + 3]
        if j > 0 then v[j] = v[j - 1] .. "\n" .. list[k] end
        j = j + 5
    end
    of_list[r] = v
    return v
end

-- The value rows of the arguments args[at[1..nvalued]] (each a flags, enum or resource scalar with
-- an error for a value it refuses).
local function value_cases(rows, n, sc, sci, args, at, nvalued)
    for j = 1, nvalued do
        local i = at[j]
        local a = args[i]
        local list = value_list(a.named, a)
        if #list > 0 then
            local v, stem, name, k = register_rows(list, reg[i]), names.conf_stem(sc, a), a.name, 1
            local count = #v + 1 -- (the last row has no E)
            while k + 39 <= count do -- eight rows
                n = n + 1
                rows[n] = v[k] .. stem .. v[k + 1] .. sci .. v[k + 2] .. name .. v[k + 4] .. stem .. v[k + 6] .. sci ..
                    v[k + 7] .. name .. v[k + 9] .. stem .. v[k + 11] .. sci .. v[k + 12] .. name .. v[k + 14] .. stem ..
                    v[k + 16] .. sci .. v[k + 17] .. name .. v[k + 19] .. stem .. v[k + 21] .. sci .. v[k + 22] .. name ..
                    v[k + 24] .. stem .. v[k + 26] .. sci .. v[k + 27] .. name .. v[k + 29] .. stem .. v[k + 31] .. sci ..
                    v[k + 32] .. name .. v[k + 34] .. stem .. v[k + 36] .. sci .. v[k + 37] .. name .. v[k + 38]
                k = k + 40
            end
            if k + 19 <= count then -- four rows
                n = n + 1
                rows[n] = v[k] .. stem .. v[k + 1] .. sci .. v[k + 2] .. name .. v[k + 4] .. stem .. v[k + 6] .. sci ..
                    v[k + 7] .. name .. v[k + 9] .. stem .. v[k + 11] .. sci .. v[k + 12] .. name .. v[k + 14] .. stem ..
                    v[k + 16] .. sci .. v[k + 17] .. name .. v[k + 18]
                k = k + 20
            end
            while k < count do
                n = n + 1
                rows[n] = v[k] .. stem .. v[k + 1] .. sci .. v[k + 2] .. name .. v[k + 3]
                k = k + 5
            end
        end
    end
    return n
end

-- A case's name is its argument's stem (names.conf_case with no suffix) and its suffix: a string's
-- limit cases have these.
local S1, S2 = table.unpack(names.CONF_STRING_CASES)
do
    local sc, a, p1 = { name = "s" }, { name = "a" }, names.CONF_POINTER_CASES[1]
    assert(names.conf_case(sc, a, p1) == names.conf_case(sc, a, "") .. p1, "a case name is its stem and suffix")
end

-- The descriptions of a string's limit cases, by the spelling of the limit.
local at_limit = cgen.memo(function(expr) return cgen.cstring("a string of exactly " .. expr .. " bytes") end)
local past_limit = cgen.memo(function(expr) return cgen.cstring("a string of " .. expr .. " + 1 bytes") end)

-- The description of a length past its max, after the length's name, and the end of its row: by
-- the max's spelling.
local past_max = cgen.memo(function(expr) return quoted_rest(" = " .. expr .. " + 1") .. ", 0, 0 }," end)
local MAX_CASE = names.CONF_MAX_CASE

-- A pointer argument's five (or three) cases are one row that names its stem once:
-- CONF_POINTER5_STEM (CONF_POINTER3_STEM), which the file defines (pointer_macros) to paste each
-- case's suffix to the stem, a string literal. What closes the row; a string's limit rows follow
-- its pointer row, their names spelled whole.
local STEM_END, STEM_END_STR = '"),', '"),\n    CONF_ROW("'
local S1Q, S2Q = S1 .. '", ', S2 .. '", '
-- A stem and a register case's name spelled as their pieces (names.CONF...), in a row's chain.
local CONF, SEP, SEP_END = names.CONF, names.CONF_SEP, names.CONF_SEP .. STEM_END
local REGS_ROW, REGS_END = '    CONF_REGS_ROW("' .. names.CONF, names.CONF_REGS .. '", '

-- The definitions of CONF_POINTER5_STEM and CONF_POINTER3_STEM: conf_cases.h's CONF_POINTER5 and
-- CONF_POINTER3, with each case's name the stem and its suffix (names.CONF_POINTER_CASES).
local function pointer_macros(w)
    local function names_of(count)
        local list = {}
        for i = 1, count do list[i] = "stem \"" .. names.CONF_POINTER_CASES[i] .. "\"" end
        return concat(list, ", ")
    end
    w("/* A pointer argument's cases in one row that names their stem: each case's name is the stem and")
    w("   the case's suffix (gen/names.lua), which the compiler pastes together. */")
    w("#define CONF_POINTER5_STEM(sc, reg, span, efault, null_expect, mid_expect, stem) \\")
    w("    CONF_POINTER5(sc, reg, span, efault, null_expect, mid_expect, %s)", names_of(5))
    w("#define CONF_POINTER3_STEM(sc, reg, span, efault, null_expect, stem) \\")
    w("    CONF_POINTER3(sc, reg, span, efault, null_expect, %s)", names_of(3))
    w("")
end

-- What a pointer row holds between the syscall's index and the first case name, once per error,
-- register, span, optional and kind: MIDS[efault][(bytes * 8 + reg) * 4 + optional * 2 + is_bytes].
local MIDS = cgen.weak_memo(function(efault)
    return cgen.memo(function(key)
        local is_bytes, optional, r, bytes = key % 2 == 1, key // 2 % 2 == 1, key // 4 % 8, key // 32
        local v = ", " .. nums[r] .. ", " .. nums[bytes] .. ", " .. negated[efault] .. ", " ..
            (optional and "CONF_ACCEPTED" or "CONF_EQ")
        if bytes >= 2 then
            -- A kernel that copies as it goes (Linux) moves the mapped half of a byte buffer
            -- and returns that short count; one that checks the range first returns EFAULT.
            -- The runtime of each kernel says which it accepts (CONF_PARTIAL).
            v = v .. (is_bytes and ", CONF_PARTIAL, \"" or ", CONF_EQ, \"")
        else
            v = v .. ", \""
        end
        return v
    end)
end)

local valued, over = {}, {} -- (syscall_rows' scratch)

-- In one pass over a syscall's arguments: the register of each (its low word's, for a 64-bit
-- one), in reg; its cases, each a row of conf_cases put into rows after rows[n] (sci: its index
-- in conf_syscalls; named_args: whether the definition has flags, enum or resource types,
-- language v2); returns its row of conf_syscalls and the new n. any: whether it has a byte
-- buffer (and its scratch is filled, by lengths). A call's defaults: scalars 0 or the small
-- length (an enum with a declared error its first member: 0 may be no member, and the enum check
-- would answer first), a value-result length a pointer to a u32 holding the small length,
-- optional pointers NULL. Registers past the last non-zero value are left to C's zero.
local function syscall_rows(sc, errors, any, rows, n, sci, named_args)
    local v1, v2, v3, v4, v5, v6, args, valid, str, caps, ignore = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    local list, REG, reg_, len_, cap_of_, sc_name = sc.args, REG_INDEX, reg, len, cap_of, sc.name -- (locals: fewer VM steps)
    -- (the arguments with value rows, in valued[1..nvalues], and the buffers whose length gets a
    -- row one past their max, in over[1..nover])
    local nvalues, nover = 0, 0
    for i = 1, #list do
        local a = list[i]
        local r, kind = REG[a.reg], a.kind
        if a.regs then -- a 64-bit scalar: its low word's register holds the value
            r = REG[a.lo_reg]
            args = args | (1 << REG[a.hi_reg])
        end
        reg_[i] = r
        local bit = 1 << r
        args = args | bit
        local v
        if any and cap_of_[i] then
            caps = caps | bit
            v = len_[i] or SMALL_LEN
            if kind ~= "scalar" and not a.optional then valid = valid | bit end
        elseif kind == "scalar" then
            local named = a.named
            if any and len_[i] then
                v = len_[i]
            elseif named and named.kind == "enum" and a.einval then
                v = ENUM_FIRST[named]
            end
        elseif kind == "str" then
            str = str | bit
        elseif not a.optional then
            valid = valid | bit
        end
        if v then
            -- (a number joined to a string is spelled every time: each is spelled once, with what
            -- comes before it)
            if v ~= 0 then v = r == 0 and FIRST_VALUE[v] or NEXT_VALUE[v] end
            if r == 0 then v1 = v elseif r == 1 then v2 = v elseif r == 2 then v3 = v
            elseif r == 3 then v4 = v elseif r == 4 then v5 = v else v6 = v end
        end
        -- The argument's cases: a pointer's rows now, a named scalar's value rows after the
        -- loop.
        if kind ~= "scalar" then
            -- A length one past its max, when it measures this buffer only (with two, the other
            -- buffer's checks could answer first); a value-result length above max is lowered
            -- to it, not refused.
            if kind == "bytes" and a.max and not a.len_by_ptr and users[a.len_arg] == 1 and
                TYPE_MAX[list[a.len_arg].type.name] > a.max.value then
                nover = nover + 1
                over[nover] = i
            end
            local is_bytes = kind == "bytes"
            -- How many bytes its cases touch: a buffer's length, a struct's or scalar's size, or
            -- (for a string) two bytes of an unterminated string.
            local bytes = is_bytes and len_[a.len_arg] * (a.elem_size or 1) or kind == "ptr" and a.type.size or 2
            local mid = MIDS[a.efault][(bytes * 8 + r) * 4 + (a.optional and 2 or 0) + (is_bytes and 1 or 0)]
            if kind == "str" then -- (two bytes: the five pointer cases, then the limit's two)
                local limit, toolong, expr, rt, stem = a.size.value, negated[a.toolong], a.size.expr, nums[r],
                    names.conf_stem(sc, a)
                n = n + 1
                rows[n] = "    CONF_POINTER5_STEM(" .. sci .. mid .. stem .. STEM_END_STR .. stem .. S1Q .. sci ..
                    ", CONF_ACCEPTED, CONF_STRING, " .. rt .. ", " .. nums[limit] .. ", " .. toolong .. ", " ..
                    negated[a.efault] .. ", " .. at_limit[expr] .. '),\n    CONF_ROW("' .. stem .. S2Q .. sci ..
                    ", CONF_EQ, CONF_STRING, " .. rt .. ", " .. nums[limit + 1] .. ", " .. toolong .. ", 0, " ..
                    past_limit[expr] .. "),"
            elseif bytes >= 2 then -- (the stem as its pieces, names.CONF...: no string of its own)
                n = n + 1
                rows[n] = "    CONF_POINTER5_STEM(" .. sci .. mid .. CONF .. sc_name .. SEP .. a.name .. SEP_END
            else -- (one byte cannot wrap or straddle a page boundary)
                n = n + 1
                rows[n] = "    CONF_POINTER3_STEM(" .. sci .. mid .. CONF .. sc_name .. SEP .. a.name .. SEP_END
            end
        elseif named_args and a.named and (a.einval or a.lifecycle) then
            nvalues = nvalues + 1
            valued[nvalues] = i
        end
    end
    -- The over-max rows of the buffers noted above.
    for j = 1, nover do
        local i = over[j]
        local a = list[i]
        -- An optional buffer is passed (a NULL one has no length to refuse).
        n = n + 1
        rows[n] = "    { \"" .. names.conf_case(sc, a, MAX_CASE) .. "\", " .. sci .. ", CONF_EQ, CONF_VALUE, " ..
            nums[reg[a.len_arg]] .. (a.optional and NEXT_VALUE[reg[i]] or ", CONF_NONE") .. NEXT_VALUE[a.max.value + 1] ..
            "u, " .. negated[a.toolong] .. ', 0, "' .. list[a.len_arg].name .. past_max[a.max.expr]
    end
    if nvalues > 0 then n = value_cases(rows, n, sc, sci, list, valued, nvalues) end
    n = n + 1
    rows[n] = REGS_ROW .. sc_name .. REGS_END .. sci ..
        (sc.attrs.noreturn and ", CONF_NORETURN, 0)," or ", CONF_REGS, 0),")
    local results = sc.results
    if sc.ret_regs or (results and #results > 0) then
        for _, u in ipairs(kinds.upper_words(sc)) do ignore = ignore | (1 << REG_INDEX[u.reg]) end
    end
    local attrs = sc.attrs
    -- Registers past the last non-zero value are left to C's zero.
    if v6 == 0 then
        v6 = ""
        if v5 == 0 then
            v5 = ""
            if v4 == 0 then
                v4 = ""
                if v3 == 0 then
                    v3 = ""
                    if v2 == 0 then v2 = "" end
                end
            end
        end
    end
    return "    { " .. num32[sc.num] .. (v1 == 0 and ", { 0" or v1) .. (v2 == 0 and ", 0" or v2) ..
        (v3 == 0 and ", 0" or v3) .. (v4 == 0 and ", 0" or v4) .. (v5 == 0 and ", 0" or v5) .. v6 ..
        MASKS[args | valid << 6 | str << 12 | caps << 18 | ignore << 24 |
            (attrs.returns_twice and 2 or attrs.noreturn and 1 or 0) << 30] .. errors .. " },", n
end


-- Numbers no syscall owns: unused slots (the first few), every retired number,
-- one past the table, and values that a signed or truncating dispatcher would
-- get wrong.
function out.invalid_numbers(m) return names.conf_nosys_numbers(m) end

-- A kernel-only address: just above user space, or just below it when user
-- space reaches the top, or the first address past user space when there is no room for either.
local function kernel_addr(m)
    if m.abi.user_high <= 0xFFF00000 then return m.abi.user_high + 0x100000 end
    if m.abi.user_low >= 0x1000 then return m.abi.user_low - 0x1000 end
    return m.abi.user_high
end

-- The errors every answer of a syscall must be among, as an offset into conf_error_lists (its
-- errors line and those its entry checks imply, 0-terminated; equal lists are written once);
-- "0" for a syscall without an errors line, which is not checked.
local NONE = {}

local function error_lists()
    local lists, size, seen = {}, 0, {}
    -- A list is found by its text (most lists of a large definition are new: a trie would make a
    -- table per error for each). The text of an errors or implied list is made once per list
    -- table: the model shares one among the syscalls with the same errors line (a third as many
    -- in a large definition), and one implied list among those whose entry checks are alike (a
    -- few dozen). (cgen.shape_memo: tests/gen/shape_test.lua turns it off.)
    local texts, join_lists = cgen.shape_memo(), cgen.join_lists
    return lists, function(sc)
        local errors, implied = sc.errors, sc.implied
        if #errors == 0 then return "0" end
        local e, i = texts[errors], texts[implied]
        if not e then
            e = join_lists(negated, errors, NONE, ", ")
            texts[errors] = e
        end
        if not i then
            i = join_lists(negated, implied, NONE, ", ")
            texts[implied] = i
        end
        local key = i == "" and e or e .. ", " .. i
        local at = seen[key]
        if not at then
            at = "conf_error_lists + " .. size
            size = size + #errors + #implied + 1
            lists[#lists + 1] = key
            seen[key] = at
        end
        return at
    end
end

local function render_c(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("/* ABI conformance cases, run by tests/conformance/conf_run.c (see gen/out_conformance.lua). */")
    w("#include \"conformance.h\"")
    w("")
    w("const uint32_t conf_kernel_addr = %s;", cgen.hex(kernel_addr(m)))
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
    -- One pass: a syscall's cases go to the buffer as they are made, joined a thousand at a time
    -- (cgen.put: not copied into a chunk again), and its row to chunks joined as many at a time,
    -- written after the cases: what waits for the end of the pass is the rows, a seventh of the
    -- cases' text (a few large strings, which the collector does not walk).
    local lists, errors_of = error_lists()
    local named_args = #(m.flags or {}) + #(m.enums or {}) + #(m.resources or {}) > 0
    local syscalls, put = m.syscalls, cgen.put
    local invalid = out.invalid_numbers(m)
    local rows, n, cases, k, held = {}, 0, {}, 0, {}
    pointer_macros(w)
    w("const struct conf_case conf_cases[] = {")
    value_lists, by_reg = cgen.shape_memo(), {}
    for i = 1, #syscalls do
        local sc = syscalls[i]
        local args = sc.args
        local any = lengths(args, #args)
        n = n + 1
        rows[n], k = syscall_rows(sc, errors_of(sc), any, cases, k, nums[i - 1], named_args)
        if k >= 1024 then
            put(w, concat(cases, "\n", 1, k))
            k = 0
        end
        if n == 1024 then
            held[#held + 1] = concat(rows, "\n", 1, n)
            n = 0
        end
    end
    value_lists, by_reg = nil, nil
    -- Numbers without a syscall: ENOSYS (the model requires it), registers intact.
    for j, nr in ipairs(invalid) do
        k = k + 1
        cases[k] = "    CONF_REGS_ROW(\"" .. names.conf_nosys_case(nr.num, nr.why) .. "\", " .. (#syscalls + j - 1) ..
            ", CONF_REGS, -ENOSYS),"
    end
    put(w, concat(cases, "\n", 1, k))
    w("};")
    w("const int conf_case_count = sizeof conf_cases / sizeof conf_cases[0];")
    w("")
    w("const struct conf_syscall conf_syscalls[] = {")
    for i = 1, #held do
        put(w, held[i])
        held[i] = nil
    end
    for _, nr in ipairs(invalid) do
        n = n + 1
        rows[n] = "    { " .. cgen.literal(nr.num) .. ", { 0 }, 0, 0, 0, 0, CONF_SC_NOSYS, 0, 0 },"
    end
    put(w, concat(rows, "\n", 1, n))
    w("};")
    if #lists > 0 then
        w("")
        w("const int32_t conf_error_lists[] = {")
        w("    " .. concat(lists, ", 0,\n    ") .. ", 0,")
        w("};")
    end
    return w()
end

-- The register check's assembly is fixed (tests/conformance/regs.inc): this file gives it the
-- .def's trap and the size of the valid buffer.
local function render_asm(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("; The trap of the conformance cases (tests/conformance/regs.inc, gen/out_conformance.lua).")
    w("bits 32")
    -- What a pointer argument points to is a struct or a scalar (at most 8 bytes).
    local valid_size = 64
    for _, t in ipairs(m.structs) do valid_size = math.max(valid_size, t.size) end
    w("%%define CONF_TRAP 0x%02x", m.abi.trap)
    w("%%define CONF_VALID_SIZE %d", valid_size)
    w('%include "regs.inc"')
    return w()
end

-- part: "c" (conformance.c) or "asm" (regs.asm).
function out.render(m, part)
    if part == "asm" then return render_asm(m) end
    return render_c(m)
end

return out
