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

-- Runs the jobs, at most `slots` at a time, starting them in list order (so put the longest
-- first); a job marked light (one that mostly idles) starts at once and takes no slot.
-- done(job) is called as each finishes, in completion order, with job.seconds set.
function P.run(jobs, slots, done, interval)
    local queue, running, busy = {}, {}, 0
    local function start(job)
        job.started_at = P.now()
        job:start()
        running[#running + 1] = job
        if not job.light then busy = busy + 1 end
    end
    for _, job in ipairs(jobs) do
        if job.light then start(job) else queue[#queue + 1] = job end
    end
    local next_job = 1
    while next_job <= #queue or #running > 0 do
        while busy < slots and next_job <= #queue do
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
