-- Host tests of the harness's judging logic on synthetic logs: what counts as a failure must
-- really be reported as one.
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
-- light: the pool's tests mostly sleep (half a CPU-second in 3.5 s)
package.path = "tests/qemu/?.lua;tests/lib/?.lua;" .. package.path
local harness = require("harness")
local R = require("results")
local S = require("hostsuite")

local function check(name, cond, reason) return S.report(name, cond, reason) end

local function judge(spec, log, status, stopped, stderr)
    spec.name = spec.name or "t"
    return harness.judge(spec, log, status, stopped, stderr)
end

do
    local ok, reason = judge({ exit = 1, expect = { "hello" } }, "boot\nhello\n", 1)
    check("harness-judge-pass", ok and reason == nil, "a good boot failed: " .. tostring(reason))
end
do
    local ok, reason = judge({ exit = 1 }, "boot\nPANIC: Page fault (vector 14)\n", 3)
    check("harness-judge-unexpected-panic", not ok and reason:find("^kernel panic: PANIC: Page fault"),
        "got " .. tostring(reason))
end
do
    local ok, reason = judge({ exit = 1, timeout = 7 }, "boot\n", 124)
    check("harness-judge-timeout", not ok and reason == "timed out after 7s (hung?)", "got " .. tostring(reason))
end
do
    local ok, reason = judge({ exit = 1, expect = { "banner" } }, "boot\n", 1)
    check("harness-judge-missing-pattern", not ok and reason:find("expected output not found: banner", 1, true),
        "got " .. tostring(reason))
end
do
    local ok, reason = judge({ exit = 3, panic = true }, "boot\n", 3)
    check("harness-judge-missing-panic", not ok and reason:find("expected a PANIC"), "got " .. tostring(reason))
end
do
    local ok, reason = judge({ stop = "idle" }, "boot\n", 0, false)
    check("harness-judge-ended-early", not ok and reason:find("ended by itself"), "got " .. tostring(reason))
end
do
    local ok = judge({ stop = "idle" }, "boot\nidle\n", 143, true)
    check("harness-judge-stopped", ok, "a boot stopped at its stop pattern failed")
end
do
    local ok, reason = judge({ exit = 1, reject = { "WARN" } }, "a\nWARN: x\n", 1)
    check("harness-judge-reject", not ok and reason:find("unexpected output: WARN: x", 1, true),
        "got " .. tostring(reason))
end
do
    local log = "plan a b c d\nok a\nFAIL b: wrong value\nok d\nok d\n"
    local results, planned = harness.guest_results(log, "g/")
    local by_name = {}
    for _, r in ipairs(results) do by_name[r.name] = by_name[r.name] or r end
    check("harness-guest-plan-count", planned == 4, "planned " .. planned)
    check("harness-guest-ok", by_name["g/a"] and by_name["g/a"].ok, "ok a not collected")
    check("harness-guest-fail", by_name["g/b"] and not by_name["g/b"].ok
        and by_name["g/b"].reason == "wrong value", "FAIL b not collected with its reason")
    check("harness-guest-missing", by_name["g/c"] and not by_name["g/c"].ok
        and by_name["g/c"].reason:find("no ok/FAIL"), "planned c without a result not reported")
    local dup = false
    for _, r in ipairs(results) do
        if r.name == "g/d" and not r.ok and r.reason:find("more than once") then dup = true end
    end
    check("harness-guest-duplicate", dup, "a test reported twice was not flagged")
end
do
    local results = harness.results({ spec = { name = "s", exit = 1, guest_tests = true }, log = "boot\n", status = 1 })
    local found = false
    for _, r in ipairs(results) do
        if r.name == "s/plan" and not r.ok then found = true end
    end
    check("harness-guest-no-plan", found, "a guest run without a plan line was not a failure")
end
do
    local results = harness.results({ spec = { name = "m", exit = 1, meta = { fails_with = "^timed out" } },
        log = "", status = 1 })
    check("harness-meta-inverts", #results == 1 and not results[1].ok,
        "a meta test whose boot passed was not reported as a failure")
end
do
    local ok, reason = judge({ exit = 1 }, "", 1, false, "qemu-system-i386: Failed to open file 'x'\n")
    check("harness-judge-qemu-error", not ok and reason:find("QEMU error: qemu-system-i386: Failed to open", 1, true),
        "got " .. tostring(reason))
end
do
    local ok, reason = judge({ exit = 1, expect = { "\nbanner 1\n" } }, "banner 1\r\nmore\n\r", 1)
    check("harness-judge-line-start", ok, "a pattern for the first line failed: " .. tostring(reason))
end
do
    local results = harness.results({ spec = { name = "h", exit = 1, timeout = 1.5, meta = { fails_with = "^timed out",
        reached = "spinning" } }, log = "boot\n", status = 124 })
    check("harness-meta-needs-reached", not results[1].ok and results[1].reason:find("never printed 'spinning'"),
        "a hang test that never reached its hang passed: " .. tostring(results[1].reason))
    results = harness.results({ spec = { name = "h", exit = 1, timeout = 1.5, meta = { fails_with = "^timed out",
        reached = "spinning" } }, log = "boot\nspinning\n", status = 124 })
    check("harness-meta-reached", results[1].ok, "got " .. tostring(results[1].reason))
end
do
    local log = "plan a b\nFAIL a: tests/guest/x.c:12: n == 3\nFAIL b: wrong\n"
    local results = harness.results({ spec = { name = "g", exit = 1, guest_tests = true, where = "tests/qemu/x_boots.lua:7" },
        log = log, status = 1, paths = { log = "build/test-logs/g.log" } })
    local a, b = results[2], results[3]
    check("harness-failure-places", a and a.where == "tests/guest/x.c:12" and a.spec_where == "tests/qemu/x_boots.lua:7"
        and b and b.where == "tests/qemu/x_boots.lua:7" and a.log == "build/test-logs/g.log",
        "guest failures are not placed at the guest line and the spec")
    check("harness-tail-once", a and a.tail and b and not b.tail and #results == 3,
        "the log tail goes with more than the first failure of a boot")
end
do
    local r = R.parse("FAIL x: tests/guest/a.c:40: fd >= 0\r")
    check("results-parse-fail", r and r.name == "x" and not r.ok and r.where == "tests/guest/a.c:40"
        and r.reason == "tests/guest/a.c:40: fd >= 0", "parsed as " .. tostring(r and r.reason))
    check("results-parse-ok", (R.parse("ok a-b/c_d") or {}).ok and R.parse("ok two words") == nil
        and R.parse("okay") == nil and R.parse("FAIL") == nil, "ok lines misparsed")
    local m = R.matcher("guest-amc,conf_*_null")
    check("results-matcher", m("guest-amc") and m("guest-amc-services") and m("guest-conformance/conf_copy_null")
        and not m("guest-conf-traps") and not m("guesamc"), "the T= filter selects the wrong names")
    check("results-matcher-empty", R.matcher("")("anything") and R.matcher(nil)("x"), "no filter must select all")
end
do
    -- The reporter: failures listed again at the end with place and log, the count line last.
    local path = os.tmpname()
    local out = assert(io.open(path, "w"))
    local rep = R.reporter(out)
    rep.add({ name = "a", ok = true })
    rep.add({ name = "b", ok = false, reason = "tests/x.lua:3: broke", log = "build/test-logs/b.out",
              tail = { "one", "two" } })
    local status = rep.finish()
    out:close()
    local text = harness.read_file(path)
    os.remove(path)
    local want = "\n1 failed:\n  b  tests/x.lua:3  log build/test-logs/b.out\n"
    check("results-reporter-summary", status == 1 and text:find(want, 1, true)
        and text:find("1 passed, 1 failed\n$") and select(2, text:gsub("    one", "")) == 1,
        "reporter output:\n" .. text)
end
do
    -- The kernel a spec boots: the test kernel by default, plain and cov by name, an unknown name refused.
    local c = harness.config
    local bogus, why = harness.image({ kernel = "ubsan" })
    local args = table.concat(harness.qemu_args({ kernel = "plain" }), " ")
    check("harness-kernel-field", harness.image({}) == c.kernel and harness.image({ kernel = "test" }) == c.kernel
        and harness.image({ kernel = "plain" }) == c.plain_kernel and harness.image({ kernel = "cov" }) == c.cov_kernel
        and harness.image({ via = "iso", kernel = "plain" }) == c.iso and bogus == nil and why:find("ubsan", 1, true)
        and args:find("-kernel " .. harness.shq(c.plain_kernel), 1, true) ~= nil, "qemu args: " .. args)
end
do
    -- The firmware: -kernel boots name harness.config.firmware (qboot when installed), ISO boots
    -- keep QEMU's default (GRUB needs SeaBIOS's disk services).
    local c = harness.config
    local saved = c.firmware
    c.firmware = "/fw/qboot.rom"
    local kernel_args = table.concat(harness.qemu_args({}), " ")
    local iso_args = table.concat(harness.qemu_args({ via = "iso" }), " ")
    c.firmware = nil
    local default_args = table.concat(harness.qemu_args({}), " ")
    c.firmware = saved
    check("harness-firmware", kernel_args:find("-bios '/fw/qboot.rom' -vga none -kernel", 1, true) ~= nil
        and not iso_args:find("-bios", 1, true) and not default_args:find("-bios", 1, true),
        "kernel: " .. kernel_args .. "\niso: " .. iso_args .. "\ndefault: " .. default_args)
end
do
    local ok, reason = judge({ exit = 1, timeout = 1.5 }, "boot\n", 124)
    check("harness-judge-fractional-timeout", not ok and reason == "timed out after 1.5s (hung?)", "got " .. tostring(reason))
end
do
    -- The pool: never more than `slots` ordinary jobs at once, light ones beside them, and the
    -- longest-first order of the list kept.
    local P = require("pool")
    local running, most, order = 0, 0, {}
    local function job(name, light)
        return { name = name, light = light, polls = 0,
            start = function(self) order[#order + 1] = self.name
                if not self.light then running = running + 1; most = math.max(most, running) end end,
            poll = function(self) self.polls = self.polls + 1; return self.polls >= (self.light and 4 or 2) end }
    end
    local jobs = { job("a"), job("b"), job("c"), job("idle", true) }
    P.run(jobs, 2, function(j) if not j.light then running = running - 1 end end, 0)
    check("pool-slots-and-light-jobs", most == 2 and order[1] == "idle" and table.concat(order, " ") == "idle a b c",
        "started " .. table.concat(order, " ") .. ", at most " .. most .. " at once")

    -- Filling: with a CPU idle (the fake clock says so) one more job starts beside full slots, at
    -- most `extra` more; with no CPU idle, never more than the slots.
    local function fill_run(idle_rate, extra, count, polls)
        running, most, order = 0, 0, {}
        local t0 = P.now()
        local list = {}
        for i = 1, count or 6 do
            list[i] = job("j" .. i)
            list[i].poll = function(self) self.polls = self.polls + 1; return self.polls >= (polls or 40) end
        end
        P.run(list, 2, function() running = running - 1 end, 0.01,
            { idle = function() return (P.now() - t0) * idle_rate end, window = 0.05, extra = extra })
        local filled = 0
        for _, j in ipairs(list) do if j.filled then filled = filled + 1 end end
        return most, filled
    end
    -- Needs: a job waits for its needs (a light "build" that takes no slot) and holds its place:
    -- the long job that waits starts before the ready jobs behind it, one slot always runs ready
    -- work meanwhile, and a job whose need failed never starts (skip says so).
    do
        running, most, order = 0, 0, {}
        local build = job("build", true)
        build.poll = function() return true end -- done at the first poll, before r1
        local broken = job("broken", true)
        local long, after = job("long"), job("after")
        long.needs, after.needs = { build }, { broken }
        local list = { build, broken, long, job("r1"), job("r2"), after }
        local skipped = {}
        P.run(list, 2, function(j)
            if not j.light then running = running - 1 end
            if j == broken then j.failed = true end
        end, 0, { skip = function(j, need) skipped[#skipped + 1] = j.name .. "<" .. need.name end })
        local at = {}
        for i, name in ipairs(order) do at[name] = i end
        check("pool-needs-wait-and-hold-a-slot", most == 2 and at.r1 and at.long and at.long < at.r2
            and at.build < at.long and at.r1 < at.long and not at.after and table.concat(skipped, " ") == "after<broken",
            "started " .. table.concat(order, " ") .. "; skipped " .. table.concat(skipped, " "))
    end
    -- The same with filling on and no CPU idle: a slot held by a waiting job is not a free one.
    do
        running, most, order = 0, 0, {}
        local build = job("build", true)
        local polls = 0
        build.poll = function() polls = polls + 1; return polls >= 6 end
        local long = job("long")
        long.needs = { build }
        local before_long
        local start = long.start
        long.start = function(self) before_long = before_long or most; start(self) end
        local list = { build, long, job("r1"), job("r2"), job("r3") }
        P.run(list, 2, function(j) if not j.light then running = running - 1 end end, 0,
            { idle = function() return 0 end, window = 0.01, extra = 2 })
        check("pool-held-slot-not-filled", before_long == 1,
            "at most " .. tostring(before_long) .. " ready jobs at once while one waited: " .. table.concat(order, " "))
    end
    -- The waker: a job's wake command reaches the runner, well before the (30 s) tick.
    local fifo = os.tmpname()
    local w = P.waker(fifo, 30)
    os.execute("(sleep 0.1; " .. P.wake_command(fifo) .. ") >/dev/null 2>&1 &")
    local line = w and w.wait()
    if w then w.close() end
    check("pool-waker-sees-job-end", line == "done", "read " .. tostring(line) .. " from the FIFO")

    local busy_most, busy_filled = fill_run(0, 2)
    local idle_most, idle_filled = fill_run(2, 1)
    check("pool-fills-idle-cpus-only", busy_most == 2 and busy_filled == 0 and idle_most == 3 and idle_filled >= 1,
        string.format("no idle CPU: at most %d at once (%d filled); idle CPUs, extra 1: at most %d (%d filled)",
            busy_most, busy_filled, idle_most, idle_filled))
    -- A tail of short jobs, each ending before a window has passed since it started (boots of a
    -- few tenths of a second): idle CPUs are still filled, a window apart.
    local tail_most, tail_filled = fill_run(2, 2, 60, 2)
    check("pool-fills-idle-cpus-in-a-tail-of-short-jobs", tail_most >= 3 and tail_filled >= 2,
        string.format("at most %d at once, %d filled", tail_most, tail_filled))
    -- An added slot stays: while CPUs stand idle the pool keeps its added size (most short jobs
    -- start beside full slots, not one a window); once no CPU is idle for a window it shrinks
    -- back to the slots.
    do
        running, most, order = 0, 0, {}
        local t0, switch, window = P.now(), 0.3, 0.05
        local late_most, filled = 0, 0
        local list = {}
        for i = 1, 80 do
            local j = job("s" .. i)
            j.poll = function() return true end -- done at its first poll: a short boot
            local start = j.start
            j.start = function(self)
                start(self)
                if P.now() - t0 > switch + 4 * window then late_most = math.max(late_most, running) end
            end
            list[i] = j
        end
        P.run(list, 2, function() running = running - 1 end, 0.02, { window = window, extra = 2,
            idle = function() local dt = P.now() - t0; return 2 * math.min(dt, switch) end })
        for _, j in ipairs(list) do if j.filled then filled = filled + 1 end end
        check("pool-added-slots-stay-then-shrink", most == 4 and filled >= 10 and late_most <= 2,
            string.format("at most %d at once, %d of 80 filled, at most %d at once after the idle CPUs went",
                most, filled, late_most))
    end
end
-- The error-contract note: an error no make test boot observed but make coverage's boots did (kcov's
-- EBUSY needs the coverage kernel) is listed apart, as seen there; without those logs, the note says so.
do
    local C = require("contracts")
    local here, there = os.tmpname(), os.tmpname()
    os.remove(here)
    os.remove(there)
    os.execute("mkdir -p " .. harness.shq(here) .. " " .. harness.shq(there))
    local function put(dir, name, text)
        local f = assert(io.open(dir .. "/" .. name, "wb"))
        f:write(text)
        f:close()
    end
    put(here, "a.log", "contracts: kcov +ENOSYS -EBUSY\ncontracts: read -EBADF\n")
    put(there, "b.log", "contracts: kcov +EBUSY\n")
    local other = { dir = there, what = "make coverage" }
    local with = C.summary(here, other)[1] or ""
    local without = C.summary(here, { dir = here .. "/none", what = "make coverage" })[1] or ""
    check("contracts-coverage-only-errors-apart",
        with == "error contracts (1 boots): 1 declared errors no boot observed: read EBADF; 1 more seen only by " ..
        "make coverage's boots (1 logs in " .. there .. "): kcov EBUSY" and without:find(": kcov EBUSY; read EBADF " ..
        "%(no logs of make coverage in") ~= nil, with .. " / " .. without)
    os.execute("rm -rf " .. harness.shq(here) .. " " .. harness.shq(there))
end
-- Input steps: each is sent once its pattern shows, after the previous one's match, in order;
-- the input closes after the last.
do
    local path = os.tmpname()
    local steps = { { wait = "menu", send = "A" }, { wait = "\n%$ ", send = "B" }, { wait = "\n%$ ", send = "C" } }
    local job = { spec = { input = steps }, feed = assert(io.open(path, "wb")), step = 1, from = 1 }
    local function sent() return harness.read_file(path) end
    harness.feed(job, "boot\n")
    local none = job.feed and job.step == 1
    harness.feed(job, "boot\nmenu\n$ ")
    if job.feed then job.feed:flush() end
    local two = sent() == "AB" and job.step == 3 -- one prompt: only the first of the two waits for it
    harness.feed(job, "boot\nmenu\n$ x\n$ ")
    check("harness-input-steps", none and two and sent() == "ABC" and job.feed == nil,
        "sent " .. tostring(sent()) .. " at step " .. tostring(job.step))
    os.remove(path)
end

-- The runner's scratch directory: a tmpfs only. A directory that is not one (the checkout), one
-- that does not exist, or a tmpfs without the room asked for gives nil, and the jobs keep the
-- default TMPDIR; /dev/shm, where it is a writable tmpfs, gives a new directory inside it.
do
    local scratch = require("scratch")
    local shm_is_tmpfs = io.popen("stat -f -c %T /dev/shm 2>/dev/null"):read("l") == "tmpfs"
    local made = scratch.tmpfs_dir("/dev/shm", 1)
    local inside = made and made:find("^/dev/shm/layercake%-tests%.") and os.execute("test -d " .. harness.shq(made))
    if made then os.execute("rm -rf " .. harness.shq(made)) end
    local wrong = {}
    for _, c in ipairs({ { ".", 1 }, { "/nonexistent", 1 }, { "/dev/shm", 1 << 50 } }) do
        local d = scratch.tmpfs_dir(c[1], c[2])
        if d then
            wrong[#wrong + 1] = string.format("%s (%d KB free asked) gave %s", c[1], c[2], d)
            os.execute("rm -rf " .. harness.shq(d))
        end
    end
    if (inside or false) ~= shm_is_tmpfs then
        wrong[#wrong + 1] = "/dev/shm (" .. (shm_is_tmpfs and "a tmpfs" or "not a tmpfs") .. ") gave " .. tostring(made)
    end
    check("runner-scratch-tmpfs-only", #wrong == 0, table.concat(wrong, "; "))
end

S.finish()
