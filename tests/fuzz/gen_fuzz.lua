-- Generator fuzzing: mutate valid definitions (bytes, tokens and lines) and check that the
-- generator always ends in one of two ways: success, with output that compiles, or a
-- `file:line:col: error: ...` diagnostic; never an internal error (a Lua error, exit status 2),
-- never a hang, and never a partial output file.
--
--   lua5.4 tests/fuzz/gen_fuzz.lua [cases=N] [seed=S] [compile=N] [cli=N] [case=I]
--
-- Prints `ok NAME` / `FAIL NAME: why` lines (tests/run.lua protocol). Case I of seed S is always
-- the same mutation: `case=I` replays just that one and writes it to build/fuzz/gen-case-I.def.
-- Most cases run in-process (the generator's modules are required directly); every `cli`-th case
-- also goes through gen/main.lua, and every `compile`-th accepted one is cross-compiled.
-- This file's own directory, also when another suite requires it (tests/gen/accepted.lua).
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
package.path = ROOT .. "/gen/?.lua;" .. ROOT .. "/tests/lib/?.lua;" .. ROOT .. "/tests/gen/?.lua;" .. package.path

local model = require("model")
local diag = require("diag")
local lock = require("lock")
local cli = require("cli")

local M = {}

-- The definitions mutated: the real one, the fixtures and the accepted edge cases (CRLF, a byte
-- order mark, zero-padded numbers, keywords as names...), in a fixed order so a seed replays.
local CORPUS = { "abi/syscalls.def", "tests/gen/fixtures/full.def", "tests/gen/fixtures/minimal.def" }
do
    local list = io.popen("cd '" .. ROOT .. "' && ls tests/gen/edge/*.def 2>/dev/null"):read("a")
    for p in list:gmatch("[^\n]+") do CORPUS[#CORPUS + 1] = p end
end
local FILE = "fuzz.def" -- the name diagnostics must carry
local S = require("hostsuite")
local read, write, sh = S.read, S.write, S.sh
local STEP_LIMIT = 2e8 -- Lua VM instructions one generator run may take before it counts as hung
local builds = require("builds")




----------------------------------------------------------------------------
-- Mutations

-- Rough token spans of a definition: enough to cut and splice it at token boundaries.
local function spans(text)
    local out, pos, len = {}, 1, #text
    while pos <= len do
        local c = text:sub(pos, pos)
        local s, e
        if c:match("%s") then
            pos = pos + 1
        elseif c == "#" then
            pos = (text:find("\n", pos, true) or len) + 1
        elseif text:sub(pos, pos + 2) == '"""' then
            s, e = pos, (select(2, text:find('"""', pos + 3, true)) or len)
        elseif c == '"' then
            s, e = pos, select(2, text:find('^"[^"\n]*"', pos)) or pos
        elseif text:sub(pos, pos + 1) == "->" then
            s, e = pos, pos + 1
        elseif c:match("[%w_]") then
            s, e = text:find("^[%w_]+", pos)
        else
            s, e = pos, pos
        end
        if s then
            out[#out + 1] = { s = s, e = e, text = text:sub(s, e) }
            pos = e + 1
        end
    end
    return out
end

-- Words worth splicing in: the language's keywords, types, edge numbers and odd strings.
local EXTRA = {}
for w in ([[abi const error struct syscall retired service message doc long errors attrs fuzz in out
    inout bytes str max toolong optional isolate own_child avoid noreturn blocking version trap
    arg_registers user_space amc_max_message amc_name_max prefix i8 u8 i16 u16 i32 u32 i64 u64 uptr
    char void event dest amc_x __x _X int memcpy ebx ecx ebp eax 0 1 7 255 256 4095 4096 65535 65536
    0x7FFFFFFF 0x80000000 0xFFFFFFFF 4294967295 4294967296 0x 09 { } ( ) [ ] : , -> ""]]):gmatch("%S+") do
    EXTRA[#EXTRA + 1] = w
end
for _, w in ipairs({ '"x"', '"a b"', '"\\q"', '"""\nlong\n"""', '"""', '"\\"', "#", "\n", "é", "\0", "\255" }) do
    EXTRA[#EXTRA + 1] = w
end

local function pick(list) return list[math.random(#list)] end

local function splice(text, s, e, with)
    return text:sub(1, s - 1) .. with .. text:sub(e + 1)
end

local BYTES = { "{", "}", "(", ")", "[", "]", ":", ",", "-", ">", '"', "#", "\n", "\\", "\0", "\255", "\195", " ", "0", "x" }

local MUTATORS = {
    function(t) -- flip a bit
        local i = math.random(#t)
        return splice(t, i, i, string.char(t:byte(i) ~ (1 << math.random(0, 7))))
    end,
    function(t) -- insert an interesting byte
        local i = math.random(#t + 1)
        return splice(t, i, i - 1, pick(BYTES))
    end,
    function(t) -- delete a few bytes
        local i = math.random(#t)
        return splice(t, i, math.min(#t, i + math.random(0, 8)), "")
    end,
    function(t) -- copy a chunk elsewhere
        local i = math.random(#t)
        local chunk = t:sub(i, i + math.random(1, 80))
        local j = math.random(#t + 1)
        return splice(t, j, j - 1, chunk)
    end,
    function(t) -- cut the file short
        return t:sub(1, math.random(0, #t))
    end,
    function(t, toks) -- replace a token by another of the file or the language
        local k = pick(toks)
        return splice(t, k.s, k.e, math.random(2) == 1 and pick(toks).text or pick(EXTRA))
    end,
    function(t, toks) -- delete a token
        local k = pick(toks)
        return splice(t, k.s, k.e, "")
    end,
    function(t, toks) -- insert a token before another
        local k = pick(toks)
        return splice(t, k.s, k.s - 1, pick(EXTRA) .. " ")
    end,
    function(t, toks) -- duplicate a token
        local k = pick(toks)
        return splice(t, k.e + 1, k.e, " " .. k.text)
    end,
    function(t, toks) -- swap two tokens
        local a, b = pick(toks), pick(toks)
        if a.s > b.s then a, b = b, a end
        if a.e >= b.s then return t end
        return t:sub(1, a.s - 1) .. b.text .. t:sub(a.e + 1, b.s - 1) .. a.text .. t:sub(b.e + 1)
    end,
    function(t) -- delete, duplicate or move a line
        local lines = {}
        for l in (t .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = l end
        local i = math.random(#lines)
        local r = math.random(3)
        if r == 1 then
            table.remove(lines, i)
        elseif r == 2 then
            table.insert(lines, i, lines[i])
        else
            local l = table.remove(lines, i)
            table.insert(lines, math.random(#lines + 1), l)
        end
        return table.concat(lines, "\n")
    end,
}

-- The corpus as M.mutate takes it: { path, text } per definition.
function M.corpus()
    local corpus = {}
    for _, p in ipairs(CORPUS) do corpus[#corpus + 1] = { path = p, text = assert(read(ROOT .. "/" .. p), p) } end
    return corpus
end

-- Case i of a run: its seed decides the source file and one to four mutations.
function M.mutate(corpus, seed, i)
    math.randomseed(seed, i)
    local src = corpus[math.random(#corpus)]
    local text = src.text
    for _ = 1, math.random(2) == 1 and 1 or math.random(2, 4) do
        if #text == 0 then break end
        local toks = spans(text)
        local m = MUTATORS[math.random(#MUTATORS)]
        if #toks > 0 or m == MUTATORS[1] then text = m(text, toks) end
    end
    return text, src.path
end

----------------------------------------------------------------------------
-- One generator run, in-process

-- "ok" with every output, "diag" with the formatted message, "internal" or "hang" with a reason.
function M.generate(text, locked)
    local steps = 0
    debug.sethook(function()
        steps = steps + 1
        if steps * 1000 > STEP_LIMIT then error("the generator did not finish: hung?", 0) end
    end, "", 1000)
    local files
    local ok, err = pcall(function()
        local m = model.load(text, FILE)
        files = cli.render_all(m)
        files["syscalls.md"] = require("out_docs").render(m)
        files["abi.lock"] = lock.render(m)
        if locked then lock.check(m, locked, "abi.lock", m.abi.kw) end
    end)
    debug.sethook()
    if ok then return "ok", files end
    if diag.is_diag(err) then
        local msg = err:format()
        if not msg:match("^" .. FILE:gsub("%p", "%%%0") .. ":%d+:%d+: error: ") and
            not msg:match("^abi%.lock:%d+: error: ") then
            return "internal", "diagnostic without file:line:col: " .. msg
        end
        return "diag", msg
    end
    if tostring(err):match("did not finish") then return "hang", tostring(err) end
    return "internal", tostring(err)
end

----------------------------------------------------------------------------
-- Checks of a sample

local function compile(files, dir)
    return builds.compile(ROOT, files, dir)
end

local function list_dir(dir)
    local _, out = sh("cd '" .. dir .. "' && find . -type f | sort | xargs -r md5sum")
    return out
end

-- Through gen/main.lua: the exit status matches the outcome, a refused file leaves the output
-- directory exactly as it was, an accepted one leaves every output whole, and no temp file stays.
local function check_cli(text, outcome, dir, with_lock)
    os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "/out/kernel'")
    write(dir .. "/" .. FILE, text)
    local lock_opt = ""
    if with_lock then
        write(dir .. "/abi.lock", read(ROOT .. "/abi/abi.lock"))
        lock_opt = " --lock abi.lock"
    end
    write(dir .. "/out/abi.h", "/* an older abi.h */\n")
    write(dir .. "/out/kernel/syscall_table.c", "/* an older table */\n")
    local before = list_dir(dir .. "/out")
    local rc, out = sh("cd '" .. dir .. "' && lua5.4 " .. ROOT .. "/gen/main.lua --def " .. FILE .. " --out out" ..
        lock_opt)
    if rc == 2 or out:match("internal error") or out:match("traceback") then
        return false, "internal error: " .. out
    end
    local _, tmps = sh("find '" .. dir .. "/out' -name '*.tmp'")
    if tmps ~= "" then return false, "temp files left: " .. tmps end
    if outcome == "ok" then
        out = out:gsub("[^\n]*note: %d+ new entr[^\n]*\n?", "")
        if rc ~= 0 or out ~= "" then return false, "in-process it was accepted, the CLI says (" .. rc .. "): " .. out end
        for _, o in ipairs(cli.outputs(model.load(text, FILE))) do -- those its `outputs` setting asks for
            if not read(dir .. "/out/" .. o.path) then return false, "no " .. o.path end
        end
        return true
    end
    if rc ~= 1 or not out:match("^" .. FILE:gsub("%p", "%%%0") .. ":%d+:%d+: error: ") then
        return false, "exit " .. tostring(rc) .. ", want 1 and FILE:LINE:COL: error: " .. out
    end
    if list_dir(dir .. "/out") ~= before then return false, "a refused definition changed the output" end
    return true
end

-- An output file that cannot be written: the run fails cleanly, leaves no temp file and no
-- output file holding part of its text.
local function check_unwritable(text, dir)
    os.execute("rm -rf '" .. dir .. "' && mkdir -p '" .. dir .. "/out/kernel/syscall_table.c.tmp'")
    write(dir .. "/" .. FILE, text)
    local rc, out = sh("cd '" .. dir .. "' && lua5.4 " .. ROOT .. "/gen/main.lua --def " .. FILE .. " --out out")
    if rc ~= 1 or not out:match("error: cannot") then return false, "exit " .. tostring(rc) .. ": " .. out end
    local m = model.load(text, FILE)
    local files = cli.render_all(m)
    for _, o in ipairs(cli.OUTPUTS) do
        local got = read(dir .. "/out/" .. o.path)
        if got and got ~= files[o.path] then return false, o.path .. " holds partial text" end
    end
    local _, tmps = sh("find '" .. dir .. "/out' -name '*.tmp' -type f")
    if tmps ~= "" then return false, "temp files left: " .. tmps end
    return true
end

----------------------------------------------------------------------------

local function option(args, key, default)
    for _, a in ipairs(args) do
        local v = a:match("^" .. key .. "=(.*)$")
        if v then return tonumber(v) or v end
    end
    return default
end

-- The cases M.main runs twice to prove that a seed replays.
local REPLAYED = 50

function M.main(args)
    local cases = option(args, "cases", 300)
    local seed = option(args, "seed", 20240601)
    local compile_every = option(args, "compile", 100)
    local cli_every = option(args, "cli", 25)
    local only = option(args, "case", nil)
    local build = ROOT .. "/build/fuzz"
    local tmp = io.popen("mktemp -d -t gen-fuzz.XXXXXX"):read("l")
    os.execute("mkdir -p '" .. build .. "'")

    local corpus = M.corpus()
    local locked = lock.parse(read(ROOT .. "/abi/abi.lock"), "abi.lock")

    local failed_before = S.failed()
    local report = S.report

    local counts = { ok = 0, diag = 0, internal = 0, hang = 0 }
    local problems = { run = {}, compile = {}, cli = {} }
    local compiled, cli_runs, accepted_seen = 0, 0, 0
    local outcome_digest = 0
    local first, last = 1, cases
    if only then first, last = only, only end
    local t0 = os.clock()
    for i = first, last do
        local text, src = M.mutate(corpus, seed, i)
        local outcome, detail = M.generate(text, src == "abi/syscalls.def" and locked or nil)
        counts[outcome] = counts[outcome] + 1
        if i < first + REPLAYED then outcome_digest = (outcome_digest * 31 + #outcome + #text) % 2147483647 end
        if only then
            write(build .. "/gen-case-" .. i .. ".def", text)
            print(string.format("  case %d (from %s): %s\n  %s", i, src, outcome,
                (type(detail) == "string" and detail or "accepted"):gsub("\n", "\n  ")))
        end
        local function keep(kind, why)
            local path = build .. "/gen-case-" .. i .. ".def"
            write(path, text)
            problems[kind][#problems[kind] + 1] = string.format("case %d (from %s, saved as %s): %s", i, src,
                path:gsub("^" .. ROOT .. "/", ""), why)
        end
        if outcome == "internal" or outcome == "hang" then keep("run", outcome .. ": " .. detail) end
        if outcome == "ok" then
            accepted_seen = accepted_seen + 1
            if accepted_seen % compile_every == 1 or compile_every == 1 then
                compiled = compiled + 1
                local ok, why = compile(detail, tmp .. "/cc")
                if not ok then keep("compile", why:sub(1, 600)) end
            end
        end
        if i % cli_every == 0 and (outcome == "ok" or outcome == "diag") then
            cli_runs = cli_runs + 1
            local ok, why = check_cli(text, outcome, tmp .. "/cli", src == "abi/syscalls.def")
            if ok and outcome == "ok" then ok, why = check_unwritable(text, tmp .. "/cli") end
            if not ok then keep("cli", why) end
        end
    end
    local secs = os.clock() - t0
    local n = last - first + 1
    print(string.format("  gen fuzz: seed %s, %d cases in %.1f s CPU: %d accepted, %d refused with file:line:col, " ..
        "%d internal errors, %d hangs; %d accepted outputs compiled, %d cases through the CLI",
        tostring(seed), n, secs, counts.ok, counts.diag, counts.internal, counts.hang, compiled, cli_runs))
    local function verdict(name, list)
        report(name, #list == 0, #list .. " cases failed\n  " .. table.concat(list, "\n  ", 1, math.min(#list, 5)))
    end
    verdict("gen_fuzz_no_internal_error", problems.run)
    verdict("gen_fuzz_accepted_output_compiles", problems.compile)
    verdict("gen_fuzz_cli_exit_and_no_partial_output", problems.cli)
    if not only then
        -- The mix must exercise both outcomes, or the mutations are too weak or too strong.
        report("gen_fuzz_both_outcomes", counts.ok > 0 and counts.diag > 0 and compiled > 0,
            string.format("%d accepted, %d refused, %d compiled", counts.ok, counts.diag, compiled))
        -- A seed replays: the first cases again, after the whole run (whatever the generator
        -- cached meanwhile), give the same texts and outcomes as the first time.
        local again = 0
        for i = first, math.min(last, first + REPLAYED - 1) do
            local text, src = M.mutate(corpus, seed, i)
            local outcome = M.generate(text, src == "abi/syscalls.def" and locked or nil)
            again = (again * 31 + #outcome + #text) % 2147483647
        end
        report("gen_fuzz_seed_replays", again == outcome_digest, "the first cases of the seed gave other texts or " ..
            "outcomes the second time")
    end
    os.execute("rm -rf '" .. tmp .. "'")
    return S.failed() == failed_before
end

if arg and arg[0] and arg[0]:match("gen_fuzz%.lua$") then
    os.exit(M.main(arg) and 0 or 1)
end

return M
