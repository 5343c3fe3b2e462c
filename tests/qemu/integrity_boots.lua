-- Boot specs for kernel integrity (issue 15): the loader's malformed shapes, kill permissions
-- and init's supervision, CPU corner cases, the double-fault task, preemptible syscalls, FPU
-- isolation and fault injection. Guest programs are in tests/guest/.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local function user(name) return module("user", name) end
    local function guest(name) return module("tests", name) end

    -- The malformed shapes, split over two boots: the kernel takes at most 32 boot modules.
    local shapes = io.popen((os.getenv("LUA") or "lua5.4") .. " tests/guest/badelf.lua --list")
    local elf_modules = { { user("init"), guest("elfload") }, { user("init"), guest("elfload") } }
    local count = 0
    for name in shapes:read("a"):gmatch("%S+") do
        for half = 1, 2 do -- good-* shapes in both boots, bad-* ones alternately
            if name:match("^good%-") or count % 2 + 1 == half then
                elf_modules[half][#elf_modules[half] + 1] = guest(name)
            end
        end
        if name:match("^bad%-") then count = count + 1 end
    end
    shapes:close()

    -- Fault injection: the same allocation mix with different failure patterns. Each boot must
    -- have failed at least one allocation; the log lines name where.
    local function faultinj_boot(option)
        return {
            name = "guest-faultinj-" .. option:gsub("=", "-"),
            append = "init=faultinj " .. option .. " exit=qemu",
            modules = { user("init"), guest("faultinj") },
            timeout = 90,
            exit = 1,
            guest_tests = true,
            expect = { "faultinj: allocation %d+ %([%a ]+%) fails in [%w_]+%+0x%x+ %(pid %d+%)" },
        }
    end
    local specs = {}
    -- The Nth: the first allocation of each kind the mix makes (kernel stack, page table, the
    -- spawn's argv buffer, a demand-zero reservation, an amc message), then every Nth.
    for _, option in ipairs({ "failalloc=1", "failalloc=4", "failalloc=15", "failalloc=25",
                              "failalloc=49", "failevery=2", "failevery=3", "failevery=5",
                              "failevery=11" }) do
        specs[#specs + 1] = faultinj_boot(option)
    end

    local fixed = {
        {
            name = "guest-elfload-1",
            append = "init=elfload exit=qemu",
            modules = elf_modules[1],
            timeout = 60,
            exit = 1,
            guest_tests = true,
            -- Each refusal is one line saying why.
            expect = { "exec: bad%-unaligned%-vaddr: not a valid program: segment address and file offset disagree",
                       "exec: bad%-interp: not a valid program: dynamically linked" },
        },
        {
            name = "guest-elfload-2",
            append = "init=elfload exit=qemu",
            modules = elf_modules[2],
            timeout = 60,
            exit = 1,
            guest_tests = true,
            expect = { "exec: bad%-wx%-segment: not a valid program: segment both writable and executable",
                       "exec: bad%-shared%-page: not a valid program: writable and read%-only segments share a page %(W%^X%)" },
        },
        {
            name = "guest-perm",
            append = "init=perm services=echod,kvd exit=qemu",
            modules = { user("init"), guest("perm"), user("echod"), user("kvd") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
            reject = { "init: service %S+ %(pid %d+%) ended" }, -- no service could be killed
        },
        {
            -- A program started from the shell tries to kill everything; then the shell exits.
            -- init restarts it (no exit=qemu here), and the new shell still reaches the services.
            name = "init-supervises-shell",
            append = "services=echod,kvd",
            modules = { user("init"), user("sh"), guest("perm"), user("echod"), user("kvd") },
            input = "perm killall\nexit 3\namc echo -u still served\n",
            timeout = 30,
            stop = "STILL SERVED", -- the raw log has \r\n line ends
            expect = { "perm killall: %d+ refused, 0 killed\n", "init: sh exited: exited with status 3\n",
                       "STILL SERVED\n" },
            reject = { "init: service %S+ %(pid %d+%) ended", "kernel: init ended" },
        },
        {
            -- A service that ends at once is started again (after a pause), for good.
            name = "init-restarts-services",
            light = true, -- it waits out init's restart pauses (0.3 CPU-s in 2.4 s): in no slot
            append = "services=hello",
            modules = { user("init"), user("sh"), user("hello") },
            timeout = 30,
            stop = "started service hello %(pid %d+%).-started service hello %(pid %d+%).-started service hello",
            expect = { "init: service hello %(pid %d+%) ended: exited with status 0" },
        },
        {
            -- A kernel stack overflow: the double-fault task reports it (no triple fault, which
            -- would end QEMU with status 0), with the function names of the recursion.
            name = "kstack-overflow-double-fault",
            append = "test=kstack exit=qemu",
            panic = true,
            exit = 3,
            expect = { "PANIC: Double fault %(vector 8%)",
                       "kernel stack overflow: esp=0x%x+ ran into the guard page at 0xe%x+",
                       "#0%s+0x%x+ selftest_recurse%+0x", "#5%s+0x%x+ selftest_recurse%+0x", "halted%." },
        },
        {
            name = "guest-cpu",
            append = "init=cpu exit=qemu",
            modules = { user("init"), guest("cpu") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
            expect = { "Debug %(vector 1, error 0x0%) at eip=0x%x+: killed",
                       "cr2=0xbfff7%x+ %(stack overflow into the guard page%): killed" },
        },
        {
            -- Guest time under -icount: the watcher's latency and the kernel's longest gap
            -- between timer ticks are deterministic, whatever the host's load.
            name = "guest-preempt",
            append = "init=preempt tickwatch exit=qemu",
            modules = { user("init"), guest("preempt"), guest("good-big-bss") },
            icount = true,
            weight = 5, -- seconds: a fresh clone starts it early
            memory = 64, -- the sbrk hog maps all of it, over and over
            timeout = 120,
            exit = 1,
            guest_tests = true,
            check = function(log)
                local worst
                for us in log:gmatch("tickwatch: longest gap between ticks (%d+) us") do
                    worst = tonumber(us)
                end
                if not worst then return false, "no tickwatch report" end
                -- One period (1000 us) plus at most 1 ms with interrupts off.
                if worst > 2000 then
                    return false, string.format("timer ticks %d us apart: interrupts off too long", worst)
                end
                return true
            end,
        },
        {
            name = "guest-fpu",
            append = "init=fpu exit=qemu",
            modules = { user("init"), guest("fpu") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
            expect = { "x87 floating%-point error %(vector 16, error 0x0%) at eip=0x%x+: killed" },
        },
        {
            name = "guest-fpu-lazy",
            append = "init=fpu fpu=lazy exit=qemu",
            modules = { user("init"), guest("fpu") },
            timeout = 60,
            exit = 1,
            guest_tests = true,
        },
    }
    for _, spec in ipairs(fixed) do specs[#specs + 1] = spec end
    return specs
end
