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

-- The register loads of the arguments: regs[k] gets the stack word at offsets[k] from the first
-- argument (a 64-bit argument's two words go to its two registers); returns the bytes they take.
local function loads(sc, regs, offsets)
    local offset, k = 0, 0
    for _, a in ipairs(sc.args) do
        if a.regs then
            local lo, hi = kinds.pair_regs(a)
            regs[k + 1], offsets[k + 1], regs[k + 2], offsets[k + 2] = lo, offset, hi, offset + 4
            k, offset = k + 2, offset + 8
        else
            k = k + 1
            regs[k], offsets[k] = a.reg, offset
            offset = offset + 4
        end
    end
    return k, offset
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

-- Lines that recur in many wrappers, spelled once: "    mov REG, [esp + OFFSET]", "    push REG".
local load_lines = setmetatable({}, { __index = function(t, reg)
    local by_offset = setmetatable({}, { __index = function(u, offset)
        local line = "    mov " .. reg .. ", [esp + " .. offset .. "]"
        u[offset] = line
        return line
    end })
    t[reg] = by_offset
    return by_offset
end })
local push_lines = setmetatable({}, { __index = function(t, reg)
    t[reg] = "    push " .. reg
    return t[reg]
end })
local pop_lines = setmetatable({}, { __index = function(t, reg)
    t[reg] = "    pop " .. reg
    return t[reg]
end })

-- One wrapper's lines, appended to t (regs, offsets and saved are scratch tables, reused).
local function wrapper(t, m, sc, trap, regs, offsets, saved)
    local sym = "$" .. names.wrapper(m.abi, sc) -- $ keeps names like "push" symbols
    local nregs, args_bytes = loads(sc, regs, offsets)
    local results = sc.results
    local scratch = results and #results > 0 and scratch_for(sc) or nil
    -- The callee-saved registers it uses, in order of first use.
    local nsaved = 0
    for k = 1, nregs + (scratch and 1 or 0) do
        local r = k <= nregs and regs[k] or scratch
        if CALLEE_SAVED[r] then
            local seen = false
            for j = 1, nsaved do seen = seen or saved[j] == r end
            if not seen then
                nsaved = nsaved + 1
                saved[nsaved] = r
            end
        end
    end
    local n = #t
    t[n + 1] = ""
    t[n + 2] = "; " .. sc.num .. " " .. sc.name .. "\nglobal " .. sym .. ":function\n" .. sym .. ":"
    n = n + 2
    for i = 1, nsaved do t[n + i] = push_lines[saved[i]] end
    n = n + nsaved
    local base = 4 + 4 * nsaved -- the first argument, above the return address and the pushes
    n = n + 1
    t[n] = "    mov eax, " .. cgen.u32(sc.num)
    for k = 1, nregs do t[n + k] = load_lines[regs[k]][base + offsets[k]] end
    n = n + nregs + 1
    t[n] = trap
    for i, r in ipairs(results or {}) do
        local skip = ".no_" .. r.name
        t[n + 1] = "    mov " .. scratch .. ", [esp + " .. (base + args_bytes + 4 * (i - 1)) .. "]          ; " .. r.name
        t[n + 2] = "    test " .. scratch .. ", " .. scratch
        t[n + 3] = "    jz " .. skip
        t[n + 4] = "    mov [" .. scratch .. "], " .. r.reg
        t[n + 5] = skip .. ":"
        n = n + 5
    end
    if sc.ret_regs then -- a 64-bit result: cdecl returns it in edx:eax
        local hi = sc.ret_regs[2]
        if hi ~= "edx" then
            n = n + 1
            t[n] = "    mov edx, " .. hi
        end
    end
    for i = nsaved, 1, -1 do
        n = n + 1
        t[n] = pop_lines[saved[i]]
    end
    t[n + 1] = "    ret"
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("bits 32")
    w("section .text")
    local t, trap = {}, string.format("    int 0x%02x", m.abi.trap)
    local regs, offsets, saved = {}, {}, {}
    for _, sc in ipairs(m.syscalls) do wrapper(t, m, sc, trap, regs, offsets, saved) end
    w(table.concat(t, "\n"))
    w("")
    w("section .note.GNU-stack noalloc noexec nowrite progbits")
    return w()
end

return out
