-- build/gen/libsys/syscalls.h: the user-space prototypes of the wrappers in
-- syscalls.asm.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local concat = table.concat

-- A wrapper's parameter for an argument: its C type and name. A scalar's is spelled once per type
-- and name (a definition has few types, and a few names recur in many syscalls).
local scalar_params = setmetatable({}, { __mode = "k" }) -- type -> name -> parameter
local function user_param(a)
    local kind, name = a.kind, a.name
    if kind == "scalar" then
        local key = a.named or a.type
        local by_name = scalar_params[key]
        if not by_name then
            by_name = {}
            scalar_params[key] = by_name
        end
        local p = by_name[name]
        if not p then
            p = kinds.ctype(a, true) .. " " .. name
            by_name[name] = p
        end
        return p
    end
    if kind == "bytes" then return (a.dir == "in" and "const void *" or "void *") .. name end
    if kind == "str" then return "const char *" .. name end
    return (a.dir == "in" and "const " or "") .. cgen.pointee(a.type) .. " *" .. name
end

local RET = { i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", void = "void", i64 = "int64_t", u64 = "uint64_t" }

-- The parameter list: one concatenation for up to five arguments (arg_registers rarely has more).
local function parameters(sc)
    local args = sc.args
    local n = #args
    local params
    if n == 0 then
        params = nil
    elseif n == 1 then
        params = user_param(args[1])
    elseif n == 2 then
        params = user_param(args[1]) .. ", " .. user_param(args[2])
    elseif n == 3 then
        params = user_param(args[1]) .. ", " .. user_param(args[2]) .. ", " .. user_param(args[3])
    elseif n == 4 then
        params = user_param(args[1]) .. ", " .. user_param(args[2]) .. ", " .. user_param(args[3]) .. ", " ..
            user_param(args[4])
    else
        params = user_param(args[1])
        for i = 2, n do params = params .. ", " .. user_param(args[i]) end
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
    return params or "void"
end

-- returns_twice (fork) tells the compiler that registers and locals may be reused after a
-- second return, as for setjmp.
local function attribute(sc)
    local attrs = sc.attrs
    return attrs.noreturn and "_Noreturn " or attrs.returns_twice and "__attribute__((returns_twice)) " or ""
end

local function spell(m, sc)
    return attribute(sc) .. RET[sc.ret] .. " " .. names.wrapper(m.abi, sc) .. "(" .. parameters(sc) .. ")"
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
    -- (cgen.comment answers at once for a doc another output has checked: abi.json checks them all.)
    local comment, nums = cgen.comment, cgen.num
    local syscalls, lines = m.syscalls, {}
    for from = 1, #syscalls, CHUNK do
        local to = math.min(from + CHUNK - 1, #syscalls)
        for i = from, to do
            local sc = syscalls[i]
            lines[i - from + 1] = "/* " .. nums[sc.num] .. ": " .. comment(sc.doc) .. " */\n" ..
                attribute(sc) .. RET[sc.ret] .. " " .. names.wrapper(m.abi, sc) .. "(" .. parameters(sc) .. ");"
        end
        cgen.put(w, concat(lines, "\n", 1, to - from + 1)) -- (joined once: not copied into a chunk again)
    end
    w("")
    w("#endif /* %s */", names.GUARD.libsys_h)
    return w()
end

return out
