-- Robustness boots: the generated syscall fuzzer, the stress tests and the security tests.
-- `make test` runs the short versions; `make fuzz` (tests/fuzz/run.lua) calls this with
-- env.fuzz = { calls = N, seed = S } for the long run.
local SECRET = "a zombie was scheduled" -- tests/fuzz/kaddrs.lua: a kernel string never printed

return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local fuzz = env.fuzz or {}
    local calls = fuzz.calls or 20000
    local seed = fuzz.seed or "0x5eed1234"
    local fuzz_modules = { module("user", "init"), module("fuzz", "fuzz") }

    local function fuzz_boot(name, run_seed, n, workers, job, timeout)
        return {
            name = name,
            append = string.format('init=fuzz args="run seed=%s calls=%d workers=%d job=%d" exit=qemu',
                run_seed, n, workers, job),
            modules = fuzz_modules,
            timeout = timeout,
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
