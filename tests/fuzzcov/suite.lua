-- fuzz-cov's host suite in `make test` (tests/run.lua runs every tests/AREA/suite.lua): the
-- program generator on its own (same seed, same programs; resources, flag sets and enums drawn
-- as the .def declares them), the minimizer and the reproducer writer against a stand-in runner,
-- and a short real run: two batches of programs in QEMU, every program run to its end, no
-- invariant broken, and a resource passed from its producer to a consumer that succeeds.
-- weight: 6
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/?.lua;" .. HERE .. "/../lib/?.lua;" .. HERE .. "/../../gen/?.lua;" .. package.path
local S = require("hostsuite")
local P = require("prog")
local L = require("loop")
local report, sh, shq = S.report, S.sh, S.shq

local BUILD = os.getenv("BUILD") or "build"

local function programs(S0, seed, n)
    local r = P.rng(seed)
    local out, corpus = {}, {}
    for i = 1, n do
        local prog = (#corpus > 0 and i % 2 == 0) and P.mutate(r, S0.ctx, corpus[#corpus], corpus[1])
            or P.generate(r, S0.ctx)
        corpus[#corpus + 1] = prog
        out[i] = P.encode(prog, i)
    end
    return out, corpus
end

local S0 = L.new({ build = BUILD })

do
    local a, b, c = programs(S0, 7, 200), programs(S0, 7, 200), programs(S0, 8, 200)
    local same, differ = table.concat(a) == table.concat(b), table.concat(a) ~= table.concat(c)
    report("fuzzcov-same-seed-same-programs", same and differ,
        not same and "two runs of seed 7 made different programs" or "seeds 7 and 8 made the same programs")
end

-- Over many programs, every argument that consumes a resource is given one an earlier call
-- produced, and every argument with defined values gets defined and undefined ones.
do
    local _, corpus = programs(S0, 11, 600)
    local fed, defined, undefined, wanted = {}, {}, {}, {}
    for _, d in ipairs(S0.D.syscalls) do
        for i, a in ipairs(d.args) do
            local key = d.name .. "." .. (a.name or i)
            if a.resource then wanted[key] = "a produced " .. a.resource end
            if a.flags or a.enum then wanted[key] = "defined and undefined values" end
        end
    end
    for _, prog in ipairs(corpus) do
        for _, c in ipairs(prog.calls) do
            for i, v in ipairs(c.args) do
                local a = c.d.args[i]
                local key = c.d.name .. "." .. (a.name or i)
                local made = v.t == "res" and (v.reg == nil and v.call.d.produces)
                for _, x in ipairs(v.t == "res" and v.reg and v.call.d.extra or {}) do
                    if x.reg == v.reg then made = x.resource end
                end
                if a.resource and made == a.resource then fed[key] = true end
                local values = a.enum or a.flags
                if values and v.t == "lit" then
                    local ok = false
                    if a.enum then
                        for _, x in ipairs(a.enum) do ok = ok or x == v.v end
                    else
                        local mask = 0
                        for _, x in ipairs(a.flags) do mask = mask | x end
                        ok = v.v & ~mask == 0
                    end
                    if ok then defined[key] = true else undefined[key] = true end
                end
            end
        end
    end
    local missing = {}
    for key, what in pairs(wanted) do
        local a = key
        if what:find("^a produced") and not fed[a] then missing[#missing + 1] = key .. " never got " .. what end
        if not what:find("^a produced") and not (defined[a] and undefined[a]) then
            missing[#missing + 1] = key .. " never got " .. what
        end
    end
    table.sort(missing)
    local n = 0
    for _ in pairs(wanted) do n = n + 1 end
    report("fuzzcov-resources-and-values", #missing == 0 and n > 0,
        n == 0 and "no argument of abi/syscalls.def consumes a resource or has defined values"
            or table.concat(missing, "; "))
end

-- Partners and flows the .def describes: forks whose child runs a blocking call that takes a
-- resource an earlier call of the child made, while the parent goes on; extra results (a call's
-- second result register) feeding later calls; names (`fuzz ARG from`) passed on from the call
-- that made them; and every result a call takes comes from a call its process can see.
do
    local _, corpus = programs(S0, 11, 600)
    local partner, extra, named, bad = 0, 0, 0, nil
    for _, prog in ipairs(corpus) do
        local index = {}
        for k, c in ipairs(prog.calls) do index[c] = k end
        local span = P.structure(prog)
        for k, c in ipairs(prog.calls) do
            for i, a in ipairs(c.args) do
                local d = c.d.args[i]
                if a.t == "res" then
                    local j = index[a.call]
                    -- the producer ran before, in this process or one it was forked from
                    local o, seen = c.owner, a.call.owner == nil
                    while o do
                        seen = seen or a.call.owner == o
                        o = o.owner
                    end
                    if not j or j >= k or not seen then bad = bad or P.describe(prog) end
                    if a.reg then extra = extra + 1 end
                    if c.owner and c.d.blocking and d.resource and a.call.owner == c.owner
                        and (span[c.owner] or 0) > 0 and index[c.owner] + span[c.owner] < #prog.calls then
                        partner = partner + 1
                    end
                end
                if d.from and a.t == "str" then
                    for j = 1, k - 1 do
                        local p = prog.calls[j]
                        for x, b in ipairs(p.args) do
                            if p.d.name == d.from.syscall and p.d.args[x].name == d.from.arg and b.t == "str"
                                and b.bytes == a.bytes then
                                named = named + 1
                            end
                        end
                    end
                end
            end
        end
    end
    report("fuzzcov-partners-generated", partner > 0 and extra > 0 and named > 0 and not bad,
        bad and ("a result from a call its process cannot see:\n" .. bad)
            or string.format("%d partners, %d extra results passed on, %d names passed on", partner, extra, named))
end

-- The minimizer keeps exactly the calls a failure needs, and the reproducer it writes builds.
do
    local S1 = L.new({ build = BUILD, repro = BUILD .. "/fuzzcov/test-repro" })
    os.execute("rm -rf " .. shq(S1.repro_dir))
    -- Stand-in kernel: a boot "panics" when a program calls kill with a pid that fork produced.
    local function guilty(text)
        local forks = {}
        for nr, rest in text:gmatch("\nC (%x+) %x+ ?([^\n]*)") do
            local d
            for _, x in ipairs(S1.D.syscalls) do if x.num == tonumber(nr, 16) then d = x end end
            forks[#forks + 1] = d
            if d.name == "kill" then
                local k = rest:match("^r(%x+)")
                if k and forks[tonumber(k, 16) + 1].name == "fork" then return true end
            end
        end
    end
    S1.runner = function(_, encoded)
        local res = { programs = {}, done = true }
        for j, text in ipairs(encoded) do
            res.programs[j] = { rets = {}, pcs = {}, ended = true, how = "done" }
            res.last_started = j
            if guilty("\n" .. text) then
                res.programs[j].ended, res.panic, res.done = nil, "PANIC: stand-in", nil
                break
            end
        end
        return res
    end
    local d = function(name) return S1.D.by_name[name] end
    local fork = { d = d("fork"), child = 2, args = {} }
    local prog = { seed = 5, calls = {
        { d = d("getpid"), child = 0, args = {} },
        fork,
        { d = d("yield"), child = 0, args = {} },
        { d = d("kill"), child = 0, args = { { t = "res", call = fork } } },
        { d = d("sleep_ms"), child = 0, args = { { t = "lit", v = 1 } } },
    } }
    local small = L.minimize(S1, prog, "panic PANIC: stand-in")
    local names = {}
    for k, c in ipairs(small and small.calls or {}) do names[k] = c.d.name end
    report("fuzzcov-minimize", table.concat(names, " ") == "fork kill",
        "minimized to: " .. table.concat(names, " "))
    local vios = L.violations(S1.D, { prog }, S1.runner(nil, { P.encode(prog, 1) }))
    S1.seed, S1.replays_before = 0, 0
    local repro = vios[1] and vios[1].sig == "panic PANIC: stand-in"
    if repro then
        local silent = io.output()
        io.output("/dev/null")
        L.triage_one(S1, { prog }, vios[1], 1)
        io.output(silent)
    end
    local path = S1.repros[1] and S1.repros[1].path
    local cc = (os.getenv("CROSS") or "i686-linux-gnu-") .. "gcc"
    local status, out = sh(string.format("%s -std=c11 -ffreestanding -m32 -Wall -Wextra -Werror -fsyntax-only "
        .. "-nostdinc -isystem \"$(%s -print-file-name=include)\" -I libsys/include -I %s/gen -I %s/gen/libsys "
        .. "-I tests/fuzzcov -I tests/fuzz -I tests/guest %s", cc, cc, BUILD, BUILD, shq(path or "none")))
    report("fuzzcov-reproducer-builds", path and status == 0, path and "the reproducer does not compile"
        or "no reproducer was written", out, 20)
end

-- Two real batches: every program runs to its end, nothing breaks, resources flow.
do
    local S2 = L.new({ build = BUILD, seed = "0x5eed", batch = "12" })
    S2.t0 = os.time()
    local silent = io.output()
    io.output("/dev/null")
    local ran, ended, vios, why = 0, 0, {}, nil
    for _ = 1, 2 do
        local res, _, v = L.step(S2)
        for _, run in pairs(res.programs) do
            ran = ran + 1
            if run.ended then ended = ended + 1 end
        end
        for _, x in ipairs(v) do vios[#vios + 1] = x.what end
        if not res.done then why = res.log_path end
    end
    -- And a resource through the executor: a forked child (asleep) killed by the pid fork gave.
    local producer, consumer
    for _, d in ipairs(S2.D.syscalls) do
        if d.produces and not producer and #d.args == 0 then producer = d end
    end
    for _, d in ipairs(S2.D.syscalls) do
        if producer and #d.args == 1 and d.args[1].resource == producer.produces and not d.blocking then
            consumer = consumer or d
        end
    end
    local fork = producer and { d = producer, child = 2, args = {} }
    local prog = fork and consumer and { seed = 1, calls = { fork, { d = consumer, child = 0,
        args = { { t = "res", call = fork } } } } }
    -- And partners in the same boot: the program registers a service and forks a child that opens
    -- and calls it (the calls of the fork's span), while the parent serves: it receives the call
    -- and answers the badge, an extra result of its previous call. The child's call returns the
    -- answer's first word (the request's discriminator, which the answer sends back).
    local d = S2.D.by_name
    local name = { t = "str", off = 0xC000, bytes = "fz-partner" }
    local reg = { t = "scr", off = 0x100 }
    local served = { seed = 2, calls = {} }
    local c = served.calls
    c[1] = { d = d.amc_register_service, child = 0, args = { name } }
    c[2] = { d = d.fork, child = 0, args = {} }
    c[3] = { d = d.amc_open, child = 0, owner = c[2], args = { name } }
    c[4] = { d = d.amc_call, child = 0, owner = c[2], args = { { t = "res", call = c[3] }, { t = "lit", v = 7 },
        { t = "lit", v = 1 }, { t = "lit", v = 2 }, { t = "lit", v = 0xFFFFFFFF } } }
    c[5] = { d = d.amc_reply_wait, child = 0, args = { { t = "lit", v = 0 }, reg, { t = "lit", v = 0 },
        { t = "lit", v = 64 } } }
    local caller
    for _, x in ipairs(d.amc_reply_wait.extra) do
        if x.resource == d.amc_reply_wait.args[1].resource then caller = x.reg end
    end
    c[6] = { d = d.amc_reply_wait, child = 0, args = { { t = "res", call = c[5], reg = caller }, reg,
        { t = "lit", v = 4 }, { t = "lit", v = 64 } } }
    local res = prog and S2.runner(S2.cfg, { P.encode(prog, 1), P.encode(served, 2) }, "flow")
    local flowed = res and res.programs[1] and res.programs[1].rets[2] == 0
    local partner = res and res.programs[2] or { rets = {} }
    report("fuzzcov-partners", partner.rets[4] == 7 and partner.rets[5] == 12 and partner.rets[3] ~= nil,
        string.format("the child's call returned %s, the server received %s", tostring(partner.rets[4]),
            tostring(partner.rets[5])), res and res.log, 30)
    io.output(silent)
    if #vios == 0 then os.execute("rm -rf " .. shq(S2.cfg.dir)) end
    report("fuzzcov-smoke", ran == 24 and ended == 24 and #vios == 0 and #S2.corpus > 0 and flowed,
        string.format("%d of 24 programs ran, %d ended, corpus %d; %s(%s from %s) %s%s%s", ran, ended, #S2.corpus,
            consumer and consumer.name or "?", consumer and consumer.args[1].name or "?",
            producer and producer.name or "?", flowed and "succeeded" or "did not succeed",
            #vios > 0 and ("; " .. table.concat(vios, "; ")) or "", why and ("; see " .. why) or ""))
end

S.finish()
