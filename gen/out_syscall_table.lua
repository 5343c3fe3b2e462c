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

local SPAN = "ABI_USER_HIGH - ABI_USER_LOW"
local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

-- C test that a kernel handler result is a success (copy-outs happen only then).
local function success(sc, var)
    local t = cgen.kernel_ret(sc)
    if t == "uint32_t" or t == "uint64_t" then
        return var .. " < (" .. t .. ")-ABI_ERRNO_MAX" -- -ABI_ERRNO_MAX..-1 are errors, as (uintN_t)-E
    end
    return var .. " >= 0"
end

-- Every page of the range must be readable (and writable unless the kernel only reads it), so a
-- handler never fails half-way, after it has blocked or changed state, on a bad pointer.
local function mapped_check(w, addr, len, dir, optional)
    w("    if (%suser_probe(%s, %s, %d) < 0)", optional and (addr .. " != 0 && ") or "", addr, len,
        dir == "in" and 0 or 1)
    w("        return -EFAULT;")
end

-- Range check of a user buffer [addr, addr + len): inside user space, no wrap.
-- Written as addr - LOW > SPAN - len, which also catches addr < LOW. The length is a_LEN, or
-- for a value-result length (bytes[*LEN]) the capacity the shim copied in, k_LEN, which a
-- capacity above max is lowered to (the handler never writes more, and tells the size it
-- wrote through it). An array (T[COUNT]) is COUNT elements: its max bounds the count, so
-- the byte length COUNT * sizeof(T) cannot overflow. An optional NULL buffer is not
-- checked: its handler gets length 0 (set before the checks).
local function buffer_checks(w, m, sc, a)
    local len_arg = sc.args[a.len_arg]
    local count = (a.len_by_ptr and "k_" or "a_") .. len_arg.name
    local type_max = a.len_by_ptr and 0xFFFFFFFF or TYPE_MAX[len_arg.type.name]
    local span = m.abi.user_high - m.abi.user_low
    local addr = "a_" .. a.name
    local opt = a.optional and (addr .. " != 0 && ") or ""
    if a.max and type_max > a.max.value then
        if a.len_by_ptr then
            w("    if (%s > %s)", count, a.max.expr)
            w("        %s = %s;", count, a.max.expr)
        else
            w("    if (%s > %s)", count, a.max.expr)
            w("        return -%s;", a.toolong.name)
        end
    end
    local len = count
    if a.elem then
        len = "n_" .. a.name
        w("    const uint32_t %s = %s * (uint32_t)sizeof(%s);", len, count, cgen.pointee(a.elem))
    end
    if not a.max and type_max > span then
        local cond = string.format("%s > %s || %s - ABI_USER_LOW > %s - %s", len, SPAN, addr, SPAN, len)
        w("    if (%s)", opt == "" and cond or (opt .. "(" .. cond .. ")"))
    else
        w("    if (%s%s - ABI_USER_LOW > %s - %s)", opt, addr, SPAN, len)
    end
    w("        return -EFAULT;")
    mapped_check(w, addr, len, a.dir, a.optional)
end

-- Range check of a struct or scalar pointer (skipped for an optional NULL).
local function pointer_check(w, a)
    local addr = "a_" .. a.name
    local range = string.format("%s - ABI_USER_LOW > %s - sizeof(%s)", addr, SPAN, cgen.pointee(a.type))
    if a.optional then
        w("    if (%s != 0 && %s)", addr, range)
    else
        w("    if (%s)", range)
    end
    w("        return -EFAULT;")
    if a.dir ~= "in" then
        mapped_check(w, addr, "sizeof(" .. cgen.pointee(a.type) .. ")", a.dir, a.optional)
    end
end

-- The kernel copy of a pointer argument: copied in, or zeroed for out.
local function pointer_copy_in(w, a)
    local k, addr = "k_" .. a.name, "a_" .. a.name
    w("    %s %s;", cgen.pointee(a.type), k)
    if a.dir == "out" then
        w("    __builtin_memset(&%s, 0, sizeof %s);", k, k)
        return
    end
    w("    if (%scopy_from_user(&%s, %s, sizeof %s) < 0)", a.optional and (addr .. " != 0 && ") or "", k, addr, k)
    w("        return -EFAULT;")
end

-- The scalars the checks need (buffer lengths, flags and enum values); the others are read from
-- the frame only in the handler call, after the checks, so they need no register of their own
-- meanwhile.
local function checked_scalars(sc)
    local checked = {}
    for i, a in ipairs(sc.args) do
        if a.len_arg then checked[a.len_arg] = true end
        if a.kind == "scalar" and a.einval then checked[i] = true end
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

local function call_args(sc, F)
    local args, checked = {}, checked_scalars(sc)
    for i, a in ipairs(sc.args) do
        if kinds.is_pair(a) then
            local lo, hi = kinds.pair_regs(a)
            args[i] = string.format("(%s)((uint64_t)%s.%s << 32 | %s.%s)", a.type.ctype, F, hi, F, lo)
        elseif a.kind == "scalar" then
            args[i] = checked[i] and ("a_" .. a.name) or string.format("(%s)%s.%s", a.type.ctype, F, a.reg)
        elseif a.kind == "bytes" then
            args[i] = string.format("(user_%s_t){ a_%s }", a.dir, a.name)
        elseif a.kind == "str" then
            args[i] = a.optional and string.format("a_%s ? k_%s : NULL", a.name, a.name) or ("k_" .. a.name)
        elseif a.optional then
            args[i] = string.format("a_%s ? &k_%s : NULL", a.name, a.name)
        else
            args[i] = "&k_" .. a.name
        end
    end
    if #kinds.results(sc) > 0 then args[#args + 1] = "res" end
    return table.concat(args, ", ")
end

-- Length arguments an optional buffer zeroes when it is NULL (so they are not const).
local function zeroed_lengths(sc)
    local zeroed = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" and a.optional and not a.len_by_ptr then zeroed[a.len_arg] = true end
    end
    return zeroed
end

-- The checks, the copies and the handler call of a syscall, reading the registers from the
-- frame F (f.tf, or f->tf in a body function). Returns false when it wrote nothing but the
-- call, which it then leaves to the caller.
local function body(w, m, sc, F, ret_type)
    local simple, checked, zeroed = true, checked_scalars(sc), zeroed_lengths(sc)
    for i, a in ipairs(sc.args) do
        if a.kind == "scalar" then
            if checked[i] then
                w("    %s%s a_%s = (%s)%s.%s;", zeroed[i] and "" or "const ", a.type.ctype, a.name, a.type.ctype, F,
                    a.reg)
                simple = false
            end
        else
            simple = false
            w("    const uint32_t a_%s = %s.%s;", a.name, F, a.reg)
        end
    end
    local call = string.format("%s(%s)", names.handler(sc), call_args(sc, F))
    if simple then return false, call end
    -- An optional buffer that is NULL is an empty one.
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" and a.optional and not a.len_by_ptr then
            w("    if (a_%s == 0)", a.name)
            w("        a_%s = 0;", sc.args[a.len_arg].name)
        end
    end
    -- Cheap value and range checks first, then the copies.
    for _, a in ipairs(sc.args) do
        if a.kind == "scalar" and a.einval then value_check(w, a) end
    end
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" and not a.len_by_ptr then
            buffer_checks(w, m, sc, a)
        elseif a.kind == "ptr" then
            pointer_check(w, a)
        end
    end
    local copy_out = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "str" then
            w("    char k_%s[%s + 1];", a.name, a.size.expr)
            local copy = string.format("shim_str_in(k_%s, a_%s, %s, -%s)", a.name, a.name, a.size.expr, a.toolong.name)
            if a.optional then copy = string.format("a_%s ? %s : 0", a.name, copy) end
            w("    const int32_t n_%s = %s;", a.name, copy)
            w("    if (n_%s < 0)", a.name)
            w("        return n_%s;", a.name)
        elseif a.kind == "ptr" then
            pointer_copy_in(w, a)
            if a.dir ~= "in" then copy_out[#copy_out + 1] = a end
        end
    end
    -- A value-result length is known once it is copied in.
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" and a.len_by_ptr then buffer_checks(w, m, sc, a) end
    end
    w("    const %s ret = %s;", cgen.kernel_ret(sc), call)
    for _, a in ipairs(copy_out) do
        w("    if (%s%s && copy_to_user(a_%s, &k_%s, sizeof k_%s) < 0)", success(sc, "ret"),
            a.optional and (" && a_" .. a.name .. " != 0") or "", a.name, a.name, a.name)
        w("        return -EFAULT;")
    end
    w("    return (%s)ret;", ret_type)
    return true
end

-- A syscall whose result has more than eax (a 64-bit result, extra results): its checks and
-- call are a body function whose every return, error or not, the entry splits into the result
-- registers, so an error is the sign-extended -E in all of them, the results zero.
local function shim_with_upper_words(w, m, sc)
    local ret_t = cgen.kernel_ret(sc)
    local body_name = names.shim(sc) .. "_body"
    local results = kinds.results(sc)
    w("/* %d %s */", sc.num, cgen.comment(cgen.signature(sc)))
    w("__attribute__((always_inline)) static inline %s\n%s(const struct syscall_frame *f%s)\n{", ret_t, body_name,
        #results > 0 and (", " .. cgen.results_struct(sc) .. " *res") or "")
    if #sc.args == 0 then w("    (void)f;") end
    local wrote, call = body(w, m, sc, "f->tf", ret_t)
    if not wrote then w("    return %s;", call) end
    w("}\n")
    w("static int32_t %s(struct syscall_frame f)\n{", names.shim(sc))
    if #results > 0 then
        w("    %s res = { 0 };", cgen.results_struct(sc))
        w("    const %s ret = %s(&f, &res);", ret_t, body_name)
    else
        w("    const %s ret = %s(&f);", ret_t, body_name)
    end
    w("    struct trap_frame *const user = shim_user_frame();")
    for _, u in ipairs(kinds.upper_words(sc)) do
        if u.high then
            w("    user->%s = (uint32_t)((uint64_t)ret >> 32);", u.reg)
        else
            w("    user->%s = (uint32_t)res.%s;", u.reg, u.result.name)
        end
    end
    w("    return (int32_t)ret;")
    w("}")
end

-- A shim takes the frame by value, with the stack room (kernel/syscall_desc.h) in which it passes
-- the handler's arguments on: a shim that ends in the handler call ends in a jump to it.
local function shim(w, m, sc)
    if #kinds.upper_words(sc) > 0 then
        shim_with_upper_words(w, m, sc)
        return
    end
    w("/* %d %s */\nstatic int32_t %s(struct syscall_frame f)\n{", sc.num, cgen.comment(cgen.signature(sc)),
        names.shim(sc))
    if #sc.args == 0 then w("    (void)f;") end
    local wrote, call = body(w, m, sc, "f.tf", "int32_t")
    if not wrote then w("    return (int32_t)%s;", call) end
    w("}")
end

local function arg_kind(a)
    if kinds.is_pair(a) then return a.type.signed and "SARG_INT64" or "SARG_UINT64" end
    if a.kind == "scalar" then
        if a.type.hex then return "SARG_HEX" end
        return a.type.signed and "SARG_INT" or "SARG_UINT"
    elseif a.kind == "bytes" then
        return "SARG_" .. a.dir:upper() .. "_BUF"
    elseif a.kind == "str" then
        return "SARG_IN_STR"
    end
    return "SARG_" .. a.dir:upper() .. "_PTR"
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
        list[i] = string.format("{ \"%s\", %s, offsetof(struct trap_frame, %s) }", r.name, scalar_kind(r.type), r.reg)
    end
    return table.concat(list, ", ")
end

local function descriptor(w, m, sc)
    local flags = {}
    if sc.attrs.noreturn then flags[#flags + 1] = "SYSCALL_F_NORETURN" end
    if sc.attrs.blocking then flags[#flags + 1] = "SYSCALL_F_BLOCKING" end
    -- The lines after the first: where a result's words are (v2), the arguments.
    local more = {}
    local results = kinds.results(sc)
    if kinds.is64(sc.ret) then
        more[#more + 1] = string.format(".ret_hi = offsetof(struct trap_frame, %s)", kinds.upper_words(sc)[1].reg)
    end
    if #results > 0 then
        more[#more + 1] = string.format(".nresults = %d, .results = { %s }", #results, results_desc(sc))
    end
    local slot = {}
    for i, r in ipairs(m.abi.arg_registers) do slot[r] = i - 1 end
    local args = {}
    for i, a in ipairs(sc.args) do
        local size = 0
        if a.kind == "str" then size = a.size.value end
        if a.kind == "ptr" then size = a.type.size end
        if a.kind == "bytes" and a.elem then size = a.elem_size end -- T[COUNT]: the element's size
        -- Where the argument is, when it is not in register i (kernel/syscall_desc.h).
        local len, reg = a.len_arg and tostring(a.len_arg - 1) or "SYSCALL_NO_LEN_ARG", ""
        if kinds.is_pair(a) then
            local lo, hi = kinds.pair_regs(a)
            len, reg, size = tostring(slot[hi]), ", " .. (slot[lo] + 1), 8
        elseif slot[a.reg] ~= i - 1 then
            reg = ", " .. (slot[a.reg] + 1)
        end
        args[i] = string.format("{ \"%s\", %s, %s, %d%s }", a.name, arg_kind(a), len, size, reg)
    end
    if #args > 0 then more[#more + 1] = string.format(".args = { %s }", table.concat(args, ", ")) end
    w("    [%d] = { .name = %s, .shim = %s, .nargs = %d, .flags = %s, .ret_kind = %s%s",
        sc.num, '"' .. sc.name .. '"', names.shim(sc), #sc.args, -- names are C identifiers: nothing to escape
        #flags > 0 and table.concat(flags, " | ") or "0", RET_KIND[sc.ret], #more > 0 and "," or " },")
    for i, line in ipairs(more) do w("             %s%s", line, i < #more and "," or " },") end
end

-- A syscall whose shim would be nothing but a call of its handler.
local function handler_is_entry(sc)
    return #sc.args == 0 and #kinds.upper_words(sc) == 0
end

local function entries(w, m, slots)
    w("/* What the int 0x80 stub calls, by number (kernel/syscall_desc.h). */")
    w("const syscall_code_t syscall_entries[SYS_TABLE_SIZE] = {")
    for nr = 0, m.table_size - 1 do
        local sc = slots[nr]
        local code = "syscall_nosys"
        if sc then code = handler_is_entry(sc) and names.handler(sc) or names.shim(sc) end
        w("    (syscall_code_t)%s,", code)
    end
    w("};")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"syscall_handlers.h\"")
    for _, sc in ipairs(m.syscalls) do
        if #kinds.upper_words(sc) > 0 then
            w("#include \"proc.h\" /* shim_user_frame */")
            break
        end
    end
    w("#include \"syscall_shim.h\"")
    w("")
    for _, sc in ipairs(m.syscalls) do
        shim(w, m, sc)
        w("")
    end
    local slots = {}
    for _, sc in ipairs(m.syscalls) do slots[sc.num] = sc end
    local retired = {}
    for _, r in ipairs(m.retired) do retired[r.num] = r end

    w("/* Indexed by number; unused and retired numbers answer -ENOSYS. */")
    w("const struct syscall_desc syscall_table[SYS_TABLE_SIZE] = {")
    for nr = 0, m.table_size - 1 do
        local sc = slots[nr]
        if sc then
            descriptor(w, m, sc)
        elseif retired[nr] then
            w("    [%d] = { .name = NULL, .shim = syscall_nosys, .flags = SYSCALL_F_RETIRED }, /* retired %s */",
                nr, retired[nr].name)
        else
            w("    [%d] = { .name = NULL, .shim = syscall_nosys },", nr)
        end
    end
    w("};")
    w("")
    entries(w, m, slots)
    return w()
end

return out
