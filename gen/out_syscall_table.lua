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
--
-- The text is spelled as the pieces it is made of (names, registers, fixed C), put one after
-- another in one table (p, with n the last used slot) and joined once per syscall or per run of
-- table rows: a line is never a string of its own before it is part of the output.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local concat = table.concat
local nums = cgen.num

-- Each function that spells a part puts its pieces into p after p[n] and returns the new n.
local pieces = {} -- (one table, used again by every render)

local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

-- Pieces that recur in every shim, spelled once (cgen.memo: the keys are frames, registers, C
-- types and small numbers).
local memo, memo2 = cgen.memo, cgen.memo2

local FRAME_REG = memo2(function(F, reg) return F .. reg end) -- f.tf.ebx
local READ = memo2(function(F, reg) return " = " .. F .. reg .. ";\n" end) -- the end of a register's read
local CAST = memo(function(ctype) return "(" .. ctype .. ")" end)
local CAST_READ = memo(function(ctype) return " = (" .. ctype .. ")" end)
local SIZEOF = setmetatable({}, { __mode = "k", __index = function(t, ty) -- a type -> sizeof(its C type)
    local v = "sizeof(" .. cgen.pointee(ty) .. ")"
    t[ty] = v
    return v
end })

-- C test that a kernel handler result is a success (copy-outs happen only then).
local SUCCESS = { uint32_t = " < (uint32_t)-ABI_ERRNO_MAX", uint64_t = " < (uint64_t)-ABI_ERRNO_MAX" }
local function success(sc)
    return SUCCESS[cgen.kernel_ret(sc)] or " >= 0" -- -ABI_ERRNO_MAX..-1 are errors, as (uintN_t)-E
end

-- The check of a user range [a_NAME, a_NAME + len): inside user space (SHIM_OUTSIDE_USER, in
-- kernel/syscall_shim.h, also catches addr < ABI_USER_LOW and a wrap), and unless the kernel only
-- reads it through copy_from_user, every page readable (and writable unless dir is "in"), so a
-- handler never fails half-way, after it has blocked or changed state, on a bad pointer. big:
-- len may exceed the span of user space. An optional NULL pointer is not checked. The length is
-- one piece or two (len1, len2: "a_", the length's name).
local PROBE = { ["in"] = ", 0) < 0", out = ", 1) < 0", inout = ", 1) < 0" }

local function range_check(p, n, name, len1, len2, dir, optional, probe, big)
    p[n + 1], n = "    if (", n + 1
    if optional then p[n + 1], p[n + 2], p[n + 3], n = "a_", name, " != 0 && (", n + 3 end
    if big then p[n + 1], p[n + 2], p[n + 3], n = len1, len2, " > SHIM_USER_SPAN || ", n + 3 end
    p[n + 1], p[n + 2], p[n + 3], n = "SHIM_OUTSIDE_USER(a_", name, ", ", n + 3
    if len2 then p[n + 1], p[n + 2], n = len1, len2, n + 2 else p[n + 1], n = len1, n + 1 end
    if probe then
        p[n + 1], p[n + 2], p[n + 3], n = ") || user_probe(a_", name, ", ", n + 3
        if len2 then p[n + 1], p[n + 2], n = len1, len2, n + 2 else p[n + 1], n = len1, n + 1 end
        p[n + 1], n = PROBE[dir], n + 1
    else
        p[n + 1], n = ")", n + 1
    end
    p[n + 1], n = optional and "))\n        return -EFAULT;\n" or ")\n        return -EFAULT;\n", n + 1
    return n
end

-- The checks of a user buffer. The length is a_LEN, or for a value-result length (bytes[*LEN])
-- the capacity the shim copied in, k_LEN, which a capacity above max is lowered to (the handler
-- never writes more, and tells the size it wrote through it). An array (T[COUNT]) is COUNT
-- elements: its max bounds the count, so the byte length COUNT * sizeof(T) cannot overflow. An
-- optional NULL buffer's handler gets length 0 (set before the checks). span: the size of user
-- space.
local function buffer_checks(p, n, sc, a, span)
    local len_arg = sc.args[a.len_arg]
    local lname, by_ptr = len_arg.name, a.len_by_ptr
    local pre = by_ptr and "k_" or "a_"
    local type_max = by_ptr and 0xFFFFFFFF or TYPE_MAX[len_arg.type.name]
    local max = a.max
    if max and type_max > max.value then
        local expr = max.expr
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    if (", pre, lname, " > ", expr, n + 5
        if by_ptr then
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], n = ")\n        ", pre, lname, " = ", expr,
                ";\n", n + 6
        else
            p[n + 1], p[n + 2], p[n + 3], n = ")\n        return -", a.toolong.name, ";\n", n + 3
        end
    end
    local len = lname
    if a.elem then
        len = a.name
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], p[n + 7], n = "    const uint32_t n_", len, " = ",
            pre, lname, " * (uint32_t)sizeof(", cgen.pointee(a.elem), n + 7
        p[n + 1], n = ");\n", n + 1
        pre = "n_"
    end
    n = range_check(p, n, a.name, pre, len, a.dir, a.optional, true, not max and type_max > span)
    return n
end

-- The scalars the checks need (buffer lengths, flags and enum values): checked[i] is true for
-- them; the others are read from the frame only in the handler call, after the checks, so they
-- need no register of their own meanwhile. One table, emptied for each syscall.
local checked = {}

-- A flags argument with a bit outside its set, or an enum argument that is none of its values,
-- is refused (EINVAL, which the model adds to the syscall's implied errors). The check is
-- spelled once per named type and argument name (checks: a per-render memo, cgen.shape_memo).
local function value_condition(a, named)
    local v = "a_" .. a.name
    if named.kind == "flags" then return v .. " & ~(" .. a.type.ctype .. ")" .. cgen.hex(named.mask) end
    local members = named.members -- sorted by value
    local contiguous = #members > 0
    for i, mb in ipairs(members) do
        if mb.value ~= members[1].value + i - 1 then contiguous = false end
    end
    local function lit(value) return "(" .. a.type.ctype .. ")" .. cgen.literal(value & 0xFFFFFFFF) end
    if contiguous then
        local lo, hi = members[1].value, members[#members].value
        if lo == 0 and not a.type.signed then return v .. " > " .. lit(hi) end
        return v .. " < " .. lit(lo) .. " || " .. v .. " > " .. lit(hi)
    end
    local tests = {}
    for i, mb in ipairs(members) do tests[i] = v .. " != " .. lit(mb.value) end
    return concat(tests, " && ")
end

local function value_check(p, n, checks, a)
    local named = kinds.named(a)
    local by_name = checks[named]
    if not by_name then
        by_name = {}
        checks[named] = by_name
    end
    local line = by_name[a.name]
    if not line then
        line = "    if (" .. value_condition(a, named) .. ")\n        return -" .. a.einval.name .. ";\n"
        by_name[a.name] = line
    end
    p[n + 1], n = line, n + 1
    return n
end

-- The arguments of the handler call, reading unchecked scalars from the frame F.
local function call_args(p, n, sc, F, results)
    local args = sc.args
    for i = 1, #args do
        local a = args[i]
        if i > 1 then p[n + 1], n = ", ", n + 1 end
        local kind, name = a.kind, a.name
        if kind == "scalar" then
            if a.regs then -- a 64-bit pair
                local lo, hi = kinds.pair_regs(a)
                p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], p[n + 7], p[n + 8], p[n + 9], n =
                    "(", a.type.ctype, ")((uint64_t)", F, hi, " << 32 | ", F, lo, ")", n + 9
            elseif checked[i] then
                p[n + 1], p[n + 2], n = "a_", name, n + 2
            else
                p[n + 1], p[n + 2], n = CAST[a.type.ctype], FRAME_REG[F][a.reg], n + 2
            end
        elseif kind == "bytes" then
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "(user_", a.dir, "_t){ a_", name, " }", n + 5
        elseif kind == "str" then
            if a.optional then
                p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "a_", name, " ? k_", name, " : NULL", n + 5
            else
                p[n + 1], p[n + 2], n = "k_", name, n + 2
            end
        elseif a.optional then
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "a_", name, " ? &k_", name, " : NULL", n + 5
        else
            p[n + 1], p[n + 2], n = "&k_", name, n + 2
        end
    end
    if results then p[n + 1], n = #args > 0 and ", res" or "res", n + 1 end
    return n
end

-- The string argument copies (in str[N]) into kernel buffers.
local function str_copy_in(p, n, a)
    local name, size = a.name, a.size.expr
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], n = "    char k_", name, "[", size,
        " + 1];\n    const int32_t n_", name, n + 6
    if a.optional then p[n + 1], p[n + 2], p[n + 3], n = " = a_", name, " ? ", n + 3 else p[n + 1], n = " = ", n + 1 end
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], p[n + 7], n = "shim_str_in(k_", name, ", a_", name,
        ", ", size, ", -", n + 7
    p[n + 1], p[n + 2], n = a.toolong.name, a.optional and ") : 0;\n    if (n_" or ");\n    if (n_", n + 2
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = name, " < 0)\n        return n_", name, ";\n", n + 4
    return n
end

-- The kernel copy of a pointer argument: copied in, or zeroed for out.
local function pointer_copy_in(p, n, a)
    local name = a.name
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    ", cgen.pointee(a.type), " k_", name, n + 4
    if a.dir == "out" then
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = ";\n    __builtin_memset(&k_", name, ", 0, sizeof k_",
            name, ");\n", n + 5
        return n
    end
    if a.optional then
        p[n + 1], p[n + 2], p[n + 3], n = ";\n    if (a_", name, " != 0 && copy_from_user(&k_", n + 3
    else
        p[n + 1], n = ";\n    if (copy_from_user(&k_", n + 1
    end
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], n = name, ", a_", name, ", sizeof k_", name,
        ") < 0)\n        return -EFAULT;\n", n + 6
    return n
end

-- The checks, the copies and the handler call of a syscall, reading the registers from the
-- frame F ("f.tf." or "f->tf."). ret_type: the type the shim returns; simple_cast: the cast of
-- the call when it is all there is. span: the size of user space. checks: the value checks' memo.
local function body(p, n, sc, F, ret_type, simple_cast, span, checks)
    local args = sc.args
    local nargs = #args
    local simple, optional_bufs, value_checks, len_by_ptr = true, false, false, false
    for i = 1, nargs do checked[i] = false end
    for i = 1, nargs do
        local a = args[i]
        if a.len_arg then
            checked[a.len_arg] = true
            if a.len_by_ptr then len_by_ptr = true elseif a.optional then optional_bufs = true end
        end
        if a.einval and a.kind == "scalar" then
            checked[i] = true
            value_checks = true
        end
    end
    for i = 1, nargs do
        local a = args[i]
        if a.kind == "scalar" then
            if checked[i] then
                -- a length an optional NULL buffer zeroes is not const
                local zeroed = false
                if optional_bufs then
                    for k = 1, nargs do
                        local b = args[k]
                        if b.len_arg == i and b.kind == "bytes" and b.optional and not b.len_by_ptr then zeroed = true end
                    end
                end
                local t = a.type.ctype
                p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], n = zeroed and "    " or "    const ", t,
                    " a_", a.name, CAST_READ[t], FRAME_REG[F][a.reg], n + 6
                p[n + 1], n = ";\n", n + 1
                simple = false
            end
        else
            simple = false
            p[n + 1], p[n + 2], p[n + 3], n = "    const uint32_t a_", a.name, READ[F][a.reg], n + 3
        end
    end
    local results = sc.results ~= nil and #sc.results > 0
    if simple then
        p[n + 1], p[n + 2], p[n + 3], n = "    return ", simple_cast, names.handler(sc), n + 3
        p[n + 1], n = "(", n + 1
        n = call_args(p, n, sc, F, results)
        p[n + 1], n = ");\n", n + 1
        return n
    end
    -- An optional buffer that is NULL is an empty one.
    if optional_bufs then
        for k = 1, nargs do
            local a = args[k]
            if a.kind == "bytes" and a.optional and not a.len_by_ptr then
                p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    if (a_", a.name, " == 0)\n        a_",
                    args[a.len_arg].name, " = 0;\n", n + 5
            end
        end
    end
    -- Cheap value and range checks first, then the copies.
    if value_checks then
        for k = 1, nargs do
            local a = args[k]
            if a.kind == "scalar" and a.einval then n = value_check(p, n, checks, a) end
        end
    end
    local copy_out = false
    for k = 1, nargs do
        local a = args[k]
        local kind = a.kind
        if kind == "bytes" then
            if not a.len_by_ptr then n = buffer_checks(p, n, sc, a, span) end
        elseif kind == "ptr" then
            local dir = a.dir
            n = range_check(p, n, a.name, SIZEOF[a.type], nil, dir, a.optional, dir ~= "in")
            if dir ~= "in" then copy_out = true end
        end
    end
    for k = 1, nargs do
        local a = args[k]
        if a.kind == "str" then
            n = str_copy_in(p, n, a)
        elseif a.kind == "ptr" then
            n = pointer_copy_in(p, n, a)
        end
    end
    -- A value-result length is known once it is copied in.
    if len_by_ptr then
        for k = 1, nargs do
            local a = args[k]
            if a.kind == "bytes" and a.len_by_ptr then n = buffer_checks(p, n, sc, a, span) end
        end
    end
    if not copy_out then
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    return (", ret_type, ")", names.handler(sc), n + 4
        p[n + 1], n = "(", n + 1
        n = call_args(p, n, sc, F, results)
        p[n + 1], n = ");\n", n + 1
        return n
    end
    local ok = success(sc)
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    const ", cgen.kernel_ret(sc), " ret = ", names.handler(sc), n + 4
    p[n + 1], n = "(", n + 1
    n = call_args(p, n, sc, F, results)
    p[n + 1], n = ");\n", n + 1
    for k = 1, nargs do
        local a = args[k]
        if a.kind == "ptr" and a.dir ~= "in" then
            local name = a.name
            p[n + 1], p[n + 2], n = "    if (ret", ok, n + 2
            if a.optional then p[n + 1], p[n + 2], p[n + 3], n = " && a_", name, " != 0", n + 3 end
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = " && copy_to_user(a_", name, ", &k_", name,
                ", sizeof k_", n + 5
            p[n + 1], p[n + 2], n = name, ") < 0)\n        return -EFAULT;\n", n + 2
        end
    end
    p[n + 1], p[n + 2], p[n + 3], n = "    return (", ret_type, ")ret;\n", n + 3
    return n
end

-- A syscall whose result comes back in more than eax (a 64-bit result, extra results).
local function has_upper_words(sc)
    return kinds.is64(sc.ret) or (sc.results ~= nil and #sc.results > 0)
end

-- The comment before a syscall's shim.
local function shim_comment(p, n, sc)
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "/* ", nums[sc.num], " ", sc.name, n + 4
    n = cgen.shape_pieces(p, n, sc, true)
    p[n + 1], n = " */\n", n + 1
    return n
end

-- A syscall whose result has more than eax: its checks and call are a body function whose every
-- return, error or not, the entry splits into the result registers, so an error is the
-- sign-extended -E in all of them, the results zero.
local function shim_with_upper_words(p, n, sc, shim_name, span, checks)
    local ret_t = cgen.kernel_ret(sc)
    local results = #kinds.results(sc) > 0
    n = shim_comment(p, n, sc)
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "__attribute__((always_inline)) static inline ", ret_t, "\n",
        shim_name, n + 4
    if results then
        p[n + 1], p[n + 2], p[n + 3], n = "_body(const struct syscall_frame *f, ", cgen.results_struct(sc),
            " *res)\n{\n", n + 3
    else
        p[n + 1], n = "_body(const struct syscall_frame *f)\n{\n", n + 1
    end
    if #sc.args == 0 then p[n + 1], n = "    (void)f;\n", n + 1 end
    n = body(p, n, sc, "f->tf.", ret_t, "", span, checks)
    p[n + 1], p[n + 2], p[n + 3], n = "}\n\nstatic int32_t ", shim_name, "(struct syscall_frame f)\n{\n", n + 3
    if results then
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    ", cgen.results_struct(sc), " res = { 0 };\n    const ",
            ret_t, " ret = ", n + 5
        p[n + 1], p[n + 2], n = shim_name, "_body(&f, &res);\n", n + 2
    else
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    const ", ret_t, " ret = ", shim_name, n + 4
        p[n + 1], n = "_body(&f);\n", n + 1
    end
    p[n + 1], n = "    struct trap_frame *const user = shim_user_frame();\n", n + 1
    for _, u in ipairs(kinds.upper_words(sc)) do
        if u.high then
            p[n + 1], p[n + 2], p[n + 3], n = "    user->", u.reg, " = (uint32_t)((uint64_t)ret >> 32);\n", n + 3
        else
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    user->", u.reg, " = (uint32_t)res.", u.result.name,
                ";\n", n + 5
        end
    end
    p[n + 1], n = "    return (int32_t)ret;\n}\n", n + 1
    return n
end

-- A shim takes the frame by value, with the stack room (kernel/syscall_desc.h) in which it passes
-- the handler's arguments on: a shim that ends in the handler call ends in a jump to it.
local function shim(p, n, sc, span, checks)
    local shim_name = names.shim(sc)
    if has_upper_words(sc) then
        n = shim_with_upper_words(p, n, sc, shim_name, span, checks)
        return n
    end
    n = shim_comment(p, n, sc)
    p[n + 1], p[n + 2], n = "static int32_t ", shim_name, n + 2
    p[n + 1], n = #sc.args == 0 and "(struct syscall_frame f)\n{\n    (void)f;\n" or "(struct syscall_frame f)\n{\n",
        n + 1
    n = body(p, n, sc, "f.tf.", "int32_t", "(int32_t)", span, checks)
    p[n + 1], n = "}\n", n + 1
    return n
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

local FLAGS = {
    [0] = "0", "SYSCALL_F_NORETURN", "SYSCALL_F_BLOCKING", "SYSCALL_F_NORETURN | SYSCALL_F_BLOCKING",
}

-- Recurring pieces of a descriptor, spelled once.
local NARGS = memo(function(k) return ", " .. nums[k] .. ", " end)
local FLAGS_RET = memo2(function(flags, ret) return flags .. ", " .. ret end)
local KIND_END = memo(function(kind) return '", ' .. kind .. " }" end)
local KIND_MORE = memo(function(kind) return '", ' .. kind .. ", " end)

-- The table entry of a syscall, with its flags. slot: register name -> its position in
-- arg_registers (from 0). The lines after the first: where a result's words are (v2), the
-- arguments.
local function descriptor(p, n, slot, sc)
    local args = sc.args
    local nargs = #args
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], p[n + 7], n = "    [", nums[sc.num], '] = { "', sc.name,
        '", ', names.shim(sc), NARGS[nargs], n + 7
    p[n + 1], n = FLAGS_RET[FLAGS[(sc.attrs.noreturn and 1 or 0) + (sc.attrs.blocking and 2 or 0)]][RET_KIND[sc.ret]],
        n + 1
    if kinds.is64(sc.ret) then
        p[n + 1], p[n + 2], p[n + 3], n = ",\n        .ret_hi = offsetof(struct trap_frame, ", kinds.upper_words(sc)[1].reg,
            ")", n + 3
    end
    local results = kinds.results(sc)
    if #results > 0 then
        p[n + 1], p[n + 2], p[n + 3], n = ",\n        .nresults = ", nums[#results], ", .results = { ", n + 3
        for i, r in ipairs(results) do
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = i > 1 and ', { "' or '{ "', r.name, '", ',
                scalar_kind(r.type), ", offsetof(struct trap_frame, ", n + 5
            p[n + 1], p[n + 2], n = r.reg, ") }", n + 2
        end
        p[n + 1], n = " }", n + 1
    end
    if nargs > 0 then
        p[n + 1], n = ",\n        .args = { ", n + 1
        for i = 1, nargs do
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
            local len, reg = a.len_arg and (a.len_arg - 1), nil
            if kind == "scalar" and a.regs then
                local lo, hi = kinds.pair_regs(a)
                len, reg, size = slot[hi], slot[lo] + 1, 8
            elseif slot[a.reg] ~= i - 1 then
                reg = slot[a.reg] + 1
            end
            p[n + 1], p[n + 2], n = i > 1 and ', { "' or '{ "', a.name, n + 2
            -- The fields after the last that is not 0 are left to the initializer (len_arg is
            -- read only for a buffer or a 64-bit argument).
            if reg or size ~= 0 then
                p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = KIND_MORE[arg_kind(a)], nums[len or 0], ", ", nums[size], n + 4
                if reg then p[n + 1], p[n + 2], n = ", ", nums[reg], n + 2 end
                p[n + 1], n = " }", n + 1
            elseif len then
                p[n + 1], p[n + 2], p[n + 3], n = KIND_MORE[arg_kind(a)], nums[len], " }", n + 3
            else
                p[n + 1], n = KIND_END[arg_kind(a)], n + 1
            end
        end
        p[n + 1], n = " }", n + 1
    end
    p[n + 1], n = " },", n + 1
    return n
end

-- What the int 0x80 stub calls for a syscall: its shim, or its handler when the shim would be
-- nothing but a call of it.
local function entry(p, n, sc)
    if #sc.args == 0 and not has_upper_words(sc) then
        p[n + 1], p[n + 2], n = "    (syscall_code_t)", names.handler(sc), n + 2
    else
        p[n + 1], p[n + 2], n = "    (syscall_code_t)", names.shim(sc), n + 2
    end
    p[n + 1], n = ",", n + 1
    return n
end

-- The pieces are joined per cgen.JOIN of them (cgen.end_row), and at the end of a part.
local JOIN, end_row = cgen.JOIN, cgen.end_row

function out.render(m)
    local p, n = pieces, 0
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"syscall_handlers.h\"")
    local syscalls = m.syscalls
    for i = 1, #syscalls do
        local sc = syscalls[i]
        local ret = sc.ret -- has_upper_words, inline: most definitions have none to find
        if ret == "i64" or ret == "u64" or (sc.results ~= nil and #sc.results > 0) then
            w("#include \"proc.h\" /* shim_user_frame */")
            break
        end
    end
    w("#include \"syscall_shim.h\"")
    w("")
    -- The shims come in the .def's order, the tables by number. Each text ends with a newline
    -- the buffer adds (w), so every join leaves its last one off.
    local span, checks, by_num = m.abi.user_high - m.abi.user_low, cgen.shape_memo(), {}
    for i = 1, #syscalls do
        local sc = syscalls[i]
        n = shim(p, n, sc, span, checks)
        p[n + 1], n = "\n", n + 1
        by_num[sc.num] = sc
        if n >= JOIN or i == #syscalls then
            n = n - 1
            w(concat(p, "", 1, n))
            n = 0
        end
    end
    local retired = {}
    for _, r in ipairs(m.retired) do retired[r.num] = r end
    local slot = {}
    for i, r in ipairs(m.abi.arg_registers) do slot[r] = i - 1 end

    w("/* Indexed by number; unused and retired numbers answer -ENOSYS. */")
    p[1], n = "const struct syscall_desc syscall_table[SYS_TABLE_SIZE] = {\n", 1
    for nr = 0, m.table_size - 1 do
        local sc = by_num[nr]
        if sc then
            n = descriptor(p, n, slot, sc)
        elseif retired[nr] then
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    [", nums[nr],
                "] = { .name = NULL, .shim = syscall_nosys, .flags = SYSCALL_F_RETIRED }, /* retired ",
                retired[nr].name, n + 4
            p[n + 1], n = " */", n + 1
        else
            p[n + 1], p[n + 2], p[n + 3], n = "    [", nums[nr], "] = { .name = NULL, .shim = syscall_nosys },", n + 3
        end
        n = end_row(w, p, n)
    end
    p[n + 1], n = "};\n\n/* What the int 0x80 stub calls, by number (kernel/syscall_desc.h). */\n" ..
        "const syscall_code_t syscall_entries[SYS_TABLE_SIZE] = {\n", n + 1
    for nr = 0, m.table_size - 1 do
        local sc = by_num[nr]
        if sc then
            n = entry(p, n, sc)
        else
            p[n + 1], n = "    (syscall_code_t)syscall_nosys,", n + 1
        end
        n = end_row(w, p, n)
    end
    p[n + 1], n = "};", n + 1 -- (after the last row's newline)
    w(concat(p, "", 1, n))
    return w()
end

return out
