-- The model's fuzz hints: what the generated syscall fuzzer needs to know to keep a call from
-- ending the fuzzing run without leaving the syscall out (`fuzz ...` lines). The kernel never
-- sees them.
local base = require("model_names")

local M = { methods = {} }
local Checker = M.methods
local fail = base.fail

local FUZZ_ARG_HINTS = { own_child = true, max = true, avoid = true }

function Checker:fuzz_value(a, tok, hint)
    if tok.kind ~= "number" and tok.kind ~= "ident" then
        fail(tok, "expected a number or a const name after " .. hint)
    end
    local v = self:resolve(tok, "the fuzz hint " .. hint .. " of " .. a.name)
    local bits = a.type.size * 8
    local top = (a.type.signed and hint == "max") and (1 << (bits - 1)) - 1 or (1 << bits) - 1
    if v.value > top then
        fail(tok, string.format("fuzz %s %d does not fit argument '%s' (%s)", hint, v.value, a.name, a.type.name))
    end
    return v
end

-- Most syscalls have no hints: they share one empty, read-only set.
local NO_HINTS = setmetatable({ isolate = false, args = setmetatable({}, { __newindex = error }) },
    { __newindex = error })

function Checker:fuzz_hints(sc, node)
    if #node.fuzz == 0 then return NO_HINTS end
    local fz = { isolate = false, args = {} }
    for _, line in ipairs(node.fuzz) do
        local words = line.words
        local first = words[1]
        if first.kind == "ident" and first.value == "isolate" then
            if words[2] then fail(words[2], "fuzz isolate takes no values") end
            if fz.isolate then fail(first, "duplicate fuzz hint 'isolate'") end
            fz.isolate = true
        else
            local a
            for _, arg in ipairs(sc.args) do
                if first.kind == "ident" and arg.name == first.value then a = arg end
            end
            if not a then
                fail(first, "fuzz hint '" .. tostring(first.text or first.value) ..
                    "' is neither isolate nor an argument of " .. sc.name,
                    "fuzz isolate, fuzz ARG own_child, fuzz ARG max N or fuzz ARG avoid N...")
            end
            local hint = words[2]
            if not hint or hint.kind ~= "ident" or not FUZZ_ARG_HINTS[hint.value] then
                fail(hint or first, "expected own_child, max or avoid after fuzz " .. a.name)
            end
            if a.kind ~= "scalar" then
                fail(hint, "fuzz hint " .. hint.value .. " applies only to scalar arguments, not '" .. a.name .. "'")
            end
            for _, b in ipairs(sc.args) do
                if b.len_arg == a.index then
                    fail(first, "fuzz hints do not apply to '" .. a.name .. "', the length of '" .. b.name ..
                        "': the fuzzer chooses it with the buffer")
                end
            end
            if fz.args[a.name] then
                fail(first, "argument '" .. a.name .. "' already has a fuzz hint")
            end
            local h = { kind = hint.value }
            if hint.value == "own_child" then
                if words[3] then fail(words[3], "fuzz own_child takes no values") end
            elseif hint.value == "max" then
                if not words[3] or words[4] then
                    fail(words[4] or hint, "fuzz max takes one value")
                end
                h.max = self:fuzz_value(a, words[3], "max")
            else
                if not words[3] then fail(hint, "fuzz avoid needs at least one value") end
                h.avoid = {}
                for i = 3, #words do h.avoid[#h.avoid + 1] = self:fuzz_value(a, words[i], "avoid") end
            end
            fz.args[a.name] = h
        end
    end
    return fz
end

return M
