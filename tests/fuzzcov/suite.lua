-- fuzz-cov's host suite in `make test` (tests/run.lua runs every tests/AREA/suite.lua): the
-- program generator on its own (same seed, same programs; resources, flag sets and enums drawn
-- as the .def declares them), the minimizer and the reproducer writer against a stand-in runner,
-- and a short real run: two batches of programs in QEMU, every program run to its end, no
-- invariant broken, and a resource passed from its producer to a consumer that succeeds; the
-- guard past value-result capacities, intact on the kernel as it is and broken on one with a
-- planted one-byte overflow (a boot of its own).
-- weight: 6
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/?.lua;" .. HERE .. "/../lib/?.lua;" .. HERE .. "/../../gen/?.lua;" .. package.path
local S = require("hostsuite")
local P = require("prog")
local L = require("loop")
local desc = require("desc")
local B = require("batch")
local R = require("repro")
local report, sh, shq = S.report, S.sh, S.shq

local function read_text(path)
    local f = io.open(path, "rb")
    if not f then return "" end
    local t = f:read("a")
    f:close()
    return t
end

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

-- Every value-result call of the .def (bytes[*LEN]), each with capacities from none to past its
-- bound, in one program: the guard past the capacity (P.value_results) must stay intact when the
-- kernel writes no more than it (fuzzcov-guard-no-false-positive) and break when it writes one
-- byte more (fuzzcov-guard-planted). Each call's length word lies just before its buffer, so that
-- the guard past the buffer is always armed. Other arguments: a resource from a call before that
-- makes one without arguments (a fork, whose child sleeps meanwhile), a boot module's name for a
-- string, scratch for a pointer, empty buffers.
local STR_AREA = 0xC000
local function value_result_program(D)
    local prog, made, at = { seed = 3, calls = {} }, {}, 0
    local function place(size)
        local off = at
        at = (at + size + 32 + 15) & ~15
        return off
    end
    local function producer(resource)
        for _, d in ipairs(made[resource] and {} or D.syscalls) do
            if d.produces == resource and #d.args == 0 then
                made[resource] = { d = d, child = 2, args = {} } -- FC_CHILD_SLEEP
                prog.calls[#prog.calls + 1] = made[resource]
            end
        end
        return made[resource]
    end
    local vr = {}
    for _, d in ipairs(D.syscalls) do
        for vi, v in ipairs(d.args) do
            if v.kind == "bytes" and v.len_by_ptr then vr[#vr + 1] = { d = d, vi = vi, v = v } end
        end
    end
    -- A call with capacity cap; gap nil: its length word before its buffer, else gap bytes past
    -- the capacity, where the guard would be (the executor guards the longer part beside it).
    local function value_result_call(x, cap, gap)
        local bound, es = x.v.max or 64, x.v.elem_size
        local c, slot = { d = x.d, child = 0, args = {}, gap = gap }, 0
        for i, a in ipairs(x.d.args) do
            if i == x.vi and gap then
                local off = place(bound * es + 16)
                c.args[i] = { t = "scr", off = off }
                c.args[x.v.len_arg] = { t = "word", off = off + cap * es + gap, v = cap }
            elseif i == x.vi then
                c.args[x.v.len_arg] = { t = "word", off = place(4), v = cap }
                c.args[i] = { t = "scr", off = place(bound * es) }
            elseif a.resource then
                local p = producer(a.resource)
                c.args[i] = p and { t = "res", call = p } or { t = "lit", v = 0 }
            elseif a.kind == "str" then
                c.args[i] = { t = "str", off = STR_AREA + slot * 0x1000, bytes = "fuzzcov" }
                slot = slot + 1
            elseif a.kind == "ptr" and not a.vr_buf then
                c.args[i] = { t = "scr", off = place(a.size) }
            elseif a.kind == "bytes" then
                c.args[i] = { t = "scr", off = place(0) }
                c.args[a.len_arg] = { t = "lit", v = 0 }
            end
        end
        for i = 1, #x.d.args do c.args[i] = c.args[i] or { t = "lit", v = 0 } end
        prog.calls[#prog.calls + 1] = c
    end
    for _, x in ipairs(vr) do
        local bound = x.v.max or 64
        for _, cap in ipairs({ 0, 1, 2, 4, bound - 1, bound, bound + 1, 0xFFFFFFFF }) do value_result_call(x, cap) end
        value_result_call(x, 4, 0) -- the word right at the capacity: the guard after it
        value_result_call(x, 4, 8) -- the word inside the guard: the guard before it
    end
    return prog, #vr
end
local VR_PROG, VR_SYSCALLS = value_result_program(S0.D)
-- The syscall whose planted bug tests/fuzzcov/fuzzcov.mk builds into $(BUILD)/fuzzcov/planted/.
local PLANTED = "proc_name"

-- The value-result calls of a run of VR_PROG: { name, k, cap, len, ok, guard } for each, with
-- what its fc-vr line said (cap before, size after), whether it succeeded, and the guard it
-- broke; and the calls with a value-result guard that reported no fc-vr line.
local function value_result_calls(D, run)
    local list, unarmed = {}, {}
    for k, c in ipairs(VR_PROG.calls) do
        if #P.value_results(c) > 0 then
            local v = run and run.vr and run.vr[k] and run.vr[k][1]
            local ret = run and run.rets[k]
            if v then
                list[#list + 1] = { name = c.d.name, k = k, cap = v.cap, len = v.len, gap = c.gap,
                    ok = ret ~= nil and not desc.error_of(D, ret), guard = run.guards and run.guards[k] }
            else
                unarmed[#unarmed + 1] = c.d.name .. " call " .. (k - 1)
            end
        end
    end
    return list, unarmed
end

do
    local a, b, c = programs(S0, 7, 200), programs(S0, 7, 200), programs(S0, 8, 200)
    local same, differ = table.concat(a) == table.concat(b), table.concat(a) ~= table.concat(c)
    report("fuzzcov-same-seed-same-programs", same and differ,
        not same and "two runs of seed 7 made different programs" or "seeds 7 and 8 made the same programs")
end

-- 600 programs of seed 11, for the two checks below.
local _, CORPUS = programs(S0, 11, 600)

-- Over many programs, every argument that consumes a resource is given one an earlier call
-- produced, and every argument with defined values gets defined and undefined ones.
do
    local fed, defined, undefined, wanted = {}, {}, {}, {}
    for _, d in ipairs(S0.D.syscalls) do
        for i, a in ipairs(d.args) do
            local key = d.name .. "." .. (a.name or i)
            if a.resource then wanted[key] = "a produced " .. a.resource end
            if a.flags or a.enum then wanted[key] = "defined and undefined values" end
        end
    end
    for _, prog in ipairs(CORPUS) do
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
    local partner, extra, named, bad = 0, 0, 0, nil
    for _, prog in ipairs(CORPUS) do
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
    -- and one of value-result calls: their length words and the guards past their capacities
    local vr_path = S1.repro_dir .. "/value_results.c"
    local f = assert(io.open(vr_path, "wb"))
    f:write(R.render(VR_PROG, { name = "value_results", what = "-", how = "-",
        description = P.describe(VR_PROG) }))
    f:close()
    local cc = (os.getenv("CROSS") or "i686-linux-gnu-") .. "gcc"
    local status, out = sh(string.format("%s -std=c11 -ffreestanding -m32 -Wall -Wextra -Werror -fsyntax-only "
        .. "-nostdinc -isystem \"$(%s -print-file-name=include)\" -I libsys/include -I %s/gen -I %s/gen/libsys "
        .. "-I tests/fuzzcov -I tests/fuzz -I tests/guest %s %s", cc, cc, BUILD, BUILD, shq(path or "none"),
        shq(vr_path)))
    local text = read_text(vr_path)
    local guarded = VR_SYSCALLS == 0 or (text:find("fc_guard_value_result(", 1, true) and text:find("fc_word(", 1, true))
    report("fuzzcov-reproducer-builds", path and status == 0 and guarded, not path and "no reproducer was written"
        or not guarded and "the value-result calls' reproducer has no fc_word or fc_guard_value_result"
        or "the reproducers do not compile", out, 20)
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
    local res = prog and S2.runner(S2.cfg, { P.encode(prog, 1), P.encode(served, 2), P.encode(VR_PROG, 3) }, "flow")
    local flowed = res and res.programs[1] and res.programs[1].rets[2] == 0
    local partner = res and res.programs[2] or { rets = {} }
    report("fuzzcov-partners", partner.rets[4] == 7 and partner.rets[5] == 12 and partner.rets[3] ~= nil,
        string.format("the child's call returned %s, the server received %s", tostring(partner.rets[4]),
            tostring(partner.rets[5])), res and res.log, 30)
    -- No false positive: on the kernel as it is, every value-result call's guard stays intact,
    -- and of each such syscall a call succeeded with its result cut short (the kernel wrote the
    -- whole capacity, right up to the guard) and one with all of it.
    local vr, unarmed = value_result_calls(S2.D, res and res.programs[3])
    local cut, whole, tripped = {}, {}, {}
    for _, v in ipairs(vr) do
        if v.ok and v.cap > 0 and v.len > v.cap then cut[v.name] = true end
        if v.ok and v.len <= v.cap then whole[v.name] = true end
        if v.guard then tripped[#tripped + 1] = string.format("%s call %d (cap %d, size %d)", v.name, v.k - 1, v.cap, v.len) end
    end
    local missing = {}
    for _, x in ipairs(S2.D.syscalls) do
        for _, a in ipairs(x.args) do
            if a.kind == "bytes" and a.len_by_ptr and not (cut[x.name] and whole[x.name]) then
                missing[#missing + 1] = x.name
            end
        end
    end
    report("fuzzcov-guard-no-false-positive", VR_SYSCALLS > 0 and #tripped == 0 and #missing == 0 and #unarmed == 0,
        VR_SYSCALLS == 0 and "abi/syscalls.def has no value-result buffer (bytes[*LEN])"
            or #tripped > 0 and ("a guard past the capacity broke on the kernel as it is: " .. table.concat(tripped, ", "))
            or #unarmed > 0 and ("no fc-vr line (the guard was not armed): " .. table.concat(unarmed, ", "))
            or ("no successful call cut short and one whole of: " .. table.concat(missing, ", ")),
        res and res.log, 30)

    -- The hostile test: the same program on the kernel whose proc_name writes one byte past the
    -- capacity when the name does not fit. The guard breaks on exactly the calls cut short (a
    -- capacity of 0 writes nothing there), but for the one whose length word lies right at the
    -- capacity: the byte too many goes into the word, which the kernel then overwrites with the
    -- size (a blind spot no guard can see).
    local planted = BUILD .. "/fuzzcov/planted"
    local why_not = read_text(planted .. "/not-planted"):gsub("%s+$", "")
    local pres
    local elf = io.open(planted .. "/kernel.elf", "rb")
    if elf then elf:close() end
    if why_not == "" and elf then
        local cfg = B.config({ build = BUILD, kernel = planted .. "/kernel.elf", dir = S2.cfg.dir,
            qemu = os.getenv("QEMU") })
        pres = S2.runner(cfg, { P.encode(VR_PROG, 1) }, "planted")
    end
    local pvr = value_result_calls(S2.D, pres and pres.programs[1])
    local wrong, caught = {}, 0
    for _, v in ipairs(pvr) do
        local expect = v.name == PLANTED and v.ok and v.cap > 0 and v.len > v.cap and v.gap ~= 0
        if expect and v.guard == "cap" then caught = caught + 1 end
        if (v.guard ~= nil) ~= expect or (v.guard and v.guard ~= "cap") then
            wrong[#wrong + 1] = string.format("%s call %d (cap %d, size %d): %s", v.name, v.k - 1, v.cap, v.len,
                v.guard and ("guard " .. v.guard) or "no guard")
        end
    end
    report("fuzzcov-guard-planted", pres and caught > 0 and #wrong == 0,
        why_not ~= "" and why_not or not pres and ("no planted kernel: " .. planted .. "/kernel.elf")
            or caught == 0 and "the guard caught no write past the capacity"
            or ("the guard past the capacity was wrong: " .. table.concat(wrong, "; ")),
        pres and pres.log, 30)
    io.output(silent)
    if #vios == 0 then os.execute("rm -rf " .. shq(S2.cfg.dir)) end
    report("fuzzcov-smoke", ran == 24 and ended == 24 and #vios == 0 and #S2.corpus > 0 and flowed,
        string.format("%d of 24 programs ran, %d ended, corpus %d; %s(%s from %s) %s%s%s", ran, ended, #S2.corpus,
            consumer and consumer.name or "?", consumer and consumer.args[1].name or "?",
            producer and producer.name or "?", flowed and "succeeded" or "did not succeed",
            #vios > 0 and ("; " .. table.concat(vios, "; ")) or "", why and ("; see " .. why) or ""))
end

S.finish()
