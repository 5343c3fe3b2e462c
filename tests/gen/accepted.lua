-- "Accepted always means builds" (issue 11): every definition the generator accepts compiles with
-- the project's compiler and flags (tests/gen/builds.lua). Checked on
--   * every tests/gen/edge/*.def: valid but tricky inputs (CRLF, a byte order mark, zero-padded
--     numbers, keywords as names, long docs, names that look reserved, limits). Their
--     `# check: EXPR` lines are C constant expressions that must hold against the generated
--     abi.h (`# check: TEN == 10` proves that 010 means ten to C as well). m_* files need the
--     model to accept them, o_* files need the outputs to compile;
--   * every accepted mutation among the first FUZZ_CASES of the generator fuzzer's default seed
--     (tests/fuzz/gen_fuzz.lua; `make fuzz` runs many more, sampling the compiles);
--   * abi/syscalls.def with CRLF line ends and with a byte order mark: the same outputs as the
--     file itself.
local model = require("model")
local diag = require("diag")
local cli = require("cli")
local builds = require("builds")
local S = require("hostsuite")
local read, write, sh = S.read, S.write, S.sh

local accepted = {}

local FUZZ_CASES = 200

local function all_outputs(m)
    local files = cli.render_all(m)
    files["syscalls.md"] = require("out_docs").render(m)
    return files
end

local function load(text, file)
    local ok, m = pcall(model.load, text, file)
    if ok then return m end
    return nil, diag.is_diag(m) and m:format() or "internal error: " .. tostring(m)
end

local function test_edge(root, report, tmp, cache)
    local _, list = sh("ls " .. root .. "/tests/gen/edge/*.def")
    local count = 0
    for path in list:gmatch("[^\n]+") do
        local file = path:match("([^/]+)%.def$")
        local text = read(path)
        local checks = {}
        for expr in text:gmatch("\n# check: ([^\r\n]+)") do checks[#checks + 1] = expr end
        local name = "gen_edge_" .. file .. "_builds"
        local m, why = load(text, "edge/" .. file .. ".def")
        if not m then
            report(name, false, "refused: " .. why)
        else
            local ok, out = builds.compile(root, cli.render_all(m), tmp .. "/edge-" .. file, checks, cache)
            report(name, ok, "tests/gen/edge/" .. file .. ".def was accepted but does not build", out)
        end
        count = count + 1
    end
    return count
end

local function test_fuzz(root, report, tmp, cache)
    package.path = root .. "/tests/fuzz/?.lua;" .. package.path
    local fuzz = require("gen_fuzz")
    local corpus, seed = fuzz.corpus(), 20240601
    local compiled, bad = 0, {}
    for i = 1, FUZZ_CASES do
        local text, src = fuzz.mutate(corpus, seed, i)
        local outcome, files = fuzz.generate(text, nil)
        if outcome == "ok" then
            compiled = compiled + 1
            files["syscalls.md"], files["abi.lock"] = nil, nil
            local ok, out = builds.compile(root, files, tmp .. "/fuzz-case", nil, cache)
            if not ok then
                local saved = root .. "/build/fuzz/gen-case-" .. i .. ".def"
                write(saved, text)
                bad[#bad + 1] = string.format("case %d (from %s, saved as %s): %s", i, src,
                    saved:sub(#root + 2), out:sub(1, 400))
            end
        elseif outcome ~= "diag" then
            bad[#bad + 1] = string.format("case %d (from %s): %s: %s", i, src, outcome, tostring(files))
        end
    end
    report("gen_accepted_fuzz_mutations_build", #bad == 0 and compiled > 0,
        string.format("%d of %d accepted mutations failed (replay one: lua5.4 tests/fuzz/gen_fuzz.lua case=N)",
            #bad, compiled), table.concat(bad, "\n", 1, math.min(#bad, 5)))
    return compiled
end

-- abi/syscalls.def with CRLF line ends, or a byte order mark, gives exactly its own outputs.
local function test_line_ends(root, report)
    local path = "abi/syscalls.def"
    local text = assert(read(root .. "/" .. path))
    local want = all_outputs(assert(load(text, path)))
    for _, v in ipairs({ { "crlf", (text:gsub("\n", "\r\n")) }, { "bom", "\xEF\xBB\xBF" .. text },
                         { "bom_crlf", "\xEF\xBB\xBF" .. text:gsub("\n", "\r\n") } }) do
        local m, why = load(v[2], path)
        local differ = {}
        if m then
            local got = all_outputs(m)
            for p, t in pairs(want) do
                if got[p] ~= t then differ[#differ + 1] = p end
            end
        end
        report("gen_real_def_" .. v[1] .. "_same_output", m and #differ == 0,
            why or ("outputs differ: " .. table.concat(differ, " ")))
    end
end

-- The compile cache skips only what cannot change the result: the same files again compile
-- nothing, nor does a changed comment; a header changed to one that cannot compile fails although
-- every source is unchanged, and so does a comment the compiler warns about (a nested "/*"); a
-- real change to abi.h compiles again every C step, also conformance.c, which includes it only
-- through the fixed tests/conformance/conformance.h.
local function test_cache(root, report, tmp, cache)
    local m = assert(load(assert(read(root .. "/tests/gen/edge/comments.def")), "edge/comments.def"))
    local files = cli.render_all(m)
    local dir = tmp .. "/cache"
    builds.compile(root, files, dir, nil, cache)
    local runs = cache.compiled
    local again = builds.compile(root, files, dir, nil, cache)
    local abi_h = files["abi.h"]
    files["abi.h"] = abi_h:gsub("^/%*", "/* a comment the cache may ignore:", 1)
    local comment = builds.compile(root, files, dir, nil, cache)
    local skipped = cache.compiled == runs
    files["abi.h"] = abi_h:gsub("^/%*", "/* a nested /* comment start:", 1)
    local nested, nested_out = builds.compile(root, files, dir, nil, cache)
    files["abi.h"] = abi_h .. "\n#error changed header\n"
    local broken, out = builds.compile(root, files, dir, nil, cache)
    files["abi.h"] = abi_h .. "\n#define BUILDS_CACHE_PROBE 1\n"
    local before = cache.compiled
    local probe = builds.compile(root, files, dir, nil, cache)
    local c_steps = 1 -- user.c
    for p in pairs(files) do
        if p:match("%.c$") and p ~= "kernel/contracts.c" then c_steps = c_steps + 1 end
    end
    report("gen_accepted_cache_sees_changed_headers", again and comment and skipped and not nested and
        (nested_out or ""):find("-Werror=comment", 1, true) ~= nil and not broken and
        (out or ""):find("changed header", 1, true) ~= nil and probe and cache.compiled - before == c_steps,
        string.format("same files: %s; a new comment: %s, %d compiler runs; a nested comment start: %s; broken " ..
            "abi.h: %s; a new #define in abi.h compiled %d steps again, of %d C steps", tostring(again),
            tostring(comment), cache.compiled - runs, nested and "compiled" or "failed", broken and "compiled" or
            "failed", cache.compiled - before, c_steps), (nested_out or "") .. (out or ""))
    -- Comments are blanked only outside literals, and never in a text holding a trigraph.
    local b = builds.blank_comments
    report("gen_accepted_cache_blanks_only_comments", b('int a; /* x */\n') == b('int a; /* longer */\n') and
        b('char *s = "/* x */";') ~= b('char *s = "/* y */";') and b("c = '\"'; /* x */") == b("c = '\"';") and
        b("/* ??/ */ x") == "/* ??/ */ x" and b("/* \\ */") == "/* \\ */",
        "blank_comments changed code, or left a harmless comment")
end

-- Run everything; returns the number of edge cases and of compiled fuzz mutations.
function accepted.run(root, report, tmp)
    test_line_ends(root, report)
    -- A file that compiled once with the same generated headers is not compiled again.
    local cache = builds.cache()
    local edges = test_edge(root, report, tmp, cache)
    local mutations = test_fuzz(root, report, tmp, cache)
    test_cache(root, report, tmp, cache)
    print(string.format("  accepted means builds: %d edge cases and %d accepted fuzz mutations (of %d) compiled " ..
        "(%d compiler runs; %d files already compiled with the same headers)", edges, mutations, FUZZ_CASES,
        cache.compiled, cache.skipped))
    return edges, mutations
end


return accepted
