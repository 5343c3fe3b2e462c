-- The model's fuzz hints: what the generated syscall fuzzer needs to know to keep a call from
-- ending the fuzzing run without leaving the syscall out (`fuzz ...` lines). The kernel never
-- sees them. `fuzz ARG from SYSCALL ARG2` says that a string argument names what another call's
-- string argument made (a service amc_register_service registered, for amc_open's name): fuzz-cov
-- passes such names on, and puts the call that makes one before the call that needs it.
-- `fuzz after SYSCALL` says that a call does something only after SYSCALL in the same process
-- (amc_reply_wait serves the service its caller registered): the same, for the whole call.
-- `fuzz ARG program` says that a string argument names a program (a boot module: spawn's name).
local base = require("model_names")

local M = { methods = {} }
local Checker = M.methods
local fail = base.fail

local FUZZ_ARG_HINTS = { own_child = true, max = true, avoid = true, from = true, program = true }
local STRING_HINTS = { from = true, program = true }

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

-- `fuzz ARG from SYSCALL ARG2`: { syscall = name, arg = name } of another call's string argument,
-- checked once every syscall is known (Checker:fuzz_from_pass).
function Checker:fuzz_from(a, words)
    local call, arg = words[3], words[4]
    if not call or call.kind ~= "ident" or not arg or arg.kind ~= "ident" or words[5] then
        fail(words[5] or arg or call or words[2], "fuzz " .. a.name .. " from takes a syscall and one of its arguments",
            "fuzz " .. a.name .. " from SYSCALL ARG")
    end
    local f = { syscall = call.value, arg = arg.value, name = a.name, tok = call, arg_tok = arg }
    self.fuzz_from_hints = self.fuzz_from_hints or {}
    self.fuzz_from_hints[#self.fuzz_from_hints + 1] = f
    return f
end

-- After the last syscall (gen/model.lua): every `from` hint names a syscall of the file and a
-- string argument of it, every `after` hint a syscall.
function Checker:fuzz_from_pass()
    for _, f in ipairs(self.fuzz_from_hints or {}) do
        local src = self.sc_by_name[f.syscall]
        if not src then
            fail(f.tok, "fuzz " .. (f.arg and (f.name .. " from") or "after") .. ": no syscall '" .. f.syscall .. "'")
        end
        local found
        for _, b in ipairs(src.args) do
            if b.name == f.arg then found = b end
        end
        if f.arg and (not found or found.kind ~= "str") then
            fail(f.arg_tok, "fuzz " .. f.name .. " from: '" .. f.arg .. "' is not a string argument of " .. f.syscall)
        end
        f.tok, f.arg_tok = nil, nil
    end
    self.fuzz_from_hints = nil
end

-- Most syscalls have no hints: they share one empty, read-only set.
local NO_HINTS = setmetatable({ isolate = false, after = false, args = setmetatable({}, { __newindex = error }) },
    { __newindex = error })

M.NO_HINTS = NO_HINTS

function Checker:fuzz_hints(sc, node)
    if #node.fuzz == 0 then return NO_HINTS end
    local fz = { isolate = false, after = false, args = {} }
    for _, line in ipairs(node.fuzz) do
        local words = line.words
        local first = words[1]
        if first.kind == "ident" and first.value == "isolate" then
            if words[2] then fail(words[2], "fuzz isolate takes no values") end
            if fz.isolate then fail(first, "duplicate fuzz hint 'isolate'") end
            fz.isolate = true
        elseif first.kind == "ident" and first.value == "after" then
            local call = words[2]
            if not call or call.kind ~= "ident" or words[3] then
                fail(words[3] or call or first, "fuzz after takes one syscall name", "fuzz after SYSCALL")
            end
            if fz.after then fail(first, "duplicate fuzz hint 'after'") end
            fz.after = { syscall = call.value, tok = call, name = sc.name }
            self.fuzz_from_hints = self.fuzz_from_hints or {}
            self.fuzz_from_hints[#self.fuzz_from_hints + 1] = fz.after
        else
            local a
            for _, arg in ipairs(sc.args) do
                if first.kind == "ident" and arg.name == first.value then a = arg end
            end
            if not a then
                fail(first, "fuzz hint '" .. tostring(first.text or first.value) ..
                    "' is neither isolate nor an argument of " .. sc.name,
                    "fuzz isolate, fuzz after SYSCALL, fuzz ARG own_child, fuzz ARG max N, fuzz ARG avoid N..., " ..
                    "fuzz ARG from SYSCALL ARG or fuzz ARG program")
            end
            local hint = words[2]
            if not hint or hint.kind ~= "ident" or not FUZZ_ARG_HINTS[hint.value] then
                fail(hint or first, "expected own_child, max, avoid, from or program after fuzz " .. a.name)
            end
            if STRING_HINTS[hint.value] then
                if a.kind ~= "str" then
                    fail(hint, "fuzz hint " .. hint.value .. " applies only to string arguments, not '" .. a.name .. "'")
                end
            elseif a.kind ~= "scalar" then
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
            if hint.value == "from" then
                h.from = self:fuzz_from(a, words)
            elseif hint.value == "program" then
                if words[3] then fail(words[3], "fuzz program takes no values") end
            elseif hint.value == "own_child" then
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
