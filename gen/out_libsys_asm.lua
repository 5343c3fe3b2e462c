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
    local offset, k, args = 0, 0, sc.args
    for i = 1, #args do
        local a = args[i]
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
local load_lines = cgen.memo2(function(reg, offset) return "    mov " .. reg .. ", [esp + " .. offset .. "]" end)

-- The callee-saved registers among regs[1..n] (and extra, when given), in order of first use.
local function callee_saved(regs, n, extra, saved)
    local nsaved = 0
    for k = 1, n + (extra and 1 or 0) do
        local r = k <= n and regs[k] or extra
        if CALLEE_SAVED[r] then
            local seen = false
            for j = 1, nsaved do seen = seen or saved[j] == r end
            if not seen then
                nsaved = nsaved + 1
                saved[nsaved] = r
            end
        end
    end
    return nsaved
end

-- The lines of a wrapper around its "mov eax, NR": before (the pushes, each line ended) and
-- after (the loads, the trap, what the results need, the pops, ret), for a syscall whose
-- arguments take regs[1..nregs] (the stack words in order: a 64-bit argument's two are two).
local function body(sc, trap, regs, offsets, nregs, args_bytes, saved)
    local results = sc.results
    local scratch = results and #results > 0 and scratch_for(sc) or nil
    local nsaved = callee_saved(regs, nregs, scratch, saved)
    local before, after = {}, {}
    for i = 1, nsaved do before[i] = "    push " .. saved[i] .. "\n" end
    local base = 4 + 4 * nsaved -- the first argument, above the return address and the pushes
    for k = 1, nregs do after[k] = load_lines[regs[k]][base + offsets[k]] end
    local n = nregs + 1
    after[n] = trap
    for i, r in ipairs(results or {}) do
        local skip = ".no_" .. r.name
        after[n + 1] = "    mov " .. scratch .. ", [esp + " .. (base + args_bytes + 4 * (i - 1)) .. "]          ; " .. r.name
        after[n + 2] = "    test " .. scratch .. ", " .. scratch
        after[n + 3] = "    jz " .. skip
        after[n + 4] = "    mov [" .. scratch .. "], " .. r.reg
        after[n + 5] = skip .. ":"
        n = n + 5
    end
    if sc.ret_regs then -- a 64-bit result: cdecl returns it in edx:eax
        local hi = sc.ret_regs[2]
        if hi ~= "edx" then
            n = n + 1
            after[n] = "    mov edx, " .. hi
        end
    end
    for i = nsaved, 1, -1 do
        n = n + 1
        after[n] = "    pop " .. saved[i]
    end
    after[n + 1] = "    ret"
    return table.concat(before), table.concat(after, "\n")
end

-- One wrapper's text, after an empty line. Most wrappers differ only in their number and name:
-- the lines around them are made once for each sequence of argument registers (bodies, a trie
-- over the registers; a syscall with extra or 64-bit results gets its own).
local lib -- the render's names.wrapper_prefix

local function wrapper(sc, trap, bodies, regs, offsets, saved)
    local before, after -- (before ends with "    mov eax, ", after starts with its newline)
    -- The symbol as names.wrapper's pieces, lib and the C name ($ keeps names like "push" symbols).
    local name = sc.cname or sc.name
    local num = cgen.num32[sc.num]
    if sc.ret_regs or (sc.results and #sc.results > 0) then -- (lines of its own: not kept)
        local nregs, args_bytes = loads(sc, regs, offsets)
        before, after = body(sc, trap, regs, offsets, nregs, args_bytes, saved)
        return "\n; " .. num .. " " .. sc.name .. "\nglobal $" .. lib .. name .. ":function\n$" .. lib .. name .. ":\n" ..
            before .. "    mov eax, " .. num .. "\n" .. after
    else
        -- The trie is walked by the arguments' registers (a 64-bit argument's two, pair_order
        -- applied), which is what loads puts in regs; the loads are made only for a new sequence.
        local node, args = bodies, sc.args
        for i = 1, #args do
            local a = args[i]
            if a.regs then
                local lo, hi = kinds.pair_regs(a)
                local next_node = node[lo]
                if not next_node then
                    next_node = {}
                    node[lo] = next_node
                end
                node = next_node
                next_node = node[hi]
                if not next_node then
                    next_node = {}
                    node[hi] = next_node
                end
                node = next_node
            else
                local r = a.reg
                local next_node = node[r]
                if not next_node then
                    next_node = {}
                    node[r] = next_node
                end
                node = next_node
            end
        end
        before, after = node[1], node[2]
        if not before then
            local nregs, args_bytes = loads(sc, regs, offsets)
            before, after = body(sc, trap, regs, offsets, nregs, args_bytes, saved)
            before, after = before .. "    mov eax, ", "\n" .. after
            node[1], node[2] = before, after
        end
    end
    return "\n; " .. num .. " " .. sc.name .. "\nglobal $" .. lib .. name .. ":function\n$" .. lib .. name .. ":\n" ..
        before .. num .. after
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("bits 32")
    w("section .text")
    local t, trap = {}, string.format("    int 0x%02x", m.abi.trap)
    local bodies, regs, offsets, saved = cgen.shape_memo(), {}, {}, {} -- (tests/gen/shape_test.lua turns it off)
    -- The wrappers go out in pieces of a few hundred: a table that grows to every line of the
    -- output would be walked again by each collection of the generational collector.
    local syscalls = m.syscalls
    lib = names.wrapper_prefix(m.abi)
    for from = 1, #syscalls, 256 do
        local to = math.min(from + 255, #syscalls)
        for i = from, to do t[i - from + 1] = wrapper(syscalls[i], trap, bodies, regs, offsets, saved) end
        cgen.put(w, table.concat(t, "\n", 1, to - from + 1)) -- (joined once: not copied into a chunk again)
    end
    w("")
    w("section .note.GNU-stack noalloc noexec nowrite progbits")
    return w()
end

return out
