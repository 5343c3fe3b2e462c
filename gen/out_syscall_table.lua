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
local nums, numbered_signature = cgen.num, cgen.numbered_signature

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
local SIZEOF = cgen.weak_memo(function(ty) return "sizeof(" .. cgen.pointee(ty) .. ")" end) -- a type -> sizeof(its C type)

-- C test that a kernel handler result is a success (copy-outs happen only then).
local SUCCESS = { uint32_t = " < (uint32_t)-ABI_ERRNO_MAX", uint64_t = " < (uint64_t)-ABI_ERRNO_MAX" }
local function success(sc)
    return SUCCESS[cgen.kernel_ret(sc)] or " >= 0" -- -ABI_ERRNO_MAX..-1 are errors, as (uintN_t)-E
end

-- The check of a user range [a_NAME, a_NAME + len): inside user space (SHIM_OUTSIDE_USER, in
-- kernel/syscall_shim.h, also catches addr < ABI_USER_LOW and a wrap), and unless the kernel only
-- reads it through copy_from_user, every page readable (and writable unless dir is "in"), so a
-- handler never fails half-way, after it has blocked or changed state, on a bad pointer. big:
-- len may exceed the span of user space. An optional NULL pointer is not checked. Made once per
-- argument (make_parts): one string.
local PROBE = { ["in"] = ", 0) < 0", out = ", 1) < 0", inout = ", 1) < 0" }

local function range_check(name, len, dir, optional, probe, big, before)
    -- (Each spelling is one chain of ..: a parenthesized part would be a string of its own.)
    local big_test = big and len .. " > SHIM_USER_SPAN || " or ""
    if probe then
        if optional then
            return before .. "    if (a_" .. name .. " != 0 && (" .. big_test .. "SHIM_OUTSIDE_USER(a_" .. name .. ", " .. len ..
                ") || user_probe(a_" .. name .. ", " .. len .. PROBE[dir] .. "))\n        return -EFAULT;\n"
        end
        return before .. "    if (" .. big_test .. "SHIM_OUTSIDE_USER(a_" .. name .. ", " .. len .. ") || user_probe(a_" ..
            name .. ", " .. len .. PROBE[dir] .. ")\n        return -EFAULT;\n"
    end
    if optional then
        return before .. "    if (a_" .. name .. " != 0 && (" .. big_test .. "SHIM_OUTSIDE_USER(a_" .. name .. ", " .. len ..
            ")))\n        return -EFAULT;\n"
    end
    return before .. "    if (" .. big_test .. "SHIM_OUTSIDE_USER(a_" .. name .. ", " .. len .. "))\n        return -EFAULT;\n"
end

-- The checks of a user buffer. The length is a_LEN, or for a value-result length (bytes[*LEN])
-- the capacity the shim copied in, k_LEN, which a capacity above max is lowered to (the handler
-- never writes more, and tells the size it wrote through it). An array (T[COUNT]) is COUNT
-- elements: its max bounds the count, so the byte length COUNT * sizeof(T) cannot overflow. An
-- optional NULL buffer's handler gets length 0 (set before the checks). span: the size of user
-- space.
local function buffer_checks(sc, a, span)
    local len_arg = sc.args[a.len_arg]
    local by_ptr = a.len_by_ptr
    local len = (by_ptr and "k_" or "a_") .. len_arg.name
    local type_max = by_ptr and 0xFFFFFFFF or TYPE_MAX[len_arg.type.name]
    local max, s = a.max, ""
    if max and type_max > max.value then
        local expr = max.expr
        if by_ptr then
            s = "    if (" .. len .. " > " .. expr .. ")\n        " .. len .. " = " .. expr .. ";\n"
        else
            s = "    if (" .. len .. " > " .. expr .. ")\n        return -" .. a.toolong.name .. ";\n"
        end
    end
    if a.elem then
        s = s .. "    const uint32_t n_" .. a.name .. " = " .. len .. " * (uint32_t)sizeof(" .. cgen.pointee(a.elem) .. ");\n"
        len = "n_" .. a.name
    end
    return range_check(a.name, len, a.dir, a.optional, true, not max and type_max > span, s)
end

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

-- The string argument copies (in str[N]) into kernel buffers.
local function str_copy_in(a)
    local name, size = a.name, a.size.expr
    if a.optional then
        return "    char k_" .. name .. "[" .. size .. " + 1];\n    const int32_t n_" .. name .. " = a_" .. name ..
            " ? shim_str_in(k_" .. name .. ", a_" .. name .. ", " .. size .. ", -" .. a.toolong.name .. ") : 0;\n" ..
            "    if (n_" .. name .. " < 0)\n        return n_" .. name .. ";\n"
    end
    return "    char k_" .. name .. "[" .. size .. " + 1];\n    const int32_t n_" .. name .. " = shim_str_in(k_" .. name ..
        ", a_" .. name .. ", " .. size .. ", -" .. a.toolong.name .. ");\n    if (n_" .. name .. " < 0)\n        return n_" ..
        name .. ";\n"
end

-- The kernel copy of a pointer argument: copied in, or zeroed for out.
local function pointer_copy_in(a)
    local name = a.name
    local pointee = cgen.pointee(a.type)
    if a.dir == "out" then
        return "    " .. pointee .. " k_" .. name .. ";\n    __builtin_memset(&k_" .. name .. ", 0, sizeof k_" .. name ..
            ");\n"
    end
    return "    " .. pointee .. " k_" .. name ..
        (a.optional and ";\n    if (a_" .. name .. " != 0 && copy_from_user(&k_" or ";\n    if (copy_from_user(&k_") ..
        name .. ", a_" .. name .. ", sizeof k_" .. name .. ") < 0)\n        return -EFAULT;\n"
end

-- The text a speller (value_check) puts into pieces.
local scratch = {}
local function spelled(speller, ...)
    return concat(scratch, "", 1, speller(scratch, 0, ...))
end

-- What a shim reading its registers from the frame F spells of one argument, made once per
-- argument table (PARTS): the model shares one table among the syscalls whose argument is alike
-- in every field (a large definition has few distinct ones: 4,000 for 12,700 arguments at 5,000
-- syscalls), so most of a shim is a few lookups. An argument table belongs to one model: its
-- parts hold for every render of it.
--   read    the register read into a_NAME: a pointer's, or a checked scalar's (const)
--   use     what the handler call passes: for a scalar the checks read, a_NAME; else as call
--   call    what the handler call passes of an unchecked scalar, a pointer or a buffer
--           (both after ", " unless the argument is the first)
--   value   a flags or enum argument's value check
--   check   a pointer's range check
--   checks_type, checks_text (made when first needed) a buffer's checks for a length of that
--           type; checks[len type]: for another type (checks_of)
--   copy    a string's or a pointer's copy into the kernel
--   zero    an optional buffer's: NULL makes its length 0
--   out     an out pointer; out_ok, out_text (made when first needed) its copy back when the
--           result passes that test; copy_out[ok]: for another test
-- (A field made later than its record would grow it: each is there from the start, false
-- until made. zreads[parts], beside them: a checked scalar's read that zero may change.)
--   len     a buffer's length argument (its index), else nil
--   bits    what body has to do for it (the bits below), so that it skips a pass no argument
--           needs; scalar: true for a scalar; lbp: a buffer of a value-result length (bytes[*LEN]),
--           bufcheck: of another (every field is there, false when it does not apply: a
--           missing one costs a metamethod look-up)
local VALUE, NONSCALAR, ZERO, CHECK, COPY, LBP, OUT = 1, 2, 4, 8, 16, 32, 64
local value_checks_memo -- the render's (value_check's memo), for the parts made during it
local function make_parts(a, F)
    local kind, name = a.kind, a.name
    local sep = a.index > 1 and ", " or ""
    -- (Each record is made by one constructor, which sizes it for all its fields at once.)
    if kind == "scalar" then
        local t = a.type.ctype
        local call
        if a.regs then -- a 64-bit pair
            local lo, hi = kinds.pair_regs(a)
            call = sep .. "(" .. t .. ")((uint64_t)" .. F .. hi .. " << 32 | " .. F .. lo .. ")"
        else
            call = sep .. CAST[t] .. FRAME_REG[F][a.reg]
        end
        local value = a.einval and spelled(value_check, value_checks_memo, a) or nil
        return { read = "    const " .. t .. " a_" .. name .. CAST_READ[t] .. FRAME_REG[F][a.reg] .. ";\n",
                 use = a.regs and call or sep .. "a_" .. name, call = call, value = value or false,
                 bits = value and VALUE or 0, scalar = true, len = false, check = false, bufcheck = false }
    end
    local read = "    const uint32_t a_" .. name .. READ[F][a.reg]
    if kind == "bytes" then
        local call = sep .. "(user_" .. a.dir .. "_t){ a_" .. name .. " }"
        local lbp = a.len_by_ptr or false
        local zero = a.optional and not lbp and
            ("    if (a_" .. name .. " == 0)\n        a_" .. a.len_name .. " = 0;\n") or nil
        return { read = read, use = call, call = call, checks_type = false, checks_text = false, checks = false, zero = zero,
                 len = a.len_arg, lbp = lbp, bufcheck = not lbp,
                 bits = NONSCALAR | (zero and ZERO or 0) | (lbp and LBP or CHECK), scalar = false, value = false,
                 check = false }
    elseif kind == "str" then
        local call = sep .. (a.optional and ("a_" .. name .. " ? k_" .. name .. " : NULL") or ("k_" .. name))
        return { read = read, use = call, call = call, copy = str_copy_in(a), bits = NONSCALAR | COPY, scalar = false,
                 value = false, len = false, check = false, bufcheck = false }
    end
    local call = sep .. (a.optional and ("a_" .. name .. " ? &k_" .. name .. " : NULL") or ("&k_" .. name))
    local dir = a.dir
    return { read = read, use = call, call = call,
             check = range_check(name, SIZEOF[a.type], dir, a.optional, dir ~= "in", false, ""),
             copy = pointer_copy_in(a), out = dir ~= "in", out_ok = false, out_text = false, copy_out = false,
             bits = NONSCALAR | CHECK | COPY | (dir ~= "in" and OUT or 0), scalar = false, value = false, len = false,
             bufcheck = false }
end

-- The parts of each argument, by frame.
local PARTS = { ["f.tf."] = cgen.arg_memo(function(a) return make_parts(a, "f.tf.") end),
                ["f->tf."] = cgen.arg_memo(function(a) return make_parts(a, "f->tf.") end) }

local PARTS_F = PARTS["f.tf."] -- (the usual frame's)

-- The checks of buffer argument a (its record r): they depend on its length argument's type.
local function checks_of(r, sc, a, span)
    local len_type = sc.args[a.len_arg].type.name
    if r.checks_type == len_type then return r.checks_text end
    local more = r.checks -- (the checks for another length type: rare)
    local s = more and more[len_type]
    if not s then
        s = buffer_checks(sc, a, span)
        if not r.checks_type then
            r.checks_type, r.checks_text = len_type, s
        else
            if not more then
                more = {}
                r.checks = more
            end
            more[len_type] = s
        end
    end
    return s
end

-- A checked scalar's read when an optional NULL buffer may set it to 0.
local zreads = setmetatable({}, { __mode = "k" }) -- parts -> the read (rare: a table beside the parts)
local function zread(r, a, F)
    local s = zreads[r]
    if not s then
        local t = a.type.ctype
        s = "    " .. t .. " a_" .. a.name .. CAST_READ[t] .. FRAME_REG[F][a.reg] .. ";\n"
        zreads[r] = s
    end
    return s
end

-- An out pointer's copy back, when the result passes ok.
local function copy_out(r, a, ok)
    if r.out_ok == ok then return r.out_text end
    local more = r.copy_out -- (the copy for another result test)
    local s = more and more[ok]
    if not s then
        local name = a.name
        s = "    if (ret" .. ok .. (a.optional and " && a_" .. name .. " != 0 && copy_to_user(a_" or " && copy_to_user(a_") ..
            name .. ", &k_" .. name .. ", sizeof k_" .. name .. ") < 0)\n        return -EFAULT;\n"
        if not r.out_ok then
            r.out_ok, r.out_text = ok, s
        else
            if not more then
                more = {}
                r.copy_out = more
            end
            more[ok] = s
        end
    end
    return s
end

-- The scalars the checks need (buffer lengths, flags and enum values): checked[i] is stamp for
-- them (a number new for each syscall); the others are read from the frame only in the handler
-- call, after the checks, so they need no register of their own meanwhile. zeroed[i] is stamp
-- for a length an optional NULL buffer sets to 0 (its read is not const). rec[i]: argument i's
-- parts.
local checked, zeroed, rec, stamp = {}, {}, {}, 0

-- The handler call (at the end of body): what comes before it, the handler's name, the
-- arguments (rec and checked filled) and ");\n". What comes before it:
local RETURN = memo(function(cast) return "    return " .. cast end)
local RETURN_CAST = memo(function(ret_type) return "    return (" .. ret_type .. ")" end)
local RET_IS = memo(function(ret_type) return "    const " .. ret_type .. " ret = " end)
local HANDLER = names.HANDLER -- (the handler's name as its pieces, names.HANDLER and the C name)
-- A shim's name as its pieces too: names.SHIM after the shim's comment where it is defined
-- (SHIM_DEF) and after the syscall's name in its descriptor (SHIM_FIELD), then the C name.
local SHIM = names.SHIM
local SHIM_DEF, SHIM_FIELD = " */\nstatic int32_t " .. SHIM, '", ' .. SHIM
local CALL_END = memo(function(after) return ");\n" .. after end)

-- The checks, the copies and the handler call of a syscall, reading the registers from the
-- frame F ("f.tf." or "f->tf."), whose argument parts are parts (PARTS[F]). ret_type:
-- the type the shim returns; simple_cast: the cast of the call when it is all there is. span:
-- the size of user space; after: what follows the body's last line. Each pass runs only when an
-- argument needs it (bits).
local RET_END = memo2(function(ret_type, after) return "    return (" .. ret_type .. ")ret;\n" .. after end)
local function body(p, n, sc, F, parts, ret_type, simple_cast, span, after)
    local args = sc.args
    local nargs = #args
    local bits = 0
    local st = stamp + 1
    stamp = st
    for i = 1, nargs do
        local r = parts[args[i]]
        rec[i] = r
        bits = bits | r.bits
        local len = r.len
        if len then
            checked[len] = st
            if r.zero then zeroed[len] = st end
        end
        if r.value then checked[i] = st end
    end
    local before, close = RETURN[simple_cast], after -- only scalars that need no check: the call is all
    if bits ~= 0 then
        for i = 1, nargs do
            local r = rec[i]
            if not r.scalar then
                p[n + 1], n = r.read, n + 1
            elseif checked[i] == st then
                p[n + 1], n = zeroed[i] == st and zread(r, args[i], F) or r.read, n + 1
            end
        end
        -- An optional buffer that is NULL is an empty one.
        if bits & ZERO ~= 0 then
            for k = 1, nargs do
                local zero = rec[k].zero
                if zero then p[n + 1], n = zero, n + 1 end
            end
        end
        -- Cheap value and range checks first, then the copies.
        if bits & VALUE ~= 0 then
            for k = 1, nargs do
                local value = rec[k].value
                if value then p[n + 1], n = value, n + 1 end
            end
        end
        if bits & CHECK ~= 0 then
            for k = 1, nargs do
                local r = rec[k]
                local check = r.check
                if check then
                    p[n + 1], n = check, n + 1
                elseif r.bufcheck then -- a buffer of a length the shim does not copy in
                    p[n + 1], n = r.checks_type == args[r.len].type.name and r.checks_text or
                        checks_of(r, sc, args[k], span), n + 1
                end
            end
        end
        if bits & COPY ~= 0 then
            for k = 1, nargs do
                local copy = rec[k].copy
                if copy then p[n + 1], n = copy, n + 1 end
            end
        end
        -- A value-result length is known once it is copied in.
        if bits & LBP ~= 0 then
            for k = 1, nargs do
                local r = rec[k]
                if r.lbp then p[n + 1], n = checks_of(r, sc, args[k], span), n + 1 end
            end
        end
        if bits & OUT == 0 then
            before = RETURN_CAST[ret_type]
        else -- the out pointers are copied back after the call
            before, close = RET_IS[cgen.kernel_ret(sc)], ""
        end
    end
    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = before, HANDLER, sc.cname or sc.name, "(", n + 4
    for i = 1, nargs do
        local r = rec[i]
        p[n + i] = checked[i] == st and r.use or r.call
    end
    n = n + nargs
    local results = sc.results
    if results ~= nil and #results > 0 then p[n + 1], n = nargs > 0 and ", res" or "res", n + 1 end
    p[n + 1], n = CALL_END[close], n + 1
    if bits & OUT == 0 then return n end
    local ok = success(sc)
    for k = 1, nargs do
        local r = rec[k]
        if r.out then p[n + 1], n = copy_out(r, args[k], ok), n + 1 end
    end
    p[n + 1], n = RET_END[ret_type][after], n + 1
    return n
end

-- A syscall whose result comes back in more than eax (a 64-bit result, extra results).
local function has_upper_words(sc)
    local ret, results = sc.ret, sc.results -- (kinds.is64, inline: asked three times a syscall)
    return ret == "i64" or ret == "u64" or (results ~= nil and #results > 0)
end

-- The comment before a syscall's shim.
-- A syscall whose result has more than eax: its checks and call are a body function whose every
-- return, error or not, the entry splits into the result registers, so an error is the
-- sign-extended -E in all of them, the results zero.
local RET_REGS = { "eax", "edx" } -- (a 64-bit result's registers when the model names none)
local function shim_with_upper_words(p, n, sc, shim_name, span)
    local ret_t = cgen.kernel_ret(sc)
    local results = #kinds.results(sc) > 0
    local results_struct = results and cgen.results_struct(sc)
    p[n + 1], p[n + 2], p[n + 3], n = numbered_signature("/* ", sc, " */\n", "__attribute__((always_inline)) static inline ",
        ret_t), "\n", shim_name, n + 3
    if results then
        p[n + 1], p[n + 2], p[n + 3], n = "_body(const struct syscall_frame *f, ", results_struct, " *res)\n{\n", n + 3
    else
        p[n + 1], n = "_body(const struct syscall_frame *f)\n{\n", n + 1
    end
    if #sc.args == 0 then p[n + 1], n = "    (void)f;\n", n + 1 end
    n = body(p, n, sc, "f->tf.", PARTS["f->tf."], ret_t, "", span, "}\n\nstatic int32_t ")
    p[n + 1], p[n + 2], n = shim_name, "(struct syscall_frame f)\n{\n", n + 2
    if results then
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    ", results_struct, " res = { 0 };\n    const ",
            ret_t, " ret = ", n + 5
        p[n + 1], p[n + 2], n = shim_name, "_body(&f, &res);\n", n + 2
    else
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    const ", ret_t, " ret = ", shim_name, n + 4
        p[n + 1], n = "_body(&f);\n", n + 1
    end
    p[n + 1], n = "    struct trap_frame *const user = shim_user_frame();\n", n + 1
    -- The upper words (kinds.upper_words, without its tables): a 64-bit result's high word, then
    -- the extra results.
    if kinds.is64(sc.ret) then
        p[n + 1], p[n + 2], p[n + 3], n = "    user->", (sc.ret_regs or RET_REGS)[2],
            " = (uint32_t)((uint64_t)ret >> 32);\n", n + 3
    end
    for _, r in ipairs(kinds.results(sc)) do
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "    user->", r.reg, " = (uint32_t)res.", r.name, ";\n", n + 5
    end
    p[n + 1], n = "    return (int32_t)ret;\n}\n\n", n + 1
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
-- A syscall's flags and result kind, by its attribute set (the model shares one among the
-- syscalls with the same attributes) and result: ATTRS_FLAGS_RET[attrs][RET_KIND[ret]].
local ATTRS_FLAGS_RET = cgen.weak_memo(function(attrs)
    return FLAGS_RET[FLAGS[(attrs.noreturn and 1 or 0) + (attrs.blocking and 2 or 0)]]
end)
local KIND_END = memo(function(kind) return '", ' .. kind .. " }" end)
local KIND_MORE = memo(function(kind) return '", ' .. kind .. ", " end)

-- An argument's entry in its descriptor's .args, after what comes before it (for the first, the
-- start of .args). slot: register name -> its position in arg_registers (from 0). Once per
-- argument table (desc_args, a per-render memo).
local function desc_arg(a, slot)
    local kind, i = a.kind, a.index
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
    local start = i > 1 and ', { "' or ',\n        .args = { { "'
    -- The fields after the last that is not 0 are left to the initializer (len_arg is read only
    -- for a buffer or a 64-bit argument). (Each a chain of .., one string.)
    if reg then
        return start .. a.name .. KIND_MORE[arg_kind(a)] .. nums[len or 0] .. ", " .. nums[size] .. ", " .. nums[reg] .. " }"
    elseif size ~= 0 then
        return start .. a.name .. KIND_MORE[arg_kind(a)] .. nums[len or 0] .. ", " .. nums[size] .. " }"
    elseif len then
        return start .. a.name .. KIND_MORE[arg_kind(a)] .. nums[len] .. " }"
    end
    return start .. a.name .. KIND_END[arg_kind(a)]
end

-- The table entry of a syscall, with its flags, as pieces after p[n]; returns the new n.
-- desc_args: argument -> its entry. The lines after the first: where a result's words are (v2),
-- the arguments.
local function descriptor(p, n, desc_args, sc, upper)
    local cname = sc.cname or sc.name -- (the shim's name is SHIM_FIELD .. cname in the row's chain)
    local args = sc.args
    local nargs = #args
    local flags_ret = ATTRS_FLAGS_RET[sc.attrs][RET_KIND[sc.ret]]
    if not upper and nargs <= 5 then -- the row as one chain of .. (most)
        local num, name, nargs_s = nums[sc.num], sc.name, NARGS[nargs]
        if nargs == 0 then
            p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. " },\n"
            return n + 1
        end
        local d1 = desc_args[args[1]]
        if nargs == 1 then
            p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. d1 .. " } },\n"
            return n + 1
        end
        local d2 = desc_args[args[2]]
        if nargs == 2 then
            p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. d1 .. d2 ..
                " } },\n"
            return n + 1
        end
        local d3 = desc_args[args[3]]
        if nargs == 3 then
            p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. d1 .. d2 .. d3 ..
                " } },\n"
            return n + 1
        end
        local d4 = desc_args[args[4]]
        if nargs == 4 then
            p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. d1 .. d2 .. d3 ..
                d4 .. " } },\n"
            return n + 1
        end
        p[n + 1] = "    [" .. num .. '] = { "' .. name .. SHIM_FIELD .. cname .. nargs_s .. flags_ret .. d1 .. d2 .. d3 ..
            d4 .. desc_args[args[5]] .. " } },\n"
        return n + 1
    end
    p[n + 1], n = "    [" .. nums[sc.num] .. '] = { "' .. sc.name .. SHIM_FIELD .. cname .. NARGS[nargs] .. flags_ret, n + 1
    if upper then
        if kinds.is64(sc.ret) then
            p[n + 1], p[n + 2], p[n + 3], n = ",\n        .ret_hi = offsetof(struct trap_frame, ",
                (sc.ret_regs or RET_REGS)[2], ")", n + 3 -- (kinds.upper_words(sc)[1].reg)
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
    end
    for i = 1, nargs do p[n + i] = desc_args[args[i]] end
    n = n + nargs
    p[n + 1] = nargs > 0 and " } },\n" or " },\n"
    return n + 1
end

-- The descriptor entry of each argument (an argument table belongs to one model: the slots of
-- the render that makes its entry are its model's).
local desc_slot -- the render's: register name -> its position in arg_registers (from 0)
local DESC_ARGS = cgen.arg_memo(function(a) return desc_arg(a, desc_slot) end)
-- The pieces are whole lines, handed to the buffer JOIN pieces at a time (cgen.put_rows).
local JOIN, put_rows = cgen.JOIN, cgen.put_rows

local NOSYS_ROW = "] = { .name = NULL, .shim = syscall_nosys },\n"
local NOSYS_ENTRY = "    (syscall_code_t)syscall_nosys,\n"

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
    -- The shims come in the .def's order, the tables by number (m.syscalls and m.retired are
    -- sorted by it).
    local span = m.abi.user_high - m.abi.user_low
    value_checks_memo = cgen.shape_memo()
    for i = 1, #syscalls do
        local sc = syscalls[i]
        local ret, results = sc.ret, sc.results -- (has_upper_words, inline)
        if ret == "i64" or ret == "u64" or (results ~= nil and #results > 0) then
            n = shim_with_upper_words(p, n, sc, names.shim(sc), span)
        else
            -- A shim takes the frame by value, with the stack room (kernel/syscall_desc.h) in which
            -- it passes the handler's arguments on: a shim that ends in the handler call ends in a
            -- jump to it.
            p[n + 1], n = numbered_signature("/* ", sc, SHIM_DEF, sc.cname or sc.name,
                #sc.args == 0 and "(struct syscall_frame f)\n{\n    (void)f;\n" or "(struct syscall_frame f)\n{\n"), n + 1
            n = body(p, n, sc, "f.tf.", PARTS_F, "int32_t", "(int32_t)", span, "}\n\n")
        end
        if n >= JOIN then n = put_rows(w, p, n) end
    end
    value_checks_memo = nil
    put_rows(w, p, n)
    desc_slot = {}
    for i, r in ipairs(m.abi.arg_registers) do desc_slot[r] = i - 1 end
    local retired, r, s = m.retired, 1, 1

    w("/* Indexed by number; unused and retired numbers answer -ENOSYS. */")
    p[1], n = "const struct syscall_desc syscall_table[SYS_TABLE_SIZE] = {\n", 1
    for nr = 0, m.table_size - 1 do
        local sc = syscalls[s]
        if sc and sc.num == nr then
            local ret, results = sc.ret, sc.results -- (has_upper_words, inline)
            n, s = descriptor(p, n, DESC_ARGS, sc, ret == "i64" or ret == "u64" or (results ~= nil and #results > 0)), s + 1
        elseif retired[r] and retired[r].num == nr then
            p[n + 1], p[n + 2], p[n + 3], n = "    [", nums[nr],
                "] = { .name = NULL, .shim = syscall_nosys, .flags = SYSCALL_F_RETIRED }, /* retired ", n + 3
            p[n + 1], p[n + 2], n, r = retired[r].name, " */\n", n + 2, r + 1
        else
            p[n + 1], p[n + 2], p[n + 3], n = "    [", nums[nr], NOSYS_ROW, n + 3
        end
        if n >= JOIN then n = put_rows(w, p, n) end
    end
    p[n + 1], n = "};\n\n/* What the int 0x80 stub calls, by number (kernel/syscall_desc.h). */\n" ..
        "const syscall_code_t syscall_entries[SYS_TABLE_SIZE] = {\n", n + 1
    -- The shim, or the handler when the shim would be nothing but a call of it (no arguments,
    -- no upper words: few).
    s = 1
    for nr = 0, m.table_size - 1 do
        local sc = syscalls[s]
        if sc and sc.num == nr then
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "    (syscall_code_t)",
                #sc.args == 0 and not has_upper_words(sc) and HANDLER or SHIM, sc.cname or sc.name, ",\n", n + 4
            s = s + 1
        else
            p[n + 1], n = NOSYS_ENTRY, n + 1
        end
        if n >= JOIN then n = put_rows(w, p, n) end
    end
    p[n + 1], n = "};\n", n + 1
    put_rows(w, p, n)
    desc_slot = nil
    return w()
end

return out
