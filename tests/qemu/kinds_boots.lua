-- Boot specs for what the language-v2 kinds look like on layercake: the tracer (kernel/trace.c)
-- printing a 64-bit result, a 64-bit argument, a value-result length and a flags set, on the calls of
-- tests/guest/conf_semantics.c (uptime_us, sleep_us, proc_name, waitpid), which must still all pass.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    return {
        {
            name = "trace-v2-kinds",
            append = "init=conf_semantics exit=qemu trace=syscalls:uptime_us,sleep_us,proc_name,waitpid",
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
                -- the value-result length: the bytes written (no more than the capacity on entry),
                -- the size written back
                '%[(%d+) conf_semantics%] proc_name%(%1, "conf_semantics\\x00", %[15%]%) = 14\n',
                '%[(%d+) conf_semantics%] proc_name%(%1, "conf\\x00", %[15%]%) = 14\n',
                '%[%d+ conf_semantics%] proc_name%(1, "", %[5%]%) = 4\n',
                "%[%d+ conf_semantics%] proc_name%(2147483647, 0x%x+, %[5%]%) = %-ESRCH\n",
                -- a flags set by name, with what no name covers
                "%[%d+ conf_semantics%] waitpid%(%-1, NULL, WNOHANG|0x8%) = %-EINVAL\n",
                "%[%d+ conf_semantics%] waitpid%(%-1, NULL, 0x80000000%) = %-EINVAL\n",
            },
            reject = { "%] read%(", "trace: " },
        },
    }
end
