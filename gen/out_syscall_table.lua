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
local names = require("names")

local out = {}

local SPAN = "ABI_USER_HIGH - ABI_USER_LOW"
local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

-- C test that a kernel handler result is a success (copy-outs happen only then).
local function success(sc, var)
    if cgen.kernel_ret(sc) == "uint32_t" then
        return var .. " < (uint32_t)-ABI_ERRNO_MAX" -- -ABI_ERRNO_MAX..-1 are errors, as (uint32_t)-E
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
-- Written as addr - LOW > SPAN - len, which also catches addr < LOW.
local function buffer_checks(w, m, sc, a)
    local len_arg = sc.args[a.len_arg]
    local len, type_max = "a_" .. len_arg.name, TYPE_MAX[len_arg.type.name]
    local span = m.abi.user_high - m.abi.user_low
    if a.max then
        if type_max > a.max.value then
            w("    if (%s > %s)", len, a.max.expr)
            w("        return -%s;", a.toolong.name)
        end
        w("    if (a_%s - ABI_USER_LOW > %s - %s)", a.name, SPAN, len)
    elseif type_max > span then
        w("    if (%s > %s || a_%s - ABI_USER_LOW > %s - %s)", len, SPAN, a.name, SPAN, len)
    else
        w("    if (a_%s - ABI_USER_LOW > %s - %s)", a.name, SPAN, len)
    end
    w("        return -EFAULT;")
    mapped_check(w, "a_" .. a.name, len, a.dir)
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

-- The scalars the checks need (buffer lengths); the others are read from the frame only in the
-- handler call, after the checks, so they need no register of their own meanwhile.
local function checked_scalars(sc)
    local checked = {}
    for _, a in ipairs(sc.args) do
        if a.len_arg then checked[a.len_arg] = true end
    end
    return checked
end

local function call_args(sc)
    local args, checked = {}, checked_scalars(sc)
    for i, a in ipairs(sc.args) do
        if a.kind == "scalar" then
            args[i] = checked[i] and ("a_" .. a.name) or string.format("(%s)f.tf.%s", a.type.ctype, a.reg)
        elseif a.kind == "bytes" then
            args[i] = string.format("(user_%s_t){ a_%s }", a.dir, a.name)
        elseif a.kind == "str" then
            args[i] = "k_" .. a.name
        elseif a.optional then
            args[i] = string.format("a_%s ? &k_%s : NULL", a.name, a.name)
        else
            args[i] = "&k_" .. a.name
        end
    end
    return table.concat(args, ", ")
end

-- A shim takes the frame by value, with the stack room (kernel/syscall_desc.h) in which it passes
-- the handler's arguments on: a shim that ends in the handler call ends in a jump to it.
local function shim(w, m, sc)
    w("/* %d %s */\nstatic int32_t %s(struct syscall_frame f)\n{", sc.num, cgen.comment(cgen.signature(sc)),
        names.shim(sc))
    local simple, checked = true, checked_scalars(sc)
    for i, a in ipairs(sc.args) do
        if a.kind == "scalar" then
            if checked[i] then w("    const %s a_%s = (%s)f.tf.%s;", a.type.ctype, a.name, a.type.ctype, a.reg) end
        else
            simple = false
            w("    const uint32_t a_%s = f.tf.%s;", a.name, a.reg)
        end
    end
    if #sc.args == 0 then w("    (void)f;") end
    local call = string.format("%s(%s)", names.handler(sc), call_args(sc))
    if simple then
        w("    return (int32_t)%s;", call)
        w("}")
        return
    end
    -- Cheap range checks first, then the copies.
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then
            buffer_checks(w, m, sc, a)
        elseif a.kind == "ptr" then
            pointer_check(w, a)
        end
    end
    local copy_out = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "str" then
            w("    char k_%s[%s + 1];", a.name, a.size.expr)
            w("    const int32_t n_%s = shim_str_in(k_%s, a_%s, %s, -%s);",
                a.name, a.name, a.name, a.size.expr, a.toolong.name)
            w("    if (n_%s < 0)", a.name)
            w("        return n_%s;", a.name)
        elseif a.kind == "ptr" then
            pointer_copy_in(w, a)
            if a.dir ~= "in" then copy_out[#copy_out + 1] = a end
        end
    end
    w("    const %s ret = %s;", cgen.kernel_ret(sc), call)
    for _, a in ipairs(copy_out) do
        w("    if (%s%s && copy_to_user(a_%s, &k_%s, sizeof k_%s) < 0)", success(sc, "ret"),
            a.optional and (" && a_" .. a.name .. " != 0") or "", a.name, a.name, a.name)
        w("        return -EFAULT;")
    end
    w("    return (int32_t)ret;")
    w("}")
end

local function arg_kind(a)
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

local RET_KIND = { i32 = "SARG_INT", void = "SARG_INT", u32 = "SARG_UINT", uptr = "SARG_HEX" }

local function descriptor(w, sc)
    local flags = {}
    if sc.attrs.noreturn then flags[#flags + 1] = "SYSCALL_F_NORETURN" end
    if sc.attrs.blocking then flags[#flags + 1] = "SYSCALL_F_BLOCKING" end
    w("    [%d] = { .name = %s, .shim = %s, .nargs = %d, .flags = %s, .ret_kind = %s%s",
        sc.num, '"' .. sc.name .. '"', names.shim(sc), #sc.args, -- names are C identifiers: nothing to escape
        #flags > 0 and table.concat(flags, " | ") or "0", RET_KIND[sc.ret], #sc.args > 0 and "," or " },")
    if #sc.args == 0 then return end
    local args = {}
    for i, a in ipairs(sc.args) do
        local size = 0
        if a.kind == "str" then size = a.size.value end
        if a.kind == "ptr" then size = a.type.size end
        args[i] = string.format("{ \"%s\", %s, %s, %d }", a.name, arg_kind(a),
            a.len_arg and tostring(a.len_arg - 1) or "SYSCALL_NO_LEN_ARG", size)
    end
    w("             .args = { %s } },", table.concat(args, ", "))
end

-- A syscall whose shim would be nothing but a call of its handler.
local function handler_is_entry(sc)
    return #sc.args == 0
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
            descriptor(w, sc)
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
