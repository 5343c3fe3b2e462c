-- A version 2 model for the output tests, built from tests/gen/fixtures/full.def's model with
-- the fields of lang-v2.md added by hand: the outputs' side of the v2 kinds can be tested before
-- (and apart from) the parser's. Named types: flags opts, enums mode (contiguous) and sparse,
-- resource handle; syscalls with extra results, a 64-bit result and a 64-bit argument.
local model = require("model")
local types = require("model_types")

local S = types.SCALARS

return function(text, file)
    local m = model.load(text, file)
    m.abi.version = 2
    m.abi.pair_order = "low_high"
    m.abi.result_registers = { "eax", "edx", "ecx" }
    local function err(name)
        for _, e in ipairs(m.errors) do
            if e.name == name then return e end
        end
        error("fixture lacks " .. name)
    end
    local opts = { kind = "flags", name = "opts", doc = "Options.", base = S.u32, mask = 0x5,
                   members = { { name = "OPT_A", value = 0x1, doc = "first" }, { name = "OPT_C", value = 0x4, doc = "third" } } }
    local mode = { kind = "enum", name = "level", doc = "Modes.", base = S.u32,
                   members = { { name = "MODE_OFF", value = 0, doc = "off" }, { name = "MODE_ON", value = 1, doc = "on" },
                               { name = "MODE_AUTO", value = 2, doc = "auto" } } }
    local sparse = { kind = "enum", name = "sparse", doc = "Sparse values.", base = S.u32,
                     members = { { name = "SP_ONE", value = 1, doc = "one" }, { name = "SP_FIVE", value = 5, doc = "five" } } }
    local handle = { kind = "resource", name = "handle", doc = "A handle.", base = S.i32,
                     specials = { { name = "NO_HANDLE", value = -1, doc = "none" } }, producers = {}, consumers = {} }
    m.flags, m.enums, m.resources = { opts }, { mode, sparse }, { handle }
    -- Members and specials are consts too (abi.h's macros, the lock's consts), as the model has them.
    for _, t in ipairs({ opts, mode, sparse, handle }) do
        for _, v in ipairs(t.members or t.specials) do
            v.member_of = t
            m.consts[#m.consts + 1] = { name = v.name, value = v.value & 0xFFFFFFFF,
                                        expr = v.value < 0 and string.format("0x%X", v.value & 0xFFFFFFFF) or nil,
                                        doc = v.doc, member_of = t }
        end
    end
    m.error_aliases = {}
    local function scalar(name, index, reg, t, named)
        return { name = name, index = index, reg = reg, kind = "scalar", type = t, named = named }
    end
    local function syscall(num, name, args, ret, extra)
        local sc = { num = num, name = name, cname = name, doc = "A v2 syscall.", ret = ret, attrs = {}, args = args,
                     errors = { err("EINVAL") }, implied = {}, fuzz = { isolate = false, args = {} }, results = {} }
        for k, v in pairs(extra or {}) do sc[k] = v end
        m.syscalls[#m.syscalls + 1] = sc
        m.table_size = math.max(m.table_size, num + 1)
        return sc
    end
    local call = syscall(20, "pair_call", { scalar("h", 1, "ebx", S.i32, handle), scalar("o", 2, "ecx", S.u32, opts),
        scalar("md", 3, "edx", S.u32, mode) }, "i32", {
        results = { { name = "w0", type = S.u32, reg = "edx" }, { name = "w1", type = S.i32, reg = "ecx" } } })
    call.implied = { err("EINVAL") }
    handle.consumers[1] = { syscall = call, arg = call.args[1] }
    syscall(21, "clock64", {}, "u64", { ret_regs = { "eax", "edx" } })
    local pos = scalar("pos", 2, "ecx", S.i64)
    pos.regs, pos.lo_reg, pos.hi_reg = { "ecx", "edx" }, "ecx", "edx"
    syscall(22, "seek", { scalar("fd", 1, "ebx", S.i32), pos, scalar("sp", 3, "esi", S.u32, sparse) }, "i64",
        { ret_regs = { "eax", "edx" } })
    local made = syscall(23, "make", {}, "i32", { produces = handle, ret_type = handle })
    handle.producers[1] = made
    table.sort(m.syscalls, function(a, b) return a.num < b.num end)
    return m
end
