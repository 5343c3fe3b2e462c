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

-- The compiler and the flag strings, read from the make fragments once per root (the $(shell)
-- in the flags runs the compiler).
local flag_sets = {}
local GEN_DIR = "/@GEN_DIR@"
local function project_flags(root)
    if flag_sets[root] then return flag_sets[root] end
    local cross = make_var(root, "Makefile", "CROSS"):match("^(%S+)")
    local cc = cross .. "gcc"
    -- The generated tree is spelled GEN_DIR here and put in by builds.commands.
    local vars = { CC = cc, GEN = GEN_DIR, BUILD = GEN_DIR .. "/build", VERSION = "test" }
    vars.TARGET_CFLAGS = make_var(root, "Makefile", "TARGET_CFLAGS")
    local set = {
        cc = cc,
        kernel = flags(root, "kernel/kernel.mk", "KERNEL_CFLAGS", vars),
        user = flags(root, "libsys/libsys.mk", "USER_CFLAGS", vars),
        nasm = "nasm " .. expand(make_var(root, "libsys/libsys.mk", "USER_NASMFLAGS"), vars) .. " -Werror",
        table_extra = assert(read(root .. "/kernel/kernel.mk"), "kernel.mk")
            :match("gen/syscall_table%.o:%s*KERNEL_CFLAGS%s*%+=%s*([^\n]*)") or "",
    }
    flag_sets[root] = set
    return set
end

-- The compile commands for a generated tree under dir: { { what, command } ... }.
function builds.commands(root, dir)
    local f = project_flags(root)
    local qdir = quote(dir)
    local function put_dir(str)
        local quoted = str:gsub("'" .. GEN_DIR, function() return qdir:sub(1, -2) end)
        return (quoted:gsub(GEN_DIR, function() return dir end))
    end
    local kernel, user, nasm = put_dir(f.kernel), put_dir(f.user), put_dir(f.nasm)
    local function c(flagstr, src, extra)
        return { src, "cd " .. qdir .. " && " .. f.cc .. " " .. flagstr .. " " .. (extra or "") ..
            " -c " .. src .. " -o " .. src:gsub("[/.]", "_") .. ".o" }
    end
    return {
        c(kernel, "kernel/syscall_table.c", f.table_extra),
        c(kernel, "kernel/trace_table.c"),
        c(user, "libsys/amc_services.c"),
        c(user, "user.c"),
        -- tests/gen/stub/libsys.h first: the real one is written for abi/syscalls.def's structs.
        c("-I " .. quote(root .. "/tests/gen/stub") .. " " .. user, "conformance/conformance.c",
            "-I " .. quote(root .. "/tests/conformance")),
        c(user, "fuzz/syscall_fuzzer.c", "-I " .. quote(root .. "/tests/fuzz")),
        { "libsys/syscalls.asm", "cd " .. qdir .. " && " .. nasm .. " libsys/syscalls.asm -o syscalls_asm.o" },
        { "abi.inc", "cd " .. qdir .. " && " .. nasm .. " abi.inc -o abi_inc.o" },
        { "conformance/regs.asm", "cd " .. qdir .. " && " .. nasm .. " -I " ..
            quote(root .. "/tests/conformance/") .. " conformance/regs.asm -o regs_asm.o" },
    }
end

-- What a step's result depends on besides the fixed project files: its source and every
-- generated header (generated sources include only headers, .h and .inc).
local function step_key(step, files, headers)
    return step[1] .. "\0" .. files[step[1]] .. "\0" .. headers
end

-- Write files (path -> text, as cli.render_all gives them) under dir and compile each one that
-- exists, plus user.c: every user header in one translation unit, with the checks (C constant
-- expressions that must hold, `_Static_assert`ed against abi.h).
-- cache (optional, builds.cache(), kept across calls): a step whose source and generated headers
-- are those of a step that compiled before is not compiled again (a fuzz mutation often leaves a
-- file and the headers it includes unchanged); it counts the compiler runs and the steps skipped.
-- Returns true, or false and the failing command with the compiler's output.
function builds.cache()
    return { seen = {}, compiled = 0, skipped = 0 }
end

function builds.compile(root, files, dir, checks, cache)
    sh("rm -rf " .. quote(dir))
    local user = { '#include "abi.h"' }
    if files["libsys/syscalls.h"] then user[#user + 1] = '#include "libsys/syscalls.h"' end
    if files["libsys/amc_services.h"] then user[#user + 1] = '#include "libsys/amc_services.h"' end
    user[#user + 1] = "int builds_user_tu;"
    for _, expr in ipairs(checks or {}) do
        user[#user + 1] = string.format("_Static_assert(%s, %q);", expr, expr)
    end
    local all = { ["user.c"] = table.concat(user, "\n") .. "\n" }
    for p, text in pairs(files) do all[p] = text end
    local headers = {}
    for p, text in pairs(all) do
        write(dir .. "/" .. p, text)
        if p:match("%.h$") or p:match("%.inc$") then headers[#headers + 1] = p .. "\0" .. text end
    end
    table.sort(headers)
    headers = table.concat(headers, "\0")
    for _, step in ipairs(builds.commands(root, dir)) do
        if all[step[1]] then
            local key = cache and step_key(step, all, headers)
            if key and cache.seen[key] then
                cache.skipped = cache.skipped + 1
            else
                local rc, out = sh(step[2])
                if rc ~= 0 then return false, step[1] .. ": " .. out end
                if key then
                    cache.seen[key] = true
                    cache.compiled = cache.compiled + 1
                end
            end
        end
    end
    return true
end

return builds
