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
-- (-MMD -MP: nothing to track here) and -g dropped.
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
            -- -g only adds debug sections: nothing a compile can fail on, a tenth of its time.
            if w ~= "-MMD" and w ~= "-MP" and w ~= "-g" and not w:match("^%-D") then out[#out + 1] = quote(w) end
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
        c(user, "conformance/conformance.c", "-I " .. quote(root .. "/tests/conformance")),
        c(user, "fuzz/syscall_fuzzer.c", "-I " .. quote(root .. "/tests/fuzz")),
        { "libsys/syscalls.asm", "cd " .. qdir .. " && " .. nasm .. " libsys/syscalls.asm -o syscalls_asm.o" },
        { "abi.inc", "cd " .. qdir .. " && " .. nasm .. " abi.inc -o abi_inc.o" },
        { "conformance/regs.asm", "cd " .. qdir .. " && " .. nasm .. " -I " ..
            quote(root .. "/tests/conformance/") .. " conformance/regs.asm -o regs_asm.o" },
    }
end

-- The cache key of a step: what its result depends on besides the project's fixed files (the
-- same throughout a run): its source and the generated files it includes, directly or through a
-- fixed header (tests/conformance/conformance.h includes the generated abi.h), with C comments
-- that cannot affect the compile blanked out (a fuzz mutation often changes only a doc, or only
-- a header the step never reads). Sound by construction: whatever the resolution cannot be sure
-- of counts in the key (a macro #include: every generated header), and a comment is blanked only
-- when it is plain ASCII without a backslash, a trigraph or a nested "/*" (what -Wcomment,
-- -Wtrigraphs and -Wbidi-chars look at), into spaces (so columns stay where they were).

-- text with each harmless C comment replaced by blanks, and blanks at line ends dropped; the
-- text itself when it holds "??" anywhere (a trigraph can end a string literal early).
function builds.blank_comments(text)
    if text:find("??", 1, true) then return text end
    local out, i, plain = {}, 1, 1
    local function blank(c)
        local harmless = not c:find("[^\t\n\32-\126]") and not c:find("\\") and
            not (c:sub(2, 2) == "*" and c:sub(3, -3):find("/*", 1, true))
        return harmless and (c:gsub("[^\t\n]", " ")) or c
    end
    while true do
        i = text:find("[\"'/]", i)
        if not i then break end
        local ch, two = text:sub(i, i), text:sub(i, i + 1)
        if ch == '"' or ch == "'" then -- a literal: skip to its end (a backslash escapes one byte)
            local j = i + 1
            while true do
                j = text:find("[\\\n" .. ch .. "]", j)
                if not j or text:sub(j, j) ~= "\\" then break end
                j = j + 2
            end
            i = (j or #text) + 1
        elseif two == "/*" or two == "//" then
            local e = two == "/*" and select(2, text:find("*/", i + 2, true)) or
                ((text:find("\n", i, true) or #text + 1) - 1)
            if not e then return text end -- unterminated: let the compiler judge it
            out[#out + 1] = text:sub(plain, i - 1)
            out[#out + 1] = blank(text:sub(i, e))
            i, plain = e + 1, e + 1
        else
            i = i + 1
        end
    end
    out[#out + 1] = text:sub(plain)
    return (table.concat(out):gsub("[ \t]+\n", "\n"):gsub("[ \t]+$", ""))
end

-- Fixed files (outside the generated tree) by path, read once; false when there is none.
local fixed_text = {}
local function fixed(path)
    if fixed_text[path] == nil then fixed_text[path] = read(path) or false end
    return fixed_text[path]
end

-- The generated files (paths of `files`) that src includes, directly or through fixed headers
-- found in dirs (the step's -I directories); nil when an include is not a plain "name" or
-- <name> (a macro, #include_next, nasm's incbin).
local function reached(files, src, dirs)
    local seen, gen = {}, {}
    local function visit(text, from_dir)
        if text:find("incbin", 1, true) then return false end
        local names = {}
        for word, rest in ("\n" .. text):gmatch("\n%s*[#%%]%s*(include[%w_]*)([^\n]*)") do
            local name = rest:match('^%s*"([^"]+)"') or rest:match("^%s*<([^>]+)>")
            if word ~= "include" or not name then return false end -- a macro, include_next
            names[#names + 1] = name
        end
        for _, name in ipairs(names) do
            local base = name:gsub("^%./", "")
            while base:match("^%.%./") do base = base:sub(4) end
            for p in pairs(files) do
                if (p == base or p:sub(-#base - 1) == "/" .. base) and not seen["gen:" .. p] then
                    seen["gen:" .. p] = true
                    gen[#gen + 1] = p
                    if visit(files[p]) == false then return false end
                end
            end
            local candidates = { from_dir and (from_dir .. "/" .. name) }
            for _, d in ipairs(dirs) do candidates[#candidates + 1] = d .. "/" .. base end
            for _, c in ipairs(candidates) do
                local t = fixed(c)
                if t and not seen[c] then
                    seen[c] = true
                    if visit(t, c:match("^(.*)/")) == false then return false end
                end
            end
        end
        return true
    end
    if not visit(files[src]) then return nil end
    table.sort(gen)
    return gen
end

-- The fixed include directories of a compile command (-I and -iquote, outside the generated
-- tree dir; -isystem holds the compiler's own headers).
local function include_dirs(command, dir)
    local dirs = {}
    for _, pattern in ipairs({ "%s%-I%s*'?([^'%s]+)", "%s%-iquote%s*'?([^'%s]+)" }) do
        for path in command:gmatch(pattern) do
            if path:sub(1, #dir) ~= dir then dirs[#dirs + 1] = (path:gsub("/$", "")) end
        end
    end
    return dirs
end

local function step_key(step, files, dirs, cache)
    local c = step[1]:match("%.c$") ~= nil
    local function text(p) -- blanked once per text and run (a header is in many keys)
        if not c then return files[p] end
        local t = cache.blanked[files[p]] or builds.blank_comments(files[p])
        cache.blanked[files[p]] = t
        return t
    end
    local parts = { step[1], text(step[1]) }
    local gen = reached(files, step[1], dirs)
    if not gen then -- every generated header
        gen = {}
        for p in pairs(files) do
            if p:match("%.h$") or p:match("%.inc$") then gen[#gen + 1] = p end
        end
        table.sort(gen)
    end
    for _, p in ipairs(gen) do
        parts[#parts + 1] = p
        parts[#parts + 1] = text(p)
    end
    return table.concat(parts, "\0")
end

-- Write files (path -> text, as cli.render_all gives them) under dir and compile each one that
-- exists, plus user.c: every user header in one translation unit, with the checks (C constant
-- expressions that must hold, `_Static_assert`ed against abi.h).
-- cache (optional, builds.cache(), kept across calls): a step whose key (above) is that of a
-- step that compiled before is not compiled again; it counts the compiler runs and the steps
-- skipped. Returns true, or false and the failing command with the compiler's output.
function builds.cache()
    return { seen = {}, compiled = 0, skipped = 0, blanked = {} }
end

function builds.compile(root, files, dir, checks, cache)
    local user = { '#include "abi.h"' }
    if files["libsys/syscalls.h"] then user[#user + 1] = '#include "libsys/syscalls.h"' end
    if files["libsys/amc_services.h"] then user[#user + 1] = '#include "libsys/amc_services.h"' end
    user[#user + 1] = "int builds_user_tu;"
    for _, expr in ipairs(checks or {}) do
        user[#user + 1] = string.format("_Static_assert(%s, %q);", expr, expr)
    end
    local all = { ["user.c"] = table.concat(user, "\n") .. "\n" }
    for p, text in pairs(files) do all[p] = text end
    -- A fresh tree, every directory made by one command (not one per file written).
    local dirs, seen = { quote(dir) }, {}
    for p in pairs(all) do
        local d = p:match("^(.*)/")
        if d and not seen[d] then
            seen[d] = true
            dirs[#dirs + 1] = quote(dir .. "/" .. d)
        end
    end
    sh("rm -rf " .. quote(dir) .. " && mkdir -p " .. table.concat(dirs, " "))
    for p, text in pairs(all) do write(dir .. "/" .. p, text) end
    for _, step in ipairs(builds.commands(root, dir)) do
        if all[step[1]] then
            local key = cache and step_key(step, all, include_dirs(step[2], dir), cache)
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
