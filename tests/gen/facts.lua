-- No ABI fact hand-kept outside abi/syscalls.def and the generated files: the trap vector, the
-- argument-register order, the error texts and the error range appear in no code of the tree.
-- Code means C, headers, assembly, Lua and make files with their comments removed (prose may
-- name `int 0x80`; a comment cannot break the ABI). ALLOW lists the places that legitimately
-- hold the same spelling for another reason, each with that reason.
--   facts.scan(root, model) -> list of { file, line, what, text }
local facts = {}

-- Files that are the definition, generated from it, or frozen copies of what it generated.
local SKIP = {
    "^abi/", "^docs/syscalls%.md$", "^tests/gen/golden/", "^tests/gen/fixtures/", "^tests/gen/bad/",
    "^tests/abi%-compat/v%d+/", "^build/",
    "^tests/linux/", -- the second ABI, Linux's (abi/linux-i386.def): its own int 0x80 and registers
    "^gen/", -- the generator: the language's vocabulary (which registers exist, what a byte >= 0x80 is)
    "^tests/gen/", -- the generator's tests: definitions and a harness for them (this file too)
    "^tests/bench/synth_def%.lua$", "^tests/fuzz/gen_fuzz%.lua$", -- write definitions for the generator
}

-- { file pattern, line pattern, why }
local ALLOW = {
    { "^kernel/x86%.h$", "outb%(0x80, 0%)", "I/O port 0x80 (POST codes) for io_wait, not the vector" },
    { "^kernel/serial%.c$", "LCR_DLAB 0x80", "a UART register bit" },
    { "^kernel/gdt%.c$", "ACCESS_PRESENT 0x80", "a descriptor bit" },
    { "^kernel/pic%.c$", "& 0x80", "the in-service bit of IRQ 7/15" },
    { "^tests/guest/usermode%.c$", "waitpid%(%-1, &info, 0x80%)", "an unknown waitpid flag bit" },
    { "^tests/guest/security%.c$", "outb %%%%al, %$0x80", "I/O port 0x80 from ring 3, which must fault" },
    { "^tests/bench/rows%.lua$", "int 0x80", "row labels naming the reference measurements" },
    { "^kernel/panic%.c$", "tf%->e[abcd]x", "a register dump: every register, in the CPU's order" },
    { "^kernel/panic%.c$", "mov %%%%e[abcd]x", "a register dump: every register, in the CPU's order" },
    { "^tests/conformance/regs%.inc$", "e[bcd]x, %%[345]", "loads and checks every register; the generator picks the values" },
    { "^tests/conformance/conf_run%.c$", '"ebx", "ecx", "edx"', "the names of the register-check mask bits: every register" },
}

local CODE = { c = "c", h = "c", asm = "asm", inc = "asm", lua = "lua", mk = "mk" }

-- Text with the comments blanked out (newlines kept, so line numbers stay).
local function strip(text, kind)
    local function blank(s) return (s:gsub("[^\n]", " ")) end
    if kind == "c" then
        text = text:gsub("/%*.-%*/", blank)
        return (text:gsub("//[^\n]*", blank))
    elseif kind == "asm" then
        return (text:gsub(";[^\n]*", blank))
    elseif kind == "lua" then
        text = text:gsub("%-%-%[(=*)%[.-%]%1%]", blank)
        return (text:gsub("%-%-[^\n]*", blank))
    end
    return (text:gsub("#[^\n]*", blank))
end

local function allowed(file, line)
    for _, a in ipairs(ALLOW) do
        if file:match(a[1]) and line:match(a[2]) then return true end
    end
    return false
end

local function tracked(root)
    local p = io.popen("cd '" .. root .. "' && (git ls-files 2>/dev/null || find . -type f | sed 's|^\\./||')")
    local list = {}
    for f in p:lines() do list[#list + 1] = f end
    p:close()
    return list
end

local function skipped(file)
    for _, pat in ipairs(SKIP) do
        if file:match(pat) then return true end
    end
    return false
end

function facts.scan(root, m)
    local hits = {}
    local regs = m.abi.arg_registers
    local trap_hex = string.format("0x%x", m.abi.trap)
    local function add(file, n, what, line)
        if not allowed(file, line) then
            hits[#hits + 1] = { file = file, line = n, what = what, text = line:gsub("^%s+", "") }
        end
    end
    for _, file in ipairs(tracked(root)) do
        local ext = file:match("%.([%w]+)$")
        local kind = CODE[ext] or ((file:match("Makefile$") or file:match("%.mk$")) and "mk")
        if not skipped(file) then
            local f = io.open(root .. "/" .. file, "rb")
            local raw = f and f:read("a") or ""
            if f then f:close() end
            -- Error texts are looked for everywhere, prose included: a copy is a copy.
            local n = 0
            for line in (raw .. "\n"):gmatch("(.-)\n") do
                n = n + 1
                for _, e in ipairs(m.errors) do
                    if #e.text >= 12 and line:find(e.text, 1, true) then add(file, n, "error text of " .. e.name, line) end
                end
            end
            if kind then
                local code = strip(raw, kind)
                n = 0
                local lines = {}
                for line in (code .. "\n"):gmatch("(.-)\n") do
                    n = n + 1
                    lines[n] = line
                    local l = line:lower()
                    if l:find(trap_hex .. "%f[^%w]") or l:find("int%s+%$?" .. m.abi.trap .. "%f[^%w]") then
                        add(file, n, "the trap vector", line)
                    end
                    if l:find("0xfffff001") or l:find("%-4095%f[^%w]") then
                        add(file, n, "the error range", line)
                    end
                end
                -- The argument registers: all of them, in ABI order, on nearby lines.
                local seen = {}
                for ln, line in ipairs(lines) do
                    for col, r in line:gmatch("()%f[%w](e[abcdsb][xip])%f[^%w]") do
                        seen[#seen + 1] = { reg = r, line = ln, pos = col }
                    end
                end
                for i = 1, #seen - #regs + 1 do
                    local run = true
                    for k = 1, #regs do
                        run = run and seen[i + k - 1].reg == regs[k]
                    end
                    if run and seen[i + #regs - 1].line - seen[i].line <= 2 * #regs then
                        add(file, seen[i].line, "the argument registers in order", lines[seen[i].line])
                    end
                end
            end
        end
    end
    return hits
end

return facts
