-- build/gen/fuzz/syscall_fuzzer.c: the ABI knowledge of the syscall fuzzer.
--
-- For every syscall, rows that say how to choose its argument registers from the argument kinds:
-- mostly valid values (buffers in the driver's scratch memory, names worth passing, small
-- numbers) mixed with hostile ones (kernel and unmapped addresses, ranges that wrap, straddle an
-- unmapped page or run past user space, lengths beyond the bound, negative and random numbers),
-- and the `fuzz` hints of the .def that keep a call from ending the run (isolate, own_child, max,
-- avoid). Language version 2 adds what the types say: a flags argument gets its members (and,
-- less often, bits it does not define), an enum argument its values (and values past them), a
-- resource argument a value that an earlier call produced (the driver keeps what producers
-- returned: fork's and spawn's pids go to waitpid and kill), one of its specials, or one that
-- cannot be valid, never a random number (so kill needs no own_child hint: the pids it gets are
-- the fuzzer's own children); 64-bit arguments fill their two registers, arrays are measured in
-- elements, a value-result length is passed in scratch. Plus numbers that are no syscall, the
-- documented errors of each call, and the trap.
-- The output is data (tests/fuzz/fuzz.h: struct fuzz_syscall, struct fuzz_arg); the interface,
-- the interpreter of the rows, the value pools they draw from and the driver are hand-written:
-- tests/fuzz/fuzz.h, pick.c, values.c and fuzz.c.
local cgen = require("cgen")

local out = {}

local MAX_STR_SLOT = 4096 -- longest string slot in scratch, NUL included

-- Small numbers (counts, register slots) as text (cgen.num: converted once each; a number joined to a
-- string is formatted every time).
local text, num32 = cgen.num, cgen.num32

-- ", N, " of small numbers, and the resource a syscall produces followed by ", ": the pieces of
-- its row that recur, each made once.
local between = cgen.memo(function(k) return ", " .. k .. ", " end)
local PRODUCES = cgen.memo(function(index) return index .. ", " end)

-- The C expression of a bound: the const's name or the number (spelled once per spelling).
local exprs = {}
local function expr(v)
    local key = v.expr or v.value
    local c = exprs[key]
    if not c then
        c = cgen.value(v)
        c = c:match("^%d") and (c:gsub("u?$", "u", 1)) or "(uint32_t)" .. c
        exprs[key] = c
    end
    return c
end

-- A syscall's flags and the ", " after them, by isolate + 2 * noreturn + 4 * unsigned result
-- (spelled once each).
local FLAGS = {}
for bits = 0, 7 do
    local f
    if bits & 3 ~= 0 then f = "FUZZ_F_ISOLATE" end -- (isolated, or noreturn)
    if bits & 2 ~= 0 then f = f .. " | FUZZ_F_NORETURN" end
    if bits & 4 ~= 0 then f = (f and f .. " | " or "") .. "FUZZ_F_UNSIGNED" end
    FLAGS[bits] = (f or "0") .. ", "
end


-- memo(make) -> f(k1, k2, k3, k4) = make(k1, k2, k3, k4), made once per distinct keys: most rows of
-- fuzz_args recur across syscalls, and a lookup costs less than spelling the row again.
local function memo(make)
    local root = {}
    return function(k1, k2, k3, k4)
        local t1 = root[k1]
        if not t1 then
            t1 = {}
            root[k1] = t1
        end
        local t2 = t1[k2]
        if not t2 then
            t2 = {}
            t1[k2] = t2
        end
        local t3 = t2[k3]
        if not t3 then
            t3 = {}
            t2[k3] = t3
        end
        local v = t3[k4]
        if not v then
            v = make(k1, k2, k3, k4)
            t3[k4] = v
        end
        return v
    end
end

local scalar_row = memo(function(at, bits, signed)
    return "    FUZZ_SCALAR(" .. at .. ", " .. bits .. ", " .. signed .. "),"
end)
local string_row = memo(function(at, slot, max, optional)
    return "    FUZZ_STRING(" .. at .. ", " .. slot .. ", " .. max .. ", " .. optional .. "),"
end)
-- (By type, for one render: the type's C spelling is made once; a memo kept across renders would
-- keep every model's types.)
local function make_pointer_row(at, t, writes)
    return "    FUZZ_POINTER(" .. at .. ", sizeof(" .. cgen.pointee(t) .. "), " .. writes .. "),"
end
local pointer_row
-- key: elem_size * 8 + the buffer's slot; rest: bits * 4 + writes * 2 + optional.
local function array_memo(op)
    return memo(function(key, len, max, rest)
        return "    FUZZ_ARRAY(" .. op .. ", " .. key % 8 .. ", " .. len .. ", " .. max .. ", " .. rest // 4 .. ", " ..
            (rest // 2) % 2 .. ", " .. key // 8 .. "u, " .. rest % 2 .. "),"
    end)
end
local array_row, lenptr_row = array_memo("FUZZ_OP_ARRAY"), array_memo("FUZZ_OP_ARRAY_LENPTR")
-- A buffer whose length another buffer's row chooses. rest: bits * 2 + writes.
local buffer_for_row = memo(function(at, len_at, elem, rest)
    return "    FUZZ_BUFFER_FOR(" .. at .. ", " .. len_at .. ", " .. elem .. "u, " .. rest // 2 .. ", " .. rest % 2 .. "),"
end)
-- The row of a plain scalar (no named type, no hint), by its type and register slot.
local plain_rows -- for one render (cgen.shape_memo: tests/gen/shape_test.lua turns it off)

-- The index of each argument register in arg_registers, from 0: where its value goes in c->args.
local function slots(m)
    local slot = {}
    for i, r in ipairs(m.abi.arg_registers) do slot[r] = i - 1 end
    return slot
end

local function resource_index(m, t)
    for i, r in ipairs(m.resources or {}) do
        if r == t then return i - 1 end
    end
end

-- The pool of values the rows point into (fuzz_values): add(list) -> the C pointer to them.
local function value_pool()
    local pool, size = {}, 0
    return pool, function(list)
        if #list == 0 then return "0" end
        pool[#pool + 1] = "    " .. table.concat(list, ", ") .. ","
        size = size + #list
        return "fuzz_values + " .. (size - #list)
    end
end

-- A named argument's values (flags members, enum values, resource specials), once per type.
local function named_values(named, pooled, add)
    local v = pooled[named]
    if not v then
        local list = {}
        for _, x in ipairs(named.kind == "resource" and named.specials or named.members) do
            list[#list + 1] = cgen.hex(x.value & 0xFFFFFFFF)
        end
        v = { add(list), #list }
        pooled[named] = v
    end
    return v[1], v[2]
end

-- Rows whose numbers are small, spelled once per numbers (a number joined to a string is
-- formatted every time): a 64-bit scalar's by its two slots and signedness, a pid's by its slot,
-- bits and signedness.
local scalar64_rows = cgen.memo(function(key)
    return "    FUZZ_SCALAR64(" .. key // 128 .. ", " .. key // 2 % 64 .. ", " .. key % 2 .. "),"
end)
local own_child_rows = cgen.memo(function(key)
    return "    FUZZ_NAMED(FUZZ_OP_OWN_CHILD, " .. key // 256 .. ", " .. key // 2 % 128 .. ", " .. key % 2 ..
        ", 0, 0, 0), /* a pid */"
end)

-- The row of a flags, enum or resource argument, once per type, slot, bits and signedness in a
-- render (named_rows: type -> at * 256 + bits * 2 + signed -> row; the type's values are added to
-- the pool at its first row, as before).
local named_rows -- for one render (cgen.shape_memo: tests/gen/shape_test.lua turns it off)

local function named_row(m, named, at, bits, signed, pooled, add)
    local by_key = named_rows[named]
    if not by_key then
        by_key = {}
        named_rows[named] = by_key
    end
    local key = at * 256 + bits * 2 + signed
    local row = by_key[key]
    if row then return row end
    local values, count = named_values(named, pooled, add)
    if named.kind == "resource" then
        row = "    FUZZ_NAMED(FUZZ_OP_RESOURCE, " .. at .. ", " .. bits .. ", " .. signed .. ", " ..
            resource_index(m, named) .. ", " .. values .. ", " .. count .. "), /* a " .. named.name .. " */"
    else
        row = "    FUZZ_NAMED(" .. (named.kind == "flags" and "FUZZ_OP_FLAGS, " or "FUZZ_OP_ENUM, ") .. at .. ", " ..
            bits .. ", " .. signed .. ", 0, " .. values .. ", " .. count .. "),"
    end
    by_key[key] = row
    return row
end

-- The rows of a scalar argument that is no length: its value pool, then its fuzz hint.
local function scalar_rows(rows, n, m, sc, a, slot, pooled, add)
    local bits, signed = a.type.size * 8, a.type.signed and 1 or 0
    local h = sc.fuzz.args[a.name]
    local named = a.named
    local at = slot[a.reg]
    if bits == 64 then -- the two words, each a 32-bit value of its own
        rows[n + 1] = scalar64_rows[slot[a.lo_reg] * 128 + slot[a.hi_reg] * 2 + signed]
        return n + 1
    end
    n = n + 1
    if named and named.kind == "resource" and (not h or h.kind == "own_child") then
        rows[n] = named_row(m, named, at, bits, signed, pooled, add)
    elseif h and h.kind == "own_child" then
        rows[n] = own_child_rows[at * 256 + bits * 2 + signed]
    elseif named and (named.kind == "flags" or named.kind == "enum") then
        rows[n] = named_row(m, named, at, bits, signed, pooled, add)
    else
        rows[n] = scalar_row(at, bits, signed, 0)
    end
    if h and h.kind == "max" then
        n = n + 1
        rows[n] = "    FUZZ_CLAMP(" .. at .. ", " .. bits .. ", " .. signed .. ", " .. expr(h.max) .. "),"
    elseif h and h.kind == "avoid" then
        local vals = {}
        for i, v in ipairs(h.avoid) do vals[i] = expr(v) end
        n = n + 1
        rows[n] = "    FUZZ_AVOID(" .. at .. ", " .. bits .. ", " .. signed .. ", " .. add(vals) .. ", " .. #vals .. "),"
    end
    return n
end

-- The argument rows of one syscall (rows[n + 1]...); returns the new n, how many string slots it
-- uses and the number of argument registers its arguments take (a 64-bit one takes two).
-- Scratch of the syscalls of one render, by argument index: is_len[i] the syscall whose argument i
-- is a buffer's length, len_owner[i] the syscall whose length argument i a buffer's row already
-- chooses (a mark is a syscall, so no syscall clears another's; emptied after the render).
local is_len, len_owner = {}, {}

local WRITES = { out = 1, inout = 1 }

local function arg_rows(rows, n, m, sc, slot, pooled, add)
    local args = sc.args
    local nargs = #args
    local words = nargs
    local is_len_, len_owner_ = is_len, len_owner
    for i = 1, nargs do
        local a = args[i]
        if a.kind == "bytes" then -- (a value-result one too: its pointer)
            is_len_[a.len_arg] = sc
        elseif a.regs then
            words = words + #a.regs - 1
        end
    end
    local strings, hints, plain_rows_ = 0, sc.fuzz.args, plain_rows
    for i = 1, nargs do
        local a = args[i]
        local kind = a.kind
        local at = slot[a.reg]
        if kind == "scalar" then
            if is_len_[i] == sc then -- luacheck: ignore 542
                -- a length: its buffer's row chooses it
            elseif not a.named and a.type.size < 8 and not hints[a.name] then -- the usual plain scalar
                local by_slot = plain_rows_[a.type]
                if not by_slot then
                    by_slot = {}
                    plain_rows_[a.type] = by_slot
                end
                local row = by_slot[at]
                if not row then
                    row = scalar_row(at, a.type.size * 8, a.type.signed and 1 or 0, 0)
                    by_slot[at] = row
                end
                n = n + 1
                rows[n] = row
            else
                n = scalar_rows(rows, n, m, sc, a, slot, pooled, add)
            end
        elseif kind == "bytes" then
            local len_arg, writes = args[a.len_arg], WRITES[a.dir] or 0
            local max = a.max -- (expr's memo looked up here: a bound recurs)
            max = max and (exprs[max.expr or max.value] or expr(max)) or "0xFFFFFFFFu"
            n = n + 1
            local elem, optional = a.elem_size or 1, a.optional and 1 or 0
            if a.len_by_ptr then
                rows[n] = lenptr_row(elem * 8 + at, slot[len_arg.reg], max, 32 * 4 + writes * 2 + optional)
            elseif len_owner_[a.len_arg] ~= sc then
                len_owner_[a.len_arg] = sc
                rows[n] = array_row(elem * 8 + at, slot[len_arg.reg], max,
                    len_arg.type.size * 8 * 4 + writes * 2 + optional)
            else
                rows[n] = buffer_for_row(at, slot[len_arg.reg], elem, len_arg.type.size * 8 * 2 + writes)
            end
        elseif kind == "str" then
            n = n + 1
            local size = a.size
            rows[n] = string_row(at, strings, exprs[size.expr or size.value] or expr(size), a.optional and 1 or 0)
            strings = strings + 1
        elseif is_len_[i] ~= sc then
            n = n + 1
            rows[n] = pointer_row(at, a.type, WRITES[a.dir] or 0, 0)
        end
    end
    return n, strings, words
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
        local quoted = '"' .. l .. (i < #lines and '\\n\\t"' or '"')
        w((i == 1 and "    __asm__ volatile(" or "                     ") .. quoted)
    end
    w('                     : "+a"(eax), "+c"(args)')
    w("                     :")
    w('                     : "edx", "esi", "edi", "memory", "cc");')
    w("    return eax;")
    w("}")
end

-- The errors each syscall may return (its errors line and those its entry checks imply), as a
-- pointer into fuzz_error_lists; equal lists are written once. A list is found by its text
-- (most lists of a large definition are new: a trie would make a table per error for each).
local NONE = {}

local function error_lists()
    local lists, size, seen = {}, 0, {}
    -- The names of an errors or implied list, once per list table: the model shares one among the
    -- syscalls with the same errors line (a third as many in a large definition), and one implied
    -- list among those whose entry checks are alike (a few dozen). (cgen.shape_memo:
    -- tests/gen/shape_test.lua turns it off.)
    local texts, NAME, join_lists = cgen.shape_memo(), cgen.NAME, cgen.join_lists
    return lists, function(sc)
        local errors, implied = sc.errors, sc.implied
        local e, i = texts[errors], texts[implied]
        if not e then
            e = join_lists(NAME, errors, NONE, ", ")
            texts[errors] = e
        end
        if not i then
            i = join_lists(NAME, implied, NONE, ", ")
            texts[implied] = i
        end
        local key = i == "" and e or e == "" and i or e .. ", " .. i
        local at = seen[key]
        if not at then
            at = "fuzz_error_lists + " .. size
            seen[key] = at
            size = size + #errors + #implied + 1
            lists[#lists + 1] = key
        end
        return at
    end
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"fuzz.h\"")
    w("")
    local nres = #(m.resources or {})
    local res = {}
    for i, r in ipairs(m.resources or {}) do res[i] = (i - 1) .. " " .. r.name end
    w("/* Resources (the values producers returned, for consumers to take): %s. */",
        nres == 0 and "none" or table.concat(res, ", "))
    w("_Static_assert(%d <= FUZZ_RESOURCES_MAX, \"tests/fuzz/fuzz.h keeps FUZZ_RESOURCES_MAX resources\");", nres)
    w("")
    -- The rows go out in pieces as they are made (the syscalls' to a buffer of their own, after the
    -- arguments'): tables that grow to every row of the output would be walked again by each
    -- collection of the generational collector, and held beside the text.
    local slot = slots(m)
    plain_rows, pointer_row, named_rows = cgen.shape_memo(), memo(make_pointer_row), cgen.shape_memo()
    is_len, len_owner = {}, {} -- (no mark of a render that stopped half way)
    local pool, add = value_pool()
    local pooled, lists, errors_of = {}, error_lists()
    -- The syscalls' rows are joined 256 at a time into blocks, written after the arguments'.
    local blocks, rows, n, total, put = {}, {}, 0, 0, cgen.put
    -- Strings are written to slots of scratch after the buffer area, one per str argument.
    local slot_len, str_slots = 16, 0
    w("/* How each syscall's arguments are chosen, in order (tests/fuzz/pick.c). */")
    w("const struct fuzz_arg fuzz_args[] = {")
    local list, srows, ns = m.syscalls, {}, 0
    for i = 1, #list do
        local sc = list[i]
        local before = n
        local strings, words
        n, strings, words = arg_rows(rows, n, m, sc, slot, pooled, add)
        if strings > 0 then
            str_slots = math.max(str_slots, strings)
            local args = sc.args
            for j = 1, #args do
                local a = args[j]
                if a.kind == "str" then slot_len = math.max(slot_len, math.min(a.size.value + 2, MAX_STR_SLOT)) end
            end
        end
        ns = ns + 1
        local ret = sc.ret
        srows[ns] = "    { " .. num32[sc.num] .. between[words] ..
            FLAGS[(sc.fuzz.isolate and 1 or 0) + (sc.attrs.noreturn and 2 or 0) + ((ret == "u32" or ret == "uptr") and 4 or 0)] ..
            (sc.produces and PRODUCES[resource_index(m, sc.produces)] or "-1, ") .. text[n - before] .. ", " .. total ..
            ", " .. errors_of(sc) .. " }, /* " .. sc.name .. " */"
        total = total + n - before
        if ns == 256 then
            blocks[#blocks + 1] = table.concat(srows, "\n", 1, ns)
            ns = 0
        end
        if n >= 1024 then
            put(w, table.concat(rows, "\n", 1, n))
            n = 0
        end
    end
    if ns > 0 then blocks[#blocks + 1] = table.concat(srows, "\n", 1, ns) end
    plain_rows, pointer_row, named_rows = nil, nil, nil
    is_len, len_owner = {}, {}
    if total == 0 then
        n = 1
        rows[1] = "    FUZZ_SCALAR(0, 32, 0), /* (no syscall has arguments: C has no empty arrays) */"
    end
    if n > 0 then put(w, table.concat(rows, "\n", 1, n)) end
    w("};")
    w("")
    w("/* nr, argument registers, flags, the resource it produces, its rows in fuzz_args, errors */")
    w("const struct fuzz_syscall fuzz_syscalls[] = {")
    for i = 1, #blocks do put(w, blocks[i]) end
    w("};")
    w("")
    w("/* The errors each syscall may return: its errors line and those its entry checks imply. */")
    w("const uint16_t fuzz_error_lists[] = {")
    -- (An empty list is the line "    0,".)
    for i = 1, #lists do
        local key = lists[i]
        lists[i] = key == "" and "    0," or "    " .. key .. ", 0,"
    end
    w(table.concat(lists, "\n"))
    w("};")
    w("")
    if #pool > 0 then
        w("/* Values of flags, enum and resource arguments, and the values fuzz hints avoid. */")
        w("const uint32_t fuzz_values[] = {")
        w(table.concat(pool, "\n"))
        w("};")
        w("")
    end
    slot_len = (slot_len + 15) // 16 * 16
    w("/* Strings are written to slots of scratch after the buffer area, one per str argument. */")
    w("const uint32_t fuzz_str_slot = %du;", slot_len)
    w("const uint32_t fuzz_scratch_need = FUZZ_BUF_AREA + %d * %du;", str_slots, slot_len)
    w("")
    local unused = unused_numbers(m)
    if #unused == 0 then unused[1] = "SYS_TABLE_SIZE" end -- C has no empty arrays; it is no syscall either
    w("const uint32_t fuzz_unused[] = { %s };", table.concat(unused, ", "))
    w("const uint32_t fuzz_unused_count = %d;", #unused)
    w("")
    w("const uint32_t fuzz_syscall_count = %d;", #m.syscalls)
    w("const char *const fuzz_syscall_names[] = {")
    for from = 1, #list, 256 do -- C identifiers: no escaping
        local to = math.min(from + 255, #list)
        local k = to - from + 1
        for i = from, to do srows[i - from + 1] = list[i].name end
        -- (the first name and the last get the line's start and end: the block is not copied again)
        if k == 1 then
            srows[1] = "    \"" .. srows[1] .. "\","
        else
            srows[1], srows[k] = "    \"" .. srows[1], srows[k] .. "\","
        end
        put(w, table.concat(srows, "\",\n    \"", 1, k))
    end
    w("    \"(no syscall)\",")
    w("};")
    w("")
    trap(w, m)
    return w()
end

return out
