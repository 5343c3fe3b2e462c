-- fuzz-cov: the coverage-guided, resource-aware syscall fuzzer (issue 18). The host loop:
--
--   lua5.4 tests/fuzzcov/loop.lua [duration=SECONDS] [batches=N] [seed=S] [kernel=ELF]
--                                 [batch=PROGRAMS] [repro=DIR] [build=DIR]
--
-- Programs are built from the generator's model of abi/syscalls.def (tests/fuzzcov/desc.lua,
-- prog.lua) and run in batches, one boot each, under QEMU -icount (tests/fuzzcov/batch.lua). A
-- program that reaches something no program reached before (a kernel PC, when the kernel is a
-- coverage build with syscall kcov; always a (syscall, error) pair and a resource flow such as
-- "kill took a pid from fork and succeeded") joins the corpus, which later batches mutate and
-- splice. Everything follows from the seed: the same seed and the same number of batches make
-- the same programs.
--
-- Invariants: a boot must not panic or hang, no call may return an error the .def does not
-- declare for it, and the kernel's counters (kstat) must come back after every program. A
-- program that breaks one is replayed alone, minimized by deterministic replays (calls dropped
-- one at a time while the failure stays) and written as a C guest test under repro=DIR
-- (tests/guest/repro by default), which fails until the bug is fixed.
local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = HERE .. "/?.lua;" .. HERE .. "/../../gen/?.lua;" .. package.path
local desc = require("desc")
local P = require("prog")
local B = require("batch")
local R = require("repro")

local L = {}

local function say(fmt, ...)
    io.write(string.format(fmt, ...), "\n")
    io.output():flush()
end

local function read_file(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
end

-- Kernel addresses worth aiming at (the list the guest fuzzer uses, tests/fuzz/kaddrs.lua).
local function kernel_addrs(build)
    local list = {}
    for v in (read_file(build .. "/tests/kernel_addrs.h") or ""):gmatch("\n%s+0x(%x+)u,") do
        list[#list + 1] = tonumber(v, 16)
    end
    return list
end

-- ---- what a program's run says ----

-- The features a program reached: kernel PCs, (syscall, result) pairs, resource flows.
local function features(D, prog, run)
    local f = {}
    if not run then return f end
    for k, c in ipairs(prog.calls) do
        local ret = run.rets[k]
        if ret then
            local err = desc.error_of(D, ret)
            f["e:" .. c.d.name .. ":" .. (err and (D.errors[err] or err) or "ok")] = true
            for i, a in ipairs(c.args) do
                if a.t == "res" and not err and c.d.args[i].resource then
                    f["flow:" .. c.d.name .. "<-" .. a.call.d.name .. P.reg_name(a)] = true
                end
            end
        end
        for _, pc in ipairs(run.pcs[k] or {}) do f[pc] = true end
        -- a value-result call that succeeded with its result cut short or whole
        for _, v in ipairs(ret and not desc.error_of(D, ret) and run.vr and run.vr[k] or {}) do
            f["vr:" .. c.d.name .. ":" .. (v.len > v.cap and "cut" or "whole")] = true
        end
    end
    f["end:" .. (run.how or "none"):gsub(" .*", "")] = true
    return f
end

-- The invariants a batch broke: { kind, id, sig (what a replay must show again), what }.
local function violations(D, progs, res)
    local out = {}
    for id, run in pairs(res.programs) do
        local prog = progs[id]
        for k, ret in pairs(prog and run.rets or {}) do
            local c = prog.calls[k]
            local err = c and desc.error_of(D, ret)
            if err and not c.d.declared[err] then
                out[#out + 1] = { kind = "undeclared", id = id, sig = "undeclared " .. c.d.name .. " " .. err,
                    what = string.format("%s returned -%d (%s), an error abi/syscalls.def does not declare for it",
                        c.d.name, err, D.errors[err] or "?") }
            end
        end
        if run.guard and prog and prog.calls[run.guard] then
            local name = prog.calls[run.guard].d.name
            out[#out + 1] = { kind = "guard", id = id, sig = "guard " .. name .. (run.guard_kind == "cap" and " cap" or ""),
                what = name .. (run.guard_kind == "cap"
                    and " wrote past the capacity its value-result length gave its buffer"
                    or " changed the bytes just past an out buffer it was given") }
        end
        if run.leak then
            out[#out + 1] = { kind = "leak", id = id, sig = "leak",
                what = "the kernel's counters did not come back: " .. run.leak }
        end
    end
    local culprit = res.last_started
    if culprit and res.programs[culprit] and res.programs[culprit].ended then culprit = nil end
    if res.panic then
        -- One reproducer per place: a panic in another function, or another broken contract, is
        -- another bug.
        local contract = res.panic:match("^PANIC: contract: (%S+ returned %S+)")
        out[#out + 1] = { kind = "panic", id = culprit, sig = "panic " .. (contract or res.panic_in or res.panic),
            what = "the kernel panicked: " .. res.panic }
    elseif res.error then
        out[#out + 1] = { kind = "executor", sig = "executor", what = "the executor refused its input: " .. res.error }
    elseif not res.done then
        out[#out + 1] = { kind = "hang", id = culprit, sig = "hang",
            what = res.hung and "the boot hung (no end of batch before the timeout)" or
                ("the boot ended early (QEMU status " .. tostring(res.status) .. ")") }
    end
    table.sort(out, function(a, b) return a.sig < b.sig end)
    return out
end
L.violations = violations

-- ---- minimizing ----

-- 1 when prog, alone in a fresh boot, breaks the invariant sig again.
local function reproduces(S, prog, sig)
    S.replays = S.replays + 1
    local res = S.runner(S.single, { P.encode(prog, 1) }, "replay")
    for _, v in ipairs(violations(S.D, { prog }, res)) do
        if v.sig == sig then return true, v end
    end
    return false
end

-- Drops calls, last first, while the failure stays; returns the smallest program found.
function L.minimize(S, prog, sig)
    local ok, v = reproduces(S, prog, sig)
    if not ok then return nil end
    local k = #prog.calls
    while k >= 1 and #prog.calls > 1 do
        local q = P.drop(prog, k)
        local again, w = reproduces(S, q, sig)
        if again then prog, v = q, w end
        k = math.min(k - 1, #prog.calls)
    end
    return prog, v
end

local function slug(s)
    return (s:gsub("[^%w]+", "_"):gsub("^_", ""):gsub("_$", ""):lower())
end

local function write_repro(S, prog, v, found_in, calls_before)
    local text = P.encode(prog, 1)
    local h = 2166136261
    for i = 1, #text do h = ((h ~ text:byte(i)) * 16777619) & 0xFFFFFFFF end
    local name = string.format("%s_%08x", slug(v.sig), h)
    local path = S.repro_dir .. "/" .. name .. ".c"
    os.execute("mkdir -p '" .. S.repro_dir .. "'")
    local f = assert(io.open(path, "wb"))
    f:write(R.render(prog, {
        name = name,
        what = v.what,
        how = string.format("Found by fuzz-cov seed 0x%x in batch %d; minimized from %d to %d calls in %d replays.",
            S.seed, found_in, calls_before, #prog.calls, S.replays - S.replays_before),
        description = P.describe(prog),
    }))
    f:close()
    -- In the tree's C style (.clang-format), as every C file of it, when the tool is there.
    os.execute("command -v clang-format >/dev/null 2>&1 && clang-format -i '" .. path .. "'")
    return path
end

-- Replays the program that broke invariant v alone, minimizes it and writes its reproducer.
function L.triage_one(S, progs, v, batch_no)
    say("fuzz-cov: batch %d program %d: %s", batch_no, v.id, v.what)
    say("%s", P.describe(progs[v.id]))
    S.replays_before = S.replays
    local t0 = os.time()
    local found_after = t0 - (S.t0 or t0)
    local small, w = L.minimize(S, progs[v.id], v.sig)
    if not small then
        say("fuzz-cov: it does not happen again when the program runs alone (no reproducer)")
        return
    end
    local path = write_repro(S, small, w, batch_no, #progs[v.id].calls)
    S.repros[#S.repros + 1] = { path = path, what = w.what, calls = #small.calls,
        from = #progs[v.id].calls, replays = S.replays - S.replays_before, secs = os.time() - t0,
        found_after = found_after }
    say("fuzz-cov: minimized to %d calls in %d replays (%d s): %s", #small.calls,
        S.replays - S.replays_before, os.time() - t0, path)
    say("%s", P.describe(small))
end

local function triage(S, progs, vios, batch_no)
    for _, v in ipairs(vios) do
        if not S.reported[v.sig] then
            S.reported[v.sig] = true
            if v.id and progs[v.id] then
                L.triage_one(S, progs, v, batch_no)
            else
                say("fuzz-cov: batch %d: %s (no program to blame)", batch_no, v.what)
            end
        end
    end
end

-- ---- the loop ----

local function parse_args(argv)
    local o = {}
    for _, a in ipairs(argv) do
        local k, v = a:match("^([%w_]+)=(.*)$")
        if not k then error("fuzz-cov: expected KEY=VALUE, got " .. a, 0) end
        o[k] = v
    end
    return o
end

local function number(s, default)
    if not s or s == "" then return default end
    return math.tointeger(tonumber(s)) or error("fuzz-cov: not a number: " .. s, 0)
end

function L.new(o)
    local build = o.build or os.getenv("BUILD") or "build"
    local S = {
        seed = number(o.seed, 0x5eed), build = build, def = o.def or "abi/syscalls.def",
        batch_size = number(o.batch, 24), repro_dir = o.repro or "tests/guest/repro",
        corpus = {}, seen = {}, pcs = 0, reported = {}, repros = {}, replays = 0, replays_before = 0,
        programs = 0, calls = 0, batches = 0, successes = {}, flows = {}, flow_example = {}, orphans = 0,
        runner = B.run, -- (cfg, encoded programs, tag) -> parsed result; tests replace it
    }
    S.seed = S.seed & 0xFFFFFFFF
    S.D = desc.load(S.def)
    -- A directory of its own: runs side by side (make test's smoke run, a long run) never share files.
    local dir = o.run or string.format("%s/fuzzcov/run-%x-%d-%s", build, S.seed, os.time(), tostring({}):match("(%x+)$"))
    local env = { build = build, kernel = o.kernel, qemu = os.getenv("QEMU"), dir = dir }
    S.cfg = B.config(env)
    env.timeout = 20
    S.single = B.config(env)
    local programs = {}
    for _, m in ipairs(S.cfg.modules) do programs[#programs + 1] = m.name end
    S.ctx = P.context(S.D, B.names(S.cfg, S.D), kernel_addrs(build), programs)
    S.rng = P.rng(S.seed)
    return S
end

-- The successful calls of a run that took what an earlier successful call returned, as
-- "consumer(arg from producer)" -> count (`kill(pid from fork)`, `amc_call(h from amc_open)`).
local function flows_of(D, prog, run, into, example)
    local index = {}
    for k, c in ipairs(prog.calls) do index[c] = k end
    for k, c in ipairs(prog.calls) do
        local ret = run.rets[k]
        if ret and not desc.error_of(D, ret) then
            for i, a in ipairs(c.args) do
                local from = a.t == "res" and run.rets[index[a.call]]
                if from and not desc.error_of(D, from) and c.d.args[i].kind == "scalar" then
                    local key = c.d.name .. "(" .. c.d.args[i].name .. " from " .. a.call.d.name .. P.reg_name(a) .. ")"
                    into[key] = (into[key] or 0) + 1
                    if example and not example[key] then example[key] = P.describe(prog, run.rets) end
                end
            end
        end
    end
end
L.flows_of = flows_of

-- Adds a run's features to what the corpus has reached; returns how many were new.
local function learn(S, prog, run)
    local new = 0
    for f in pairs(features(S.D, prog, run)) do
        if not S.seen[f] then
            S.seen[f] = true
            new = new + 1
            if math.type(f) == "integer" then S.pcs = S.pcs + 1 end
        end
    end
    if run then
        for k, c in ipairs(prog.calls) do
            local ret = run.rets[k]
            if ret and not desc.error_of(S.D, ret) then
                S.successes[c.d.name] = (S.successes[c.d.name] or 0) + 1
            end
            if ret then S.calls = S.calls + 1 end
        end
        flows_of(S.D, prog, run, S.flows, S.flow_example)
        if run.orphans then S.orphans = S.orphans + 1 end
    end
    return new
end

-- A corpus program to mutate: half the time one of the latest (what was just reached is where
-- the next step is likeliest: a message sent, then received), else any.
local RECENT = 8
function L.choose(S)
    local n = #S.corpus
    if n > RECENT and P.below(S.rng, 2) == 0 then return S.corpus[n - P.below(S.rng, RECENT)] end
    return S.corpus[P.below(S.rng, n) + 1]
end

-- One batch: new programs and mutants of the corpus, run, learned from, triaged.
function L.step(S)
    local progs, encoded = {}, {}
    for j = 1, S.batch_size do
        local prog
        if #S.corpus == 0 or P.below(S.rng, 10) < 3 then
            prog = P.generate(S.rng, S.ctx)
        else
            local a, b = L.choose(S), L.choose(S)
            prog = P.mutate(S.rng, S.ctx, a, b)
            for _ = 1, P.below(S.rng, 3) do prog = P.mutate(S.rng, S.ctx, prog, b) end
        end
        progs[j], encoded[j] = prog, P.encode(prog, j)
    end
    S.batches = S.batches + 1
    local res = S.runner(S.cfg, encoded)
    local new_total = 0
    for j, prog in ipairs(progs) do
        local run = res.programs[j]
        if run then S.programs = S.programs + 1 end
        local new = learn(S, prog, run)
        if new > 0 and run and run.ended then
            S.corpus[#S.corpus + 1] = prog
            new_total = new_total + new
        end
    end
    local vios = violations(S.D, progs, res)
    if #vios > 0 and res.log_path then -- the next batch reuses the file
        os.execute(string.format("cp '%s' '%s/batch-%d.log'", res.log_path, S.cfg.dir, S.batches))
    end
    triage(S, progs, vios, S.batches)
    return res, new_total, vios
end

local function sorted_counts(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys)
    local out = {}
    for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. t[k] end
    return table.concat(out, " ")
end

function L.summary(S)
    local features_n = 0
    for _ in pairs(S.seen) do features_n = features_n + 1 end
    local lines = {
        string.format("fuzz-cov: seed 0x%x: %d batches, %d programs, %d calls in %d s; corpus %d programs, "
            .. "%d features (%d kernel PCs); %d invariant violations, %d reproducers, %d replays; "
            .. "%d programs left processes that outlived their parents (orphans: counters taken again)",
            S.seed, S.batches, S.programs, S.calls, os.time() - S.t0, #S.corpus, features_n, S.pcs,
            #(function() local l = {} for k in pairs(S.reported) do l[#l + 1] = k end return l end)(),
            #S.repros, S.replays, S.orphans),
        "fuzz-cov: successes by syscall: " .. sorted_counts(S.successes),
        "fuzz-cov: successful calls given what an earlier successful call returned (consumer(arg from "
            .. "producer)): " .. sorted_counts(S.flows),
    }
    local keys = {}
    for k in pairs(S.flow_example) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
        lines[#lines + 1] = "fuzz-cov: first program with " .. k .. ":"
        for l in S.flow_example[k]:gmatch("[^\n]+") do lines[#lines + 1] = "    " .. l end
    end
    for _, r in ipairs(S.repros) do
        lines[#lines + 1] = string.format("fuzz-cov: reproducer %s: %s (found after %d s, %d -> %d calls, %d replays, %d s)",
            r.path, r.what, r.found_after, r.from, r.calls, r.replays, r.secs)
    end
    return table.concat(lines, "\n")
end

-- The corpus, replayed once more (programs in batches the executor takes): on a coverage
-- kernel these logs end with its whole-boot coverage, and replace what build/fuzzcov/cov/ held
-- for `make coverage`; a run on another kernel leaves that directory alone.
function L.save_corpus(S)
    local dir = S.build .. "/fuzzcov"
    local f = assert(io.open(dir .. "/corpus.txt", "wb"))
    for j, prog in ipairs(S.corpus) do f:write(P.encode(prog, j)) end
    f:close()
    local cfg = B.config({ build = S.build, kernel = S.cfg.kernel, dir = S.cfg.dir .. "/corpus", qemu = os.getenv("QEMU") })
    local covered, flows = false, {}
    for first = 1, #S.corpus, 48 do
        local enc, progs = {}, {}
        for j = first, math.min(first + 47, #S.corpus) do
            enc[#enc + 1] = P.encode(S.corpus[j], j)
            progs[j] = S.corpus[j]
        end
        local res = B.run(cfg, enc, string.format("corpus-%d", first // 48))
        covered = covered or res.log:find("\nkcov: end", 1, true) ~= nil
        for j, run in pairs(res.programs) do
            if progs[j] then flows_of(S.D, progs[j], run, flows) end
        end
    end
    if covered then
        os.execute(string.format("mkdir -p '%s/cov' && rm -f '%s/cov/'corpus-*.log && cp '%s/'corpus-*.log '%s/cov/'",
            dir, dir, cfg.dir, dir))
        -- The corpus's resource flows, for the report's success paths (tests/coverage/report.lua).
        local keys = {}
        for k in pairs(flows) do keys[#keys + 1] = k end
        table.sort(keys)
        local fl = assert(io.open(dir .. "/cov/flows.txt", "wb"))
        for _, k in ipairs(keys) do fl:write(k, " ", flows[k], "\n") end
        fl:close()
    end
end

function L.main(argv)
    local o = parse_args(argv)
    local S = L.new(o)
    local duration, batches = number(o.duration, nil), number(o.batches, nil)
    if not duration and not batches then duration = 60 end
    S.t0 = os.time()
    say("fuzz-cov: seed 0x%x, %s, %d programs a batch, kernel %s, %d syscalls from %s (language version %d)",
        S.seed, duration and (duration .. " s") or (batches .. " batches"), S.batch_size, S.cfg.kernel,
        #S.D.syscalls, S.def, S.D.version)
    while (not duration or os.time() - S.t0 < duration) and (not batches or S.batches < batches) do
        local res, new = L.step(S)
        say("fuzz-cov: batch %d: %d programs ran, %d new features; corpus %d, kernel PCs %d%s", S.batches,
            (function() local n = 0 for _ in pairs(res.programs) do n = n + 1 end return n end)(), new,
            #S.corpus, S.pcs, res.done and "" or (" (" .. (res.panic or "boot did not finish") .. ")"))
        -- A first batch that runs no program is a broken setup (a module missing from build/, a
        -- kernel that does not boot), not a finding: every later batch would fail the same way.
        if S.batches == 1 and not res.done and next(res.programs) == nil then
            error(string.format("fuzz-cov: error: the first batch ran no program (%s); its boot log is in %s",
                res.panic or "the boot did not finish", S.cfg.dir), 0)
        end
    end
    L.save_corpus(S)
    if next(S.reported) == nil then os.execute("rm -rf '" .. S.cfg.dir .. "'") end -- else its logs tell more
    local text = L.summary(S)
    say("%s", text)
    local f = io.open(S.build .. "/fuzzcov/summary.txt", "wb")
    if f then
        f:write(text, "\n")
        f:close()
    end
    return S
end

if arg and arg[0] and arg[0]:match("loop%.lua$") then
    local ok, err = pcall(L.main, arg)
    if not ok then
        io.stderr:write(tostring(err), "\n")
        os.exit(2)
    end
end

return L
