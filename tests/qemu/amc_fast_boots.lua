-- The amc fast paths under attack (tests/guest/amc_call_fast.c): with the default eager FPU
-- switch, calls without a timeout take the assembly round trip (kernel/amc_fast.c); with
-- fpu=lazy they take the C fast paths (kernel/amc_call.c).
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local function boot(name, append)
        return {
            name = name,
            append = append,
            modules = { module("user", "init"), module("tests", "amc_call_fast") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
        }
    end
    return {
        boot("guest-amc-call-fast", "init=amc_call_fast exit=qemu"),
        boot("guest-amc-call-fast-lazy", "init=amc_call_fast fpu=lazy exit=qemu"),
    }
end
