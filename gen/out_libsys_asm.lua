-- build/gen/libsys/syscalls.asm: one NASM wrapper per syscall.  cdecl in,
-- registers out: load eax with the number, the stack arguments into
-- arg_registers, trap, return eax.  Callee-saved registers (ebx esi edi
-- ebp) are saved only when the wrapper uses them.
local cgen = require("cgen")
local names = require("names")

local out = {}

local CALLEE_SAVED = { ebx = true, esi = true, edi = true, ebp = true }

local function wrapper(w, m, sc)
    local sym = "$" .. names.wrapper(m.abi, sc) -- $ keeps names like "push" symbols
    local saved = {}
    for _, a in ipairs(sc.args) do
        if CALLEE_SAVED[a.reg] then saved[#saved + 1] = a.reg end
    end
    w("; %d %s", sc.num, cgen.signature(sc))
    w("global %s:function", sym)
    w("%s:", sym)
    for _, r in ipairs(saved) do w("    push %s", r) end
    w("    mov eax, %d", cgen.u32(sc.num))
    for i, a in ipairs(sc.args) do
        w("    mov %s, [esp + %d]", a.reg, 4 + 4 * #saved + 4 * (i - 1))
    end
    w("    int 0x%02x", m.abi.trap)
    for i = #saved, 1, -1 do w("    pop %s", saved[i]) end
    w("    ret")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("bits 32")
    w("section .text")
    for _, sc in ipairs(m.syscalls) do
        w("")
        wrapper(w, m, sc)
    end
    w("")
    w("section .note.GNU-stack noalloc noexec nowrite progbits")
    return w()
end

return out
