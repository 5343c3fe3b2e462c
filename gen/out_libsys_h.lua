-- build/gen/libsys/syscalls.h: the user-space prototypes of the wrappers in
-- syscalls.asm.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local concat = table.concat

-- A wrapper's parameter for an argument is its C type, what comes between it and the name, and
-- the name: the first two (the prefix) are spelled once per type and direction (a definition
-- has few types; a pointer's is cgen.pointer_type, the handler's too), the name is a piece of
-- its own.
local scalar_prefixes = setmetatable({}, { __mode = "k" }) -- named or scalar type -> prefix
local BYTES_PREFIX = { ["in"] = "const void *", out = "void *", inout = "void *" }

local function prefix(a)
    local kind = a.kind
    if kind == "scalar" then
        local key = a.named or a.type
        local p = scalar_prefixes[key]
        if not p then
            p = kinds.ctype(a, true) .. " "
            scalar_prefixes[key] = p
        end
        return p
    end
    if kind == "bytes" then return BYTES_PREFIX[a.dir] end
    if kind == "str" then return "const char *" end
    return cgen.pointer_type(a)
end

local function user_param(a)
    return prefix(a) .. a.name
end
-- A parameter, once per argument table (the model shares one among alike arguments).
local USER_PARAM = cgen.arg_memo(user_param)

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

-- The attribute a prototype starts with, once per attribute set (the model shares one among the
-- syscalls with the same attributes). returns_twice (fork) tells the compiler that registers and
-- locals may be reused after a second return, as for setjmp.
local ATTRIBUTE = cgen.weak_memo(function(attrs)
    return attrs.noreturn and "_Noreturn " or attrs.returns_twice and "__attribute__((returns_twice)) " or ""
end)

local function spell(m, sc)
    return ATTRIBUTE[sc.attrs] .. RET[sc.ret] .. " " .. names.wrapper(m.abi, sc) .. "(" .. parameters(sc) .. ")"
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
    -- (cgen.doc_comment answers at once for a doc another output has checked: abi.json checks them all.)
    local comment, nums, lib, P = cgen.doc_comment, cgen.num, names.wrapper_prefix(m.abi), USER_PARAM
    local syscalls, lines = m.syscalls, {}
    for from = 1, #syscalls, CHUNK do
        local to = math.min(from + CHUNK - 1, #syscalls)
        for i = from, to do
            local sc = syscalls[i]
            local args, results = sc.args, sc.results
            local nargs, num, doc, attr, ret = #args, nums[sc.num], comment(sc.doc), ATTRIBUTE[sc.attrs], RET[sc.ret]
            -- (the wrapper's name as names.wrapper's pieces, its prefix and the C name, and up to four
            -- parameters, as pieces of the line's chain, not joined into strings first)
            local name, a1, a2, a3, a4 = sc.cname or sc.name, args[1], args[2], args[3], args[4]
            local line
            if (results and #results > 0) or nargs > 4 then
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(" .. parameters(sc) ..
                    ");"
            elseif nargs == 0 then
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(void);"
            elseif nargs == 1 then
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(" .. P[a1] .. ");"
            elseif nargs == 2 then
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(" .. P[a1] .. ", " ..
                    P[a2] .. ");"
            elseif nargs == 3 then
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(" .. P[a1] .. ", " ..
                    P[a2] .. ", " .. P[a3] .. ");"
            else
                line = "/* " .. num .. ": " .. doc .. " */\n" .. attr .. ret .. " " .. lib .. name .. "(" .. P[a1] .. ", " ..
                    P[a2] .. ", " .. P[a3] .. ", " .. P[a4] .. ");"
            end
            lines[i - from + 1] = line
        end
        cgen.put(w, concat(lines, "\n", 1, to - from + 1)) -- (joined once: not copied into a chunk again)
    end
    w("")
    w("#endif /* %s */", names.GUARD.libsys_h)
    return w()
end

return out
