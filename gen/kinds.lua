-- What the language-v2 kinds mean to the C and assembly outputs, in one place: a named type's
-- base scalar, a syscall's extra results and 64-bit result, a 64-bit argument's two registers.
-- Every field read here is one of the model's (gen/model.lua's header); a version 1 model has
-- none of them, and these helpers then answer as version 1 always did.
local kinds = {}

local NAMED = { flags = true, enum = true, resource = true }

-- The scalar a type is carried as: a flags, enum or resource type's base, else the type itself.
function kinds.scalar(t)
    if t and NAMED[t.kind] then return t.base end
    return t
end

-- The flags, enum or resource type of a scalar argument, result or field, or nil.
function kinds.named(x)
    if x.named then return x.named end
    if x.type and NAMED[x.type.kind] then return x.type end
    return nil
end

-- The C type of a scalar argument, result or field: a named type's typedef (abi.h), else the
-- scalar's own; user_side picks the user spelling (uintptr_t for uptr).
function kinds.ctype(x, user_side)
    local named = kinds.named(x)
    if named then return require("names").named_type(named) end
    local t = kinds.scalar(x.type)
    return user_side and t.user_ctype or t.ctype
end

-- A member's or special's value as its base type reads it: -1 for an i32 0xFFFFFFFF (the model
-- may hold either spelling).
function kinds.signed_value(base, v)
    if base.signed and v >= 1 << (8 * base.size - 1) then return v - (1 << (8 * base.size)) end
    return v
end

-- The u32 bit pattern of a value (what a register holds).
function kinds.bits(v)
    return v & 0xFFFFFFFF
end

-- The name of a result's out-pointer parameter in a wrapper: r_NAME, made unique among the
-- arguments' names (a result may share its name with an argument: amc_call's w0).
function kinds.result_param(sc, r)
    local taken = {}
    for _, a in ipairs(sc.args) do taken[a.name] = true end
    local name = "r_" .. r.name
    while taken[name] do name = name .. "_" end
    return name
end

-- The extra results of a syscall (result_registers[2..]), in order.
local NONE = {}
function kinds.results(sc)
    return sc.results or NONE
end

function kinds.is64(ret)
    return ret == "i64" or ret == "u64"
end

-- The registers a syscall's result comes back in beyond eax: the high word of a 64-bit result,
-- then the extra results. { { reg, expr (C of the kernel value), what } ... }
function kinds.upper_words(sc)
    local list = {}
    if kinds.is64(sc.ret) then
        list[#list + 1] = { reg = (sc.ret_regs or { "eax", "edx" })[2], high = true }
    end
    for _, r in ipairs(kinds.results(sc)) do list[#list + 1] = { reg = r.reg, result = r } end
    return list
end

-- A 64-bit scalar argument: a.regs are its two registers in register order, a.lo_reg and
-- a.hi_reg those of its low and high words (pair_order applied by the model).
function kinds.is_pair(a)
    return a.kind == "scalar" and a.regs ~= nil
end

function kinds.pair_regs(a)
    return a.lo_reg, a.hi_reg
end

-- The C identifier of a syscall (a C keyword gets a trailing underscore: `break_`).
function kinds.cname(sc)
    return sc.cname or sc.name
end

return kinds
