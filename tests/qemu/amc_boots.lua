-- Boot specs for amc services (issue 5): the generated layer and the echo and kv services
-- (tests/guest/amc_svc.c), the shell's amc builtin and the service programs driven through the
-- serial port. The default GRUB entry starting the services is checked by boot-iso
-- (tests/qemu/boots.lua); the kernel-semantics tests (tests/guest/amc.c) are booted by
-- usermode_boots.lua as guest-amc.
local error_text = dofile("tests/qemu/def_text.lua").error_text

return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local function user(name) return module("user", name) end
    local services = { user("echod"), user("kvd"), user("kv"), user("echo-client") }
    local function with_services(list)
        for _, m in ipairs(services) do list[#list + 1] = m end
        return list
    end

    return {
        {
            -- amc calls, handles and badges (tests/guest/amc_call.c), hostile cases included.
            name = "guest-amc-call",
            append = "init=amc_call exit=qemu",
            modules = { user("init"), module("tests", "amc_call") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
        },
        {
            name = "guest-amc-services",
            append = "init=amc_svc services=echod,kvd exit=qemu",
            modules = with_services({ user("init"), module("tests", "amc_svc") }),
            timeout = 60,
            exit = 1,
            guest_tests = true,
            expect = {
                "\ninit: started service echod %(pid %d+%)\n",
                "\ninit: started service kvd %(pid %d+%)\n",
                -- echod reports the malformed messages it refused, and keeps serving.
                "echod: message from 'svc%-test' %(pid %d+%) not answered: " .. error_text("EPROTO"),
                "echod: message from 'svc%-test' %(pid %d+%) not answered: " .. error_text("EBADMSG"),
                "\nFROM A PROGRAM\n",
                "\nfrom the kv program\n",
                "kv: prog%-key: no such key",
                "usage: kv set KEY VALUE | get KEY | del KEY",
                "\ninit: amc_svc exited: exited with status 0\n",
            },
            reject = { "init: service %S+ %(pid %d+%) ended" }, -- no daemon died during the tests
        },
        {
            -- A person at the shell: amc by hand, the client programs, help, and errors.
            name = "amc-shell-builtin",
            append = "services=echod,kvd exit=qemu",
            modules = with_services({ user("init"), user("sh") }),
            input = table.concat({
                'amc echo "hello  from the shell"',
                "amc echo -u quiet please",
                'amc kv set colour "sky blue"',
                "amc kv get colour",
                "kv get colour",
                'kv set colour "sea green"',
                "amc kv get colour",
                "amc kv del colour",
                "amc kv get colour",
                "echo-client -u by program",
                "amc kv get 0123456789012345678901234567890123",
                "amc frobnicate",
                "help",
                "exit 0",
            }, "\n") .. "\n",
            timeout = 30,
            exit = 1,
            -- Typed-ahead input is echoed as it arrives, between the shell's writes, so an
            -- output line need not start a line of the log. Each expected output differs from
            -- the typed text (quotes removed, upper-cased), so the echo cannot match it.
            expect = {
                "hello  from the shell\n",
                "QUIET PLEASE\n",
                "amc kv: colour: no such key\n",
                "BY PROGRAM\n",
                "amc kv: key must be 1 to 31 bytes\n",
                "usage: amc echo %[%-u%] TEXT%.%.%. | amc kv set KEY VALUE",
                "  amc   echo %[%-u%] TEXT ask the echo service",
                "  amc   kv set K V     store value V",
                "init: sh exited: exited with status 0\n",
            },
            -- Both clients read the first value, and the second replaced it.
            check = function(log)
                local function count(text)
                    local n = 0
                    for _ in log:gmatch(text) do n = n + 1 end
                    return n
                end
                local blue, green = count("sky blue\n"), count("sea green\n")
                if blue ~= 2 or green ~= 1 then
                    return false, string.format("'sky blue' read %d times (want 2), 'sea green' %d (want 1)",
                                                blue, green)
                end
                if log:find("sea green\n", 1, true) < log:find("sky blue\n", 1, true) then
                    return false, "'sea green' was read before 'sky blue'"
                end
                return true
            end,
        },
    }
end
