-- `make bench`: every benchmark, one table, also written to $(BUILD)/bench.json.
--
-- Guest rows: tests/bench/bench.c booted twice under QEMU TCG with -icount shift=0 (the guest
-- TSC then advances one tick per instruction, so a tick count is an instruction count); the two
-- runs must print identical numbers. Host rows: the generator on the real .def and on synthetic
-- ones of 500, 5,000 and 50,000 syscalls, a clean build and two incremental rebuilds of a copy of
-- the source tree. Run from the repository root, after the guest programs are built (the make
-- target does both).

package.path = "tests/qemu/?.lua;tests/bench/?.lua;tests/lib/?.lua;" .. package.path
local harness = require("harness")
local synth = require("synth_def")

local BUILD = os.getenv("BUILD") or "build"
local LUA = os.getenv("LUA") or "lua5.4"
-- The generator runs as the build runs it: in the environment gen/gen.mk gives it.
local GEN_LUA = (os.getenv("GEN_ENV") or "") .. " " .. LUA
local MAKE = os.getenv("MAKE") or "make"
local OUT = BUILD .. "/bench"
local shq = harness.shq

-- Guest rows in table order, with targets and reference points (tests/bench/rows.lua).
local GUEST_ROWS = dofile("tests/bench/rows.lua")

local GEN_SIZES = { 500, 5000, 50000 }
-- Targets (issue 11): 5,000 syscalls in 0.4 s CPU; 50,000 with every output in 3 s and 300 MB.
local GEN_TARGET_SIZE, GEN_TARGET_SECONDS = 5000, 0.4
local GEN_BIG_SIZE, GEN_BIG_SECONDS, GEN_BIG_MB = 50000, 3.0, 300
-- The front end's share (model.load: lexer, parser, checks): { syscalls, CPU seconds, live MB }.
local MODEL_TARGETS = { { 5000, 0.12 }, { 50000, 1.2, 100 } }

----------------------------------------------------------------------------
-- helpers

local S = require("hostsuite")
local sh, write_file = S.sh, S.write


local function must(cmd, what)
    local rc, out = sh(cmd)
    if rc ~= 0 then
        io.stderr:write("bench: " .. what .. " failed (exit " .. tostring(rc) .. "):\n" .. out .. "\n")
        os.exit(1)
    end
    return out
end


-- Times a shell command with bash's time keyword: { wall = s, cpu = user + system s }, the best
-- of runs (fewest CPU seconds). CPU time is what the generator rows report: it hardly moves when
-- other work shares the machine, where wall time does.
-- With rss, the command runs under /usr/bin/time -v and t.rss_mb is its maximum resident set
-- size (the largest of the runs).
local function timed(cmd, what, runs, rss)
    local best, rss_mb
    for _ = 1, runs or 1 do
        local run = cmd .. " >/dev/null 2>&1 || exit 1"
        if rss then
            run = "/usr/bin/time -f 'maxrss %M' -o " .. shq(OUT .. "/time.txt") .. " " .. cmd ..
                " >/dev/null 2>&1 || exit 1"
        end
        local script = "TIMEFORMAT='%R %U %S'; time ( " .. run .. " )"
        local out = must("bash -c " .. shq(script), what)
        local wall, user, sys = out:match("([%d.]+) ([%d.]+) ([%d.]+)%s*$")
        local t = { wall = tonumber(wall), cpu = tonumber(user) + tonumber(sys) }
        if not best or t.cpu < best.cpu then best = t end
        if rss then
            local kb = tonumber((harness.read_file(OUT .. "/time.txt") or ""):match("maxrss (%d+)"))
            if kb then rss_mb = math.max(rss_mb or 0, kb / 1024) end
        end
    end
    if rss_mb then best.rss_mb = rss_mb end
    return best
end

local function wall_seconds(cmd, what)
    return timed(cmd, what).wall
end

-- 12345 -> "12,345"; keeps one decimal for non-integers.
local function commas(n, decimals)
    local s = string.format("%." .. (decimals or 0) .. "f", n)
    local int, frac = s:match("^(-?%d+)(.*)$")
    int = int:reverse():gsub("(%d%d%d)", "%1,"):reverse():gsub("^(-?),", "%1")
    return int .. frac
end

----------------------------------------------------------------------------
-- guest

-- The FPU strategy the kernel does not use by default (kernel/fpu.h), measured by a third run
-- on the rows it changes, so the table shows why the default is the default.
local LAZY_FPU = { append = "fpu=lazy", keys = { "yield_switch", "fpu_pair_yield" } }

local function guest_command(log, extra)
    local spec = {
        append = "init=bench args=full exit=qemu" .. (extra and " " .. extra or ""),
        modules = {
            { path = BUILD .. "/user/init.elf", name = "init" },
            { path = OUT .. "/bench.elf", name = "bench" },
            { path = OUT .. "/nop.elf", name = "nop" },
        },
    }
    local args = harness.qemu_args(spec, log)
    -- sleep=off: an idle guest jumps to the next timer deadline instead of waiting in real
    -- time, so not even idle periods depend on the host.
    args[#args + 1] = "-icount shift=0,sleep=off"
    return "timeout 600 " .. table.concat(args, " ") .. " </dev/null"
end

local function parse_guest(log)
    local rows, done, failure = {}, false, nil
    for line in log:gmatch("[^\r\n]+") do
        local key, ops, loops, ticks, timer = line:match(
            "^bench (%S+) ops=(%d+) loops=(%d+) ticks=(%d+) timer=(%d+)$")
        if key then
            rows[key] = { ops = tonumber(ops), loops = tonumber(loops), ticks = tonumber(ticks),
                          timer = tonumber(timer) }
        elseif line == "bench done" then
            done = true
        elseif line:match("^bench FAIL") then
            failure = line
        end
    end
    return rows, done, failure
end

-- Both runs at once (they are deterministic, so sharing the CPUs changes nothing).
local function run_guest()
    local logs = { OUT .. "/guest-run1.log", OUT .. "/guest-run2.log", OUT .. "/guest-lazy-fpu.log" }
    local cmds = {}
    for i, log in ipairs(logs) do
        os.remove(log)
        cmds[i] = "( " .. guest_command(log, i == 3 and LAZY_FPU.append or nil) .. " >/dev/null 2>"
            .. shq(log .. ".stderr") .. " )"
    end
    local t0 = os.time()
    sh(cmds[1] .. " & " .. cmds[2] .. "; wait; " .. cmds[3])
    local runs = {}
    for i, log in ipairs(logs) do
        local text = harness.read_file(log) or ""
        local rows, done, failure = parse_guest(text)
        if not done then
            io.stderr:write(string.format("bench: guest run %d did not finish (%s); last lines of %s:\n",
                i, failure or "no 'bench done' line", log))
            for _, l in ipairs(harness.last_lines(text, 15)) do io.stderr:write("  " .. l .. "\n") end
            os.exit(1)
        end
        runs[i] = rows
    end
    local same = true
    for key, r in pairs(runs[1]) do
        local o = runs[2][key]
        if not o or o.ticks ~= r.ticks or o.timer ~= r.timer then same = false end
    end
    return runs[1], same, os.time() - t0, runs[3]
end

-- Ticks per operation: the window less the loop overhead, over the operations.
local function per_op(rows)
    local empty = rows.empty_loop
    local loop_cost = empty.ticks / empty.loops
    local out = {}
    for key, r in pairs(rows) do
        out[key] = (r.ticks - loop_cost * r.loops) / r.ops
    end
    return out, loop_cost
end

----------------------------------------------------------------------------
-- host

-- The host's processor as /proc/cpuinfo names it, and how many: "NAME (family F model M), N
-- CPUs", or nil. (The generator rows of two sessions compare only on the same processor: the VM
-- under this project has changed between sessions: an AMD EPYC, then two Intel Xeon models.)
local function processor()
    local text = "\n" .. (harness.read_file("/proc/cpuinfo") or "")
    local name = text:match("model name%s*:%s*([^\n]+)")
    if not name then return nil end
    local _, cpus = text:gsub("\nprocessor%s*:", "")
    local family, model = text:match("cpu family%s*:%s*(%d+)"), text:match("\nmodel%s*:%s*(%d+)")
    return string.format("%s%s, %d CPU%s", name, family and model and " (family " .. family .. " model " .. model .. ")"
        or "", cpus, cpus == 1 and "" or "s")
end

-- This machine's speed now: the fixed workload of tests/bench/calibrate.lua, CPU s, best of 3.
local function calibrate()
    local best
    for _ = 1, 3 do
        local cpu = tonumber(must(LUA .. " tests/bench/calibrate.lua", "tests/bench/calibrate.lua"):match("cpu ([%d.]+)"))
        if not best or cpu < best then best = cpu end
    end
    return best
end

-- The instructions (millions) of one generator run on def, counted by valgrind's callgrind: the
-- one generator figure that does not move with the machine. nil without valgrind.
local function instructions(def, dir)
    if sh("command -v valgrind >/dev/null") ~= 0 then return nil end
    local out = must(string.format("%s valgrind --tool=callgrind --callgrind-out-file=/dev/null %s gen/main.lua " ..
        "--def %s --out %s 2>&1", os.getenv("GEN_ENV") or "", LUA, shq(def), shq(dir)), "callgrind")
    local refs = out:match("Collected%s*:%s*(%d+)")
    return refs and tonumber(refs) / 1e6
end

local function bench_generator()
    local results = {}
    local dir = OUT .. "/gen"
    must("rm -rf " .. shq(dir) .. " && mkdir -p " .. shq(dir), "mkdir")
    results.processor = processor()
    results.calibrate_before = calibrate()
    local function time_def(def, extra, runs)
        return timed(string.format("%s gen/main.lua --def %s --out %s %s", GEN_LUA, shq(def), shq(dir .. "/out"),
            extra or ""), "generator on " .. def, runs or 3, true)
    end
    results.real = time_def("abi/syscalls.def", "--lock abi/abi.lock")
    results.real.syscalls = 0
    for line in io.lines("abi/syscalls.def") do
        if line:match("^syscall ") then results.real.syscalls = results.real.syscalls + 1 end
    end
    results.sizes = {}
    for _, n in ipairs(GEN_SIZES) do
        local def = string.format("%s/synthetic-%d.def", dir, n)
        write_file(def, synth.text(n))
        local t = time_def(def)
        t.syscalls, t.us_per_syscall = n, t.cpu / n * 1e6
        results.sizes[#results.sizes + 1] = t
    end
    -- model.load alone, in a process of its own per run (each pays the runtime header scan, as
    -- the CLI does), best of 3.
    results.model = {}
    for _, target in ipairs(MODEL_TARGETS) do
        local n = target[1]
        local def = string.format("%s/synthetic-%d.def", dir, n)
        local best
        for _ = 1, 3 do
            local out = must(GEN_LUA .. " tests/bench/model_load.lua " .. shq(def), "model.load of " .. def)
            local cpu, live = out:match("cpu ([%d.]+) live ([%d.]+)")
            local t = { syscalls = n, cpu = tonumber(cpu), live_mb = tonumber(live), target_s = target[2],
                        target_mb = target[3] }
            if not best or t.cpu < best.cpu then best = t end
        end
        best.us_per_syscall = best.cpu / n * 1e6
        results.model[#results.model + 1] = best
    end
    -- The same 5,000 syscalls with only what the kernel and libsys are built from (the test
    -- programs' conformance and fuzzer outputs left out): the generator's share of a build.
    local def = string.format("%s/synthetic-%d-core.def", dir, GEN_TARGET_SIZE)
    write_file(def, synth.text(GEN_TARGET_SIZE, "kernel user amc"))
    results.core = time_def(def)
    results.core.syscalls = GEN_TARGET_SIZE
    results.core.us_per_syscall = results.core.cpu / GEN_TARGET_SIZE * 1e6
    -- The manual and the Markdown reference of the same 5,000 syscalls (report only: outputs of
    -- their own, not in the rows above): written into fresh directories (5,000 new pages each
    -- time), then again over the pages already there (what a rebuild does; nothing changes).
    def = string.format("%s/synthetic-%d.def", dir, GEN_TARGET_SIZE)
    local function docs_man(sub)
        return string.format("--docs %s --man %s", shq(dir .. "/" .. sub .. "/syscalls.md"), shq(dir .. "/" .. sub .. "/man"))
    end
    local fresh
    for i = 1, 3 do
        local t = time_def(def, docs_man("docs-" .. i), 1)
        if not fresh or t.cpu < fresh.cpu then fresh = t end
    end
    results.docs_man = { fresh = fresh, again = time_def(def, docs_man("docs-1")), syscalls = GEN_TARGET_SIZE }
    results.calibrate_after = calibrate()
    results.instructions_m = instructions(def, dir .. "/out")
    return results
end

-- Files under dir/build newer than dir/build/.bench-stamp, as paths relative to dir (the ISO's
-- staging copies left out).
local STAMP = "build/.bench-stamp"
local function newer_than(dir, pattern)
    local find = "find build -path build/iso -prune -o -newer %s -type f -name %s -print | sort"
    local out = must(string.format("cd %s && " .. find, shq(dir), STAMP, shq(pattern)), "find")
    local list = {}
    for path in out:gmatch("[^\n]+") do list[#list + 1] = path end
    return list
end

local function count_files(dir, pattern)
    local out = must(string.format("cd %s && find build -type f -name %s | wc -l", shq(dir), shq(pattern)), "find")
    return tonumber(out:match("%d+"))
end

-- Rebuild after change() and report the time and which objects and programs were rebuilt.
local function incremental(tree, make_all, change)
    must("sleep 0.05 && touch " .. shq(tree .. "/" .. STAMP) .. " && sleep 0.05", "touch")
    change()
    local seconds = wall_seconds(make_all, "incremental build")
    local generated = {}
    for _, path in ipairs(newer_than(tree, "*")) do
        if path:match("^build/gen/") and not path:match("/%.stamp$") then generated[#generated + 1] = path end
    end
    return { seconds = seconds, generated = generated, objects = newer_than(tree, "*.o"),
             programs = newer_than(tree, "*.elf") }
end

-- A clean build and incremental rebuilds in a copy of the source tree, so the working tree and
-- its build/ are left alone.
local function bench_build()
    local tree = OUT .. "/tree"
    must("rm -rf " .. shq(tree) .. " && mkdir -p " .. shq(tree), "mkdir")
    -- Tracked and untracked source files, never anything under build/.
    local list = "git ls-files -z --cached --others --exclude-standard | grep -zv '^build/'"
    must(string.format("%s | xargs -0 cp --parents -t %s", list, shq(tree)), "copying the source tree")
    local jobs = tonumber((select(2, sh("nproc")):match("%d+"))) or 1
    local make_all = string.format("%s -C %s NO_DEPS=1 -j%d all", MAKE, shq(tree), jobs)
    local r = { jobs = jobs }
    r.clean = { seconds = wall_seconds(make_all, "clean build") }
    r.total_objects = count_files(tree, "*.o")
    r.touch = incremental(tree, make_all, function() must("touch " .. shq(tree .. "/abi/syscalls.def"), "touch") end)
    -- One line of the .def: the doc string of one syscall.
    local def = tree .. "/abi/syscalls.def"
    r.edit = incremental(tree, make_all, function()
        local text = harness.read_file(def)
        local edited, n = text:gsub('doc "Milliseconds since boot%."', 'doc "Milliseconds since boot (edited)."')
        assert(n == 1, "bench: the uptime_ms doc line is not in abi/syscalls.def any more")
        write_file(def, edited)
    end)
    r.edit.line = 'uptime_ms: doc "Milliseconds since boot." -> "... (edited)."'
    return r
end

----------------------------------------------------------------------------
-- report

local function json(v, indent)
    indent = indent or ""
    local t = type(v)
    if t == "number" then
        if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
        return string.format("%.4f", v)
    elseif t == "boolean" then
        return tostring(v)
    elseif t == "string" then
        local escaped = v:gsub('[%c"\\]', function(c)
            return (c == '"' or c == "\\") and "\\" .. c or string.format("\\u%04x", c:byte())
        end)
        return '"' .. escaped .. '"'
    elseif v == nil then
        return "null"
    end
    local inner = indent .. "  "
    local parts = {}
    if #v > 0 or next(v) == nil then
        for _, x in ipairs(v) do parts[#parts + 1] = inner .. json(x, inner) end
        return "[\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "]"
    end
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = inner .. json(k) .. ": " .. json(v[k], inner) end
    return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end

local function met_text(ok)
    if ok == nil then return "" end
    return ok and "yes" or "NO"
end

local W = "%-54s %9s %12s %8s %4s  %s"

local function guest_section(add, report)
    io.stderr:write("bench: guest (two QEMU -icount runs) ...\n")
    local rows, same, seconds, lazy_rows = run_guest()
    local ops, loop_cost = per_op(rows)
    local lazy_ops = per_op(lazy_rows)
    report.guest = { deterministic = same, loop_ticks_per_iteration = loop_cost, seconds = seconds, rows = {} }
    add("Guest: QEMU TCG -icount shift=0, ticks = executed instructions (rdtsc); per operation, with")
    add("the empty loop's %.2f ticks per iteration subtracted. Two runs: %s.", loop_cost,
        same and "identical numbers" or "NUMBERS DIFFER")
    add(W, "operation", "iters", "ticks/op", "target", "met", "reference (ticks)")
    for _, row in ipairs(GUEST_ROWS) do
        local r, v = rows[row.key], ops[row.key]
        local ok
        if row.target then ok = v <= row.target end
        add(W, row.label, commas(r.ops), commas(v, v < 100 and 1 or 0),
            row.target and ("<= " .. commas(row.target)) or "", met_text(ok), row.ref or "")
        table.insert(report.guest.rows, { key = row.key, label = row.label, ops = r.ops, loops = r.loops,
            ticks = r.ticks, timer_interrupts = r.timer, ticks_per_op = v, target = row.target, met = ok,
            reference = row.ref })
    end
    for _, key in ipairs(LAZY_FPU.keys) do
        local label
        for _, row in ipairs(GUEST_ROWS) do if row.key == key then label = row.label end end
        local v = lazy_ops[key]
        add(W, "  " .. key .. " with " .. LAZY_FPU.append, commas(lazy_rows[key].ops), commas(v, v < 100 and 1 or 0),
            "", "", "default (eager FPU switch): " .. commas(ops[key], ops[key] < 100 and 1 or 0))
        table.insert(report.guest.rows, { key = key .. "@" .. LAZY_FPU.append, label = label .. ", " .. LAZY_FPU.append,
            ops = lazy_rows[key].ops, ticks = lazy_rows[key].ticks, ticks_per_op = v })
    end
    return same
end

local function generator_section(add, report)
    io.stderr:write("bench: generator ...\n")
    local gen = bench_generator()
    add("Host, generator: CPU seconds (user + system, best of 3) of the build's command, gen/main.lua")
    add("--def F --out %s/gen/out (every generated file), in the build's environment (gen/gen.mk GEN_ENV);", OUT)
    add("wall seconds are in the JSON.")
    add(W, "generator", "syscalls", "cpu s", "target", "met", "per syscall, max RSS")
    local function rss(t) return t.rss_mb and string.format(", %.0f MB", t.rss_mb) or "" end
    add(W, "gen/main.lua on abi/syscalls.def (with the lock)", commas(gen.real.syscalls),
        string.format("%.3f", gen.real.cpu), "", "", rss(gen.real):sub(3))
    for _, s in ipairs(gen.sizes) do
        local ok, target
        if s.syscalls == GEN_TARGET_SIZE then
            ok, target = s.cpu <= GEN_TARGET_SECONDS, "<= " .. GEN_TARGET_SECONDS .. " s"
        elseif s.syscalls == GEN_BIG_SIZE then
            ok = s.cpu <= GEN_BIG_SECONDS and (s.rss_mb or 0) <= GEN_BIG_MB
            target = string.format("%g s, %d MB", GEN_BIG_SECONDS, GEN_BIG_MB)
        end
        add(W, "gen/main.lua on a synthetic .def", commas(s.syscalls), string.format("%.3f", s.cpu),
            target or "", met_text(ok), string.format("%.1f us", s.us_per_syscall) .. rss(s))
    end
    add(W, "  the same, outputs kernel user amc only", commas(gen.core.syscalls),
        string.format("%.3f", gen.core.cpu), "<= " .. GEN_TARGET_SECONDS .. " s",
        met_text(gen.core.cpu <= GEN_TARGET_SECONDS), string.format("%.1f us", gen.core.us_per_syscall) .. rss(gen.core))
    local dm = gen.docs_man
    add(W, "  the same, all outputs and --docs --man, new pages", commas(dm.syscalls), string.format("%.3f",
        dm.fresh.cpu), "", "", string.format("%.1f us", dm.fresh.cpu / dm.syscalls * 1e6) .. rss(dm.fresh))
    add(W, "  the same, all outputs and --docs --man, pages there", commas(dm.syscalls), string.format("%.3f",
        dm.again.cpu), "", "", string.format("%.1f us", dm.again.cpu / dm.syscalls * 1e6) .. rss(dm.again))
    for _, t in ipairs(gen.model) do
        local ok = t.cpu <= t.target_s and (not t.target_mb or t.live_mb <= t.target_mb)
        add(W, "  model.load alone (lexer, parser, checks)", commas(t.syscalls), string.format("%.3f", t.cpu),
            string.format("<= %g s", t.target_s) .. (t.target_mb and string.format(", %d MB", t.target_mb) or ""),
            met_text(ok), string.format("%.1f us, %.0f MB live", t.us_per_syscall, t.live_mb))
    end
    -- Linear (issue 11): the largest run's CPU per syscall within 1.5 x the 5,000 run's (the
    -- 500 run is mostly the fixed cost of starting up and scanning the runtime headers).
    local first, last = gen.sizes[1], gen.sizes[#gen.sizes]
    local base = first
    for _, s in ipairs(gen.sizes) do
        if s.syscalls == GEN_TARGET_SIZE then base = s end
    end
    gen.growth_per_syscall = last.us_per_syscall / base.us_per_syscall
    gen.linear = gen.growth_per_syscall < 1.5
    add("Time per syscall at %s vs %s syscalls: x%.2f (%s).", commas(last.syscalls), commas(base.syscalls),
        gen.growth_per_syscall, gen.linear and "linear" or "NOT linear")
    -- Memory: what each syscall adds between the two largest sizes, against the middle one.
    local mid = gen.sizes[#gen.sizes - 1]
    if last.rss_mb and mid.rss_mb and first.rss_mb then
        local per_big = (last.rss_mb - first.rss_mb) / (last.syscalls - first.syscalls)
        local per_mid = (mid.rss_mb - first.rss_mb) / (mid.syscalls - first.syscalls)
        gen.rss_growth_per_syscall = per_big / per_mid
        add("Max RSS per added syscall at %s vs %s syscalls: x%.2f (%s).", commas(last.syscalls),
            commas(mid.syscalls), gen.rss_growth_per_syscall, gen.rss_growth_per_syscall < 1.5 and "linear"
            or "NOT linear")
    end
    add("This machine while the rows ran: tests/bench/calibrate.lua (a fixed Lua workload) took %.3f CPU s",
        gen.calibrate_before)
    add("before them and %.3f after (best of 3 each); the rows move with it.", gen.calibrate_after)
    if gen.processor then add("Its processor: %s.", gen.processor) end
    if gen.instructions_m then
        add("Instructions of one run on the %s-syscall .def (valgrind's callgrind; they do not move with the",
            commas(GEN_TARGET_SIZE))
        add("machine): %s M.", commas(math.floor(gen.instructions_m + 0.5)))
    end
    report.generator = gen
end

local function build_section(add, report)
    io.stderr:write("bench: clean and incremental builds ...\n")
    local build = bench_build()
    add("Host, builds: wall seconds in a copy of the tree (make -j%d all), so the working tree and its", build.jobs)
    add("build/ stay as they are.")
    add(W, "build", "", "wall s", "", "", "rebuilt")
    add(W, "clean build: kernel, libsys, user programs, ISO", "", string.format("%.2f", build.clean.seconds),
        "", "", commas(build.total_objects) .. " objects")
    local function rebuilt(r)
        return string.format("%d objects, %d programs", #r.objects, #r.programs)
    end
    add(W, "incremental: touch abi/syscalls.def (no change)", "", string.format("%.2f", build.touch.seconds),
        "", "", rebuilt(build.touch))
    add(W, "incremental: edit one doc line of abi/syscalls.def", "", string.format("%.2f", build.edit.seconds),
        "", "", rebuilt(build.edit))
    add("  edited: %s", build.edit.line)
    add("  generated files that changed: %s", #build.edit.generated > 0 and table.concat(build.edit.generated, " ")
        or "none")
    add("  rebuilt objects: %s", #build.edit.objects > 0 and table.concat(build.edit.objects, " ") or "none")
    add("  relinked programs: %s", #build.edit.programs > 0 and table.concat(build.edit.programs, " ") or "none")
    report.build = build
end

-- BENCH_ONLY=guest|generator|build runs one part (for quick iterations); the default is all.
local SECTIONS = {
    { name = "guest", run = guest_section },
    { name = "generator", run = generator_section },
    { name = "build", run = build_section },
}

local function main()
    local only = os.getenv("BENCH_ONLY")
    must("mkdir -p " .. shq(OUT), "mkdir")
    local started = os.time()
    local report, lines, same = {}, {}, true
    local function add(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
    add("layercake benchmarks (make bench)")
    for _, section in ipairs(SECTIONS) do
        if not only or only == "" or only == section.name then
            add("")
            if section.run(add, report) == false then same = false end
        end
    end
    add("")
    add("make bench took %d s; JSON in %s/bench.json.", os.time() - started, BUILD)
    local text = table.concat(lines, "\n") .. "\n"
    io.write(text)
    write_file(BUILD .. "/bench.json", json(report) .. "\n")
    write_file(OUT .. "/table.txt", text)
    if not same then
        io.stderr:write("bench: the two guest runs printed different numbers\n")
        os.exit(1)
    end
end

main()
