-- build/gen/abi_base.h: settings, consts, errors and structs; build/gen/abi.h: it and the syscall
-- numbers. Both are shared by the kernel and user space. Adding a syscall changes abi.h only, so
-- the kernel's widely included headers take abi_base.h, and only code that names syscall numbers
-- is rebuilt for a new one.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

-- _Static_asserts that pin the size and every field offset of a layout.
function out.layout_asserts(w, tag, fields, size)
    if size then
        w("_Static_assert(sizeof(%s) == %d, \"%s size\");", tag, cgen.u32(size), tag)
    end
    for _, f in ipairs(fields) do
        w("_Static_assert(offsetof(%s, %s) == %d, \"%s.%s offset\");", tag, f.name, cgen.u32(f.offset), tag, f.name)
    end
end

-- Flags sets, enums and resources (version 2): a typedef of the base scalar each. Their members
-- and specials are consts of the model (c.member_of), defined with the others above.
local function named_types(w, m)
    local groups = { { "flags", m.flags }, { "enum", m.enums }, { "resource", m.resources } }
    local any = false
    for _, g in ipairs(groups) do
        for _, t in ipairs(g[2] or {}) do
            w("typedef %s %s; /* %s %s: %s */", t.base.ctype, names.named_type(t), g[1], t.name, cgen.comment(t.doc))
            any = true
        end
    end
    if any then w("") end
end

-- abi_base.h: everything but the syscall numbers.
local function render_base(m)
    local w = cgen.buffer()
    local abi, u32 = m.abi, cgen.u32
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.abi_base_h)
    w("#define %s", names.GUARD.abi_base_h)
    w("")
    w("#include <stddef.h>")
    w("#include <stdint.h>")
    w("")
    w("/* ABI settings */")
    w("#define ABI_NAME %s", cgen.cstring(abi.name))
    w("#define ABI_VERSION %d", u32(abi.version))
    w("#define ABI_TRAP 0x%02X", u32(abi.trap))
    w("#define ABI_TRAP_ASM \"int $0x%02X\" /* the trap instruction, for inline assembly */", u32(abi.trap))
    w("#define ABI_MAX_ARGS %d", #abi.arg_registers)
    w("#define ABI_USER_LOW %s", cgen.hex(abi.user_low, 8))
    w("#define ABI_USER_HIGH %s", cgen.hex(abi.user_high, 8))
    if abi.amc_max_message then
        w("#define ABI_AMC_MAX_MESSAGE %du", u32(abi.amc_max_message.value))
    end
    if abi.amc_name_max then
        w("#define ABI_AMC_NAME_MAX %du", u32(abi.amc_name_max.value))
    end
    w("/* A result in -ABI_ERRNO_MAX..-1 is an error (as (uint32_t)-E for unsigned results). */")
    w("#define ABI_ERRNO_MAX %d", u32(require("model_abi").MAX_ERRNO))
    w("/* ABI_ARG_REGISTERS(X) calls X(register) for each argument register, in argument order. */")
    local regs = {}
    for i, r in ipairs(abi.arg_registers) do regs[i] = "X(" .. r .. ")" end
    w("#define ABI_ARG_REGISTERS(X) %s", table.concat(regs, " "))
    w("")
    if #m.consts > 0 then
        w("/* Constants */")
        for _, c in ipairs(m.consts) do
            -- A negative special of a signed resource (ANY_CHILD) is spelled as its type reads it.
            local signed = c.member_of and kinds.signed_value(c.member_of.base, c.value)
            local value = signed and signed < 0 and string.format("(%d)", signed) or cgen.literal(c.value, c.expr)
            w("#define %s %s /* %s */", c.name, value, cgen.comment(c.doc))
        end
        w("")
    end
    named_types(w, m)
    w("/* Error numbers: positive here; syscalls return -ENAME. */")
    for _, e in ipairs(m.errors) do
        w("#define %s %d /* %s */", e.name, u32(e.num), cgen.comment(e.text))
    end
    w("")
    w("/* ABI_ERRORS(X) calls X(name, number, text) for every error, e.g. for strerror. */")
    w("#define ABI_ERRORS(X) \\")
    for _, e in ipairs(m.errors) do
        w("    X(%s, %d, %s) \\", e.name, e.num, cgen.cstring(e.text))
    end
    w("    /* end of ABI_ERRORS */")
    w("")
    for _, s in ipairs(m.structs) do
        w("/* %s */", cgen.comment(s.doc))
        w("struct %s {", s.name)
        for _, f in ipairs(s.fields) do
            w("    %s;%s", cgen.field_decl(f), f.doc and (" /* " .. cgen.comment(f.doc) .. " */") or "")
        end
        w("};")
        out.layout_asserts(w, "struct " .. s.name, s.fields, s.size)
        w("")
    end
    w("#endif /* %s */", names.GUARD.abi_base_h)
    return w()
end

-- part: "base" (abi_base.h) or nil (abi.h).
function out.render(m, part)
    if part == "base" then return render_base(m) end
    local w = cgen.buffer()
    local u32 = cgen.u32
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.abi_h)
    w("#define %s", names.GUARD.abi_h)
    w("")
    w("#include \"abi_base.h\"")
    w("")
    w("/* Syscall numbers */")
    -- One line a syscall, spelled as pieces handed on JOIN at a time (cgen.put_rows).
    -- (names.sys_macro as its pieces: the macro's name is never a string of its own)
    local define, nums, syscalls, JOIN, put_rows = "#define " .. names.SYS_MACRO, cgen.num32, m.syscalls, cgen.JOIN,
        cgen.put_rows
    local p, n = {}, 0
    for i = 1, #syscalls do
        local sc = syscalls[i]
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = define, sc.name, " ", nums[sc.num], "\n", n + 5
        if n >= JOIN then n = put_rows(w, p, n) end
    end
    put_rows(w, p, n)
    for _, r in ipairs(m.retired) do
        w("/* %d: retired %s: %s */", r.num, r.name, cgen.comment(r.why))
    end
    w("#define SYS_TABLE_SIZE %d", u32(m.table_size))
    w("")
    w("#endif /* %s */", names.GUARD.abi_h)
    return w()
end

return out
