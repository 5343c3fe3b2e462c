-- Boot specs for syscall tracing (kernel/trace.c, trace= on the command line): the bytes a read
-- really returned, out-structs decoded when the call returns, named values, the filter by
-- syscall and category, and the per-process summary.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    -- tests/guest/console.c reads typed-ahead input into 16-byte buffers and waits for children
    -- that exit or are killed: a trace of it shows what read and waitpid returned.
    local console = { module("user", "init"), module("tests", "console") }
    local console_input = "ab\4c\rx\by\rline\r"
    return {
        {
            name = "trace-read-waitpid",
            append = "init=console trace=syscalls:read,waitpid,console_mode exit=qemu",
            modules = console,
            input = console_input,
            timeout = 30,
            exit = 1,
            expect = {
                -- only the bytes returned, not the 16-byte buffer (raw reads return what has
                -- arrived, so the first line may come in pieces; cooked reads wait for a line)
                '%[%d+ console%] read%(0, "[^"\n]*c\\r", %d+%) = %d+\n',
                '%[%d+ console%] read%(0, "y\\n", 16%) = 2\n',
                '%[%d+ console%] read%(0, "line\\n", 16%) = 5\n',
                "%[%d+ console%] waitpid%((%d+), {pid=%1, status=0, cause=EXITED}, 0%) = %1\n",
                "%[%d+ console%] waitpid%((%d+), NULL, 0%) = %1\n",
                "%[%d+ console%] console_mode%(RAW, 0%) = 0\n",
                "%[%d+ console%] console_mode%(2, 0%) = %-EINVAL\n",
                "%[1 init%] waitpid%(%-1, {pid=%d+, status=0, cause=EXITED}, 0%) = %d+\n",
            },
            -- the filter: nothing else is traced
            reject = { "%] write%(", "%] fork%(", "%] kill%(", "%] exit%(", "trace: " },
        },
        {
            name = "trace-filter-category",
            append = "init=hello trace=syscalls:proc,-getppid,bogus exit=qemu",
            modules = { module("user", "init"), module("user", "hello") },
            timeout = 30,
            exit = 1,
            expect = { "trace: no syscall or category 'bogus'\n",
                       "%[%d+ hello%] getpid%(%) = %d+\n", "%[%d+ hello%] exit%(0%) = %?\n",
                       "%[1 init%] spawn%(\"hello\"" },
            reject = { "%] write%(", "%] getppid%(", "%] sbrk%(", "names no syscall" },
        },
        {
            -- A process's table is printed once, at its exit call (a killed one's when it is
            -- reaped: tests/shell/suite.lua).
            name = "trace-summary",
            append = "init=console trace=summary exit=qemu",
            modules = console,
            input = console_input,
            timeout = 30,
            exit = 1,
            expect = { "%[%d+ console%] summary:     calls    errors        ticks  syscall\n",
                       "%[%d+ console%] summary: +%d+ +%d+ +%d+  read\n",
                       "%[%d+ console%] summary: +1 +0 +%d+  console_mode\n", -- the forked child
                       "%[1 init%] summary: +%d+ +%d+ +%d+  total\n" },
            reject = { "%] read%(", "%] write%(" }, -- no trace lines, only the tables
            check = function(log)
                local totals = {}
                for pid in log:gmatch("\n%[(%d+) console%] summary: +%d+ +%d+ +%d+  total\n") do
                    if totals[pid] then return false, "pid " .. pid .. " has two summaries" end
                    totals[pid] = true
                end
                local n = 0
                for _ in pairs(totals) do n = n + 1 end
                -- console and the child that exits (the killed one may never have run)
                if n < 2 then return false, "expected 2 console summaries, got " .. n end
                return true
            end,
        },
    }
end
