-- `make test`: every host suite and every QEMU boot, side by side in one pool of TEST_JOBS slots
-- (default: the number of CPUs), the longest first. Prints each result as its job ends
-- (tests/lib/results.lua's protocol), then every failure again with its file:line and log, and
-- as the last line `N passed, M failed`; exits non-zero when anything failed. Run from the
-- repository root.
--
--   T=WORDS      only the tests, suites and boots whose names contain one of the comma-separated
--                words (`*` matches any text). A boot runs when its name matches, or one of its
--                guest tests did last time; a host suite runs when its name matches (all of its
--                results are shown), or one of its results did last time (the suite gets the
--                words as TEST_FILTER and prints only those), or it has no record yet.
--   TEST_JOBS=N  jobs at once. Without it: one per CPU, and one more whenever a third of a CPU
--                has stood idle on average for half a second (jobs that wait on QEMU or guest
--                timers leave it so), at most twice the CPUs.
--
-- Host suites: tests/gen/run.lua ("gen" and "gen-accepted", its two halves), every
-- tests/AREA/suite.lua ("AREA"), the harness's own tests ("harness") and luacheck. A suite may
-- declare its expected seconds in its first lines (`-- weight: N`); boot specs declare `weight`.
-- A suite that mostly waits (on a guest's serial port, on timers) says `-- light: WHY`: like a
-- light boot, it runs beside the slots and takes none.
--
-- The build is a job too. make test passes TEST_BUILD_MAKE (its own $(MAKE), so the build shares
-- make's jobserver, which bounds it: a stage takes no slot) and the runner makes, from its start,
-- the stages the selected jobs need, side by side (tests/tests.mk: they share no target):
-- `test-build-early` (what the long suites that should start early need: TEST_EARLY of the
-- tests/*/*.mk fragments) and `test-build-main` (the rest of what make test needs). A host suite
-- says what it needs in its first lines: `-- needs: none` (it reads nothing of build/ and starts
-- at once), `-- needs: test-build-early`, or nothing: `test-build`, every stage, which every boot
-- needs too. A failed stage is one FAIL with the tail of make's output, and nothing that needs it
-- runs (so no boot runs on a stale build). Without TEST_BUILD_MAKE (the runner run by hand)
-- nothing is built. The jobs themselves get neither the jobserver nor TEST_BUILD_MAKE.
-- After a run, <logdir>/record keeps each job's duration and result names, which order and select
-- the next run, and <logdir>/schedule when each job started and ended (to see where a slot idled).
package.path = "tests/qemu/?.lua;tests/lib/?.lua;" .. package.path
local harness = require("harness")
local R = require("results")
local P = require("pool")

local lua = os.getenv("LUA") or "lua5.4"
local logdir = harness.config.logdir
local shq = harness.shq
local filter = os.getenv("T") or ""
local selected = R.matcher(filter)
local nproc = tonumber(io.popen("nproc 2>/dev/null"):read("l") or "") or 2
local fixed_slots = tonumber(os.getenv("TEST_JOBS") or "")
local slots = fixed_slots or nproc
local fill = not fixed_slots and P.idle_seconds() ~= nil
local reporter = R.reporter()
local build_make = os.getenv("TEST_BUILD_MAKE")
if build_make == "" then build_make = nil end
-- What every job but a build stage runs under: no build of its own, and make's flags without the
-- jobserver, whose pipe (inherited from make) is closed for it.
local makeflags = os.getenv("MAKEFLAGS") or ""
local job_env = "TEST_BUILD_MAKE= MAKEFLAGS=" .. shq((makeflags:gsub("%s*%-%-jobserver%-%a+=%S*", "")))
local job_close = ""
local jr, jw = makeflags:match("%-%-jobserver%-%a+=(%d+),(%d+)")
if jr then job_close = string.format(" %d<&- %d>&-", jr, jw) end
-- Scratch files: when TMPDIR is not set and /dev/shm is a writable tmpfs with a GiB free, every
-- job gets a directory of its own there as TMPDIR (tests/lib/scratch.lua says why; the suites
-- make their scratch directories with `mktemp -d -t`), removed when the run ends.
local scratch
if not os.getenv("TMPDIR") then scratch = require("scratch").tmpfs_dir("/dev/shm", 1048576) end
local scratch_env = scratch and ("TMPDIR=" .. shq(scratch) .. " ") or ""
job_env = scratch_env .. job_env
local started, idle_at_start = P.now(), P.idle_seconds()
os.execute("mkdir -p " .. shq(logdir))

---------------------------------------------------------------------------------------------------
-- The record of the last runs: `NAME SECONDS CPU-SECONDS RESULT...` per job.
local RECORD = logdir .. "/record"
local record = {}
for line in (harness.read_file(RECORD) or ""):gmatch("[^\n]+") do
    local name, secs, cpu, rest = line:match("^(%S+) ([%d.]+) ([%d.]+)%s*(.*)$")
    if name then
        local names = {}
        for r in rest:gmatch("%S+") do names[#names + 1] = r end
        record[name] = { seconds = tonumber(secs), cpu = tonumber(cpu), results = names }
    end
end

-- After a whole run (no T=) only the jobs it ran are kept: a removed boot or suite leaves no name.
local function save_record(ran)
    local names = {}
    for name in pairs(record) do
        if not ran or ran[name] then names[#names + 1] = name end
    end
    table.sort(names)
    local lines = {}
    for _, name in ipairs(names) do
        local r = record[name]
        lines[#lines + 1] = string.format("%s %.2f %.2f %s", name, r.seconds, r.cpu or 0, table.concat(r.results, " "))
    end
    local f = io.open(RECORD, "w")
    if f then
        f:write(table.concat(lines, "\n"), "\n")
        f:close()
    end
end

-- Does the filter select a job? true: all its results; "some": the matching ones only. A job
-- without a record is selected by its name (BOOT/TEST selects the boot); host suites are run
-- anyway, since only they know their tests' names.
local function selection(name, is_suite)
    if filter == "" or selected(name) then return true end
    local last = record[name]
    if not last then
        if is_suite then return "some" end
        for word in filter:gmatch("[^,%s]+") do
            local boot = word:match("^([^/]+)/")
            if boot and R.matcher(boot)(name) then return "some" end
        end
        return false
    end
    for _, r in ipairs(last.results) do
        if selected(r) then return "some" end
    end
    return false
end

---------------------------------------------------------------------------------------------------
-- Host suites: a command whose output (the protocol) goes to <logdir>/NAME.out.
local function host_job(name, command, file)
    local out = logdir .. "/" .. name .. ".out"
    local status = logdir .. "/" .. name .. ".status"
    local weight, needs, light = 5, "test-build", false
    for line in (harness.read_file(file or "") or ""):gmatch("[^\n]+") do
        if not line:match("^%-%-") then break end
        weight = tonumber(line:match("^%-%- weight: ([%d.]+)")) or weight
        needs = line:match("^%-%- needs: ([%w-]+)") or needs
        light = light or line:match("^%-%- light:") ~= nil
    end
    return {
        name = name, log = out, weight = weight, file = file or "tests/run.lua", need = needs, light = light,
        start = function(self)
            os.remove(status)
            local env = self.partial and ("TEST_FILTER=" .. shq(filter) .. " ") or ""
            env = (self.build and scratch_env or (job_env .. " ")) .. env
            os.execute(string.format("( %s%s >%s 2>&1 </dev/null%s; %s ) &", env, command, shq(out),
                self.build and "" or job_close, harness.status_suffix(status)))
        end,
        poll = function(self)
            local s = harness.read_file(status)
            if s then self.status, self.cpu = harness.parse_status(s) end
            return s ~= nil
        end,
        results = function(self)
            local text = harness.read_file(out) or ""
            local results = self.judge and self.judge(self, text) or R.parse_output(text)
            if self.build then return results end
            local failures = 0
            for _, r in ipairs(results) do
                if not r.ok then
                    failures = failures + 1
                    r.log = out
                end
            end
            local why
            if self.status ~= 0 and failures == 0 then
                why = "exited with status " .. tostring(self.status) .. " without a FAIL line"
            elseif #results == 0 and not self.partial then
                why = "printed no ok/FAIL lines"
            end
            if why then
                results[#results + 1] = { name = name .. "-suite", ok = false, reason = why, log = out,
                    where = self.file .. ":1", tail = R.last_lines(text, 20) }
            end
            return results
        end,
    }
end

local jobs = {}
local function add_host(name, command, file)
    local job = host_job(name, command, file)
    local sel = selection(name, true)
    if sel then
        job.partial = sel == "some"
        jobs[#jobs + 1] = job
    end
    return job
end

if harness.file_exists("tests/gen/run.lua") then
    add_host("gen", lua .. " tests/gen/run.lua --part core", "tests/gen/run.lua")
    add_host("gen-accepted", lua .. " tests/gen/run.lua --part accepted", "tests/gen/run.lua")
end
for file in io.popen("ls tests/*/suite.lua 2>/dev/null"):lines() do
    add_host(file:match("tests/([^/]+)/"), lua .. " " .. file, file)
end
add_host("harness", lua .. " tests/qemu/harness_test.lua", "tests/qemu/harness_test.lua")

-- Lua lint (luacheck): one result, its warnings as details.
if os.execute("command -v luacheck >/dev/null 2>&1") == true then
    local targets = {}
    for _, path in ipairs({ "gen", "tests", "kernel/ksyms.lua" }) do
        if harness.file_exists(path) then targets[#targets + 1] = path end
    end
    local job = add_host("luacheck", "luacheck --std lua54 --no-color " .. table.concat(targets, " "))
    job.weight, job.need = 2, "none"
    job.judge = function(self, text)
        local details = {}
        for line in text:gmatch("[^\n]+") do
            if line:match(":%d+:%d+:") then details[#details + 1] = (line:gsub("^%s+", "")) end
        end
        self.status = 0 -- the result says it
        local first = details[1] and details[1]:match("^(%S+:%d+):")
        return { { name = "luacheck", ok = #details == 0 and text:find("Total: 0 warnings / 0 errors") ~= nil,
                   reason = #details .. " warnings or errors", where = first, details = details } }
    end
else
    reporter.note("luacheck not installed: skipping lint")
end

---------------------------------------------------------------------------------------------------
-- QEMU boots: tests/qemu/boots.lua, then every tests/qemu/*_boots.lua (one file per area).
local env = {
    version = os.getenv("VERSION") or "0.1.0",
    kernel = harness.config.kernel,
    user_progs = os.getenv("USER_PROGS") or "",
    build = os.getenv("BUILD") or "build",
    read_file = harness.read_file,
}

-- FILE:LINE of a spec: the line naming it, or else the line of the longest string in the file
-- that ends its name (specs made by a helper, like guest("conf_traps") for guest-conf-traps) or
-- begins it ("guest-faultinj-" .. option).
local function locate(file, text, name)
    local best, best_score = 1, 0
    local line = 1
    for l in (text .. "\n"):gmatch("([^\n]*)\n") do
        for s in l:gmatch('"([^"]+)"') do
            local norm = s:gsub("_", "-")
            local score = (s == name and 1000 or 0) + ((name:sub(-#norm) == norm or
                (#s >= 6 and name:sub(1, #s) == s)) and #s or 0)
            if score > best_score then best, best_score = line, score end
        end
        line = line + 1
    end
    return file .. ":" .. best
end

local spec_files = { "tests/qemu/boots.lua" }
for file in io.popen("ls tests/qemu/*_boots.lua 2>/dev/null"):lines() do spec_files[#spec_files + 1] = file end
for _, file in ipairs(spec_files) do
    local text = harness.read_file(file) or ""
    for _, spec in ipairs(dofile(file)(env)) do
        spec.where = spec.where or locate(file, text, spec.name)
        local sel = selection(spec.name)
        local image, unknown = harness.image(spec)
        if not sel then
            goto next
        elseif not image then
            reporter.add({ name = spec.name, ok = false, where = spec.where, reason = unknown })
        elseif not build_make and not harness.file_exists(image) then
            reporter.add({ name = spec.name, ok = false, where = spec.where,
                reason = "missing " .. image .. " (run `make test`)" })
        else
            local job = harness.job(spec)
            job.need = "test-build"
            job.partial = sel == "some"
            job.weight = spec.weight or (spec.via == "iso" and 3) or (spec.gdb and 2) or 1
            jobs[#jobs + 1] = job
        end
        ::next::
    end
end

---------------------------------------------------------------------------------------------------
-- The build stages the jobs need, as jobs of their own that start first.
local STAGES = { "test-build-early", "test-build-main" }
local function stage_where(stage)
    local n = 0
    for line in ((harness.read_file("tests/tests.mk") or "") .. "\n"):gmatch("([^\n]*)\n") do
        n = n + 1
        if line:sub(1, #stage + 1) == stage .. ":" then return "tests/tests.mk:" .. n end
    end
    return "tests/tests.mk:1"
end
local function stage_job(stage)
    local job = host_job(stage, build_make .. " " .. stage)
    job.build, job.light = true, true
    job.judge = function(self, text)
        self.failed = self.status ~= 0
        if not self.failed then return {} end
        return { { name = stage, ok = false, where = stage_where(stage), log = self.log,
                   reason = string.format("`make %s` failed (status %s); nothing that needs it ran",
                       stage, tostring(self.status)), tail = R.last_lines(text, 30) } }
    end
    return job
end
if build_make then
    local stage_jobs, all = {}, {}
    for _, job in ipairs(jobs) do
        if job.need ~= "none" then
            local wanted = job.need == "test-build" and STAGES or { job.need }
            job.needs = {}
            for _, stage in ipairs(wanted) do
                if not stage_jobs[stage] then
                    if stage_where(stage) == "tests/tests.mk:1" then
                        reporter.note(job.name .. " needs `" .. stage .. "`, which tests/tests.mk does not make")
                    end
                    stage_jobs[stage] = stage_job(stage)
                    all[#all + 1] = stage_jobs[stage]
                end
                job.needs[#job.needs + 1] = stage_jobs[stage]
            end
        end
    end
    for i = #all, 1, -1 do table.insert(jobs, 1, all[i]) end
end

---------------------------------------------------------------------------------------------------
-- Longest first, by the record or the declared weight (the build stages before everything).
for i, job in ipairs(jobs) do
    job.order = i
    job.expect = job.build and math.huge or record[job.name] and record[job.name].seconds or job.weight
end
table.sort(jobs, function(a, b)
    if a.expect ~= b.expect then return a.expect > b.expect end
    return a.order < b.order
end)

if filter ~= "" then
    reporter.note(string.format("T=%s: %d jobs selected", filter, #jobs))
    if #jobs == 0 then reporter.note("nothing matches; names are in " .. RECORD) end
end

-- Jobs wake the runner as they end (a FIFO in the log dir); the ticker polls for stop patterns.
local skipped = {}
local wake = P.waker(logdir .. "/.wake", harness.config.poll_interval)
harness.config.wake = wake and wake.path
P.run(jobs, slots, function(job)
    local names = {}
    for _, r in ipairs(job:results()) do
        names[#names + 1] = r.name
        -- A boot's own result is always shown; other results under T only when they match.
        if not job.partial or r.name == job.name or selected(r.name) then
            if job.partial and r.ok then r.details = nil end -- notes of tests left out
            reporter.add(r)
        end
    end
    local old = record[job.name]
    if job.partial and old then
        local seen = {}
        for _, n in ipairs(old.results) do seen[n] = true end
        for _, n in ipairs(names) do
            if not seen[n] then old.results[#old.results + 1] = n end
        end
        names = old.results
    end
    record[job.name] = { seconds = job.seconds, cpu = job.cpu, results = names }
end, harness.config.poll_interval,
    { wake = wake, idle = fill and P.idle_seconds, window = 0.5, min_idle = 0.33, extra = nproc,
      skip = function(job) skipped[#skipped + 1] = job.name end })
if #skipped > 0 then
    reporter.note(string.format("%d jobs not run, their build stage failed: %s", #skipped, table.concat(skipped, " ")))
end
if wake then wake.close() end
harness.config.wake = nil
local ran = nil
if filter == "" then
    ran = {}
    for _, job in ipairs(jobs) do ran[job.name] = true end
end
save_record(ran)

-- <logdir>/schedule: `START END CPU NAME` per job, seconds from the runner's start, in start order;
-- `+` after CPU marks a job started beside full slots because a CPU stood idle.
do
    local order = {}
    for _, job in ipairs(jobs) do order[#order + 1] = job end
    table.sort(order, function(a, b) return (a.started_at or 0) < (b.started_at or 0) end)
    local lines = {}
    for _, job in ipairs(order) do
        local s = (job.started_at or started) - started
        lines[#lines + 1] = string.format("%6.2f %6.2f %6.2f%s %s", s, s + (job.seconds or 0), job.cpu or 0,
            job.filled and "+" or " ", job.name)
    end
    local f = io.open(logdir .. "/schedule", "w")
    if f then
        f:write(table.concat(lines, "\n"), "\n")
        f:close()
    end
end

-- The slowest jobs and the CPU they used, to see where the time goes.
table.sort(jobs, function(a, b) return (a.seconds or 0) > (b.seconds or 0) end)
local slow, cpu = {}, 0
for i, job in ipairs(jobs) do
    cpu = cpu + (job.cpu or 0)
    if i <= 4 then slow[i] = string.format("%s %.1f s (%.1f s CPU)", job.name, job.seconds or 0, job.cpu or 0) end
end
local idle = idle_at_start and string.format(", %.1f CPU-s idle", P.idle_seconds() - idle_at_start) or ""
reporter.note(string.format("%.1f s wall, %.1f s CPU for %d jobs, %d at a time%s%s; slowest: %s; logs in %s",
    P.now() - started, cpu, #jobs, slots, fill and " (more while a CPU idles)" or "", idle, table.concat(slow, ", "),
    logdir))
-- The declared errors no boot of a test kernel observed (tests/lib/contracts.lua): a list, not a
-- failure; only for a whole run (under T= most logs would be an older run's).
if filter == "" then
    local coverage = { dir = harness.config.build .. "/coverage/logs", what = "make coverage" }
    for _, line in ipairs(require("contracts").summary(logdir, coverage)) do reporter.note(line) end
end
if scratch then os.execute("rm -rf " .. shq(scratch)) end
os.exit(reporter.finish())
