-- Boot specs that run user programs: the guest test programs (tests/guest/*.c, one `ok`/`FAIL`
-- line per test), the shell driven through the serial port, and syscall tracing.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local function user(name) return module("user", name) end
    local function guest(name) return module("tests", name) end

    local bad_elfs = {}
    for _, name in ipairs({ "bad-truncated", "bad-magic", "bad-kernel-segment", "bad-entry",
                            "bad-overlap", "bad-phdrs" }) do
        bad_elfs[#bad_elfs + 1] = guest(name)
    end
    local usermode_modules = { user("init"), guest("usermode"), user("hello") }
    for _, m in ipairs(bad_elfs) do usermode_modules[#usermode_modules + 1] = m end

    return {
        {
            name = "guest-usermode",
            append = "init=usermode exit=qemu",
            modules = usermode_modules,
            timeout = 90,
            exit = 1,
            guest_tests = true,
            -- Each refused image is reported on one line saying why.
            expect = { "exec: bad%-magic: not a valid program: bad magic",
                       "exec: bad%-entry: not a valid program: entry point outside",
                       "pid %d+ %(usermode%): Page fault %(vector 14, error 0x%x+%) at eip=0x%x+ cr2=0x00000000: killed" },
        },
        {
            name = "guest-amc",
            append = "init=amc exit=qemu",
            modules = { user("init"), guest("amc") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
        },
        {
            -- The shell runs what is typed on the serial port, reports failures, and exits.
            name = "shell-runs-typed-programs",
            append = "exit=qemu",
            modules = { user("init"), user("sh"), user("hello"), user("echo"), user("fault") },
            input = "hello\necho one   two \"three four\"\nfault pf\nno-such\nhelp\nexit 0\n",
            timeout = 30,
            exit = 1,
            -- Typed-ahead input is echoed as it arrives, so only whole program lines are
            -- matched, not their position after a prompt.
            expect = { "Hello from ring 3! I am pid %d+, parent %d+%.\n",
                       "one two three four\n",
                       "%[fault: killed: Page fault",
                       "sh: no%-such: no such program",
                       "programs: init sh hello echo fault\n", "init: sh exited: exited with status 0" },
        },
        {
            name = "trace-syscalls",
            append = "init=hello trace=syscalls exit=qemu",
            modules = { user("init"), user("hello") },
            timeout = 30,
            exit = 1,
            expect = { "%[%d+ hello%] write%(1, \"Hello from ring 3! I am pid %d+, parent %d+%.\\n\", %d+%) = %d+",
                       "%[%d+ hello%] exit%(0%) = %?",
                       "%[1 init%] waitpid%(%-1, 0x%x+, 0%) = %-ECHILD",
                       "%[1 init%] spawn%(\"hello\", \"hello\\x00\"" },
        },
    }
end
