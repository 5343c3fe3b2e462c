-- Boot specs for the memory system: copy-on-write fork and demand-zero pages (tests/guest/cow.c).
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    return {
        {
            -- Little memory, so that exhausting it is quick.
            name = "guest-cow",
            append = "init=cow exit=qemu",
            modules = { module("user", "init"), module("tests", "cow") },
            memory = 32,
            weight = 2, -- seconds: a fresh clone starts it early
            timeout = 90,
            exit = 1,
            guest_tests = true,
            -- The fault outside every mapped range is reported on one line.
            expect = { "pid %d+ %(cow%): Page fault %(vector 14, error 0x4%) at eip=0x%x+ cr2=0x%x+: killed" },
        },
    }
end
