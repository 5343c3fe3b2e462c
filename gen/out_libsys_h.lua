-- build/gen/libsys/syscalls.h: the user-space prototypes of the wrappers in
-- syscalls.asm.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

-- The C type of a wrapper's parameter for an argument, with the space before its name; spelled
-- once per type (a definition has few types and many arguments).
local scalar_params = setmetatable({}, { __mode = "k" })
local function user_param(a)
    local kind = a.kind
    if kind == "scalar" then
        local key = a.named or a.type
        local p = scalar_params[key]
        if not p then
            p = kinds.ctype(a, true) .. " "
            scalar_params[key] = p
        end
        return p
    end
    if kind == "bytes" then return a.dir == "in" and "const void *" or "void *" end
    if kind == "str" then return "const char *" end
    return (a.dir == "in" and "const " or "") .. cgen.pointee(a.type) .. " *"
end

local RET = { i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", void = "void", i64 = "int64_t", u64 = "uint64_t" }

function out.prototype(m, sc)
    local args, params = sc.args, ""
    for i, a in ipairs(args) do params = params .. (i > 1 and ", " or "") .. user_param(a) .. a.name end
    -- Extra results: filled from their registers by the wrapper (NULL: not wanted).
    if sc.results then
        for _, r in ipairs(kinds.results(sc)) do
            params = params .. (params ~= "" and ", " or "") .. kinds.ctype(r, true) .. " *" .. kinds.result_param(sc, r)
        end
    end
    -- returns_twice (fork) tells the compiler that registers and locals may be reused after a
    -- second return, as for setjmp.
    local attrs = sc.attrs
    local attr = attrs.noreturn and "_Noreturn " or attrs.returns_twice and "__attribute__((returns_twice)) " or ""
    return attr .. RET[sc.ret] .. " " .. names.wrapper(m.abi, sc) .. "(" .. (params ~= "" and params or "void") .. ")"
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
    local t, comment = {}, cgen.comment
    for i, sc in ipairs(m.syscalls) do
        t[i] = "/* " .. sc.num .. ": " .. comment(sc.doc) .. " */\n" .. out.prototype(m, sc) .. ";"
    end
    w(table.concat(t, "\n"))
    w("")
    w("#endif /* %s */", names.GUARD.libsys_h)
    return w()
end

return out
