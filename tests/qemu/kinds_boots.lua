-- Boot specs for what the language-v2 kinds look like on layercake: the tracer (kernel/trace.c)
-- printing a 64-bit result, a 64-bit argument and a value-result length, on the calls of
-- tests/guest/conf_semantics.c (uptime_us, sleep_us, proc_name), which must still all pass.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    return {
        {
            name = "trace-v2-kinds",
            append = "init=conf_semantics exit=qemu trace=syscalls:uptime_us,sleep_us,proc_name",
            modules = { module("user", "init"), module("tests", "conf_semantics") },
            input = "first line\nsecond\n\4",
            timeout = 60,
            exit = 1,
            expect = {
                "%[%d+ conf_semantics%] uptime_us%(%) = %d%d%d%d+\n",
                -- the high word of the argument arrived (1 << 52), and UINT64_MAX is not negative
                "%[%d+ conf_semantics%] sleep_us%(4503599627370496%) = %-EINVAL\n",
                "%[%d+ conf_semantics%] sleep_us%(18446744073709551615%) = %-EINVAL\n",
                "%[%d+ conf_semantics%] sleep_us%(1500%) = 0\n",
                -- the value-result length: the size written back, the bytes of the name
                '%[(%d+) conf_semantics%] proc_name%(%1, "conf_semantics", %[15%]%) = 14\n',
                "%[%d+ conf_semantics%] proc_name%(2147483647, 0x%x+, %[5%]%) = %-ESRCH\n",
            },
            reject = { "%] read%(", "%] waitpid%(", "trace: " },
        },
    }
end
