-- build/gen/kernel/syscall_handlers.h: one prototype per handler, so that a
-- missing handler fails to link and a mismatched one fails to compile. The
-- descriptor types and the entry points around the shims are hand-written
-- (kernel/syscall_desc.h, included here after the headers it needs).
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

-- The extra results of a syscall, which its handler fills in through its last parameter: the
-- shim zeroes them before the call and puts them in the caller's result registers afterwards
-- (whatever the handler returned), so a handler sets only what it has to say.
local function results_struct(w, sc)
    w(cgen.results_struct(sc) .. " {")
    for _, r in ipairs(sc.results) do
        w("    " .. kinds.ctype(r) .. " " .. r.name .. "; /* returned in " .. r.reg .. " */")
    end
    w("};")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef " .. names.GUARD.handlers_h)
    w("#define " .. names.GUARD.handlers_h)
    w("")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    w("#include \"trap.h\"")
    w("#include \"uaccess.h\"")
    w("#include \"syscall_desc.h\"")
    w("")
    w("/* Handlers, one per syscall (in kernel/). Pointer arguments arrive checked by the shims. */")
    -- One template per shape (cgen.shaped), the doc comment its extra.
    local comment, signature, prototype = cgen.comment, cgen.signature, cgen.kernel_prototype
    local lines = cgen.lines()
    local text = cgen.shaped(function(sc, doc)
        lines("/* " .. sc.num .. " " .. comment(signature(sc)) .. ": " .. doc .. " */")
        if sc.results and #sc.results > 0 then results_struct(lines, sc) end
        lines(prototype(sc) .. ";")
        return lines()
    end)
    local syscalls = m.syscalls
    for i = 1, #syscalls do
        local sc = syscalls[i]
        w(text(sc, comment(sc.doc)))
    end
    w("")
    w("#endif /* " .. names.GUARD.handlers_h .. " */")
    return w()
end

return out
