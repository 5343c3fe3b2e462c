-- A pool of background jobs for the test runners: boots (tests/qemu/harness.lua) and host suites
-- (tests/run.lua) share it, so they run side by side in the same slots.
-- A job is a table with start(job) and poll(job) -> true once it has finished.
local P = {}

-- Seconds since boot, with a fraction (os.time() counts whole seconds only).
function P.now()
    local f = io.open("/proc/uptime", "r")
    if not f then return os.time() end
    local t = tonumber(f:read("l"):match("^[%d.]+"))
    f:close()
    return t
end

-- CPU-seconds the whole machine has spent idle since boot, all CPUs added (/proc/stat's idle and
-- iowait, in USER_HZ ticks, 100 a second on Linux); nil where there is no /proc/stat.
function P.idle_seconds()
    local f = io.open("/proc/stat", "r")
    if not f then return nil end
    local line = f:read("l") or ""
    f:close()
    local idle, iowait = line:match("^cpu%s+%d+%s+%d+%s+%d+%s+(%d+)%s+(%d+)")
    return idle and (tonumber(idle) + tonumber(iowait)) / 100
end

local function shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- A wake-up channel for P.run: a FIFO that a job's command writes a line to as it ends
-- (P.wake_command) and a ticker writes to every `tick` seconds (for what must be polled: a boot's
-- stop pattern, idle CPUs), so the runner sees a job end at once instead of at its next poll.
-- The ticker forks nothing: bash's `read -t` on a second FIFO that nobody writes to (opened
-- read-write, so it never blocks on opening) is its clock; a `sleep` per tick was a thousand
-- processes, a CPU-second, per make test. nil where no FIFO can be made.
function P.waker(path, tick)
    local clock = path .. ".tick"
    os.remove(path)
    os.remove(clock)
    if os.execute("mkfifo " .. shq(path) .. " " .. shq(clock) .. " 2>/dev/null") ~= true then return nil end
    -- The ticker opens the FIFO for writing, which waits for the reader below; close() ends it,
    -- and so does SIGPIPE once the reader is gone (a runner stopped by Ctrl-C).
    local loop = string.format("exec 3<>%s; while :; do read -r -t %g -u 3 _; echo; done", shq(clock), tick)
    local p = io.popen(string.format("bash -c %s >%s 2>/dev/null </dev/null & echo $!", shq(loop), shq(path)))
    local pid = p:read("l")
    p:close()
    local f = assert(io.open(path, "r"))
    return {
        path = path,
        wait = function() return f:read("l") end, -- "done" when a job ended, "" for a tick
        close = function()
            if pid and pid:match("^%d+$") then os.execute("kill " .. pid .. " 2>/dev/null") end
            f:close()
            os.remove(path)
            os.remove(clock)
        end,
    }
end

-- The shell command a job ends with to wake the runner: the FIFO is opened read-write, which
-- never blocks, so a job that outlives its runner cannot hang on it.
function P.wake_command(path)
    return "echo done 1<>" .. shq(path)
end

-- Runs the jobs, at most `slots` at a time, starting them in list order (so put the longest
-- first); a job marked light (one that mostly idles, or that a make jobserver already bounds)
-- starts as soon as it may and takes no slot. done(job) is called as each finishes, in
-- completion order, with job.seconds set.
--
-- job.needs (optional): a list of jobs (of the same run) that must have finished first. done()
-- may set job.failed on a finished job: the jobs that need it never start, and opts.skip(job,
-- need) is called for each of them instead. A job that waits keeps its place in the order: it
-- holds a slot for itself (at most slots - 1 are held, so ready jobs always have one), and takes
-- it when its needs are done; the jobs it waits for (the build) use the CPU meanwhile.
--
-- opts (optional):
--   wake    a P.waker to wait on between polls (else: sleep `interval` seconds, 0.05)
--   idle    function() -> idle CPU-seconds so far (P.idle_seconds), to fill idle CPUs: a job that
--           waits (a boot on guest timers, a suite on its QEMU) leaves its slot's CPU unused, so
--           when the machine has had `min_idle` CPUs (1) idle on average over the last `window`
--           seconds (0.5), at least a window after the pool last changed size, the pool grows by
--           one slot, up to `extra` (slots) beyond the slots, and shrinks by one after a window
--           with less than a tenth of a CPU idle. On a machine that other work keeps busy this
--           never happens: the pool is the fixed one.
--   skip    function(job, need), see job.needs
function P.run(jobs, slots, done, interval, opts)
    local fill = opts and opts.idle and opts
    local pending, running, busy = {}, {}, 0
    -- The idle measure: (time, idle CPU-seconds) at the last filled start and at each poll of
    -- the last window. A regular start does not reset it: in the tail of a run, where short
    -- boots follow each other every few tenths of a second (each half waiting on QEMU's start),
    -- a measure that began again at every start never saw a window, and never filled.
    local filled_at, samples = -math.huge, {}
    local function sample()
        local now = P.now()
        samples[#samples + 1] = { now, fill.idle() }
        while #samples > 2 and samples[2][1] <= now - (fill.window or 0.5) do table.remove(samples, 1) end
    end
    local function start(job)
        job.started_at = P.now()
        job:start()
        running[#running + 1] = job
        if not job.light then busy = busy + 1 end
    end
    -- Slots added because CPUs stood idle: a fill raises the pool's size, which stays raised
    -- (a filled job's slot goes to the next job) until a window passes with no CPU to spare.
    -- A fill that lasted one job left the tail of a run a third idle: its short boots, about two
    -- thirds CPU-bound each (QEMU's start and exit wait), end before the next window comes.
    local added = 0
    -- The idle CPUs on average over the last window, or nil before a window has passed since
    -- the last change of size (so a filled job has started working before it is judged).
    local function idle_cpus()
        if #samples == 0 then return nil end
        local window, now, idle = fill.window or 0.5, P.now(), fill.idle()
        local t, then_idle = samples[1][1], samples[1][2]
        if now - t < window or now - filled_at < window or idle == nil or then_idle == nil then return nil end
        return (idle - then_idle) / (now - t)
    end
    local function resized()
        local now = P.now()
        filled_at, samples = now, { { now, fill.idle() } }
    end
    -- A slot to spare beside `taken` (the running jobs and the slots held by waiting ones): one
    -- added earlier and free again, or min_idle CPUs idle over the last window (then the pool
    -- grows by one, up to `extra` beyond the slots).
    local function cpu_to_spare(taken)
        if not fill then return false end
        if taken < slots + added then return true end
        if added >= (fill.extra or slots) then return false end
        local idle = idle_cpus()
        if not idle or idle < (fill.min_idle or 1) then return false end
        added = added + 1
        resized()
        return true
    end
    -- A window without a tenth of a CPU idle takes an added slot back.
    local function shrink()
        if added == 0 then return end
        local idle = idle_cpus()
        if idle and idle < 0.1 then
            added = added - 1
            resized()
        end
    end
    -- nil when the job may start, "wait" while a need runs, or the need that failed.
    local function blocked(job)
        for _, need in ipairs(job.needs or {}) do
            if need.failed then return need end
            if not need.finished then return "wait" end
        end
        return nil
    end
    -- Drops the jobs whose needs failed and starts the light jobs that may start; returns the
    -- index in pending of the first other job that may, and the slots held by waiting jobs
    -- before it.
    local function next_ready()
        local i, first, held = 1, nil, 0
        while i <= #pending do
            local job = pending[i]
            local why = blocked(job)
            if why and why ~= "wait" then
                table.remove(pending, i)
                if opts and opts.skip then opts.skip(job, why) end
            elseif not why and job.light then
                table.remove(pending, i)
                start(job)
            else
                if not why and not first then first = i end
                if why and not first and not job.light then held = held + 1 end
                i = i + 1
            end
        end
        return first, math.min(held, slots - 1)
    end
    for _, job in ipairs(jobs) do pending[#pending + 1] = job end
    while #pending > 0 or #running > 0 do
        local i, held = next_ready()
        while i and (busy + held < slots or cpu_to_spare(busy + held)) do
            if busy + held >= slots then pending[i].filled = true end
            start(table.remove(pending, i))
            i, held = next_ready()
        end
        if #running == 0 then break end -- (only jobs whose needs can never finish are left)
        if fill then
            sample()
            shrink()
        end
        -- (Without a line from the waker, its ticker gone, the pool still polls on its own clock.)
        if not (opts and opts.wake and opts.wake.wait()) then os.execute("sleep " .. (interval or 0.05)) end
        for j = #running, 1, -1 do
            local job = running[j]
            if job:poll() then
                table.remove(running, j)
                if not job.light then busy = busy - 1 end
                job.seconds = P.now() - job.started_at
                job.finished = true
                done(job)
            end
        end
    end
    for _, job in ipairs(pending) do
        if opts and opts.skip then opts.skip(job, "never") end
    end
end

return P
