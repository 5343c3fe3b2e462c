-- build/gen/kernel/syscall_handlers.h: one prototype per handler, so that a
-- missing handler fails to link and a mismatched one fails to compile. The
-- descriptor types and the entry points around the shims are hand-written
-- (kernel/syscall_desc.h, included here after the headers it needs).
--   Each syscall's lines are spelled as their pieces in one table, joined once per run of
-- syscalls (a text of a few KB): no line is a string of its own.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local concat = table.concat

-- The extra results of a syscall, which its handler fills in through its last parameter: the
-- shim zeroes them before the call and puts them in the caller's result registers afterwards
-- (whatever the handler returned), so a handler sets only what it has to say.
local function results_struct(sc)
    local p, n = { cgen.results_struct(sc), " {\n" }, 2
    for _, r in ipairs(sc.results) do
        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], n = "    ", kinds.ctype(r), " ", r.name,
            "; /* returned in ", r.reg, n + 6
        p[n + 1], n = " */\n", n + 1
    end
    p[n + 1], n = "};\n", n + 1
    return concat(p, "", 1, n)
end

-- A syscall's lines are pieces (an argument's shape and parameter one each, made once per
-- argument table), handed to the buffer JOIN pieces at a time (cgen.put_rows): no string of
-- their own before they are part of the output.
local JOIN, put_rows = cgen.JOIN, cgen.put_rows

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef " .. names.GUARD.handlers_h)
    w("#define " .. names.GUARD.handlers_h)
    w("")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    w("#include \"trap.h\"")
    w("#include \"uaccess.h\"")
    w("#include \"syscall_desc.h\"")
    w("")
    w("/* Handlers, one per syscall (in kernel/). Pointer arguments arrive checked by the shims. */")
    local comment, shape, nums, prototype = cgen.doc_comment, cgen.shape_pieces, cgen.num, cgen.kernel_prototype_pieces
    local SHAPE, PARAM, RESULT, KERNEL_RET = cgen.ARG_SHAPE_COMMENT, cgen.KERNEL_PARAM, cgen.RESULT, cgen.KERNEL_RET
    local HANDLER = " " .. names.HANDLER -- (names.handler as its pieces, after the result type: no string of its own)
    local syscalls, p, n = m.syscalls, {}, 0
    for i = 1, #syscalls do
        local sc = syscalls[i]
        local args, results = sc.args, sc.results
        local nargs = #args
        if (results == nil or #results == 0) and nargs <= 5 then
            -- Both lines as one chain of .. (a syscall with no extra results: most)
            local result, doc, ret, name = RESULT[sc.ret_type and sc.ret_type.name or sc.ret], comment(sc.doc),
                KERNEL_RET[sc.ret] or "int32_t", sc.cname or sc.name -- (cgen.kernel_ret, inline)
            if nargs == 0 then
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. "(" .. result .. ": " .. doc .. " */\n" .. ret ..
                    HANDLER .. name .. "(void);\n"
            elseif nargs == 1 then
                local a1 = args[1]
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. SHAPE[a1] .. result .. ": " .. doc .. " */\n" ..
                    ret .. HANDLER .. name .. PARAM[a1] .. ");\n"
            elseif nargs == 2 then
                local a1, a2 = args[1], args[2]
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. SHAPE[a1] .. SHAPE[a2] .. result .. ": " .. doc ..
                    " */\n" .. ret .. HANDLER .. name .. PARAM[a1] .. PARAM[a2] .. ");\n"
            elseif nargs == 3 then
                local a1, a2, a3 = args[1], args[2], args[3]
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. SHAPE[a1] .. SHAPE[a2] .. SHAPE[a3] .. result ..
                    ": " .. doc .. " */\n" .. ret .. HANDLER .. name .. PARAM[a1] .. PARAM[a2] .. PARAM[a3] .. ");\n"
            elseif nargs == 4 then
                local a1, a2, a3, a4 = args[1], args[2], args[3], args[4]
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. SHAPE[a1] .. SHAPE[a2] .. SHAPE[a3] .. SHAPE[a4] ..
                    result .. ": " .. doc .. " */\n" .. ret .. HANDLER .. name .. PARAM[a1] .. PARAM[a2] .. PARAM[a3] ..
                    PARAM[a4] .. ");\n"
            else
                local a1, a2, a3, a4, a5 = args[1], args[2], args[3], args[4], args[5]
                p[n + 1] = "/* " .. nums[sc.num] .. " " .. sc.name .. SHAPE[a1] .. SHAPE[a2] .. SHAPE[a3] .. SHAPE[a4] ..
                    SHAPE[a5] .. result .. ": " .. doc .. " */\n" .. ret .. HANDLER .. name .. PARAM[a1] .. PARAM[a2] ..
                    PARAM[a3] .. PARAM[a4] .. PARAM[a5] .. ");\n"
            end
            n = n + 1
        else
            p[n + 1], p[n + 2], p[n + 3], p[n + 4], n = "/* ", nums[sc.num], " ", sc.name, n + 4
            n = shape(p, n, sc, true)
            p[n + 1], p[n + 2], p[n + 3], n = ": ", comment(sc.doc), " */\n", n + 3
            if sc.results and #sc.results > 0 then p[n + 1], n = results_struct(sc), n + 1 end
            n = prototype(p, n, sc)
            p[n + 1], n = ";\n", n + 1
        end
        if n >= JOIN then n = put_rows(w, p, n) end
    end
    put_rows(w, p, n)
    w("")
    w("#endif /* " .. names.GUARD.handlers_h .. " */")
    return w()
end

return out
