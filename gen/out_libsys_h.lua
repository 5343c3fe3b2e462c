-- build/gen/libsys/syscalls.h: the user-space prototypes of the wrappers in
-- syscalls.asm.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local find, format, concat = string.find, string.format, table.concat

-- The C type of a wrapper's parameter for an argument, with the space before its name; spelled
-- once per type (a definition has few types and many arguments).
local scalar_params = setmetatable({}, { __mode = "k" })
local function user_param(a)
    local kind = a.kind
    if kind == "scalar" then
        local key = a.named or a.type
        local p = scalar_params[key]
        if not p then
            p = kinds.ctype(a, true) .. " "
            scalar_params[key] = p
        end
        return p
    end
    if kind == "bytes" then return a.dir == "in" and "const void *" or "void *" end
    if kind == "str" then return "const char *" end
    return (a.dir == "in" and "const " or "") .. cgen.pointee(a.type) .. " *"
end

local RET = { i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", void = "void", i64 = "int64_t", u64 = "uint64_t" }

local function spell(m, sc)
    local args, params = sc.args, nil
    for i = 1, #args do
        local a = args[i]
        params = params and (params .. ", " .. user_param(a) .. a.name) or (user_param(a) .. a.name)
    end
    -- Extra results: filled from their registers by the wrapper (NULL: not wanted).
    local results = sc.results
    if results then
        for i = 1, #results do
            local r = results[i]
            local p = kinds.ctype(r, true) .. " *" .. kinds.result_param(sc, r)
            params = params and (params .. ", " .. p) or p
        end
    end
    -- returns_twice (fork) tells the compiler that registers and locals may be reused after a
    -- second return, as for setjmp.
    local attrs = sc.attrs
    local attr = attrs.noreturn and "_Noreturn " or attrs.returns_twice and "__attribute__((returns_twice)) " or ""
    return attr .. RET[sc.ret] .. " " .. names.wrapper(m.abi, sc) .. "(" .. (params or "void") .. ")"
end

-- The docs and the manual pages print the same prototypes: each is spelled once for both.
local prototypes = setmetatable({}, { __mode = "k" })

function out.prototype(m, sc)
    local proto = prototypes[sc]
    if not proto then
        proto = spell(m, sc)
        prototypes[sc] = proto
    end
    return proto
end

-- Whether every doc of list[from..to] goes into a comment unchanged (cgen.comment would return
-- each as it is: no control character, no comment start or end, no "??"). Checked on their join,
-- without a pattern (which costs a hundred times a plain search per byte): %q escapes every
-- control character, and the space between two docs makes no pair.
local function plain_docs(list, from, to, docs)
    for i = from, to do docs[i - from + 1] = list[i].doc end
    local joined = concat(docs, " ", 1, to - from + 1)
    return #format("%q", joined) == #joined + 2 and not find(joined, "*/", 1, true) and
        not find(joined, "/*", 1, true) and not find(joined, "??", 1, true)
end

local CHUNK = 256 -- lines handed to the buffer at once

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.libsys_h)
    w("#define %s", names.GUARD.libsys_h)
    w("")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    w("")
    w("/* Failures return -ENAME (as (uint32_t)-ENAME for unsigned results). */")
    local comment, nums = cgen.comment, cgen.num
    local syscalls, lines, docs = m.syscalls, {}, {}
    for from = 1, #syscalls, CHUNK do
        local to = math.min(from + CHUNK - 1, #syscalls)
        local plain = plain_docs(syscalls, from, to, docs)
        for i = from, to do
            local sc = syscalls[i]
            lines[i - from + 1] = "/* " .. nums[sc.num] .. ": " .. (plain and sc.doc or comment(sc.doc)) .. " */\n" ..
                spell(m, sc) .. ";"
        end
        w(concat(lines, "\n", 1, to - from + 1))
    end
    w("")
    w("#endif /* %s */", names.GUARD.libsys_h)
    return w()
end

return out
