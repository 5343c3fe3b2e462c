-- build/gen/abi.h: settings, consts, errors, structs and syscall numbers,
-- shared by the kernel and user space.
local cgen = require("cgen")
local names = require("names")

local out = {}

-- _Static_asserts that pin the size and every field offset of a layout.
function out.layout_asserts(w, tag, fields, size)
    if size then
        w("_Static_assert(sizeof(%s) == %d, \"%s size\");", tag, size, tag)
    end
    for _, f in ipairs(fields) do
        w("_Static_assert(offsetof(%s, %s) == %d, \"%s.%s offset\");", tag, f.name, f.offset, tag, f.name)
    end
end

function out.render(m)
    local w = cgen.buffer()
    local abi = m.abi
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.abi_h)
    w("#define %s", names.GUARD.abi_h)
    w("")
    w("#include <stddef.h>")
    w("#include <stdint.h>")
    w("")
    w("/* ABI settings */")
    w("#define ABI_NAME %s", cgen.cstring(abi.name))
    w("#define ABI_VERSION %d", abi.version)
    w("#define ABI_TRAP 0x%02x", abi.trap)
    w("#define ABI_MAX_ARGS %d", #abi.arg_registers)
    w("#define ABI_USER_LOW 0x%08Xu", abi.user_low)
    w("#define ABI_USER_HIGH 0x%08Xu", abi.user_high)
    if abi.amc_max_message then
        w("#define ABI_AMC_MAX_MESSAGE %du", abi.amc_max_message.value)
    end
    if abi.amc_name_max then
        w("#define ABI_AMC_NAME_MAX %du", abi.amc_name_max.value)
    end
    w("")
    if #m.consts > 0 then
        w("/* Constants */")
        for _, c in ipairs(m.consts) do
            w("#define %s %s /* %s */", c.name, cgen.literal(c.value, c.expr), cgen.comment(c.doc))
        end
        w("")
    end
    w("/* Error numbers: positive here; syscalls return -ENAME. */")
    for _, e in ipairs(m.errors) do
        w("#define %s %d /* %s */", e.name, e.num, cgen.comment(e.text))
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
    w("/* Syscall numbers */")
    for _, sc in ipairs(m.syscalls) do
        w("#define %s %d", names.sys_macro(sc), sc.num)
    end
    for _, r in ipairs(m.retired) do
        w("/* %d: retired %s: %s */", r.num, r.name, cgen.comment(r.why))
    end
    w("#define SYS_TABLE_SIZE %d", m.table_size)
    w("")
    w("#endif /* %s */", names.GUARD.abi_h)
    return w()
end

return out
