-- Boot specs for the QEMU harness (field meanings: tests/qemu/harness.lua). Each is one test.
-- `env` carries facts about this build: version, kernel path, user programs.

return function(env)
    local version = env.version:gsub("%p", "%%%0")
    local banner = "layercake " .. version .. "\n"

    -- Every timer sample printed by test=ticks must be larger than the one before it, and the
    -- samples must span the 250 ticks the kernel waited.
    local function ticks_advance(log)
        local samples = {}
        for n in log:gmatch("ticks: (%d+)") do samples[#samples + 1] = tonumber(n) end
        if #samples < 6 then return false, "expected 6 tick samples, got " .. #samples end
        for i = 2, #samples do
            if samples[i] <= samples[i - 1] then
                return false, string.format("tick count did not advance: %d then %d",
                    samples[i - 1], samples[i])
            end
        end
        if samples[#samples] - samples[1] < 250 then
            return false, string.format("only %d ticks elapsed, expected >= 250",
                samples[#samples] - samples[1])
        end
        return true
    end

    local boots = {
        {
            -- What `make run` does: the menu is drawn, then Enter boots the default entry at once
            -- (waiting out GRUB's countdown would cost two seconds of a busy-polling QEMU and test
            -- GRUB, not us), and typing hello at the shell runs it. That `make run` boots by itself
            -- is the grub.cfg the build wrote (checked below). One boot for all of it: GRUB costs
            -- a CPU-second or two of every ISO boot. Each key waits for what it answers: GRUB
            -- drops keys that come before its menu, and a byte in flight when the kernel takes
            -- over the UART from GRUB can be lost (a loaded machine made "hello" "ello"). Then
            -- the default services answer: echod upper-cases through amc.
            name = "boot-iso",
            via = "iso",
            input = { { wait = "executed automatically", send = "\r" }, { wait = "\n%$ ", send = "hello\n" },
                      { wait = "Hello from ring 3![^\n]*\n%$ ", send = "amc echo -u via grub\n" } },
            weight = 3,
            timeout = 60,
            stop = "VIA GRUB",
            expect = { "GNU GRUB", "layercake %(trace syscalls%)", banner, "loader: GRUB",
                       "memory: %d+ MiB", "cmdline: services=echod,kvd\n", "init: started service echod",
                       "init: started service kvd", "kernel: ready\n.-Hello from ring 3!", "\nVIA GRUB" },
            check = function()
                local cfg = env.read_file(env.build .. "/grub.cfg") or ""
                if not cfg:find("\nset timeout=%d+\n") or not cfg:find("\nset default=0\n") then
                    return false, env.build .. "/grub.cfg lacks `set timeout=N` and `set default=0`"
                end
                return true
            end,
        },
        {
            -- GRUB reads the serial input once its menu is up: Ctrl-N moves to the next entry
            -- (and ends the countdown), Enter boots it.
            name = "boot-iso-trace-entry",
            via = "iso",
            input = { { wait = "executed automatically", send = "\14\r" } },
            timeout = 40,
            -- Not "kernel: ready": the services start after it, and stopping there raced them.
            stop = "init: started service echod[^\n]*\n",
            expect = { banner, "cmdline: services=echod,kvd trace=syscalls\n", "init: started service echod" },
        },
        {
            name = "boot-kernel",
            append = "",
            stop = "kernel: ready",
            expect = { banner, "loader: qemu", "cmdline: \n" },
        },
        {
            -- QEMU reserves a little of the RAM it is given; usable memory is just under it.
            name = "banner-memory-128",
            memory = 128,
            stop = "kernel: ready",
            expect = { banner, "memory: 12[0-7] MiB" },
        },
        {
            name = "banner-memory-64",
            memory = 64,
            stop = "kernel: ready",
            expect = { banner, "memory: 6[0-3] MiB" },
        },
        {
            name = "cmdline-reaches-kernel",
            append = 'marker=lc-7f3a test=cmdline args="one two" flag exit=qemu',
            exit = 1,
            expect = { 'cmdline: marker=lc%-7f3a test=cmdline args="one two" flag exit=qemu',
                       "cmdline marker: has=1 value=lc%-7f3a", "cmdline args: has=1 value=one two",
                       "cmdline flag: has=1 value=%(none%)", "cmdline missing: has=0 value=%(none%)" },
        },
        {
            name = "boot-modules",
            append = "",
            modules = { { path = env.kernel, name = "first" }, { path = "abi/syscalls.def", name = "second" } },
            stop = "kernel: ready",
            expect = { "module: first %(%d+ bytes at 0x%x+%)", "module: second %(%d+ bytes" },
            check = function(log)
                local size = tonumber(log:match("module: second %((%d+) bytes"))
                local want = #(env.read_file("abi/syscalls.def") or "")
                if size ~= want then
                    return false, string.format("module second is %s bytes, file has %d", size, want)
                end
                return true
            end,
        },
        {
            name = "timer-ticks",
            append = "test=ticks exit=qemu",
            exit = 1,
            expect = { "selftest ticks: done %(1000 Hz%)" },
            check = ticks_advance,
        },
        {
            name = "serial-input-irq",
            append = "test=input exit=qemu",
            input = "hello from the harness\n",
            exit = 1,
            expect = { "selftest input: got 'hello from the harness' %(0 bytes dropped%)" },
        },
        {
            name = "panic-backtrace",
            append = "test=panic exit=qemu",
            panic = true,
            exit = 3,
            expect = { "PANIC: Page fault %(vector 14%) error=0x00000002", "cr2=0x00000000",
                       "eip=0x%x+", "#0%s+0x%x+ selftest_fault%+0x%x+",
                       "selftest_chain_inner%+0x", "selftest_chain_outer%+0x", "kmain%+0x",
                       "halted%." },
        },
        {
            name = "panic-software",
            append = "test=kpanic exit=qemu",
            panic = true,
            exit = 3,
            expect = { "PANIC: selftest: deliberate software panic %(code 42%)",
                       "#0%s+0x%x+ selftest_software_panic%+0x", "selftest_run%+0x" },
        },
        {
            name = "bad-test-name-is-reported",
            append = "test=no-such-test exit=qemu",
            panic = true,
            exit = 3,
            expect = { "PANIC: selftest: unknown test=no%-such%-test %(known: " },
        },
        {
            name = "gdb-break-kmain",
            kernel = "plain", -- exact lines and frames
            gdb = { port = env.gdb_port, script = "kernel/gdb/layercake.gdb",
                    commands = { "continue", "info symbol $pc", "print/x *(unsigned int *)($esp + 4)" } },
            timeout = 60,
            exit = 0,
            expect = { "Hardware assisted breakpoint 1 at 0xc01%x+: file kernel/kmain%.c",
                       "Breakpoint 1, kmain %(", "kmain in section %.text", "%$1 = 0x2badb002" },
        },
        -- Harness self-tests: these boots must be reported as failures, for the right reason.
        {
            -- A short limit is enough: the boot must have reached the hang before it ran out.
            name = "harness-catches-hang",
            light = true, -- it idles: runs beside the other jobs, in no slot
            append = "test=hang",
            timeout = 2,
            exit = 1,
            meta = { fails_with = "^timed out", reached = "\nselftest hang: spinning forever" },
        },
        {
            name = "harness-catches-panic",
            append = "test=panic exit=qemu",
            exit = 1,
            meta = { fails_with = "^kernel panic: PANIC: Page fault" },
        },
        {
            name = "harness-catches-missing-output",
            append = "test=ticks exit=qemu",
            exit = 1,
            expect = { "this line is never printed" },
            meta = { fails_with = "^expected output not found" },
        },
        {
            name = "harness-catches-wrong-exit",
            append = "test=kpanic exit=qemu",
            panic = true,
            exit = 1,
            meta = { fails_with = "^exit status 3 %(guest failure%), expected 1" },
        },
    }
    return boots
end
