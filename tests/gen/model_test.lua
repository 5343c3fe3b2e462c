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
        local abi_base_h = require("out_abi_h").render(m, "base")
        report("gen_model_const_trap_emitted", abi_base_h:find("#define ABI_TRAP 0x80\n", 1, true) ~= nil,
            "abi_base.h lacks ABI_TRAP 0x80")
    end
end

-- A chain of nested structs is laid out without recursion, in dependency order: the deepest Lua
-- call depth while loading a chain of 4,000 structs is that of a chain of 1,000 (a recursive
-- layout would be thousands of calls deeper, and fail on a long enough chain).
local function nested_chain(n)
    local parts = { HEAD:format("1", "0x80") }
    -- Each struct holds the one defined before it in the list, reversed below: the first struct
    -- of the file needs all the others first.
    local defs = { 'struct s0 "leaf" { x: u32 }\n' }
    for i = 1, n do defs[#defs + 1] = string.format('struct s%d "link" { inner: s%d }\n', i, i - 1) end
    for i = #defs, 1, -1 do parts[#parts + 1] = defs[i] end
    parts[#parts + 1] = string.format('syscall 1 t(p: in s%d) -> i32 { doc "x" }\n', n)
    local depth, max = 0, 0
    debug.sethook(function(event)
        if event == "return" then
            depth = depth - 1
        elseif event == "call" then -- a tail call replaces its caller's frame
            depth = depth + 1
            if depth > max then max = depth end
        end
    end, "cr")
    local m, err = accepted(table.concat(parts))
    debug.sethook()
    return m, err, max
end

local function test_nested_structs(report)
    local m1, err1, d1 = nested_chain(1000)
    local m4, err4, d4 = nested_chain(4000)
    report("gen_model_nested_structs_in_order", m1 and m4 and #m4.structs == 4001 and m4.structs[1].name == "s0"
        and m4.structs[4001].size == 4, (err1 or err4 or ""):sub(1, 300))
    report("gen_model_nested_structs_flat_stack", m1 and m4 and d4 - d1 < 50,
        string.format("call depth %d for 1,000 nested structs, %d for 4,000", d1, d4))
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

-- The model fields of language version 2 (gen/model.lua's header), on tests/gen/edge/v2_kinds.def.

local function test_v2_model(report, h)
    local text = h.read(h.root .. "/tests/gen/edge/v2_kinds.def")
    local m, err = accepted(text)
    report("gen_model_v2_accepted", m ~= nil, err)
    if not m then return end
    local sc = {}
    for _, s in ipairs(m.syscalls) do sc[s.name] = s end
    local function list(t, f)
        local out = {}
        for i, x in ipairs(t) do out[i] = f(x) end
        return table.concat(out, " ")
    end
    local function is(name, got, want)
        report("gen_model_v2_" .. name, got == want, "got `" .. tostring(got) .. "`, want `" .. tostring(want) .. "`")
    end
    is("abi", m.abi.version .. " " .. m.abi.pair_order .. " " .. table.concat(m.abi.result_registers, " "),
        "2 low_high eax edx ecx")
    is("aliases", list(m.error_aliases, function(a) return a.name .. "=" .. a.target.name .. ":" .. tostring(a.doc) end),
        "EWOULDBLOCK=EAGAIN:Operation would block EDEADLOCK=EINVAL:nil")
    local flags = m.flags[1]
    is("flags", flags.kind .. " " .. flags.name .. " " .. flags.base.name .. " " .. flags.mask .. " " ..
        list(flags.members, function(x) return x.name .. "=" .. x.value end), "flags wait_flags u32 5 WNOHANG=1 WUNTRACED=4")
    is("enum_sorted", list(m.enums[1].members, function(x) return x.name .. "=" .. x.value end),
        "WAIT_EXITED=0 WAIT_FAULTED=1")
    is("enum_u8", m.enums[2].base.name .. " " .. m.enums[2].size, "u8 1")
    local pid = m.resources[1]
    is("resource", list(pid.specials, function(x) return x.name .. "=" .. x.value .. ":" .. x.expr end),
        "ANY_CHILD=-1:(-1) NO_PROCESS=0:0")
    is("producers", list(pid.producers, function(s) return s.name end), "fork waitpid")
    is("consumers", list(pid.consumers, function(c) return c.syscall.name .. "." .. c.arg.name end), "waitpid.p kill.p")
    is("resource_no_specials", #m.resources[2].specials .. " " .. m.resources[2].consumers[1].syscall.name, "0 readv")
    -- Members and specials are consts too (abi.h, the lock); a negative special as its u32 bits.
    local consts = {}
    for _, c in ipairs(m.consts) do consts[c.name] = c end
    is("member_consts", consts.WNOHANG.member_of == flags and consts.ANY_CHILD.value == 0xFFFFFFFF and
        consts.ANY_CHILD.member_of == pid, true)
    is("fields", list(m.structs[1].fields, function(f) return f.name .. ":" .. (f.type.name or f.type.kind) .. "/" ..
        (f.named and f.named.name or "-") .. "@" .. f.offset end),
        "who:i32/pid@0 cause:u32/wait_cause@4 size:u8/small@8 _pad:array/-@9")
    local w = sc.waitpid
    is("waitpid_args", list(w.args, function(a) return a.name .. ":" .. a.type.name .. "/" ..
        (a.named and a.named.name or "-") end), "p:i32/pid info:wait_info/- flags:u32/wait_flags")
    is("lifecycle", w.args[1].lifecycle.invalid.name .. " " .. w.args[1].lifecycle.reaped.name .. " " ..
        w.args[1].lifecycle.foreign.name .. " " .. tostring(sc.kill.args[1].lifecycle.reaped), "ECHILD ECHILD ECHILD nil")
    is("ret_resource", w.ret .. " " .. w.ret_type.name .. " " .. w.produces.name .. " " .. tostring(sc.kill.produces),
        "i32 pid pid nil")
    is("implied_einval", list(w.implied, function(e) return e.name end), "EFAULT EINVAL")
    is("alias_in_errors", list(w.errors, function(e) return e.name end), "ECHILD EAGAIN")
    is("implied_lifecycle", list(sc.kill.implied, function(e) return e.name end), "ESRCH")
    local iov = sc.readv.args[2]
    is("array", iov.kind .. " " .. iov.elem.name .. " " .. iov.elem_size .. " " .. iov.max.value .. " " .. iov.len_arg,
        "bytes iovec 8 16 3")
    is("bytes_elem", tostring(sc.sendto.args[2].elem) .. " " .. sc.sendto.args[2].elem_size, "nil 1")
    local g = sc.getname.args[1]
    is("value_result_no_toolong", list(sc.getname.implied, function(e) return e.name end), "EFAULT")
    is("value_result", tostring(g.len_by_ptr) .. " " .. g.len_arg .. " " .. sc.getname.args[2].kind, "true 2 ptr")
    is("optional", tostring(sc.sendto.args[2].optional) .. " " .. tostring(sc.sendto.args[4].optional) .. " " ..
        tostring(sc.readv.args[2].optional), "true true nil")
    local pos = sc.pread64.args[4]
    is("pair", pos.type.name .. " " .. pos.reg .. " " .. table.concat(pos.regs, ",") .. " " .. pos.lo_reg .. " " .. pos.hi_reg,
        "u64 esi esi,edi esi edi")
    is("two_pairs", list(sc.wide.args, function(a) return a.reg .. (a.regs and ("+" .. a.regs[2]) or "") end),
        "ebx ecx+edx esi+edi")
    is("results_type", sc.call3.results[2].type == m.resources[1] and sc.call3.results[1].type.name == "u32", true)
    is("ret64", sc.uptime_us.ret .. " " .. table.concat(sc.uptime_us.ret_regs, ":"), "u64 eax:edx")
    is("results", list(sc.call3.results, function(r) return r.name .. ":" .. r.type.name .. "/" ..
        (r.named and r.named.name or "-") .. "@" .. r.reg end), "w0:u32/-@edx w1:pid/pid@ecx")
    is("no_results", #sc.fork.results, 0)
    is("fails_only", tostring(sc.execve.attrs.fails_only) .. " " .. tostring(sc.fork.attrs.fails_only), "true nil")
    is("relays_errors", tostring(sc.kill.attrs.relays_errors) .. " " .. tostring(sc.fork.attrs.relays_errors), "true nil")
    is("cname", sc["break"].cname .. " " .. sc.fork.cname .. " " .. names.wrapper(m.abi, sc["break"]) .. " " ..
        names.handler(sc["break"]) .. " " .. names.sys_macro(sc["break"]), "break_ fork break_ sys_break_ SYS_break")
    -- high_low puts the high word first.
    local hl = text:gsub("pair_order low_high", "pair_order high_low")
    local m2 = accepted(hl)
    local a2 = m2 and m2.syscalls[6].args[4]
    is("pair_high_low", a2 and (a2.lo_reg .. " " .. a2.hi_reg .. " " .. table.concat(a2.regs, ",") .. " " .. a2.reg),
        "edi esi edi,esi edi")
    -- A version 1 file gets the defaults.
    local v1 = accepted(HEAD:format("1", "0x80") .. 'syscall 1 t() -> i32 { doc "x" }\n')
    is("v1_defaults", v1 and (v1.abi.pair_order .. " " .. table.concat(v1.abi.result_registers, " ") .. " " ..
        #v1.flags .. #v1.enums .. #v1.resources .. #v1.error_aliases), "low_high eax 0000")
end

-- gen/main.lua loads the generator's modules from their bytecode in build/luac when the cached
-- file holds their very source: a copy of gen/ writes its cache, then runs from it (an entry with
-- the source but other bytecode is run: the cache is used), and ignores an entry whose source
-- is not the module's or that is garbage; the outputs are the same every time.
local function test_module_cache(report, h)
    local dir = h.tmp .. "/modcache"
    h.sh("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "/gen' && cp '" .. h.root .. "'/gen/*.lua '" .. dir .. "/gen/'")
    -- (a small definition with an output of every group: a run is mostly loading the modules)
    h.write(dir .. "/small.def", HEAD:format("1", "0x80") .. 'syscall 1 t(s: in str[8]) -> i32 { doc "x" }\n')
    local n = 0
    local function run()
        n = n + 1
        return h.sh("lua5.4 '" .. dir .. "/gen/main.lua' --def '" .. dir .. "/small.def' --out '" .. dir .. "/o" .. n .. "'")
    end
    local function same_as_first()
        return (h.sh("diff -r '" .. dir .. "/o1' '" .. dir .. "/o" .. n .. "'")) == 0
    end
    local cache = dir .. "/build/luac/cli@" .. (dir .. "/gen"):gsub("[^%w%-]", "_") .. ".luac"
    local fails = {}
    local function expect(what, ok) if not ok then fails[#fails + 1] = what end end
    expect("first run", run() == 0)
    local entry = h.read(cache)
    expect("cache written", entry ~= nil)
    expect("second run, from the cache", run() == 0 and same_as_first())
    if entry then
        local name_len, source_len, at = entry:match("^[^\n]*\n(%d+) (%d+)\n()")
        local head = entry:sub(1, at - 1 + name_len + source_len)
        h.write(cache, head .. string.dump(load("io.stderr:write('from the cache') os.exit(3)")))
        local rc, text = run()
        expect("an entry with the source is used", rc == 3 and text == "from the cache")
        -- (a change that keeps the source's length)
        local source = h.read(dir .. "/gen/cli.lua")
        h.write(dir .. "/gen/cli.lua", (source:gsub("^%-%- ", "--_", 1)))
        expect("an entry with another source is not", run() == 0 and same_as_first())
        local rewritten = h.read(cache) or ""
        expect("and is written anew", rewritten:find("\n@[^\n]*%-%-_") ~= nil)
        local _, list = h.sh("ls '" .. dir .. "/build/luac'")
        for file in list:gmatch("[^\n]+") do h.write(dir .. "/build/luac/" .. file, rewritten:sub(1, 40) .. "garbage") end
        expect("garbage entries are not", run() == 0 and same_as_first())
    end
    report("gen_module_cache", #fails == 0, "module cache: " .. table.concat(fails, "; "))
    -- The runtime headers' words come from the cache too (gen/names.lua), while they are the same:
    -- a syscall named like a function of a header is refused, and accepted once the header changes.
    h.sh("rm -rf '" .. dir .. "/o'* && mkdir -p '" .. dir .. "/include'")
    h.write(dir .. "/include/t.h", "int clash_me(void);\n")
    local def = dir .. "/t.def"
    h.write(def, HEAD:format("1", "0x80") .. 'syscall 1 clash_me() -> i32 { doc "x" }\n')
    local outs = {}
    for i = 1, 3 do
        if i == 3 then h.write(dir .. "/include/t.h", "int clash_you(void);\n") end
        local rc, text = h.sh("lua5.4 '" .. dir .. "/gen/main.lua' --def '" .. def .. "' --out '" .. dir .. "/o'")
        outs[i] = rc .. " " .. text:gsub("\n.*", "")
    end
    report("gen_header_words_cache", outs[1] == outs[2] and outs[1]:find("^1 .*clash_me") and outs[3] == "0 ",
        "runs with the header, again, and changed: " .. table.concat(outs, " | "))
end

-- The words of the runtime headers (from the cache, when gen/main.lua has run) are the ones
-- names.words_of finds in them.
local function test_header_words(report)
    local list = names.headers()
    local per, words, macros, family_words, stem_words = names.words_of(list)
    local function same(a, b)
        for k in pairs(a) do if not b[k] then return false end end
        for k in pairs(b) do if not a[k] then return false end end
        return true
    end
    local ok = same(words, list.words) and same(macros, list.macros) and same(family_words, list.family_words)
        and stem_words == list.stem_words and next(list.words) ~= nil
    for i, h in ipairs(list) do ok = ok and same(per[i][1], h.words) and same(per[i][2], h.macros) end
    report("gen_header_words_exact", ok, "the header words differ from what names.words_of finds")
    -- and each header's declarations, taken twice (the second time from the cache the first wrote),
    -- are the ones a scan finds, in the same order.
    local function text_of(decls)
        local lines = {}
        for name, rts in pairs(decls) do
            for i, rt in ipairs(rts) do
                lines[#lines + 1] = table.concat({ name, i, rt.name, rt.space, rt.domain, rt.pos.file, rt.pos.line,
                                                   rt.pos.col }, " ")
            end
        end
        table.sort(lines)
        return table.concat(lines, "\n")
    end
    local differ = {}
    for _, h in ipairs(list) do
        local want = text_of(names.scan_declarations(h))
        for _ = 1, 2 do
            if text_of(names.declarations({ file = h.file, domain = h.domain, text = h.text })) ~= want then
                differ[#differ + 1] = h.file
            end
        end
    end
    report("gen_header_declarations_exact", #differ == 0, "declarations differ from a scan: " ..
        table.concat(differ, " "))
end

-- gen/lexer.lua's dedent (a long doc's text: the blank first and last lines off, the common
-- indentation off every line, trailing blanks off) against the rule spelled line by line, on
-- random texts of blanks, tabs, newlines and words.
local function test_dedent(report)
    local function reference(text)
        local lines = {}
        for line in (text .. "\n"):gmatch("([^\n]*)\n") do lines[#lines + 1] = line:match("^(.-)[ \t]*$") end
        local first, last = 1, #lines
        while first <= last and lines[first] == "" do first = first + 1 end
        while last >= first and lines[last] == "" do last = last - 1 end
        local indent = math.huge
        for i = first, last do
            if lines[i] ~= "" then indent = math.min(indent, #lines[i]:match("^[ \t]*")) end
        end
        local out = {}
        for i = first, last do out[#out + 1] = lines[i]:sub(indent + 1) end
        return table.concat(out, "\n")
    end
    local dedent = require("lexer").dedent
    local bad
    for text in require("random_texts")({ " ", "\t", "\n", "a", "b", "\xC3\xA9", "    " }, 12345, 5000, 30) do
        if dedent(text) ~= reference(text) then bad = bad or string.format("%q", text) end
    end
    report("gen_lexer_dedent_rule", bad == nil, "dedent breaks the rule on " .. tostring(bad))
end

-- A large file of ASCII is taken as UTF-8 without decoding it (gen/lexer.lua); one that has a
-- character above ASCII is decoded: valid, it loads; a stray byte is found where it is.
local function test_large_utf8(report)
    local body = HEAD:format("1", "0x80") .. 'syscall 1 t() -> i32 { doc "x" }\n'
    local filler = ("# " .. ("x"):rep(70) .. "\n"):rep(1000) -- (72 KB: above ASCII_SEARCH)
    local ok_ascii = accepted(filler .. body)
    local ok_utf8 = accepted(filler .. "# caf\xC3\xA9 \xE2\x80\x94 \xE4\xB8\xAD\n" .. body)
    local _, err = accepted(filler .. "# caf\xC3\n" .. body)
    local where = err and err:find("t.def:1001:6: error: file is not UTF-8", 1, true) == 1
    report("gen_lexer_large_utf8", ok_ascii and ok_utf8 and where,
        "large files: ascii " .. tostring(ok_ascii ~= nil) .. ", utf8 " .. tostring(ok_utf8 ~= nil) .. ", stray byte: " ..
        tostring(err))
end

return function(report, h)
    test_const_settings(report)
    test_nested_structs(report)
    test_stack_budget(report)
    test_std_macros(report, h)
    test_runtime_scan(report)
    test_fixed_names_used(report, h)
    test_v2_model(report, h)
    require("model_fast_test")(report, h)
    test_module_cache(report, h)
    test_header_words(report)
    test_dedent(report)
    test_large_utf8(report)
end
