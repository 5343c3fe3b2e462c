-- `make fuzz`: the long robustness run. 10,000 mutated definitions through the generator, then
-- 1,000,000 generated syscalls in QEMU (two boots of half each, one per CPU, different seeds),
-- each ending with the kernel-counter check. Prints `ok`/`FAIL` lines, a summary of the figures,
-- and `N passed, M failed`.
--   FUZZ_SEED=S    replay a run (default: a new seed, printed)
--   FUZZ_CALLS=N   syscalls in all (default 1000000)
--   FUZZ_CASES=N   mutated definitions (default 10000)
package.path = "tests/qemu/?.lua;tests/fuzz/?.lua;tests/lib/?.lua;" .. package.path
local harness = require("harness")
local R = require("results")

local seed = tonumber(os.getenv("FUZZ_SEED") or "") or (os.time() % 0x7FFFFFFF)
local calls = tonumber(os.getenv("FUZZ_CALLS") or "") or 1000000
local cases = tonumber(os.getenv("FUZZ_CASES") or "") or 10000
local reporter = R.reporter()
local report = reporter.add

print(string.format("# make fuzz: seed %d (FUZZ_SEED=%d replays this run), %d syscalls, %d definitions",
    seed, seed, calls, cases))

-- The generator.
local t0 = os.time()
local pipe = io.popen(string.format("lua5.4 tests/fuzz/gen_fuzz.lua cases=%d seed=%d compile=40 cli=50 2>&1",
    cases, seed))
for line in pipe:lines() do
    local r = R.parse(line)
    if r then report(r) else print(line) end
end
pipe:close()
print(string.format("# generator fuzzing: %d s", os.time() - t0))

-- The kernel: two boots, one per CPU.
local half = calls // 2
local specs = {}
for i = 0, 1 do
    local env = { build = os.getenv("BUILD") or "build",
                  fuzz = { calls = i == 0 and calls - half or half, seed = string.format("0x%x", seed + i) } }
    for _, spec in ipairs(dofile("tests/qemu/fuzz_boots.lua")(env)) do
        spec.name = spec.name .. "-" .. i
        specs[#specs + 1] = spec
    end
end
harness.config.parallel = 2
t0 = os.time()
harness.run(specs, report)
local secs = os.time() - t0

-- Figures from the boot logs.
local total_calls, procs, jobs, job_failures, panics = 0, 0, 0, 0, 0
local invariants = {}
local ok_by_call, by_error, order = {}, {}, {}
local isolated, killed, skipped, failures, no_syscall = 0, 0, 0, 0, 0
for _, spec in ipairs(specs) do
    local log = harness.read_file(harness.config.logdir .. "/" .. spec.name .. ".log") or ""
    for list in log:gmatch("\nfuzz%-job %d+ successes:([^\n]*)") do
        for name, n in list:gmatch("(%S+)=(%d+)") do
            if not ok_by_call[name] then order[#order + 1] = name end
            ok_by_call[name] = (ok_by_call[name] or 0) + tonumber(n)
        end
    end
    for list in log:gmatch("\nfuzz%-job %d+ errors:([^\n]*)") do
        for e, n in list:gmatch("(%d+)=(%d+)") do by_error[tonumber(e)] = (by_error[tonumber(e)] or 0) + tonumber(n) end
    end
    for f, ns, i, k, sk in log:gmatch("\nfuzz%-job %d+: %d+ calls, %d+ ok, (%d+) failed %((%d+) no syscall%), " ..
        "(%d+) isolated %((%d+) killed, (%d+) skipped%)") do
        failures, no_syscall = failures + tonumber(f), no_syscall + tonumber(ns)
        isolated, killed, skipped = isolated + tonumber(i), killed + tonumber(k), skipped + tonumber(sk)
    end
    for n, j in log:gmatch("\nfuzz: seed %S+: (%d+) calls in (%d+) jobs") do
        total_calls, jobs = total_calls + tonumber(n), jobs + tonumber(j)
    end
    for f in log:gmatch(", (%d+) jobs failed") do job_failures = job_failures + tonumber(f) end
    for p in log:gmatch("\nfuzz: (%d+) processes made") do procs = procs + tonumber(p) end
    for _ in log:gmatch("PANIC") do panics = panics + 1 end
    invariants[#invariants + 1] = log:match("\n(fuzz: %d+ processes made[^\n]*)") or "(no counter line)"
end
print(string.format("# syscall fuzzing: %d calls in %d jobs by 4 workers per boot, %d processes, %d s wall " ..
    "(2 boots in parallel), %d jobs failed, %d panics", total_calls, jobs, procs, secs, job_failures, panics))
for _, line in ipairs(invariants) do print("#   " .. line) end
print(string.format("#   %d calls failed with an error (%d with numbers that are no syscall); %d isolated in a " ..
    "child (%d killed there, %d skipped: no room for a child)", failures, no_syscall, isolated, killed, skipped))
local parts = {}
for _, name in ipairs(order) do parts[#parts + 1] = name .. "=" .. ok_by_call[name] end
print("#   successes: " .. table.concat(parts, " "))
parts = {}
for e = 1, 4095 do
    if by_error[e] then parts[#parts + 1] = e .. "=" .. by_error[e] end
end
print("#   errors by number: " .. table.concat(parts, " "))
os.exit(reporter.finish())
