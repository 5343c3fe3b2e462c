-- build/gen/libsys/syscalls.h: the user-space prototypes of the wrappers in
-- syscalls.asm.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local function user_param(a)
    if a.kind == "scalar" then return kinds.ctype(a, true) .. " " end
    if a.kind == "bytes" then return a.dir == "in" and "const void *" or "void *" end
    if a.kind == "str" then return "const char *" end
    return (a.dir == "in" and "const " or "") .. cgen.pointee(a.type) .. " *"
end

local RET = { i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", void = "void", i64 = "int64_t", u64 = "uint64_t" }

function out.prototype(m, sc)
    local params = {}
    for i, a in ipairs(sc.args) do params[i] = user_param(a) .. a.name end
    -- Extra results: filled from their registers by the wrapper (NULL: not wanted).
    for _, r in ipairs(kinds.results(sc)) do params[#params + 1] = kinds.ctype(r, true) .. " *" .. kinds.result_param(sc, r) end
    -- returns_twice (fork) tells the compiler that registers and locals may be reused after a
    -- second return, as for setjmp.
    local attr = sc.attrs.noreturn and "_Noreturn " or
        sc.attrs.returns_twice and "__attribute__((returns_twice)) " or ""
    return string.format("%s%s %s(%s)", attr, RET[sc.ret],
        names.wrapper(m.abi, sc), #params > 0 and table.concat(params, ", ") or "void")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.libsys_h)
    w("#define %s", names.GUARD.libsys_h)
    w("")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    w("")
    w("/* Failures return -ENAME (as (uint32_t)-ENAME for unsigned results). */")
    for _, sc in ipairs(m.syscalls) do
        w("/* %d: %s */", sc.num, cgen.comment(sc.doc))
        w("%s;", out.prototype(m, sc))
    end
    w("")
    w("#endif /* %s */", names.GUARD.libsys_h)
    return w()
end

return out
