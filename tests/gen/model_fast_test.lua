-- The fast path of model.load (gen/model_fast.lua) and the lazy names registry are
-- optimisations only: this proves it. Every definition below is loaded twice, with the fast path
-- and without it, and the two results must be equal: the same whole model (tests/gen/model_dump.lua,
-- sharing included) or the same diagnostic, byte for byte. The definitions: the real ones, the
-- fixtures, every edge and bad case, the bench's synthetic one, and random mutations of
-- abi/syscalls.def and of it (tests/fuzz/gen_fuzz.lua's mutators). And the registry that takes the runtime's names lazily
-- answers every question about them as one that took them all first.
-- Run by tests/gen/model_test.lua: run(report, helpers).
local model = require("model")
local names = require("names")
local diff = require("model_dump").diff

local MUTATIONS = 20

-- The model, or the diagnostic (or internal error) it stopped with.
local function outcome(text, file, fast)
    model.fast = fast
    local ok, m = pcall(model.load, text, file)
    model.fast = true
    if ok then return m end
    if type(m) == "table" and m.format then return "diagnostic: " .. m:format() end
    return "internal error: " .. tostring(m)
end

-- fast and slow loads of each { name, text, file } agree; returns the names of those that
-- do not, with where.
local function compare(cases)
    local bad = {}
    for _, c in ipairs(cases) do
        local fast, slow = outcome(c.text, c.file, true), outcome(c.text, c.file, false)
        local why
        if type(fast) == "table" and type(slow) == "table" then
            why = diff(fast, slow)
        elseif fast ~= slow then
            why = type(fast) == "table" and "the slow path refuses it" or tostring(fast)
        end
        if why then bad[#bad + 1] = c.name .. " (" .. why .. ")" end
    end
    return bad
end

local function files(h, pattern)
    local out = {}
    local list = io.popen("cd '" .. h.root .. "' && ls " .. pattern .. " 2>/dev/null"):read("a")
    for path in list:gmatch("[^\n]+") do
        out[#out + 1] = { name = path, file = path, text = h.read(h.root .. "/" .. path) }
    end
    return out
end

local function test_same_model(report, h)
    local cases = files(h, "abi/syscalls.def abi/linux-i386.def tests/gen/fixtures/*.def tests/gen/edge/*.def")
    -- and the bench's synthetic definition, shaped like a real ABI (every argument kind).
    package.path = h.root .. "/tests/bench/?.lua;" .. package.path
    cases[#cases + 1] = { name = "synthetic-150", file = "synthetic.def", text = require("synth_def").text(150) }
    local before = model.stats.taken
    local bad = compare(cases)
    report("gen_model_fast_same_model", #bad == 0, "the fast path builds another model: " .. table.concat(bad, "; "))
    -- The fast path is taken at all (else the comparison proves nothing): most of linux-i386.def's,
    -- every synthetic one.
    report("gen_model_fast_taken", model.stats.taken - before >= 300 + 150,
        "the fast path took only " .. (model.stats.taken - before) .. " syscalls")
end

local function test_same_diagnostics(report, h)
    local bad = compare(files(h, "tests/gen/bad/*.def"))
    report("gen_model_fast_same_diagnostics", #bad == 0, "diagnostics differ: " .. table.concat(bad, "; "))
end

local function test_mutations(report, h)
    local gen_fuzz = dofile(h.root .. "/tests/fuzz/gen_fuzz.lua")
    local cases = {}
    for k, src in ipairs({ { path = "abi/syscalls.def", text = h.read(h.root .. "/abi/syscalls.def") },
                           { path = "synthetic.def", text = require("synth_def").text(40) } }) do
        for i = 1, MUTATIONS // 2 do
            cases[#cases + 1] = { name = src.path .. " mutation " .. i, file = "fuzz.def",
                                  text = gen_fuzz.mutate({ src }, 11 + k, i) }
        end
    end
    local bad = compare(cases)
    report("gen_model_fast_same_on_mutations", #bad == 0, #bad .. " of " .. MUTATIONS .. " differ: " ..
        table.concat(bad, "; "))
end

-- The fast path reads a doc with plain searches, remembering the next backslash and whether the
-- file holds a control character a string may not, and reads argument lists in the text: a
-- definition whose docs have escapes here and there, tabs, and a control character in a comment
-- or in a doc, and blank argument lists, loads as the parser loads it.
local function test_plain_strings(report)
    local base = require("synth_def").text(30)
    local function doc_of(num, f)
        local text, k = base:gsub('(syscall ' .. num .. ' [^\n]*\n%s*doc ")([^"]*)"', function(head, doc)
            return head .. f(doc) .. '"'
        end)
        assert(k == 1, "no syscall " .. num)
        base = text
    end
    doc_of(3, function(d) return 'a \\"quoted\\" ' .. d end)
    doc_of(4, function(d) return "a\ttab " .. d end)
    doc_of(9, function(d) return d .. " back\\\\slash" end)
    -- (and argument lists the fast path reads in the text: blank ones, one with a tab)
    base = base:gsub("open_slot_6%(%)", "open_slot_6( \t )", 1):gsub("map_node_19%(%)", "map_node_19( )", 1)
        :gsub("%(ts: out entry, op: i64, ", "(ts: out entry,\top: i64, ", 1)
    local plain = base
    local cases = { { name = "escapes and tabs", file = "plain.def", text = plain },
                    { name = "a control character in a comment", file = "plain.def",
                      text = plain:gsub("\nsyscall 5 ", "\n# \1 in a comment\nsyscall 5 ", 1) } }
    doc_of(12, function(d) return d .. " \1" end)
    cases[#cases + 1] = { name = "a control character in a doc", file = "plain.def", text = base }
    local before = model.stats.taken
    local bad = compare(cases)
    local n = model.stats.taken - before
    -- (The first two: all but the two syscalls with escapes; the third: those before 12 but 3 and 9.)
    report("gen_model_fast_plain_strings", #bad == 0 and n >= 2 * 28 + 9, "fast and slow loads differ: " ..
        table.concat(bad, "; ") .. " (fast path took " .. n .. ")")
end

-- The fast path's conformance stems are implicit (gen/names.lua, registry.implicit) while nothing
-- stem-like is claimed: definitions whose syscall names are prefixes of one another, or stem-like
-- themselves, without a clash, load as the parser loads them (the clashes are tests/gen/bad/m_stem_*),
-- and the registry answers about every stem as if it had been claimed.
local function test_implicit_stems(report, h)
    local head = h.read(h.root .. "/tests/gen/bad/m_joined_args.def"):match("^[^\n]*\n(.-\n)syscall 2 ")
    local cases = {}
    for i, body in ipairs({
        'syscall 2 a(b: in str[8]) -> i32 { doc "x" }\nsyscall 3 a_b(c: in str[8]) -> i32 { doc "x" }\n',
        'syscall 2 a_b(c: in str[8]) -> i32 { doc "x" }\nsyscall 3 a(b: in str[8]) -> i32 { doc "x" }\n',
        'syscall 2 a(b: in str[8]) -> i32 { doc "x" }\nsyscall 3 conf_a_b_(x: in str[8]) -> i32 { doc "x" }\n' ..
            'syscall 4 conf(a_b_x_: in str[8]) -> i32 { doc "x" }\n',
        'syscall 2 nosys_7_retired(x: in str[8]) -> i32 { doc "x" }\nretired 7 x_y "gone"\n' ..
            'syscall 3 nosys_7_retired_x(y: in str[8]) -> i32 { doc "x" }\n',
    }) do
        cases[i] = { name = "stems " .. i, file = "stems.def", text = head .. body }
    end
    local bad = compare(cases)
    -- Every stem of a large definition, asked about after the load, has its argument's owner.
    local registry, made = nil, names.registry
    names.registry = function(...)
        registry = made(...)
        return registry
    end
    local m = model.load(require("synth_def").text(60), "synthetic.def")
    names.registry = made
    local wrong = registry.stem_like_taken and 1 or 0 -- (else no stem was implicit)
    for _, sc in ipairs(m.syscalls) do
        for _, a in ipairs(sc.args) do
            if require("model_syscalls").has_cases(a) then
                local o = registry:find("case", names.conf_stem(sc, a), "user")
                if not (o and o.arg == a and o.syscall == sc) then wrong = wrong + 1 end
            end
        end
    end
    report("gen_model_fast_implicit_stems", #bad == 0 and wrong == 0, "fast and slow loads differ: " ..
        table.concat(bad, "; ") .. "; " .. wrong .. " stems without their owner")
end

-- A registry that takes every runtime name at the start, as the registry did before it took
-- them lazily: the fixed and C library names first, then each declaration in the headers' order
-- unless a claim it meets is in already.
local function eager_registry(groups)
    local r = names.registry(groups)
    r.loaded = setmetatable({}, { __index = function() return true end }) -- never lazily
    for _, rt in ipairs(names.runtime()) do
        if not r:find(rt.space, rt.name, rt.domain) then
            r:claim(rt.space, rt.name, rt.domain, { what = "the declaration in " .. rt.pos.file, pos = rt.pos,
                                                    libc = rt.pos.file:match("^libsys/") ~= nil })
        end
    end
    return r
end

local function owner_text(o)
    if not o then return "-" end
    return (o.what or "?") .. (o.pos and (" " .. o.pos.file .. ":" .. o.pos.line .. ":" .. o.pos.col) or "")
end

-- Every question about a runtime name gets the answer it got when every name was taken first,
-- whatever the order the questions come in.
local function test_lazy_registry(report)
    local groups = { kernel = true, user = true, amc = true, conformance = true, fuzz = true, json = true }
    local want = eager_registry(groups)
    local rts = names.runtime()
    local differ = {}
    for _, order in ipairs({ 1, -1 }) do
        local lazy = names.registry(groups)
        local first, last = 1, #rts
        if order < 0 then first, last = last, first end
        for i = first, last, order do
            local name = rts[i].name
            local a, b = owner_text(lazy:macro(name)), owner_text(want:macro(name))
            if a ~= b then differ[#differ + 1] = "macro() " .. name .. ": " .. a .. " vs " .. b end
            for _, space in ipairs({ "macro", "ordinary", "tag", "case" }) do
                for _, domain in ipairs({ "all", "kernel", "user" }) do
                    a, b = owner_text(lazy:find(space, name, domain)), owner_text(want:find(space, name, domain))
                    if a ~= b then differ[#differ + 1] = space .. " " .. name .. " " .. domain .. ": " .. a .. " vs " .. b end
                end
            end
        end
    end
    report("gen_names_lazy_registry_exact", #differ == 0, #differ .. " answers differ: " ..
        table.concat(differ, "; ", 1, math.min(#differ, 5)))
    -- Lazy for real: a registry asked only about names no header spells has scanned no header.
    local r = names.registry(groups)
    r:find("ordinary", "call_12345", "user")
    r:macro("call_12345")
    report("gen_names_lazy_registry_lazy", next(r.loaded) == nil, "a name no header spells loaded some")
end

return function(report, h)
    test_same_model(report, h)
    test_same_diagnostics(report, h)
    test_mutations(report, h)
    test_plain_strings(report)
    test_implicit_stems(report, h)
    test_lazy_registry(report)
end
