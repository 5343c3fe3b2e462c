-- build/gen/libsys/syscalls.asm: one NASM wrapper per syscall.  cdecl in,
-- registers out: load eax with the number, the stack arguments into
-- arg_registers (a 64-bit argument's two words into its two), trap, return
-- eax (edx:eax for a 64-bit result, which is where cdecl returns one).
-- Extra results come back in result_registers: the wrapper stores each one
-- through its out-pointer parameter (after the arguments; NULL skips it), so
-- no kernel copy to user memory is involved.  Callee-saved registers (ebx esi
-- edi ebp) are saved only when the wrapper uses them.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local CALLEE_SAVED = { ebx = true, esi = true, edi = true, ebp = true }
local SCRATCH_ORDER = { "ecx", "edx", "ebx", "esi", "edi", "ebp" }

-- The register loads of the arguments: { reg, stack offset from the first argument }.
local function loads(sc)
    local list, offset = {}, 0
    for _, a in ipairs(sc.args) do
        if kinds.is_pair(a) then
            local lo, hi = kinds.pair_regs(a)
            list[#list + 1] = { reg = lo, offset = offset }
            list[#list + 1] = { reg = hi, offset = offset + 4 }
            offset = offset + 8
        else
            list[#list + 1] = { reg = a.reg, offset = offset }
            offset = offset + 4
        end
    end
    return list, offset
end

-- A register to hold an out-pointer after the trap: none of eax and the result registers.
local function scratch_for(sc)
    local busy = { eax = true }
    for _, u in ipairs(kinds.upper_words(sc)) do busy[u.reg] = true end
    for _, r in ipairs(SCRATCH_ORDER) do
        if not busy[r] then return r end
    end
    error("no scratch register for the results of " .. sc.name) -- the model allows 3 results of 6 registers
end

local function wrapper(w, m, sc)
    local sym = "$" .. names.wrapper(m.abi, sc) -- $ keeps names like "push" symbols
    local regs, args_bytes = loads(sc)
    local results = kinds.results(sc)
    local scratch = #results > 0 and scratch_for(sc) or nil
    local saved, is_saved = {}, {}
    local function save(r)
        if CALLEE_SAVED[r] and not is_saved[r] then
            saved[#saved + 1] = r
            is_saved[r] = true
        end
    end
    for _, l in ipairs(regs) do save(l.reg) end
    if scratch then save(scratch) end
    w("; %d %s", sc.num, cgen.signature(sc))
    w("global %s:function", sym)
    w("%s:", sym)
    for _, r in ipairs(saved) do w("    push %s", r) end
    local base = 4 + 4 * #saved -- the first argument, above the return address and the pushes
    w("    mov eax, %d", cgen.u32(sc.num))
    for _, l in ipairs(regs) do
        w("    mov %s, [esp + %d]", l.reg, base + l.offset)
    end
    w("    int 0x%02x", m.abi.trap)
    for i, r in ipairs(results) do
        local skip = string.format(".no_%s", r.name)
        w("    mov %s, [esp + %d]          ; %s", scratch, base + args_bytes + 4 * (i - 1), r.name)
        w("    test %s, %s", scratch, scratch)
        w("    jz %s", skip)
        w("    mov [%s], %s", scratch, r.reg)
        w("%s:", skip)
    end
    if kinds.is64(sc.ret) then
        local hi = (sc.ret_regs or { "eax", "edx" })[2]
        if hi ~= "edx" then w("    mov edx, %s", hi) end
    end
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
