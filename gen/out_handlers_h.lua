-- build/gen/kernel/syscall_handlers.h: one prototype per handler, so that a
-- missing handler fails to link and a mismatched one fails to compile. The
-- descriptor types and the entry points around the shims are hand-written
-- (kernel/syscall_desc.h, included here after the headers it needs).
local cgen = require("cgen")
local names = require("names")

local out = {}

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.handlers_h)
    w("#define %s", names.GUARD.handlers_h)
    w("")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    w("#include \"trap.h\"")
    w("#include \"uaccess.h\"")
    w("#include \"syscall_desc.h\"")
    w("")
    w("/* Handlers, one per syscall (in kernel/). Pointer arguments arrive checked by the shims. */")
    for _, sc in ipairs(m.syscalls) do
        w("/* %d %s: %s */", sc.num, cgen.comment(cgen.signature(sc)), cgen.comment(sc.doc))
        w("%s;", cgen.kernel_prototype(sc))
    end
    w("")
    w("#endif /* %s */", names.GUARD.handlers_h)
    return w()
end

return out
