-- A minimized fuzz-cov program as a C guest test (tests/guest/repro/NAME.c): the same calls
-- through the same runtime (tests/fuzzcov/fc_rt.c), named by their SYS_ and error names from
-- the generated abi.h (no ABI number is written here). The test fails while the bug is there:
-- a panic or a hang fails its boot, an error the .def does not declare fails the program (every
-- call is checked), a leak fails the kstat check.
local P = require("prog")
local desc = require("desc")

local R = {}

local function c_string(s)
    return '"' .. s:gsub('[%c"\\\128-\255]', function(ch) return string.format("\\%03o", ch:byte()) end) .. '"'
end

local function c_arg(a, index)
    if a.t == "lit" then return string.format("0x%xu", a.v) end
    if a.t == "pair" then return string.format("0x%xu, 0x%xu", a.words[1], a.words[2]) end
    if a.t == "res" then return string.format("r[%d][fc_reg_%s]", index[a.call] - 1, desc.REG_NAMES[a.reg or 0]) end
    if a.t == "scr" then return string.format("FC_SCR(0x%xu)", a.off) end
    if a.t == "heap" then return string.format("FC_HEAP(0x%xu)", a.off) end
    if a.t == "word" then return string.format("fc_word(0x%xu, 0x%xu)", a.off, a.v) end
    return string.format("fc_put(0x%xu, %s, %du)", a.off, c_string(a.bytes), #a.bytes)
end

-- The C text. info: { name, what (one line), how (how it was found), description (lines) }.
function R.render(prog, info)
    local index = {}
    for k, c in ipairs(prog.calls) do index[c] = k end
    local w = {}
    local function line(fmt, ...) w[#w + 1] = string.format(fmt, ...) end
    line("/*")
    line(" * fuzz-cov reproducer: %s", info.what)
    line(" * %s", info.how)
    line(" * Written by tests/fuzzcov/loop.lua; it fails until the bug is fixed. The program:")
    line(" *")
    for l in info.description:gmatch("[^\n]+") do line(" *   %s", l) end
    line(" */")
    line('#include "fc.h"')
    line('#include "gtest.h"')
    line("")
    local used = {}
    for _, c in ipairs(prog.calls) do
        if not used[c.d.name] then
            used[c.d.name] = true
            local errs = {}
            for num, name in pairs(c.d.declared) do errs[#errs + 1] = { num, name } end
            table.sort(errs, function(a, b) return a[1] < b[1] end)
            local names = {}
            for i, e in ipairs(errs) do names[i] = e[2] end
            names[#names + 1] = "0"
            line("static const uint16_t errors_%s[] = {%s};", c.d.name, table.concat(names, ", "))
        end
    end
    line("")
    line("static void program(const void *unused)")
    line("{")
    line("    (void)unused;")
    line("    static uint32_t r[%d][FC_NREGS];", math.max(#prog.calls, 1))
    line("    fc_setup(0x%xu);", prog.seed)
    local span = P.structure(prog)
    -- Calls from..to, at depth (a fork's child runs the calls of its span in a block of its own).
    local function calls(from, to, depth)
        local pad = string.rep("    ", depth)
        local k = from
        while k <= to do
            local c = prog.calls[k]
            local args = {}
            for i, a in ipairs(c.args) do args[i] = c_arg(a, index) end
            args[#args + 1] = "0"
            line("%s{", pad)
            line("%s    const uint32_t a[] = {%s};", pad, table.concat(args, ", "))
            local off, len = P.guard(c)
            if off then line("%s    fc_guard_take(0x%xu, %du);", pad, off, len) end
            local vrs = P.value_results(c)
            for _, v in ipairs(vrs) do
                line("%s    fc_guard_value_result(a[%d], a[%d], 0x%xu, %du, %du);", pad, v.buf, v.lenp, v.max, v.es,
                    v.len)
            end
            local nwords = 0
            for _, a in ipairs(c.args) do nwords = nwords + (a.t == "pair" and 2 or 1) end
            line("%s    fc_trap(SYS_%s, a, %d, r[%d]);", pad, c.d.name, nwords, k - 1)
            local last = k + (span[c] or 0)
            if c.d.returns_twice then
                line("%s    if (fc_new_process(r[%d][fc_reg_eax])) {", pad, k - 1)
                calls(k + 1, last, depth + 2)
                line("%s        fc_child_exit(%du);", pad, c.child)
                line("%s    }", pad)
            end
            if off or #vrs > 0 then line('%s    fc_check_guard(%d, "%s");', pad, k - 1, c.d.name) end
            line('%s    fc_check_error(%d, "%s", r[%d][fc_reg_eax], errors_%s);', pad, k - 1, c.d.name, k - 1,
                c.d.name)
            line("%s}", pad)
            k = last + 1
        end
    end
    calls(1, #prog.calls, 1)
    line("    fc_end_children();")
    line("}")
    line("")
    line("static void test_repro(void)")
    line("{")
    line("    struct kstat base;")
    line("    CHECK_EQ(kstat(&base), 0);")
    line("    struct wait_info info;")
    line("    int killed = fc_run(program, 0, &info);")
    line("    CHECK(killed >= 0);")
    line("    CHECK(killed || info.cause != WAIT_EXITED || info.status != 99);")
    line("    char why[160];")
    line("    int back = fc_counters_back(&base, why, sizeof why);")
    line("    if (!back)")
    line('        printf("  %%s\\n", why);')
    line("    CHECK(back);")
    line("}")
    line("")
    line("int main(void)")
    line("{")
    line('    static const struct gtest tests[] = {{"%s", test_repro}};', info.name)
    line("    return gtest_run(tests, 1) ? 1 : 0;")
    line("}")
    return table.concat(w, "\n") .. "\n"
end

return R
