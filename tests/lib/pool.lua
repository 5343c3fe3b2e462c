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
-- first); done(job) is called as each finishes, in completion order, with job.seconds set.
function P.run(jobs, slots, done, interval)
    local next_job, running = 1, {}
    while next_job <= #jobs or #running > 0 do
        while #running < slots and next_job <= #jobs do
            local job = jobs[next_job]
            next_job = next_job + 1
            job.started_at = P.now()
            job:start()
            running[#running + 1] = job
        end
        os.execute("sleep " .. (interval or 0.05))
        for i = #running, 1, -1 do
            local job = running[i]
            if job:poll() then
                table.remove(running, i)
                job.seconds = P.now() - job.started_at
                done(job)
            end
        end
    end
end

return P
