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

-- Runs the jobs, at most `slots` at a time, starting them in list order (so put the longest
-- first); a job marked light (one that mostly idles) starts at once and takes no slot.
-- done(job) is called as each finishes, in completion order, with job.seconds set.
--
-- fill (optional) { idle = function() -> idle CPU-seconds so far, window = seconds, extra = N }:
-- a job that waits (a boot on guest timers, a suite on its QEMU) leaves its slot's CPU unused, so
-- when the machine has had at least one whole CPU idle on average for `window` seconds since the
-- last start, one more job starts, up to `extra` beyond the slots. On a machine other work keeps
-- busy this never triggers, and the pool is the fixed one.
function P.run(jobs, slots, done, interval, fill)
    local queue, running, busy = {}, {}, 0
    local mark_time, mark_idle -- the last start, for the idle measure
    local function start(job)
        job.started_at = P.now()
        job:start()
        running[#running + 1] = job
        if not job.light then busy = busy + 1 end
        mark_time, mark_idle = P.now(), fill and fill.idle()
    end
    -- One whole CPU idle on average since the last start, measured over at least the window.
    local function cpu_to_spare()
        if not (fill and mark_idle) or busy >= slots + (fill.extra or slots) then return false end
        local elapsed = P.now() - mark_time
        local idle = fill.idle()
        return elapsed >= (fill.window or 0.5) and idle ~= nil and (idle - mark_idle) >= elapsed
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
        os.execute("sleep " .. (interval or 0.05))
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
