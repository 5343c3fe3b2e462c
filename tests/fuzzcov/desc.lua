-- What fuzz-cov knows about each syscall, taken from the generator's own model of the .def
-- (gen/model.lua): argument kinds and bounds, the values of flag sets and enums, which calls
-- produce a resource and which arguments consume one, the errors each call may return, and the
-- .def's fuzz hints. Nothing here names a syscall: a new syscall is fuzzed as soon as it is in
-- the .def.
--
-- Language version 2 (/work/coord/lang-v2.md) says it directly: `arg.named` is a flags, enum or
-- resource type, `sc.produces` the resource a call returns. A version 1 file has neither; there
-- the consts whose doc names an argument (`waitpid.flags: ...`) are its values, an `own_child`
-- argument consumes the pids that returns_twice calls (fork) produce, and a call that returns a
-- non-negative i32 may feed any i32 argument.
local M = {}

local function load_model(def)
    local f = assert(io.open(def, "rb"))
    local text = f:read("a")
    f:close()
    return require("model").load(text, def)
end

-- The consts whose doc starts with "SYSCALL.ARG:" (the version 1 way to name values).
local function doc_values(m)
    local by = {}
    for _, c in ipairs(m.consts) do
        local owner = (c.doc or ""):match("^([%w_]+%.[%w_]+):")
        if owner then
            by[owner] = by[owner] or {}
            table.insert(by[owner], c.value)
        end
    end
    return by
end

local function values_of(list)
    local v = {}
    for i, x in ipairs(list) do v[i] = x.value end
    return v
end

local function scalar_desc(sc, a, named_doc)
    local t = a.type
    local d = { kind = "scalar", bits = t.size * 8, signed = t.signed, name = a.name }
    -- A 64-bit argument takes two registers; the first of them holds the low word (low_high)
    -- or the high one.
    if a.regs then d.low_first = a.regs[1] == a.lo_reg end
    local hint = sc.fuzz.args[a.name]
    if hint and hint.kind == "max" then d.max = hint.max.value end
    if hint and hint.kind == "avoid" then d.avoid = values_of(hint.avoid) end
    local named = a.named
    if named and named.kind == "flags" then
        d.flags, d.mask = values_of(named.members), named.mask
    elseif named and named.kind == "enum" then
        d.enum = values_of(named.members)
    elseif named and named.kind == "resource" then
        d.resource = named.name
        d.specials = values_of(named.specials or {})
    elseif hint and hint.kind == "own_child" then
        d.resource = "pid" -- version 1: the hint says the argument is a pid of the caller's
    elseif named_doc[sc.name .. "." .. a.name] then
        d.enum = named_doc[sc.name .. "." .. a.name]
    end
    return d
end

local function arg_desc(sc, a, named_doc)
    if a.kind == "scalar" then return scalar_desc(sc, a, named_doc) end
    if a.kind == "bytes" then
        local len = sc.args[a.len_arg]
        return { kind = "bytes", dir = a.dir, len_arg = a.len_arg, max = a.max and a.max.value,
                 len_bits = a.len_by_ptr and 32 or len.type.size * 8, elem_size = a.elem_size or 1,
                 optional = a.optional, len_by_ptr = a.len_by_ptr }
    end
    if a.kind == "str" then
        local hint = sc.fuzz.args[a.name]
        return { kind = "str", size = a.size.value, optional = a.optional, name = a.name,
                 from = hint and hint.from and { syscall = hint.from.syscall, arg = hint.from.arg },
                 program = hint and hint.kind == "program" }
    end
    return { kind = "ptr", dir = a.dir, size = a.type.size, optional = a.optional }
end

-- The resource a syscall produces: what version 2 declares; in version 1 a returns_twice call
-- (fork) produces pids.
local function produces(sc)
    if sc.produces then return sc.produces.name end
    if sc.attrs.returns_twice then return "pid" end
end

-- The registers of the executor's results, in the order of struct fc_regs (tests/fuzzcov/fc.h,
-- FC_REG_NAMES): a call's extra result is the register the .def's result_registers name.
local function reg_order()
    local f = assert(io.open((debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or ".") .. "/fc.h", "rb"))
    local names = f:read("a"):match('#define FC_REG_NAMES "([^"]+)"')
    f:close()
    local order = {}
    local n = 0
    for r in names:gmatch("%S+") do
        order[r] = n
        n = n + 1
    end
    M.REG_NAMES = {}
    for r, i in pairs(order) do M.REG_NAMES[i] = r end
    return order
end

-- The resources a call's extra results produce: { { resource = NAME, reg = index in fc_regs } }.
local function extra_outputs(sc, order)
    local outs = {}
    for _, r in ipairs(sc.results or {}) do
        if r.named and r.named.kind == "resource" then
            outs[#outs + 1] = { resource = r.named.name, reg = assert(order[r.reg], r.reg), name = r.name }
        end
    end
    return outs
end

-- { syscalls = { desc... }, by_name = {}, resources = { NAME = true }, user_low, user_high,
--   errno_max, errors = { NUM = NAME }, services = { amc service names } }
function M.load(def)
    local m = load_model(def)
    local named_doc = doc_values(m)
    local order = reg_order()
    local D = { syscalls = {}, by_name = {}, errors = {}, resources = {},
                user_low = m.abi.user_low, user_high = m.abi.user_high,
                errno_max = require("model_abi").MAX_ERRNO, version = m.abi.version }
    for _, e in ipairs(m.errors) do D.errors[e.num] = e.name end
    D.services = {}
    for _, svc in ipairs(m.services) do D.services[#D.services + 1] = svc.service end
    for _, sc in ipairs(m.syscalls) do
        local d = { num = sc.num, name = sc.name, args = {}, nargs = #sc.args,
                    unsigned = sc.ret == "u32" or sc.ret == "uptr", declared = {},
                    noreturn = sc.attrs.noreturn, returns_twice = sc.attrs.returns_twice,
                    blocking = sc.attrs.blocking, isolate = sc.fuzz.isolate, produces = produces(sc),
                    extra = extra_outputs(sc, order), after = sc.fuzz.after and sc.fuzz.after.syscall }
        for _, list in ipairs({ sc.errors, sc.implied }) do
            for _, e in ipairs(list) do d.declared[e.num] = e.name end
        end
        local lens = {}
        for _, a in ipairs(sc.args) do
            if a.kind == "bytes" and not a.len_by_ptr then lens[a.len_arg] = true end
        end
        for i, a in ipairs(sc.args) do
            d.args[i] = lens[i] and { kind = "len" } or arg_desc(sc, a, named_doc)
        end
        -- A value-result length (bytes[*LEN]) is a u32 pointer argument its buffer draws.
        for i, a in ipairs(d.args) do
            if a.kind == "bytes" and a.len_by_ptr then d.args[a.len_arg].vr_buf = i end
        end
        if d.produces then D.resources[d.produces] = true end
        for _, o in ipairs(d.extra) do D.resources[o.resource] = true end
        D.syscalls[#D.syscalls + 1] = d
        D.by_name[sc.name] = d
    end
    -- A consumer of a resource nothing produces (a version 1 hint) takes it from any i32 result.
    for _, d in ipairs(D.syscalls) do
        for _, a in ipairs(d.args) do
            if a.resource and not D.resources[a.resource] then a.resource = nil end
        end
    end
    return D
end

-- The positive error number a result register stands for (-ABI_ERRNO_MAX..-1, for signed and
-- unsigned results alike), or nil for a success.
function M.error_of(D, ret)
    return ret >= 0x100000000 - D.errno_max and 0x100000000 - ret or nil
end

return M
