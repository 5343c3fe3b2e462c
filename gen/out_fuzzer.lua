-- build/gen/fuzz/syscall_fuzzer.c: the ABI knowledge of the syscall fuzzer.
--
-- For every syscall, a function that chooses its argument registers from the argument kinds:
-- mostly valid values (buffers in the driver's scratch memory, names worth passing, small
-- numbers) mixed with hostile ones (kernel and unmapped addresses, ranges that wrap, straddle an
-- unmapped page or run past user space, lengths beyond the bound, negative and random numbers),
-- and the `fuzz` hints of the .def that keep a call from ending the run (isolate, own_child, max,
-- avoid). Plus numbers that are no syscall, the documented errors of each call, and the trap.
-- The interface, the value pools the choosers draw from, the choice between them and the
-- driver are hand-written: tests/fuzz/fuzz.h, values.c, pick.c and fuzz.c.
local cgen = require("cgen")
local names = require("names")

local out = {}

local MAX_STR_SLOT = 4096 -- longest string slot in scratch, NUL included


-- The C expression of a bound: the const's name or the number.
local function expr(v)
    local c = cgen.value(v)
    if c:match("^%d") then return (c:gsub("u?$", "u", 1)) end
    return "(uint32_t)" .. c
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
        v = string.format("fuzz_avoid(%s, %d, %d, %s, %d)", v, bits, signed, names.fuzz_avoid(a), #h.avoid)
    end
    w("    c->args[%d] = %s;", i - 1, v)
end

local function picker(w, sc, index)
    w("/* %d %s%s */", sc.num, cgen.comment(cgen.signature(sc)), cgen.comment(hint_comment(sc)))
    w("static void %s(struct fuzz_env *env, struct fuzz_call *c)", names.fuzz_picker(sc))
    w("{")
    for _, a in ipairs(sc.args) do
        local h = sc.fuzz.args[a.name]
        if h and h.kind == "avoid" then
            local vals = {}
            for i, v in ipairs(h.avoid) do vals[i] = expr(v) end
            w("    static const uint32_t %s[] = { %s };", names.fuzz_avoid(a), table.concat(vals, ", "))
        end
    end
    w("    c->index = %d;\n    c->nr = %d;\n    c->nargs = %d;\n    c->flags = %s;\n    c->errors = %s;",
        index, cgen.u32(sc.num), #sc.args, flags(sc), names.fuzz_errors(sc))
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
    w("const uint32_t fuzz_str_slot = %du;", slot_len)
    w("const uint32_t fuzz_scratch_need = FUZZ_BUF_AREA + %d * %du;", slots, slot_len)
    w("")
    w("/* The errors each syscall may return: its errors line and those its entry checks imply. */")
    for _, sc in ipairs(m.syscalls) do
        local errs = {}
        for _, e in ipairs(sc.errors) do errs[#errs + 1] = e.name end
        for _, e in ipairs(sc.implied) do errs[#errs + 1] = e.name end
        errs[#errs + 1] = "0"
        w("static const uint16_t %s[] = { %s };", names.fuzz_errors(sc), table.concat(errs, ", "))
    end
    w("")
    for i, sc in ipairs(m.syscalls) do
        picker(w, sc, i - 1)
        w("")
    end
    local unused = unused_numbers(m)
    if #unused == 0 then unused[1] = "SYS_TABLE_SIZE" end -- C has no empty arrays; it is no syscall either
    w("const uint32_t fuzz_unused[] = { %s };", table.concat(unused, ", "))
    w("const uint32_t fuzz_unused_count = %d;", #unused)
    w("")
    w("const uint32_t fuzz_syscall_count = %d;", #m.syscalls)
    w("const char *const fuzz_syscall_names[] = {")
    for _, sc in ipairs(m.syscalls) do w("    \"%s\",", sc.name) end -- C identifiers: no escaping
    w("    \"(no syscall)\",")
    w("};")
    w("")
    -- The model refuses a definition without syscalls: the table is never empty.
    w("fuzz_picker_fn *const fuzz_pickers[] = {")
    for _, sc in ipairs(m.syscalls) do w("    %s,", names.fuzz_picker(sc)) end
    w("};")
    w("")
    local choices = {}
    for i, sc in ipairs(m.syscalls) do
        for _ = 1, (sc.fuzz.isolate or sc.attrs.noreturn) and 1 or 4 do choices[#choices + 1] = i - 1 end
    end
    for _ = 1, 4 do choices[#choices + 1] = #m.syscalls end
    w("/* Indices into fuzz_pickers (fuzz_syscall_count: no syscall): an isolated call costs a fork,")
    w(" * so those are chosen a quarter as often as the others. */")
    w("const uint16_t fuzz_choices[] = {")
    for i = 1, #choices, 16 do
        w("    %s,", table.concat(choices, ", ", i, math.min(i + 15, #choices)))
    end
    w("};")
    w("const uint32_t fuzz_choice_count = %d;", #choices)
    w("")
    trap(w, m)
    return w()
end

return out
