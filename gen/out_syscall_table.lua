-- build/gen/kernel/syscall_table.c: one entry shim per syscall, the
-- descriptor table for the tracer and the table of entry points the int 0x80
-- stub calls (kernel/trap.asm). The fixed code around them (the slow-path
-- dispatcher, the -ENOSYS entry, the string helper) is hand-written in
-- kernel/syscall_shim.h, which the generated file includes.
--
-- The shims are straight-line code written out per syscall: each reads its
-- arguments from the trap frame, checks user pointers against user_space and
-- the declared bounds, probes every page a handler will touch
-- (kernel/uaccess.h), copies strings and structs in, calls the handler and
-- copies out-structs back only when the handler succeeded.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local concat = table.concat
local nums = cgen.num

local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

-- C test that a kernel handler result is a success (copy-outs happen only then).
local function success(sc, var)
    local t = cgen.kernel_ret(sc)
    if t == "uint32_t" or t == "uint64_t" then
        return var .. " < (" .. t .. ")-ABI_ERRNO_MAX" -- -ABI_ERRNO_MAX..-1 are errors, as (uintN_t)-E
    end
    return var .. " >= 0"
end

-- The check of a user range [addr, addr + len): inside user space (SHIM_OUTSIDE_USER, in
-- kernel/syscall_shim.h, also catches addr < ABI_USER_LOW and a wrap), and unless the kernel only
-- reads it through copy_from_user, every page readable (and writable unless dir is "in"), so a
-- handler never fails half-way, after it has blocked or changed state, on a bad pointer. big:
-- len may exceed the span of user space. An optional NULL pointer is not checked.
local PROBE = { ["in"] = ", 0) < 0", out = ", 1) < 0", inout = ", 1) < 0" }

local function range_check(w, addr, len, dir, optional, probe, big)
    local cond = "SHIM_OUTSIDE_USER(" .. addr .. ", " .. len .. ")"
    if big then cond = len .. " > SHIM_USER_SPAN || " .. cond end
    if probe then cond = cond .. " || user_probe(" .. addr .. ", " .. len .. PROBE[dir] end
    if optional then cond = addr .. " != 0 && (" .. cond .. ")" end
    w("    if (" .. cond .. ")\n        return -EFAULT;")
end

-- The checks of a user buffer. The length is a_LEN, or for a value-result length (bytes[*LEN])
-- the capacity the shim copied in, k_LEN, which a capacity above max is lowered to (the handler
-- never writes more, and tells the size it wrote through it). An array (T[COUNT]) is COUNT
-- elements: its max bounds the count, so the byte length COUNT * sizeof(T) cannot overflow. An
-- optional NULL buffer's handler gets length 0 (set before the checks).
local function buffer_checks(w, m, sc, a)
    local len_arg = sc.args[a.len_arg]
    local count = (a.len_by_ptr and "k_" or "a_") .. len_arg.name
    local type_max = a.len_by_ptr and 0xFFFFFFFF or TYPE_MAX[len_arg.type.name]
    if a.max and type_max > a.max.value then
        if a.len_by_ptr then
            w("    if (" .. count .. " > " .. a.max.expr .. ")\n        " .. count .. " = " .. a.max.expr .. ";")
        else
            w("    if (" .. count .. " > " .. a.max.expr .. ")\n        return -" .. a.toolong.name .. ";")
        end
    end
    local len = count
    if a.elem then
        len = "n_" .. a.name
        w("    const uint32_t " .. len .. " = " .. count .. " * (uint32_t)sizeof(" .. cgen.pointee(a.elem) .. ");")
    end
    range_check(w, "a_" .. a.name, len, a.dir, a.optional, true,
        not a.max and type_max > m.abi.user_high - m.abi.user_low)
end

-- Range check of a struct or scalar pointer; an in pointer is read by copy_from_user.
local function pointer_check(w, a)
    range_check(w, "a_" .. a.name, "sizeof(" .. cgen.pointee(a.type) .. ")", a.dir, a.optional, a.dir ~= "in")
end

-- The kernel copy of a pointer argument: copied in, or zeroed for out.
local function pointer_copy_in(w, a)
    local k, addr = "k_" .. a.name, "a_" .. a.name
    if a.dir == "out" then
        w("    " .. cgen.pointee(a.type) .. " " .. k .. ";\n    __builtin_memset(&" .. k .. ", 0, sizeof " .. k .. ");")
        return
    end
    w("    " .. cgen.pointee(a.type) .. " " .. k .. ";\n    if (" .. (a.optional and (addr .. " != 0 && ") or "") ..
        "copy_from_user(&" .. k .. ", " .. addr .. ", sizeof " .. k .. ") < 0)\n        return -EFAULT;")
end

-- The scalars the checks need (buffer lengths, flags and enum values); the others are read from
-- the frame only in the handler call, after the checks, so they need no register of their own
-- meanwhile.
local NONE = {}

local function checked_scalars(sc)
    local checked = NONE -- most syscalls: a table only when there is something in it
    for i = 1, #sc.args do
        local a = sc.args[i]
        if a.len_arg then
            if checked == NONE then checked = {} end
            checked[a.len_arg] = true
        end
        if a.kind == "scalar" and a.einval then
            if checked == NONE then checked = {} end
            checked[i] = true
        end
    end
    return checked
end

-- A flags argument with a bit outside its set, or an enum argument that is none of its values,
-- is refused (EINVAL, which the model adds to the syscall's implied errors).
local function value_check(w, a)
    local named = kinds.named(a)
    local v = "a_" .. a.name
    if named.kind == "flags" then
        w("    if (%s & ~(%s)%s)", v, a.type.ctype, cgen.hex(named.mask))
        w("        return -%s;", a.einval.name)
        return
    end
    local members = named.members -- sorted by value
    local contiguous = #members > 0
    for i, mb in ipairs(members) do
        if mb.value ~= members[1].value + i - 1 then contiguous = false end
    end
    local function lit(value) return string.format("(%s)%s", a.type.ctype, cgen.literal(value & 0xFFFFFFFF)) end
    if contiguous then
        local lo, hi = members[1].value, members[#members].value
        if lo == 0 and not a.type.signed then
            w("    if (%s > %s)", v, lit(hi))
        else
            w("    if (%s < %s || %s > %s)", v, lit(lo), v, lit(hi))
        end
    else
        local tests = {}
        for i, mb in ipairs(members) do tests[i] = string.format("%s != %s", v, lit(mb.value)) end
        w("    if (%s)", table.concat(tests, " && "))
    end
    w("        return -%s;", a.einval.name)
end

local function call_args(sc, F, checked)
    local n = #sc.args
    if n == 0 then return (sc.results and #sc.results > 0) and "res" or "" end
    local args = {}
    for i = 1, #sc.args do
        local a = sc.args[i]
        local kind = a.kind
        if kind == "scalar" then
            if a.regs then -- a 64-bit pair
                local lo, hi = kinds.pair_regs(a)
                args[i] = "(" .. a.type.ctype .. ")((uint64_t)" .. F .. "." .. hi .. " << 32 | " .. F .. "." .. lo .. ")"
            else
                args[i] = checked[i] and ("a_" .. a.name) or ("(" .. a.type.ctype .. ")" .. F .. "." .. a.reg)
            end
        elseif kind == "bytes" then
            args[i] = "(user_" .. a.dir .. "_t){ a_" .. a.name .. " }"
        elseif kind == "str" then
            args[i] = a.optional and ("a_" .. a.name .. " ? k_" .. a.name .. " : NULL") or ("k_" .. a.name)
        elseif a.optional then
            args[i] = "a_" .. a.name .. " ? &k_" .. a.name .. " : NULL"
        else
            args[i] = "&k_" .. a.name
        end
    end
    if sc.results and #sc.results > 0 then args[#args + 1] = "res" end
    return concat(args, ", ")
end

-- Length arguments an optional buffer zeroes when it is NULL (so they are not const).
local function zeroed_lengths(sc)
    local zeroed = {}
    for k = 1, #sc.args do
        local a = sc.args[k]
        if a.kind == "bytes" and a.optional and not a.len_by_ptr then zeroed[a.len_arg] = true end
    end
    return zeroed
end

-- The string argument copies (in str[N]) into kernel buffers.
local function str_copy_in(w, a)
    local copy = "shim_str_in(k_" .. a.name .. ", a_" .. a.name .. ", " .. a.size.expr .. ", -" .. a.toolong.name .. ")"
    if a.optional then copy = "a_" .. a.name .. " ? " .. copy .. " : 0" end
    w("    char k_" .. a.name .. "[" .. a.size.expr .. " + 1];\n    const int32_t n_" .. a.name .. " = " .. copy ..
        ";\n    if (n_" .. a.name .. " < 0)\n        return n_" .. a.name .. ";")
end

-- The checks, the copies and the handler call of a syscall, reading the registers from the
-- frame F (f.tf, or f->tf in a body function). Returns false when it wrote nothing but the
-- call, which it then leaves to the caller.
local function body(w, m, sc, F, ret_type)
    local simple, checked = true, checked_scalars(sc)
    local zeroed, optional_bufs, value_checks, len_by_ptr -- what only some syscalls have
    for i = 1, #sc.args do
        local a = sc.args[i]
        if a.kind == "scalar" then
            if checked[i] then
                zeroed = zeroed or zeroed_lengths(sc)
                w("    " .. (zeroed[i] and "" or "const ") .. a.type.ctype .. " a_" .. a.name .. " = (" .. a.type.ctype ..
                    ")" .. F .. "." .. a.reg .. ";")
                simple = false
            end
            if a.einval then value_checks = true end
        else
            simple = false
            w("    const uint32_t a_" .. a.name .. " = " .. F .. "." .. a.reg .. ";")
            if a.kind == "bytes" then
                if a.len_by_ptr then len_by_ptr = true elseif a.optional then optional_bufs = true end
            end
        end
    end
    local call = names.handler(sc) .. "(" .. call_args(sc, F, checked) .. ")"
    if simple then return false, call end
    -- An optional buffer that is NULL is an empty one.
    if optional_bufs then
        for k = 1, #sc.args do
        local a = sc.args[k]
            if a.kind == "bytes" and a.optional and not a.len_by_ptr then
                w("    if (a_" .. a.name .. " == 0)\n        a_" .. sc.args[a.len_arg].name .. " = 0;")
            end
        end
    end
    -- Cheap value and range checks first, then the copies.
    if value_checks then
        for k = 1, #sc.args do
        local a = sc.args[k]
            if a.kind == "scalar" and a.einval then value_check(w, a) end
        end
    end
    for k = 1, #sc.args do
        local a = sc.args[k]
        if a.kind == "bytes" and not a.len_by_ptr then
            buffer_checks(w, m, sc, a)
        elseif a.kind == "ptr" then
            pointer_check(w, a)
        end
    end
    local copy_out
    for k = 1, #sc.args do
        local a = sc.args[k]
        if a.kind == "str" then
            str_copy_in(w, a)
        elseif a.kind == "ptr" then
            pointer_copy_in(w, a)
            if a.dir ~= "in" then
                copy_out = copy_out or {}
                copy_out[#copy_out + 1] = a
            end
        end
    end
    -- A value-result length is known once it is copied in.
    if len_by_ptr then
        for k = 1, #sc.args do
        local a = sc.args[k]
            if a.kind == "bytes" and a.len_by_ptr then buffer_checks(w, m, sc, a) end
        end
    end
    if not copy_out then
        w("    return (" .. ret_type .. ")" .. call .. ";")
        return true
    end
    w("    const " .. cgen.kernel_ret(sc) .. " ret = " .. call .. ";")
    for _, a in ipairs(copy_out) do
        w("    if (" .. success(sc, "ret") .. (a.optional and (" && a_" .. a.name .. " != 0") or "") ..
            " && copy_to_user(a_" .. a.name .. ", &k_" .. a.name .. ", sizeof k_" .. a.name ..
            ") < 0)\n        return -EFAULT;")
    end
    w("    return (" .. ret_type .. ")ret;")
    return true
end

-- A syscall whose result comes back in more than eax (a 64-bit result, extra results).
local function has_upper_words(sc)
    return kinds.is64(sc.ret) or (sc.results ~= nil and #sc.results > 0)
end

-- A syscall whose result has more than eax: its checks and call are a body function whose every
-- return, error or not, the entry splits into the result registers, so an error is the
-- sign-extended -E in all of them, the results zero.
local function shim_with_upper_words(w, m, sc)
    local ret_t = cgen.kernel_ret(sc)
    local shim_name = names.shim(sc)
    local body_name = shim_name .. "_body"
    local results = kinds.results(sc)
    w("/* " .. nums[sc.num] .. " " .. cgen.comment(cgen.signature(sc)) .. " */")
    w("__attribute__((always_inline)) static inline " .. ret_t .. "\n" .. body_name ..
        "(const struct syscall_frame *f" .. (#results > 0 and (", " .. cgen.results_struct(sc) .. " *res") or "") ..
        ")\n{")
    if #sc.args == 0 then w("    (void)f;") end
    local wrote, call = body(w, m, sc, "f->tf", ret_t)
    if not wrote then w("    return " .. call .. ";") end
    w("}\n")
    w("static int32_t " .. shim_name .. "(struct syscall_frame f)\n{")
    if #results > 0 then
        w("    " .. cgen.results_struct(sc) .. " res = { 0 };")
        w("    const " .. ret_t .. " ret = " .. body_name .. "(&f, &res);")
    else
        w("    const " .. ret_t .. " ret = " .. body_name .. "(&f);")
    end
    w("    struct trap_frame *const user = shim_user_frame();")
    for _, u in ipairs(kinds.upper_words(sc)) do
        if u.high then
            w("    user->" .. u.reg .. " = (uint32_t)((uint64_t)ret >> 32);")
        else
            w("    user->" .. u.reg .. " = (uint32_t)res." .. u.result.name .. ";")
        end
    end
    w("    return (int32_t)ret;")
    w("}")
end

-- A shim takes the frame by value, with the stack room (kernel/syscall_desc.h) in which it passes
-- the handler's arguments on: a shim that ends in the handler call ends in a jump to it.
local function shim(w, m, sc)
    if has_upper_words(sc) then
        shim_with_upper_words(w, m, sc)
        return
    end
    w("/* " .. nums[sc.num] .. " " .. cgen.comment(cgen.signature(sc)) .. " */\nstatic int32_t " .. names.shim(sc) ..
        (#sc.args == 0 and "(struct syscall_frame f)\n{\n    (void)f;" or "(struct syscall_frame f)\n{"))
    local wrote, call = body(w, m, sc, "f.tf", "int32_t")
    if not wrote then w("    return (int32_t)" .. call .. ";") end
    w("}")
end

local DIR_KIND = { bytes = { ["in"] = "SARG_IN_BUF", out = "SARG_OUT_BUF", inout = "SARG_INOUT_BUF" },
                   ptr = { ["in"] = "SARG_IN_PTR", out = "SARG_OUT_PTR", inout = "SARG_INOUT_PTR" } }

local function arg_kind(a)
    local kind = a.kind
    if kind == "scalar" then
        local t = a.type
        if a.regs then return t.signed and "SARG_INT64" or "SARG_UINT64" end
        if t.hex then return "SARG_HEX" end
        return t.signed and "SARG_INT" or "SARG_UINT"
    elseif kind == "str" then
        return "SARG_IN_STR"
    end
    return DIR_KIND[kind][a.dir]
end

local RET_KIND = { i32 = "SARG_INT", void = "SARG_INT", u32 = "SARG_UINT", uptr = "SARG_HEX", i64 = "SARG_INT64",
                   u64 = "SARG_UINT64" }

local function scalar_kind(t)
    t = kinds.scalar(t)
    if t.hex then return "SARG_HEX" end
    return t.signed and "SARG_INT" or "SARG_UINT"
end

-- The extra results, for the tracer: name, kind and where the shim put them in the frame.
local function results_desc(sc)
    local list = {}
    for i, r in ipairs(kinds.results(sc)) do
        list[i] = '{ "' .. r.name .. '", ' .. scalar_kind(r.type) .. ", offsetof(struct trap_frame, " .. r.reg .. ") }"
    end
    return concat(list, ", ")
end

local FLAGS = {
    [0] = "0", "SYSCALL_F_NORETURN", "SYSCALL_F_BLOCKING", "SYSCALL_F_NORETURN | SYSCALL_F_BLOCKING",
}

local function flags_of(sc)
    return FLAGS[(sc.attrs.noreturn and 1 or 0) + (sc.attrs.blocking and 2 or 0)]
end

-- The table entry of a syscall, with its flags. slot: register name -> its position in
-- arg_registers (from 0).
local function descriptor(slot, sc, flags)
    -- The lines after the first: where a result's words are (v2), the arguments.
    local more = NONE
    if kinds.is64(sc.ret) or (sc.results and #sc.results > 0) then more = {} end
    if kinds.is64(sc.ret) then
        more[#more + 1] = ".ret_hi = offsetof(struct trap_frame, " .. kinds.upper_words(sc)[1].reg .. ")"
    end
    local nresults = sc.results and #sc.results or 0
    if nresults > 0 then
        more[#more + 1] = ".nresults = " .. nresults .. ", .results = { " .. results_desc(sc) .. " }"
    end
    local args = sc.args
    local nargs = #args
    if nargs > 0 then
        local descs = {}
        for i = 1, #args do
            local a = args[i]
            local kind = a.kind
            local size = 0
            if kind == "str" then
                size = a.size.value
            elseif kind == "ptr" then
                size = a.type.size
            elseif kind == "bytes" and a.elem then
                size = a.elem_size -- T[COUNT]: the element's size
            end
            -- Where the argument is, when it is not in register i (kernel/syscall_desc.h).
            local len, reg = a.len_arg and (a.len_arg - 1), ""
            if kind == "scalar" and a.regs then
                local lo, hi = kinds.pair_regs(a)
                len, reg, size = slot[hi], ", " .. (slot[lo] + 1), 8
            elseif slot[a.reg] ~= i - 1 then
                reg = ", " .. (slot[a.reg] + 1)
            end
            -- The fields after the last that is not 0 are left to the initializer (len_arg is
            -- read only for a buffer or a 64-bit argument).
            if reg ~= "" or size ~= 0 then
                descs[i] = '{ "' .. a.name .. '", ' .. arg_kind(a) .. ", " .. nums[len or 0] .. ", " .. nums[size] .. reg .. " }"
            elseif len then
                descs[i] = '{ "' .. a.name .. '", ' .. arg_kind(a) .. ", " .. nums[len] .. " }"
            else
                descs[i] = '{ "' .. a.name .. '", ' .. arg_kind(a) .. " }"
            end
        end
        if more == NONE then
            more = { ".args = { " .. concat(descs, ", ") .. " }" }
        else
            more[#more + 1] = ".args = { " .. concat(descs, ", ") .. " }"
        end
    end
    -- name, shim, nargs, flags, ret_kind (the first fields of struct syscall_desc); names are C
    -- identifiers: nothing to escape
    local head = "    [" .. nums[sc.num] .. '] = { "' .. sc.name .. '", ' .. names.shim(sc) .. ", " .. nums[nargs] .. ", " ..
        flags .. ", " .. RET_KIND[sc.ret]
    if #more == 0 then return head .. " }," end
    return head .. ",\n        " .. concat(more, ",\n        ") .. " },"
end

-- What the int 0x80 stub calls for a syscall: its shim, or its handler when the shim would be
-- nothing but a call of it.
local function entry(sc)
    if #sc.args == 0 and not has_upper_words(sc) then return "    (syscall_code_t)" .. names.handler(sc) .. "," end
    return "    (syscall_code_t)" .. names.shim(sc) .. ","
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"syscall_handlers.h\"")
    for i = 1, #m.syscalls do
        local sc = m.syscalls[i]
        local ret = sc.ret -- has_upper_words, inline: most definitions have none to find
        if ret == "i64" or ret == "u64" or (sc.results ~= nil and #sc.results > 0) then
            w("#include \"proc.h\" /* shim_user_frame */")
            break
        end
    end
    w("#include \"syscall_shim.h\"")
    w("")
    -- Each syscall's shim, table entry and entry point: a template per shape (cgen.shaped). The
    -- shims come in the .def's order, the tables by number.
    local slot = {}
    for i, r in ipairs(m.abi.arg_registers) do slot[r] = i - 1 end
    local lines = cgen.lines()
    local texts = cgen.shaped(function(sc, flags)
        shim(lines, m, sc)
        lines("") -- the blank line after the shim, without copying its text again
        return lines(), descriptor(slot, sc, flags), entry(sc)
    end)
    local descs, entries = {}, {}
    local syscalls = m.syscalls
    for i = 1, #syscalls do
        local sc = syscalls[i]
        local shim_text, desc, entry_text = texts(sc, flags_of(sc))
        w(shim_text)
        descs[sc.num], entries[sc.num] = desc, entry_text
    end
    local retired = {}
    for _, r in ipairs(m.retired) do retired[r.num] = r end

    w("/* Indexed by number; unused and retired numbers answer -ENOSYS. */")
    w("const struct syscall_desc syscall_table[SYS_TABLE_SIZE] = {")
    for nr = 0, m.table_size - 1 do
        local desc = descs[nr]
        if desc then
            w(desc)
        elseif retired[nr] then
            w("    [" .. nr .. "] = { .name = NULL, .shim = syscall_nosys, .flags = SYSCALL_F_RETIRED }, /* retired " ..
                retired[nr].name .. " */")
        else
            w("    [" .. nr .. "] = { .name = NULL, .shim = syscall_nosys },")
        end
    end
    w("};")
    w("")
    w("/* What the int 0x80 stub calls, by number (kernel/syscall_desc.h). */")
    w("const syscall_code_t syscall_entries[SYS_TABLE_SIZE] = {")
    for nr = 0, m.table_size - 1 do w(entries[nr] or "    (syscall_code_t)syscall_nosys,") end
    w("};")
    return w()
end

return out
