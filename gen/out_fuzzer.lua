-- build/gen/fuzz/syscall_fuzzer.c: the ABI knowledge of the syscall fuzzer.
--
-- For every syscall, a function that chooses its argument registers from the argument kinds:
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

-- The index of register reg in arg_registers, from 0: where its value goes in c->args.
local function slot_of(m, reg)
    for i, r in ipairs(m.abi.arg_registers) do
        if r == reg then return i - 1 end
    end
    error("register " .. tostring(reg) .. " is not an argument register")
end

local function resource_index(m, t)
    for i, r in ipairs(m.resources or {}) do
        if r == t then return i - 1 end
    end
end

-- The values array of a named argument (flags members, enum values, resource specials).
local function named_values(w, a)
    local named, list = a.named, {}
    for _, v in ipairs(named.kind == "resource" and named.specials or named.members) do
        list[#list + 1] = cgen.hex(v.value & 0xFFFFFFFF)
    end
    if #list == 0 then return "0", 0 end
    w("    static const uint32_t %s[] = { %s };", names.fuzz_values(a), table.concat(list, ", "))
    return names.fuzz_values(a), #list
end

local function scalar_arg(w, m, sc, a)
    local bits, signed = scalar_info(a)
    local h = sc.fuzz.args[a.name]
    local named = a.named
    local slot = slot_of(m, a.reg)
    if bits == 64 then -- the two words, each a 32-bit value of its own
        w("    c->args[%d] = fuzz_scalar(env, 32, 0);", slot_of(m, a.lo_reg))
        w("    c->args[%d] = fuzz_scalar(env, 32, %d);", slot_of(m, a.hi_reg), signed)
        return
    end
    local v = string.format("fuzz_scalar(env, %d, %d)", bits, signed)
    if named and named.kind == "resource" and (not h or h.kind == "own_child") then
        local values, n = named_values(w, a)
        v = string.format("fuzz_resource(env, %d, %s, %d)", resource_index(m, named), values, n)
        w("    c->volatile_args |= 1u << %d; /* a %s: its value depends on the run */", slot, named.name)
    elseif h and h.kind == "own_child" then
        v = "fuzz_own_child(env)"
        w("    c->volatile_args |= 1u << %d; /* a pid: its value depends on the run */", slot)
    elseif named and named.kind == "flags" then
        local values, n = named_values(w, a)
        v = string.format("fuzz_flags(env, %s, %d, %d)", values, n, bits)
    elseif named and named.kind == "enum" then
        local values, n = named_values(w, a)
        v = string.format("fuzz_enum(env, %s, %d, %d, %d)", values, n, bits, signed)
    end
    if h and h.kind == "max" then
        v = string.format("fuzz_clamp(%s, %d, %d, %s)", v, bits, signed, expr(h.max))
    elseif h and h.kind == "avoid" then
        v = string.format("fuzz_avoid(%s, %d, %d, %s, %d)", v, bits, signed, names.fuzz_avoid(a), #h.avoid)
    end
    w("    c->args[%d] = %s;", slot, v)
end

-- The number of argument registers a syscall's arguments take (a 64-bit one takes two).
local function words(sc)
    local n = 0
    for _, a in ipairs(sc.args) do n = n + (a.regs and #a.regs or 1) end
    return n
end

local function picker(w, m, sc, index)
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
    local produces = sc.produces and resource_index(m, sc.produces) or -1
    w("    c->index = %d;\n    c->nr = %d;\n    c->nargs = %d;\n    c->flags = %s;\n    c->errors = %s;",
        index, cgen.u32(sc.num), words(sc), flags(sc), names.fuzz_errors(sc))
    if produces >= 0 then w("    c->produces = %d; /* %s */", produces, sc.produces.name) end
    if #sc.args == 0 then w("    (void)env;") end
    local is_len, len_owner = {}, {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then is_len[a.len_arg] = true end -- (a value-result one too: its pointer)
    end
    local slot = 0
    for i, a in ipairs(sc.args) do
        local writes = (a.dir == "out" or a.dir == "inout") and 1 or 0
        local at = slot_of(m, a.reg)
        if a.kind == "scalar" then
            if not is_len[i] then scalar_arg(w, m, sc, a) end
        elseif a.kind == "bytes" and a.len_by_ptr then
            -- The length is a u32 the kernel reads and writes back: chosen with the buffer, passed in
            -- scratch (or at a hostile address) through the pointer argument.
            w("    {\n        uint32_t n;")
            w("        fuzz_array(env, c, &c->args[%d], &n, %s, 32, %d, %du, %d);", at,
                a.max and expr(a.max) or "0xFFFFFFFFu", writes, a.elem_size or 1, a.optional and 1 or 0)
            w("        c->args[%d] = fuzz_length_pointer(env, c, n);\n    }", slot_of(m, sc.args[a.len_arg].reg))
        elseif a.kind == "bytes" then
            local len_arg = sc.args[a.len_arg]
            local bits = len_arg.type.size * 8
            if not len_owner[a.len_arg] then
                len_owner[a.len_arg] = true
                w("    fuzz_array(env, c, &c->args[%d], &c->args[%d], %s, %d, %d, %du, %d);", at,
                    slot_of(m, len_arg.reg), a.max and expr(a.max) or "0xFFFFFFFFu", bits, writes,
                    a.elem_size or 1, a.optional and 1 or 0)
            else
                w("    c->args[%d] = fuzz_buffer_for(env, c, c->args[%d] * %du, %d, %d);", at,
                    slot_of(m, len_arg.reg), a.elem_size or 1, bits, writes)
            end
        elseif a.kind == "str" then
            w("    c->args[%d] = %sfuzz_string(env, %d, %s);", at,
                a.optional and "fuzz_below(env, 16) == 0 ? 0u : " or "", slot, expr(a.size))
            slot = slot + 1
        elseif not is_len[i] then
            w("    c->args[%d] = fuzz_pointer(env, c, sizeof(%s), %d);", at, cgen.pointee(a.type), writes)
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
    local nres = #(m.resources or {})
    w("/* Resources (the values producers returned, for consumers to take): %s. */",
        nres == 0 and "none" or table.concat((function()
            local l = {}
            for i, r in ipairs(m.resources) do l[i] = (i - 1) .. " " .. r.name end
            return l
        end)(), ", "))
    w("_Static_assert(%d <= FUZZ_RESOURCES_MAX, \"tests/fuzz/fuzz.h keeps FUZZ_RESOURCES_MAX resources\");", nres)
    w("")
    for i, sc in ipairs(m.syscalls) do
        picker(w, m, sc, i - 1)
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
