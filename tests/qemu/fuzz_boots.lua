-- Robustness boots: the generated syscall fuzzer, the stress tests and the security tests.
-- `make test` runs the short versions; `make fuzz` (tests/fuzz/run.lua) calls this with
-- env.fuzz = { calls = N, seed = S } for the long run.
local SECRET = "a zombie was scheduled" -- tests/fuzz/kaddrs.lua: a kernel string never printed

-- The first string literal at log[i] (just after its opening quote), as the tracer prints it
-- ("\xNN", "\n", "\"", "\\" are one byte each): its length in bytes.
local function literal_length(log, i)
    local n = 0
    while i <= #log do
        local c = log:sub(i, i)
        if c == '"' then return n end
        if c == "\n" then return nil end -- cut off
        i = i + (c ~= "\\" and 1 or (log:sub(i + 1, i + 1) == "x" and 4 or 2))
        n = n + 1
    end
end

-- Traced string arguments show at most their bound (31 bytes for these): more would be bytes the
-- tracer never read from the user, that is kernel memory.
local STR_BOUND = { amc_register_service = 31, spawn = 31, amc_message_send = 31, amc_message_await_from = 31 }
local function traced_strings_bounded(log)
    local seen = 0
    for at, name in log:gmatch("()%] ([%w_]+)%(\"") do
        local bound = STR_BOUND[name]
        if bound then
            local start = log:find('("', at, true) + 2
            local len = literal_length(log, start)
            seen = seen + 1
            if len and len > bound then
                return false, string.format("%s traced with a %d-byte string (bound %d): %s", name, len, bound,
                    log:sub(at, log:find("\n", at, true) or #log))
            end
        end
    end
    if seen == 0 then return false, "no traced string arguments in the log" end
    return true
end

return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local fuzz = env.fuzz or {}
    local calls = fuzz.calls or 20000
    local seed = fuzz.seed or "0x5eed1234"
    -- Programs the fuzzer may spawn (it finds them with module_name): itself (which exits at once
    -- on arguments it does not know), init, and malformed images (tests/guest/badelf.lua).
    local fuzz_modules = { module("user", "init"), module("fuzz", "fuzz") }
    for _, bad in ipairs({ "bad-truncated", "bad-magic", "bad-kernel-segment", "bad-entry", "bad-overlap",
                           "bad-phdrs" }) do
        fuzz_modules[#fuzz_modules + 1] = module("tests", bad)
    end

    local function fuzz_boot(name, run_seed, n, workers, job, timeout)
        return {
            name = name,
            append = string.format('init=fuzz args="run seed=%s calls=%d workers=%d job=%d" exit=qemu',
                run_seed, n, workers, job),
            modules = fuzz_modules,
            timeout = timeout,
            weight = 7,
            exit = 1,
            guest_tests = true,
            expect = { "\nfuzz: seed " .. run_seed:gsub("%p", "%%%0") .. ": %d+ calls in %d+ jobs" },
            -- A syscall that copied kernel memory to the console would show the secret.
            reject = { SECRET },
        }
    end

    local specs = {
        fuzz_boot(fuzz.calls and "fuzz-syscalls-long" or "fuzz-syscalls", seed, calls, 4,
            fuzz.calls and 5000 or 2500, fuzz.calls and 3600 or 90),
    }
    if fuzz.calls then return specs end
    -- The same with syscall tracing: the tracer reads every argument before the entry checks do.
    -- Regression: seed 0x7ace found the tracer printing 64 bytes of a too-long 31-byte string
    -- argument, 33 of them stale kernel stack (kernel addresses), on the console.
    local trace = fuzz_boot("fuzz-syscalls-traced", "0x7ace", 3000, 2, 1000, 90)
    -- Its determinism check in short jobs: every traced call is a console line, and how fast the
    -- console drains depends on the host (the untraced boot checks determinism at full length).
    trace.append = trace.append:gsub('" exit=qemu$', ' digest=200" exit=qemu') .. " trace=syscalls"
    trace.check = traced_strings_bounded
    -- Guest time from -icount: half a megabyte of console output, whose cost under QEMU's
    -- host-clocked timers swung from 2 to 8 CPU-s between identical runs (a third of them slow);
    -- under -icount the run is the same every time (same output, 3.0-3.4 CPU-s, measured).
    trace.icount = true
    specs[#specs + 1] = trace
    -- Little memory, so that it runs out before the process table does.
    specs[#specs + 1] = {
        name = "guest-stress",
        append = "init=stress exit=qemu",
        modules = { module("user", "init"), module("tests", "stress") },
        memory = 32,
        timeout = 120,
        exit = 1,
        guest_tests = true,
    }
    -- fuzz-cov's reproducers (tests/guest/repro/*.c, written by tests/fuzzcov/loop.lua), each with
    -- the modules its program may spawn (tests/fuzzcov/batch.lua's list), under -icount as found.
    local batch = dofile("tests/fuzzcov/batch.lua")
    local listing = io.popen("ls tests/guest/repro/*.c 2>/dev/null")
    for path in listing:lines() do
        local name = path:match("([^/]+)%.c$")
        local modules = batch.modules(env.build)
        modules[#modules + 1] = module("fuzzcov/repro", name)
        specs[#specs + 1] = {
            name = "fuzzcov-repro-" .. name,
            append = "init=" .. name .. " exit=qemu",
            modules = modules,
            icount = true,
            timeout = 30,
            weight = 2,
            exit = 1,
            guest_tests = true,
        }
    end
    listing:close()
    specs[#specs + 1] = {
        name = "guest-security",
        append = "init=security exit=qemu",
        modules = { module("user", "init"), module("tests", "security") },
        timeout = 60,
        exit = 1,
        guest_tests = true,
        reject = { SECRET },
    }
    return specs
end
