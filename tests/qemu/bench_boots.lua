-- bench-smoke: the benchmark program (tests/bench/bench.c) with a few iterations per row, so
-- `make test` notices when it stops building or running. Timings are not checked here (without
-- -icount they depend on the host); `make bench` measures them. bench-amc-paths: the guest
-- tests of the amc fast paths the benchmark times (tests/bench/amc_paths.c).
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local rows = dofile("tests/bench/rows.lua")
    local expect = { "\nbench start smoke\n", "\nbench empty_loop ops=%d+ loops=%d+ ticks=%d+ timer=%d+\n" }
    for _, row in ipairs(rows) do
        expect[#expect + 1] = "\nbench " .. row.key:gsub("%p", "%%%0") .. " ops=%d+ loops=%d+ ticks=%d+ timer=%d+\n"
    end
    expect[#expect + 1] = "\nbench done\n"
    return {
        {
            name = "bench-smoke",
            append = "init=bench args=smoke exit=qemu",
            modules = { module("user", "init"), module("bench", "bench"), module("bench", "nop") },
            timeout = 60,
            exit = 1,
            expect = expect,
            reject = { "bench FAIL" },
        },
        {
            name = "bench-amc-paths",
            append = "init=amc_paths exit=qemu",
            modules = { module("user", "init"), module("bench", "amc_paths") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
        },
    }
end
