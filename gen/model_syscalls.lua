-- The model's syscalls and retired numbers: arguments and their checks, attributes, errors, the
-- kernel-stack budget of the entry shim, and the names each syscall claims.
local base = require("model_names")
local types = require("model_types")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods
local fail, note, check_ident = base.fail, base.note, base.check_ident
local SCALARS, TYPE_WORDS, SCALAR_LIST, UNSIGNED_LEN = types.SCALARS, types.TYPE_WORDS, types.SCALAR_LIST,
    types.UNSIGNED_LEN

local MAX_SYSCALL = 65535
local RETURN_TYPES = { i32 = true, u32 = true, uptr = true, void = true }
local ATTRS = { noreturn = true, blocking = true, returns_twice = true }

function Checker:no_option(a, key, why)
    if a[key] then
        local tok = a[key .. "_kw"] or a[key]
        fail(tok, "'" .. tok.value .. "' " .. why)
    end
end

function Checker:arg(sc, a, index, by_name)
    local name = a.name.value
    local arg = { name = name, index = index, kind = a.kind, dir = a.dir and a.dir.value,
                  tok = a.name, toolong_explicit = a.toolong ~= nil }
    if a.kind ~= "bytes" then
        self:no_option(a, "max", "applies only to bytes arguments (str[N] has its own bound)")
    end
    if a.kind == "scalar" or a.kind == "ptr" then
        self:no_option(a, "toolong", "applies only to bytes and str arguments")
    end
    if a.kind ~= "ptr" then
        self:no_option(a, "optional", "applies only to in/out/inout T pointer arguments")
    end
    if a.kind == "scalar" then
        local t = a.type.name
        if self.struct_nodes[t.value] then
            fail(t, "struct " .. t.value .. " cannot be passed in a register",
                "pass a pointer: " .. name .. ": in " .. t.value .. " (or out/inout)")
        end
        if t.value == "char" or TYPE_WORDS[t.value] or not SCALARS[t.value] then
            fail(t, "unknown argument type '" .. t.value .. "'",
                "scalars are " .. SCALAR_LIST .. "; pointers are in/out/inout bytes[LEN], in str[N], in/out/inout T")
        end
        arg.type = SCALARS[t.value]
        if arg.type.size > 4 then
            fail(t, "argument '" .. name .. "' is 64-bit (" .. t.value .. ") and does not fit in one register",
                "pass it in a struct: in T")
        end
        return arg
    end
    arg.efault = self:need_error("EFAULT", a.name, "pointer argument '" .. name .. "'")
    if a.kind == "bytes" then
        local len = by_name[a.len.value]
        if not len then
            fail(a.len, "length '" .. a.len.value .. "' of '" .. name .. "' names no argument of " .. sc.name,
                "bytes[LEN] names the argument that holds the length in bytes")
        end
        if len.kind ~= "scalar" or not UNSIGNED_LEN[len.type.name.value] then
            local what = len.kind == "scalar" and len.type.name.value or (len.kind .. " argument")
            fail(a.len, "length '" .. a.len.value .. "' of '" .. name ..
                "' must be an unsigned integer argument (u8, u16 or u32), not " .. what)
        end
        arg.len_arg, arg.len_name = len.index, a.len.value
        if a.max then
            arg.max = self:resolve(a.max, "the max of " .. name)
            if arg.max.value > self.m.abi.user_high - self.m.abi.user_low then
                fail(a.max, "max " .. arg.max.value .. " is larger than user space")
            end
        end
        if a.toolong and not arg.max then
            fail(a.toolong_kw, "'toolong' needs a 'max' to go with it", "write max N toolong ERROR")
        elseif a.toolong then
            arg.toolong = self:need_error(a.toolong.value, a.toolong, "toolong of '" .. name .. "'")
        elseif arg.max then
            arg.toolong = self:need_error("E2BIG", a.max_kw, "the max of '" .. name .. "'")
        end
        return arg
    elseif a.kind == "str" then
        if arg.dir ~= "in" then
            fail(a.dir, "str arguments are input only", "use out bytes[LEN] to return a string")
        end
        arg.size = self:resolve(a.size, "the length of " .. name)
        if arg.size.value == 0 or arg.size.value > 65535 then
            fail(a.size, "string length must be in 1..65535")
        end
        local enametoolong = self:need_error("ENAMETOOLONG", a.kind_tok, "string argument '" .. name .. "'")
        arg.toolong = a.toolong and self:need_error(a.toolong.value,
            a.toolong, "toolong of '" .. name .. "'") or enametoolong
        return arg
    end
    local t = a.type.name
    if t.value == "char" or TYPE_WORDS[t.value] then
        fail(t, "'" .. t.value .. "' cannot follow '" .. arg.dir .. "'",
            "write " .. arg.dir .. " bytes[LEN], in str[N] or " .. arg.dir .. " TYPE")
    end
    arg.type = self:named_type(t, "argument " .. name)
    arg.optional = a.optional ~= nil
    return arg
end
function Checker:syscall(node)
    local name = node.name.value
    check_ident(node.name, "syscall")
    self:not_macro(node.name, "syscall")
    local sc = { num = node.num.value, name = name, tok = node.name, num_tok = node.num,
                 doc = node.doc, long = node.long, args = {}, attrs = {}, errors = {} }
    if not node.doc then
        fail(node.name, "syscall " .. name .. " has no doc line", 'add doc "what it does" to its body')
    end
    if sc.num > MAX_SYSCALL then
        fail(node.num, "syscall number " .. sc.num .. " is larger than " .. MAX_SYSCALL)
    end
    local regs = self.m.abi.arg_registers
    if #node.args > #regs then
        fail(node.args[#regs + 1].name, string.format("too many arguments: %s takes %d, the limit is %d (arg_registers %s)",
            name, #node.args, #regs, table.concat(regs, " ")), "pass the rest in a struct: in T")
    end
    local by_name = {}
    for i, a in ipairs(node.args) do
        check_ident(a.name, "argument")
        self:not_macro(a.name, "argument")
        if by_name[a.name.value] then
            fail(a.name, "duplicate argument name '" .. a.name.value .. "' in " .. name, nil,
                { note(by_name[a.name.value].name, "first declared here") })
        end
        by_name[a.name.value] = a
        a.index = i
    end
    for i, a in ipairs(node.args) do
        local arg = self:arg(sc, a, i, by_name)
        arg.reg = regs[i]
        sc.args[i] = arg
    end
    self:stack_budget(sc)
    for _, at in ipairs(node.attrs) do
        if not ATTRS[at.value] then
            fail(at, "unknown attribute '" .. at.value .. "'", "attributes are noreturn, blocking and returns_twice")
        end
        if sc.attrs[at.value] then fail(at, "duplicate attribute '" .. at.value .. "'") end
        sc.attrs[at.value] = true
    end
    if not RETURN_TYPES[node.ret.value] then
        fail(node.ret, "unknown return type '" .. node.ret.value .. "'", "return types are i32, u32, uptr and void")
    end
    sc.ret = node.ret.value
    if sc.ret == "void" and not sc.attrs.noreturn then
        fail(node.ret, "only a noreturn syscall can return void", "add `attrs noreturn`, or return i32")
    end
    if sc.attrs.noreturn and sc.ret ~= "void" then
        fail(node.ret, "a noreturn syscall must be declared -> void")
    end
    if sc.attrs.noreturn and sc.attrs.returns_twice then
        fail(node.name, "syscall " .. name .. " cannot be both noreturn and returns_twice")
    end
    local seen = {}
    for _, e in ipairs(node.errors) do
        local err = self.errors[e.value]
        if not err then
            fail(e, "unknown error '" .. e.value .. "' in the errors of " .. name,
                "define it: error " .. e.value .. " N \"text\"")
        end
        if seen[e.value] then fail(e, "error " .. e.value .. " is listed twice") end
        seen[e.value] = true
        sc.errors[#sc.errors + 1] = err
    end
    sc.fuzz = self:fuzz_hints(sc, node)
    -- Errors the entry shim itself can return, whether or not the .def lists them.
    sc.implied = {}
    for _, arg in ipairs(sc.args) do
        for _, e in ipairs({ arg.efault, arg.toolong }) do
            if not seen[e.name] then
                seen[e.name] = true
                sc.implied[#sc.implied + 1] = e
            end
        end
    end
    return sc
end

-- The kernel copies of str and in/out/inout T arguments live on the entry shim's stack frame,
-- on the kernel stack of the calling process: all of them together must fit the budget. (A
-- definition without the kernel outputs describes a kernel that is not ours: no shim.)
function Checker:stack_budget(sc)
    if not self.m.abi.outputs.kernel then return end
    local budget, total = self.m.abi.kernel_stack_budget, 0
    for _, a in ipairs(sc.args) do
        local bytes = a.kind == "str" and a.size.value + 1 or a.kind == "ptr" and a.type.size or 0
        total = total + bytes
        if bytes > 0 and total > budget then
            fail(a.tok, string.format("argument '%s' of %s copies %d bytes onto the kernel stack, more than the " ..
                "budget of %d", a.name, sc.name, bytes, budget), total > bytes and string.format(
                "with the arguments before it, the entry shim would copy %d bytes; pass large inputs as " ..
                "in bytes[LEN] (checked, not copied)", total) or
                "pass a large input as in bytes[LEN] (checked, not copied)")
        end
    end
end

-- Every identifier the outputs spell for a syscall (gen/names.lua), in the registry.
function Checker:claim_syscall(sc)
    local abi = self.m.abi
    local owner = { kind = "syscall", name = sc.name, what = "syscall " .. sc.name, tok = sc.tok }
    local out = abi.outputs
    self:claim("macro", names.sys_macro(sc), "all", owner)
    if out.kernel then
        self:claim("ordinary", names.handler(sc), "kernel", owner)
        self:claim("ordinary", names.shim(sc), "kernel", owner)
    end
    local wrapper = names.wrapper(abi, sc)
    if abi.prefix ~= "" and (names.C_KEYWORDS[wrapper] or wrapper:match("^_[_%u]")) then
        fail(sc.tok, "syscall '" .. sc.name .. "' would generate " .. wrapper .. ", " ..
            (names.C_KEYWORDS[wrapper] and "a C keyword" or "a reserved C identifier"),
            "rename the syscall or change the prefix", { note(abi.setting_tok.prefix, "the prefix is set here") })
    end
    self:claim("ordinary", wrapper, "user", owner)
    if out.fuzz then
        self:claim("ordinary", names.fuzz_picker(sc), "user", owner)
        self:claim("ordinary", names.fuzz_errors(sc), "user", owner)
    end
    if out.conformance then
        self:claim("ordinary", names.conf_regs(sc), "user", owner)
        self:claim("ordinary", names.conf_run_regs(sc), "user", owner)
        self:claim("ordinary", names.conf_errors(sc), "user", owner)
        self:claim("case", names.conf_regs_case(sc), "user", owner)
        for _, a in ipairs(sc.args) do
            -- Argument names join the syscall's in these: a clash names the argument.
            local arg_owner = a.kind ~= "scalar" and { kind = "argument", name = a.name,
                what = "argument " .. a.name .. " of " .. sc.name, tok = a.tok }
            if arg_owner then
                self:claim("ordinary", names.conf_call(sc, a), "user", arg_owner)
                for _, suffix in ipairs(names.CONF_POINTER_CASES) do
                    self:claim("case", names.conf_case(sc, a, suffix), "user", arg_owner)
                end
                if a.kind == "str" then
                    for _, suffix in ipairs(names.CONF_STRING_CASES) do
                        self:claim("case", names.conf_case(sc, a, suffix), "user", arg_owner)
                    end
                end
            end
            if a.max then
                local la = sc.args[a.len_arg]
                self:claim("ordinary", names.conf_len(sc, la), "user", { kind = "argument", name = la.name,
                    what = "argument " .. la.name .. " of " .. sc.name, tok = la.tok })
                self:claim("case", names.conf_case(sc, a, names.CONF_MAX_CASE), "user", arg_owner)
            end
        end
    end
end

-- Sort entries by number; a .def usually lists them in order already, and
-- checking that is linear where sorting is not.
local function sort_by_num(list)
    for i = 2, #list do
        if list[i - 1].num > list[i].num then
            table.sort(list, function(a, b) return a.num < b.num end)
            return
        end
    end
end

function Checker:syscalls_pass()
    local m = self.m
    self.enosys = self:need_error("ENOSYS", self.abi_kw, "the syscall dispatcher")
    local retired_by_num, retired_by_name = {}, {}
    for _, r in ipairs(self.tree.retired) do
        check_ident(r.name, "retired name")
        local prev = retired_by_num[r.num.value]
        if prev then
            fail(r.num, "number " .. r.num.value .. " is retired twice", nil, { note(prev.num, "first retired here") })
        end
        if r.num.value > MAX_SYSCALL then fail(r.num, "syscall number " .. r.num.value .. " is larger than " .. MAX_SYSCALL) end
        retired_by_num[r.num.value] = r
        retired_by_name[r.name.value] = r
        m.retired[#m.retired + 1] = { num = r.num.value, name = r.name.value, why = r.why, tok = r.num }
    end
    local by_num, by_name = {}, {}
    for _, node in ipairs(self.tree.syscalls) do
        local num, name = node.num.value, node.name.value
        if by_num[num] then
            fail(node.num, "duplicate syscall number " .. num .. " (already " .. by_num[num].name.value .. ")",
                "every syscall needs its own number", { note(by_num[num].num, "first used here") })
        end
        if by_name[name] then
            fail(node.name, "duplicate syscall name '" .. name .. "'", nil, { note(by_name[name].name, "first defined here") })
        end
        local r = retired_by_num[num]
        if r then
            fail(node.num, "syscall number " .. num .. " was retired (" .. r.name.value .. "): retired numbers are never reused",
                "give " .. name .. " a new number", { note(r.num, "retired here") })
        end
        r = retired_by_name[name]
        if r then
            fail(node.name, "syscall name '" .. name .. "' was retired (number " .. r.num.value .. ")",
                "old programs may still expect the old meaning; pick another name", { note(r.name, "retired here") })
        end
        by_num[num], by_name[name] = node, node
        local sc = self:syscall(node)
        self:claim_syscall(sc)
        m.syscalls[#m.syscalls + 1] = sc
    end
    sort_by_num(m.syscalls)
    sort_by_num(m.retired)
    local top = -1
    for _, s in ipairs(m.syscalls) do top = math.max(top, s.num) end
    for _, r in ipairs(m.retired) do top = math.max(top, r.num) end
    m.table_size = top + 1
end
return M
