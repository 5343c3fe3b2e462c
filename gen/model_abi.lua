-- The model's abi block (settings) and its consts and errors.
local diag = require("diag")
local base = require("model_names")

local M = { methods = {} }
local Checker = M.methods
local fail, note, check_ident, check_macro = base.fail, base.note, base.check_ident, base.check_macro

-- Language versions: 1 is the original language, 2 adds the kinds of abi/README.md's "Language
-- version 2" (flags, enums, resources, arrays by count, value-result lengths, 64-bit scalars,
-- extra results, ...). A version 1 file is read as before; a v2 word in it is an error there.
M.VERSIONS = { [1] = true, [2] = true }
M.LATEST_VERSION = 2
M.MAX_ERRNO = 4095
local REGISTERS = { ebx = true, ecx = true, edx = true, esi = true, edi = true, ebp = true }
-- Registers a syscall may return a word in (v2 result_registers); eax, the status word, first.
local RESULT_REGISTERS = { eax = true, ebx = true, ecx = true, edx = true, esi = true, edi = true }
M.MAX_RESULTS = 3
M.PAIR_ORDERS = { low_high = true, high_low = true }
-- Groups of generated files an abi block may ask for (`outputs ...`); abi.h is always written.
M.OUTPUT_GROUPS = { kernel = true, user = true, amc = true, conformance = true, fuzz = true, json = true }
local OUTPUT_GROUP_LIST = "kernel user amc conformance fuzz json"
local PAGE = 0x1000
local USER_TOP = 0xFFFFF000
-- The send helpers declare a payload buffer of this size: the largest C object on i386.
local AMC_MAX_MESSAGE_LIMIT = 0x7FFFFFFF
-- Bytes of argument copies (in str[N], in/out/inout T) one syscall's entry shim may put on the
-- kernel stack: half of the kernel's 8 KiB stack, the rest is the handler's and the interrupt
-- frames'. The abi block may set a lower kernel_stack_budget.
M.DEFAULT_STACK_BUDGET = 4096
local MAX_STACK_BUDGET = M.DEFAULT_STACK_BUDGET

local SETTINGS = {
    version = "number", trap = "number", arg_registers = "registers", user_space = "range",
    amc_max_message = "size", amc_name_max = "size", prefix = "prefix", outputs = "outputs",
    kernel_stack_budget = "number", pair_order = "pair_order", result_registers = "result_registers",
}
local SETTING_LIST = "version trap arg_registers user_space amc_max_message amc_name_max prefix outputs " ..
    "kernel_stack_budget pair_order result_registers"
-- The settings of language version 2.
local V2_SETTINGS = { pair_order = true, result_registers = true }

function Checker:setting_value(s)
    local key, values, shape = s.key, s.values, SETTINGS[s.key.value]
    local function count(n)
        if #values ~= n then
            fail(values[n + 1] or key, "setting " .. key.value .. " takes " .. n ..
                (n == 1 and " value" or " values") .. ", got " .. #values)
        end
    end
    if shape == "number" then
        count(1)
        if values[1].kind ~= "number" and values[1].kind ~= "ident" then
            fail(values[1], key.value .. " must be a number or a const name")
        end
        return self:resolve(values[1], key.value).value
    elseif shape == "size" then
        count(1)
        return self:resolve(values[1], key.value)
    elseif shape == "range" then
        count(2)
        return { self:resolve(values[1], key.value), self:resolve(values[2], key.value) }
    elseif shape == "prefix" then
        count(1)
        local v = values[1]
        if v.kind == "number" or not (v.value == "" or v.value:match("^[%a_][%w_]*$")) then
            fail(v, "prefix must be a C identifier prefix (letters, digits, _), or \"\"",
                "it starts every wrapper's name, so it cannot start with a digit")
        end
        if v.value:match("^_[_%u]") then
            fail(v, "prefix '" .. v.value .. "' makes reserved C identifiers (they start with __ or _ and a capital)")
        end
        return v.value
    elseif shape == "outputs" then
        return self:output_groups(key, values)
    elseif shape == "pair_order" then
        count(1)
        if values[1].kind ~= "ident" or not M.PAIR_ORDERS[values[1].value] then
            fail(values[1], "pair_order must be low_high or high_low",
                "low_high: the low word of a 64-bit argument goes in the first of its two registers")
        end
        return values[1].value
    elseif shape == "result_registers" then
        return self:result_registers(key, values)
    end
    if #values == 0 then fail(key, "arg_registers needs at least one register") end
    local regs, seen = {}, {}
    for _, v in ipairs(values) do
        if v.kind ~= "ident" or not REGISTERS[v.value] then
            fail(v, "'" .. tostring(v.text or v.value) .. "' is not an argument register",
                "use ebx ecx edx esi edi ebp (eax carries the syscall number)")
        end
        if seen[v.value] then fail(v, "register " .. v.value .. " is listed twice") end
        seen[v.value] = true
        regs[#regs + 1] = v.value
    end
    return regs
end

-- `result_registers eax edx ecx`: the registers a syscall returns words in, eax (the status or
-- error word) first; at most MAX_RESULTS.
function Checker:result_registers(key, values)
    if #values == 0 or values[1].value ~= "eax" then
        fail(values[1] or key, "result_registers must start with eax (the status/error word)",
            "for example: result_registers eax edx ecx")
    end
    if #values > M.MAX_RESULTS then
        fail(values[M.MAX_RESULTS + 1], "at most " .. M.MAX_RESULTS .. " result registers")
    end
    local regs, seen = {}, {}
    for _, v in ipairs(values) do
        if v.kind ~= "ident" or not RESULT_REGISTERS[v.value] then
            fail(v, "'" .. tostring(v.text or v.value) .. "' is not a result register",
                "use eax first, then any of ebx ecx edx esi edi")
        end
        if seen[v.value] then fail(v, "register " .. v.value .. " is listed twice") end
        seen[v.value] = true
        regs[#regs + 1] = v.value
    end
    return regs
end

-- A word of language version 2 in a version 1 file is refused where it stands.
function Checker:need_v2(tok, what)
    if self.m.abi.version < 2 then
        fail(tok, (what or ("'" .. tostring(tok.value) .. "'")) .. " needs language version 2",
            "set `version 2` in the abi block (abi/README.md, \"Language version 2\")")
    end
end

-- `outputs kernel user ...`: the set of output groups to generate.
function Checker:output_groups(key, values)
    if #values == 0 then fail(key, "outputs needs at least one of " .. OUTPUT_GROUP_LIST) end
    local groups = {}
    for _, v in ipairs(values) do
        if v.kind ~= "ident" or not M.OUTPUT_GROUPS[v.value] then
            fail(v, "'" .. tostring(v.text or v.value) .. "' is not an output group",
                "groups are " .. OUTPUT_GROUP_LIST)
        end
        if groups[v.value] then fail(v, "output group " .. v.value .. " is listed twice") end
        groups[v.value] = true
    end
    return groups
end

-- Range checks of the settings whose values the outputs emit.
function Checker:check_settings(abi, seen, block)
    for _, key in ipairs({ "version", "trap", "arg_registers", "user_space" }) do
        if abi[key] == nil then
            fail(block.name, "abi block lacks the required setting '" .. key .. "'")
        end
    end
    local value = self.setting_values -- the value tokens, where a value is wrong
    if not M.VERSIONS[abi.version] then
        fail(value.version[1], "unsupported abi version " .. abi.version,
            "this generator understands versions 1 and " .. M.LATEST_VERSION)
    end
    for key in pairs(V2_SETTINGS) do
        if abi.version < 2 and seen[key] then
            fail(seen[key], "setting " .. key .. " needs language version 2",
                "set `version 2` in the abi block (abi/README.md, \"Language version 2\")")
        end
    end
    if abi.trap > 255 then fail(value.trap[1], "trap vector " .. abi.trap .. " is not in 0..255") end
    if abi.trap < 32 then
        fail(value.trap[1], "trap vector " .. abi.trap .. " is a CPU exception vector (0..31)",
            "pick a free vector from 32 to 255, e.g. 0x80")
    end
    local low, high = abi.user_space[1], abi.user_space[2]
    if low.value == 0 or low.value >= high.value then
        fail(seen.user_space, "user_space must be [low, high) with 0 < low < high")
    end
    -- HIGH at most 0xFFFFF000 and both page-aligned: the exclusive end and the addresses the
    -- outputs derive from it (the conformance cases' kernel address) stay u32, and the last page
    -- is never the user's.
    if high.value > USER_TOP then
        fail(value.user_space[2], string.format("user_space must end below 0x%X, so that kernel addresses exist above it",
            USER_TOP))
    end
    for i, v in ipairs({ low, high }) do
        if v.value % PAGE ~= 0 then
            fail(value.user_space[i], string.format("user_space %s 0x%X is not on a 4 KiB page boundary",
                i == 1 and "start" or "end", v.value), "user pointers are checked page by page; use a multiple of 0x1000")
        end
    end
    if abi.amc_max_message and abi.amc_max_message.value < 4 then
        fail(seen.amc_max_message, "amc_max_message must leave room for the 4-byte discriminator")
    end
    if abi.amc_max_message and abi.amc_max_message.value > AMC_MAX_MESSAGE_LIMIT then
        fail(seen.amc_max_message, "amc_max_message " .. abi.amc_max_message.value .. " is larger than " ..
            AMC_MAX_MESSAGE_LIMIT .. " (the largest C object on i386)")
    end
    if abi.amc_name_max and (abi.amc_name_max.value < 1 or abi.amc_name_max.value > 65535) then
        fail(seen.amc_name_max, "amc_name_max must be in 1..65535")
    end
    if abi.kernel_stack_budget and (abi.kernel_stack_budget < 1 or abi.kernel_stack_budget > MAX_STACK_BUDGET) then
        fail(value.kernel_stack_budget[1], "kernel_stack_budget must be in 1.." .. MAX_STACK_BUDGET ..
            " (bytes of the 8 KiB kernel stack)")
    end
end

function Checker:abi_block()
    local tree = self.tree
    if #tree.abis == 0 then
        diag.fail({ file = self.file, line = 1, col = 1 }, "missing `abi NAME { ... }` settings block",
            "see abi/README.md for the settings")
    end
    if #tree.abis > 1 then
        fail(tree.abis[2].kw, "duplicate abi block", nil, { note(tree.abis[1].kw, "first abi block") })
    end
    local block = tree.abis[1]
    self.abi_kw = block.kw
    check_ident(block.name, "ABI name")
    local seen, abi = {}, { name = block.name.value }
    self.setting_values = {}
    for _, s in ipairs(block.settings) do
        local key = s.key.value
        if not SETTINGS[key] then
            fail(s.key, "unknown abi setting '" .. key .. "'", "known settings: " .. SETTING_LIST)
        end
        if seen[key] then
            fail(s.key, "duplicate setting '" .. key .. "'", nil, { note(seen[key], "first set here") })
        end
        seen[key], self.setting_values[key] = s.key, s.values
        abi[key] = self:setting_value(s)
    end
    self:check_settings(abi, seen, block)
    local low, high = abi.user_space[1], abi.user_space[2]
    abi.user_low, abi.user_high = low.value, high.value
    abi.prefix = abi.prefix or ""
    abi.kernel_stack_budget = abi.kernel_stack_budget or M.DEFAULT_STACK_BUDGET
    abi.pair_order = abi.pair_order or "low_high"
    abi.result_registers = abi.result_registers or { "eax" }
    if not abi.outputs then
        abi.outputs = {}
        for g in pairs(M.OUTPUT_GROUPS) do abi.outputs[g] = true end
    end
    abi.setting_tok, abi.kw = seen, block.kw
    return abi
end

----------------------------------------------------------------------------
-- consts and errors

-- Consts and errors in the order of the file, so that a clash is reported at the later one.
local function in_file_order(consts, errors)
    local all, i, j = {}, 1, 1
    local function before(a, b)
        return a.name.line < b.name.line or (a.name.line == b.name.line and a.name.col < b.name.col)
    end
    while i <= #consts or j <= #errors do
        if j > #errors or (i <= #consts and before(consts[i], errors[j])) then
            all[#all + 1] = { node = consts[i], const = true }
            i = i + 1
        else
            all[#all + 1] = { node = errors[j] }
            j = j + 1
        end
    end
    return all
end

-- The consts and errors from tree.consts[c_from] and tree.errors[e_from] on (the driver checks
-- those above the syscalls first and any below them at the end).
function Checker:consts_and_errors(c_from, e_from)
    local by_num, macros = self.error_by_num, self.macro_names
    local consts, errors = {}, {}
    for i = c_from, #self.tree.consts do consts[#consts + 1] = self.tree.consts[i] end
    for i = e_from, #self.tree.errors do errors[#errors + 1] = self.tree.errors[i] end
    for _, item in ipairs(in_file_order(consts, errors)) do
        local c, kind = item.node, item.const and "const" or "error"
        check_ident(c.name, kind)
        check_macro(c.name, kind)
        local prev = macros[c.name.value]
        if prev then
            local msg = prev.kind == kind and ("duplicate " .. kind .. " " .. c.name.value)
                or ("name '" .. c.name.value .. "' of " .. kind .. " " .. c.name.value .. " clashes with " ..
                    prev.kind .. " " .. c.name.value)
            fail(c.name, msg, nil, { note(prev.tok, "first defined here") })
        end
        macros[c.name.value] = { kind = kind, tok = c.name }
        if item.const then
            local entry = { name = c.name.value, value = c.value.value, expr = c.value.text, doc = c.doc,
                            tok = c.name }
            self.consts[entry.name] = entry
            self.m.consts[#self.m.consts + 1] = entry
        else
            local num = c.value.value
            if num < 1 or num > M.MAX_ERRNO then
                fail(c.value, "error number " .. num .. " is not in 1.." .. M.MAX_ERRNO)
            end
            if by_num[num] then
                fail(c.value, "duplicate error number " .. num .. " (already " .. by_num[num].name.value .. ")",
                    nil, { note(by_num[num].value, "first used here") })
            end
            by_num[num] = c
            local entry = { name = c.name.value, num = num, text = c.doc, tok = c.name }
            self.errors[entry.name] = entry
            self.m.errors[#self.m.errors + 1] = entry
        end
    end
end

-- The macros of consts and errors meet every name of the generated files.
function Checker:claim_consts_and_errors(c_from, e_from)
    for i = c_from, #self.m.consts do
        local c = self.m.consts[i]
        self:claim_free("macro", c.name, "all", { kind = "const", name = c.name, what = "const " .. c.name, tok = c.tok })
    end
    for i = e_from, #self.m.errors do
        local e = self.m.errors[i]
        self:claim_free("macro", e.name, "all", { kind = "error", name = e.name, what = "error " .. e.name, tok = e.tok })
    end
end

-- Error aliases (v2, `error EWOULDBLOCK = EAGAIN "doc"`) from tree.aliases[from] on: a second
-- name for an error's number. The name is a macro like an error's; the target must be a real
-- error (not another alias), defined anywhere in the file.
function Checker:error_aliases(from)
    local macros = self.macro_names
    for i = from, #self.tree.aliases do
        local a = self.tree.aliases[i]
        self:need_v2(a.alias, "an error alias")
        check_ident(a.name, "error alias")
        check_macro(a.name, "error alias")
        local prev = macros[a.name.value]
        if prev then
            fail(a.name, "name '" .. a.name.value .. "' of error alias " .. a.name.value .. " clashes with " ..
                prev.kind .. " " .. a.name.value, nil, { note(prev.tok, "first defined here") })
        end
        local target = self.errors[a.target.value]
        if not target then
            local hint = self.aliases[a.target.value] and "an alias names a real error, not another alias"
                or ("define it: error " .. a.target.value .. " N \"text\"")
            fail(a.target, "error alias " .. a.name.value .. " names unknown error '" .. a.target.value .. "'", hint)
        end
        macros[a.name.value] = { kind = "error alias", tok = a.name }
        local entry = { name = a.name.value, target = target, doc = a.doc, tok = a.name }
        self.aliases[entry.name] = entry
        self.m.error_aliases[#self.m.error_aliases + 1] = entry
        self:claim_free("macro", entry.name, "all", { kind = "error alias", name = entry.name,
            what = "error alias " .. entry.name, tok = entry.tok })
    end
end

return M
