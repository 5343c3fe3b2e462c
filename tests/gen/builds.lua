-- "Accepted means builds": compile every output of one accepted definition the way the project
-- builds it. The compiler and flags are read from the make fragments (Makefile's CROSS and
-- TARGET_CFLAGS, kernel/kernel.mk's KERNEL_CFLAGS, libsys/libsys.mk's USER_CFLAGS), not copied,
-- so a flag added there applies here too. Kernel-side files compile against the kernel headers
-- stand-ins of tests/gen/stub, user-side ones against libsys/include only (-nostdinc), as in the
-- real build.
local S = require("hostsuite")
local read, write, sh = S.read, S.write, S.sh

local builds = {}

local quote = S.shq

-- The right-hand side of `NAME := ...` (continuation lines joined) in a make fragment.
local function make_var(root, file, name)
    local text = assert(read(root .. "/" .. file), file):gsub("\\\n", " ")
    return assert(text:match("\n" .. name .. "%s*[:?]?=%s*([^\n]*)"), name .. " in " .. file)
end

-- Expand the make references the flag variables use: $(VAR) from vars, $(shell CMD).
local expand
function expand(s, vars)
    s = s:gsub("%$%(([%w_]+)%)", function(v) return expand(assert(vars[v], "make variable " .. v), vars) end)
    return (s:gsub("%$%(shell ([^)]*)%)", function(cmd)
        local _, out = sh(cmd)
        return (out:gsub("%s+$", ""))
    end))
end

-- Words of a flag variable, with include directories made absolute and dependency-file flags
-- (-MMD -MP: nothing to track here) dropped.
local function flags(root, file, name, vars)
    local out, words, i = {}, {}, 1
    for w in expand(make_var(root, file, name), vars):gmatch("%S+") do words[#words + 1] = w end
    while i <= #words do
        local w = words[i]
        if w == "-I" or w == "-isystem" then
            -- The generated kernel side compiles against tests/gen/stub, the interface the
            -- generator promises (docs/design.md), not the kernel's own trap.h and uaccess.h,
            -- which also need the errors abi/syscalls.def happens to define; then against the
            -- kernel headers for the fixed C the generated files include (syscall_desc.h,
            -- syscall_shim.h), which use only what every definition has.
            local dir = words[i + 1]
            if dir == "kernel" then
                out[#out + 1] = w .. " " .. quote(root .. "/tests/gen/stub")
            end
            out[#out + 1] = w .. " " .. quote(dir:match("^/") and dir or root .. "/" .. dir)
            i = i + 2
        else
            if w ~= "-MMD" and w ~= "-MP" and not w:match("^%-D") then out[#out + 1] = quote(w) end
            i = i + 1
        end
    end
    return table.concat(out, " ")
end

-- The compile commands for a generated tree under dir: { { what, command } ... }.
function builds.commands(root, dir)
    local cross = make_var(root, "Makefile", "CROSS"):match("^(%S+)")
    local cc = cross .. "gcc"
    local vars = { CC = cc, GEN = dir, BUILD = dir .. "/build", VERSION = "test" }
    vars.TARGET_CFLAGS = make_var(root, "Makefile", "TARGET_CFLAGS")
    local kernel = flags(root, "kernel/kernel.mk", "KERNEL_CFLAGS", vars)
    local user = flags(root, "libsys/libsys.mk", "USER_CFLAGS", vars)
    local nasm = "nasm " .. expand(make_var(root, "libsys/libsys.mk", "USER_NASMFLAGS"), vars) .. " -Werror"
    local table_extra = assert(read(root .. "/kernel/kernel.mk"), "kernel.mk")
        :match("gen/syscall_table%.o:%s*KERNEL_CFLAGS%s*%+=%s*([^\n]*)") or ""
    local function c(flagstr, src, extra)
        return { src, "cd " .. quote(dir) .. " && " .. cc .. " " .. flagstr .. " " .. (extra or "") ..
            " -c " .. src .. " -o " .. src:gsub("[/.]", "_") .. ".o" }
    end
    local t = {
        c(kernel, "kernel/syscall_table.c", table_extra),
        c(user, "libsys/amc_services.c"),
        c(user, "user.c"),
        -- tests/gen/stub/libsys.h first: the real one is written for abi/syscalls.def's structs.
        c("-I " .. quote(root .. "/tests/gen/stub") .. " " .. user, "conformance/conformance.c",
            "-I " .. quote(root .. "/tests/conformance")),
        c(user, "fuzz/syscall_fuzzer.c", "-I " .. quote(root .. "/tests/fuzz")),
        c(user, "edge_checks.c"),
        { "libsys/syscalls.asm", "cd " .. quote(dir) .. " && " .. nasm .. " libsys/syscalls.asm -o syscalls_asm.o" },
        { "abi.inc", "cd " .. quote(dir) .. " && " .. nasm .. " abi.inc -o abi_inc.o" },
        { "conformance/regs.asm", "cd " .. quote(dir) .. " && " .. nasm .. " -I " ..
            quote(root .. "/tests/conformance/") .. " conformance/regs.asm -o regs_asm.o" },
    }
    return t
end

-- Write files (path -> text, as cli.render_all gives them) under dir and compile each one that
-- exists. checks: C constant expressions that must hold (`_Static_assert`ed against abi.h).
-- Returns true, or false and the failing command with the compiler's output.
function builds.compile(root, files, dir, checks)
    sh("rm -rf " .. quote(dir))
    for p, text in pairs(files) do write(dir .. "/" .. p, text) end
    local user = { '#include "abi.h"' }
    if files["libsys/syscalls.h"] then user[#user + 1] = '#include "libsys/syscalls.h"' end
    if files["libsys/amc_services.h"] then user[#user + 1] = '#include "libsys/amc_services.h"' end
    write(dir .. "/user.c", table.concat(user, "\n") .. "\nint builds_user_tu;\n")
    local asserts = { '#include "abi.h"', "int builds_checks_tu;" }
    for _, expr in ipairs(checks or {}) do
        asserts[#asserts + 1] = string.format("_Static_assert(%s, %q);", expr, expr)
    end
    write(dir .. "/edge_checks.c", table.concat(asserts, "\n") .. "\n")
    for _, step in ipairs(builds.commands(root, dir)) do
        if step[1] == "user.c" or step[1] == "edge_checks.c" or files[step[1]] then
            local rc, out = sh(step[2])
            if rc ~= 0 then return false, step[1] .. ": " .. out end
        end
    end
    return true
end

return builds
