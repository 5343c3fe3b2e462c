-- Tests of the model's semantic checks and of the names registry (gen/names.lua) that need more
-- than a malformed file with one expected error (those are tests/gen/bad/m_*.def): valid input
-- that must be accepted, and the registry's lists proved against the real headers.
-- Run by tests/gen/run.lua: run(report, helpers).
local model = require("model")
local names = require("names")

local HEAD = [[
abi t {
    version %s
    trap %s
    arg_registers ebx ecx edx esi edi
    user_space 0x1000 0xC0000000
}
error EFAULT 14 "Bad address"
error ENOSYS 38 "No such syscall"
error E2BIG 7 "Too big"
error ENAMETOOLONG 36 "Name too long"
]]

local function accepted(text)
    local ok, m = pcall(model.load, text, "t.def")
    if ok then return m end
    return nil, type(m) == "table" and m.format and m:format() or tostring(m)
end

-- abi/README.md: a setting's value may be a const.
local function test_const_settings(report)
    local text = 'const VECTOR 0x80 "the gate"\nconst LANG 1 "language"\n' .. HEAD:format("LANG", "VECTOR") ..
        'syscall 1 t() -> i32 { doc "x" }\n'
    local m, err = accepted(text)
    report("gen_model_const_trap_and_version", m and m.abi.trap == 0x80 and m.abi.version == 1, err)
    if m then
        local abi_h = require("out_abi_h").render(m)
        report("gen_model_const_trap_emitted", abi_h:find("#define ABI_TRAP 0x80\n", 1, true) ~= nil,
            "abi.h lacks ABI_TRAP 0x80")
    end
end

-- A chain of 100,000 nested structs: laid out without a deep Lua stack, in dependency order.
local function test_nested_structs(report)
    local n = 100000
    local parts = { HEAD:format("1", "0x80"), 's0 "leaf" { x: u32 }\n' }
    parts[2] = 'struct s0 "leaf" { x: u32 }\n'
    for i = 1, n do
        -- Each struct holds the next one, defined after it: the deepest dependency comes last.
        parts[#parts + 1] = string.format('struct s%d "link" { inner: s%d }\n', i, i - 1)
    end
    parts[#parts + 1] = string.format('syscall 1 t(p: in s%d) -> i32 { doc "x" }\n', n)
    -- Reverse the definitions so that the first struct needs all the others first.
    local defs = {}
    for i = #parts - 1, 2, -1 do defs[#defs + 1] = parts[i] end
    local text = parts[1] .. table.concat(defs) .. parts[#parts]
    local m, err = accepted(text)
    report("gen_model_100000_nested_structs", m and #m.structs == n + 1 and m.structs[1].name == "s0"
        and m.structs[n + 1].size == 4, err and err:sub(1, 300))
end

-- Argument copies within the default budget are accepted; the budget can be raised.
local function test_stack_budget(report)
    local text = HEAD:format("1", "0x80") .. 'syscall 1 t(a: in str[2000], b: in str[2094]) -> i32 { doc "x" }\n'
    local m, err = accepted(text)
    report("gen_model_stack_budget_at_limit", m ~= nil, err)
    local over = text:gsub("str%[2094%]", "str[2095]")
    report("gen_model_stack_budget_over_limit", accepted(over) == nil, "4097 bytes accepted")
    local lowered = text:gsub("user_space 0x1000 0xC0000000", "user_space 0x1000 0xC0000000\n    kernel_stack_budget 4000")
    report("gen_model_stack_budget_lowered", accepted(lowered) == nil, "4096 bytes accepted with a budget of 4000")
end

-- Every macro the compiler's freestanding headers define (names not reserved to it) is in
-- names.STD_MACROS, and every name there is defined by them: the list cannot drift.
local function test_std_macros(report, h)
    local src = h.tmp .. "/std.c"
    h.write(src, "#include <stddef.h>\n#include <stdint.h>\n#include <limits.h>\n#include <stdarg.h>\n" ..
        "#include <stdbool.h>\n#include <stdnoreturn.h>\n")
    local rc, out = h.sh("i686-linux-gnu-gcc -std=c11 -ffreestanding -dM -E " .. src)
    if rc ~= 0 then
        report("gen_names_std_macros_match_compiler", false, "the compiler failed", out)
        return
    end
    local defined, missing = {}, {}
    for name in out:gmatch("#define ([%a_][%w_]*)") do
        if not name:match("^_") then
            defined[name] = true
            if not names.STD_MACROS[name] then missing[#missing + 1] = name end
        end
    end
    for name in pairs(names.STD_MACROS) do
        if not defined[name] then missing[#missing + 1] = name .. " (not defined by the headers)" end
    end
    table.sort(missing)
    report("gen_names_std_macros_match_compiler", #missing == 0, "differ: " .. table.concat(missing, " "))
end

-- The header scan finds what the runtime declares, with positions.
local function test_runtime_scan(report)
    local found = {}
    for _, r in ipairs(names.runtime()) do found[r.space .. " " .. r.name] = r end
    local want = { "tag fuzz_call", "ordinary fuzz_rand", "tag conf_case", "ordinary strlen", "macro EOF",
                   "macro PAGE_SIZE", "tag proc", "ordinary copy_from_user", "ordinary CONF_EQ", "tag trap_frame" }
    local lacking = {}
    for _, w in ipairs(want) do
        if not found[w] then lacking[#lacking + 1] = w end
    end
    report("gen_names_runtime_scan", #lacking == 0, "not found: " .. table.concat(lacking, ", "))
    local strlen = found["ordinary strlen"]
    report("gen_names_runtime_position", strlen and strlen.pos.line > 1 and strlen.pos.file:match("%.h$") ~= nil,
        "no position for strlen")
    -- A parameter or member is no declaration.
    report("gen_names_runtime_no_params", not found["ordinary dst"] and not found["ordinary rng"],
        "parameters or members were taken for declarations")
end

-- Every fixed name the registry lists appears in some output of the full fixture, so the list
-- holds no stale names.
local function test_fixed_names_used(report, h)
    local m = model.load(h.read(h.root .. "/tests/gen/fixtures/full.def"), "full.def")
    local all = {}
    for _, text in pairs(h.render_all(m)) do all[#all + 1] = text end
    local text = table.concat(all, "\n")
    local unused = {}
    for _, fx in ipairs(names.FIXED) do
        for w in fx.words:gmatch("%S+") do
            if not text:find("%f[%w_]" .. w .. "%f[^%w_]") then unused[#unused + 1] = w end
        end
    end
    report("gen_names_fixed_all_used", #unused == 0, "never generated: " .. table.concat(unused, " "))
end

return function(report, h)
    test_const_settings(report)
    test_nested_structs(report)
    test_stack_budget(report)
    test_std_macros(report, h)
    test_runtime_scan(report)
    test_fixed_names_used(report, h)
end
