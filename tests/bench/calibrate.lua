-- A fixed Lua workload, the same on every run: what this machine's speed is while make bench
-- runs the generator rows (tests/bench/run.lua times it just before and just after them, best of
-- 3 each). On a shared VM the CPU time of the same work has varied by up to 1.9 times within an
-- hour, so a generator row is read beside it. The work is the generator's kind: strings joined
-- with `..`, short strings interned, tables filled and read by field and by index, and a
-- collector that runs.
--   lua5.4 tests/bench/calibrate.lua      prints `cpu SECONDS`
local t = os.clock()
local rows, n = {}, 0
for i = 1, 200000 do
    local sc = { num = i, name = "call_" .. (i % 5000), args = { i, i + 1, i + 2 } }
    local line = "    [" .. sc.num .. "] = { \"" .. sc.name .. "\", " .. #sc.args .. " },"
    n = n + 1
    rows[n] = line
    if n == 1024 then
        rows[1] = table.concat(rows, "\n", 1, n)
        n = 1
    end
end
local sum = 0
for i = 1, 3000000 do sum = sum + (i % 7) * 3 end
assert(sum > 0 and #rows[1] > 0)
io.write(string.format("cpu %.3f\n", os.clock() - t))
