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
-- stop pattern, idle CPUs), so the runner sees a job end at once instead of at its next poll,
-- and forks one `sleep` per tick instead of a shell and a sleep. nil where no FIFO can be made.
function P.waker(path, tick)
    os.remove(path)
    if os.execute("mkfifo " .. shq(path) .. " 2>/dev/null") ~= true then return nil end
    -- The ticker opens the FIFO for writing, which waits for the reader below; close() ends it,
    -- and so does SIGPIPE once the reader is gone (a runner stopped by Ctrl-C).
    local p = io.popen(string.format("(while sleep %g; do echo; done) >%s 2>/dev/null </dev/null & echo $!", tick,
        shq(path)))
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
        end,
    }
end

-- The shell command a job ends with to wake the runner: the FIFO is opened read-write, which
-- never blocks, so a job that outlives its runner cannot hang on it.
function P.wake_command(path)
    return "echo done 1<>" .. shq(path)
end

-- Runs the jobs, at most `slots` at a time, starting them in list order (so put the longest
-- first); a job marked light (one that mostly idles) starts at once and takes no slot.
-- done(job) is called as each finishes, in completion order, with job.seconds set.
--
-- opts (optional):
--   wake    a P.waker to wait on between polls (else: sleep `interval` seconds, 0.05)
--   idle    function() -> idle CPU-seconds so far (P.idle_seconds), to fill idle CPUs: a job that
--           waits (a boot on guest timers, a suite on its QEMU) leaves its slot's CPU unused, so
--           when the machine has had `min_idle` CPUs (1) idle on average for `window` seconds (0.5)
--           since the last start, one more job starts, up to `extra` (slots) beyond the slots. On a
--           machine that other work keeps busy this never happens: the pool is the fixed one.
function P.run(jobs, slots, done, interval, opts)
    local fill = opts and opts.idle and opts
    local queue, running, busy = {}, {}, 0
    local mark_time, mark_idle -- the last start, for the idle measure
    local function start(job)
        job.started_at = P.now()
        job:start()
        running[#running + 1] = job
        if not job.light then busy = busy + 1 end
        mark_time, mark_idle = P.now(), fill and fill.idle()
    end
    -- min_idle CPUs idle on average since the last start, measured over at least the window.
    local function cpu_to_spare()
        if not (fill and mark_idle) or busy >= slots + (fill.extra or slots) then return false end
        local elapsed = P.now() - mark_time
        local idle = fill.idle()
        return elapsed >= (fill.window or 0.5) and idle ~= nil
            and (idle - mark_idle) >= elapsed * (fill.min_idle or 1)
    end
    for _, job in ipairs(jobs) do
        if job.light then start(job) else queue[#queue + 1] = job end
    end
    local next_job = 1
    while next_job <= #queue or #running > 0 do
        while next_job <= #queue and (busy < slots or cpu_to_spare()) do
            if busy >= slots then queue[next_job].filled = true end
            start(queue[next_job])
            next_job = next_job + 1
        end
        -- (Without a line from the waker, its ticker gone, the pool still polls on its own clock.)
        if not (opts and opts.wake and opts.wake.wait()) then os.execute("sleep " .. (interval or 0.05)) end
        for i = #running, 1, -1 do
            local job = running[i]
            if job:poll() then
                table.remove(running, i)
                if not job.light then busy = busy - 1 end
                job.seconds = P.now() - job.started_at
                done(job)
            end
        end
    end
end

return P
