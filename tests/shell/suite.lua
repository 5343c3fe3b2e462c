-- Interactive console tests (tests/run.lua runs every tests/AREA/suite.lua): keys typed while a
-- program runs, which typed-ahead input (tests/qemu/shell_boots.lua) cannot do. QEMU's serial
-- port reads a FIFO; each step waits for the guest's output, then types the next keys.
-- Prints `ok NAME` / `FAIL NAME: why`; exits non-zero on any failure.
-- weight: 3
-- light: it mostly waits for the guest's output (a tenth of a CPU-second in 3 s)
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/../lib/?.lua;" .. HERE .. "/../qemu/?.lua;" .. package.path
local S = require("hostsuite")
local harness = require("harness")
local report, sh, shq, read = S.report, S.sh, S.shq, S.read

local BUILD = harness.config.build
local LOGDIR = harness.config.logdir
local STEP_TIMEOUT = 30 -- seconds for one expected line: TCG on a loaded machine is slow

local function module(name) return { path = BUILD .. "/user/" .. name .. ".elf", name = name } end

-- A running boot: type(bytes) sends keys, wait(pattern) waits for output after the last match.
local function boot(name, append, programs)
    local base = LOGDIR .. "/" .. name
    local fifo, log = base .. ".fifo", base .. ".log"
    sh("mkdir -p " .. shq(LOGDIR) .. "; rm -f " .. shq(fifo) .. " " .. shq(log) .. "; mkfifo " .. shq(fifo))
    local modules = {}
    for i, p in ipairs(programs) do modules[i] = module(p) end
    local qemu = table.concat(harness.qemu_args({ append = append, modules = modules }), " ")
    -- `sleep` holds the FIFO open between the writes, so QEMU never sees the end of its input.
    local cmd = string.format("(timeout -k 2 120 %s <%s >%s 2>%s & echo $! >%s; wait $!; echo $? >%s) & "
        .. "sleep 150 >%s & echo $! >%s", qemu, shq(fifo), shq(log), shq(base .. ".stderr"),
        shq(base .. ".qemu"), shq(base .. ".status"), shq(fifo), shq(base .. ".holder"))
    os.remove(base .. ".status")
    os.execute("(" .. cmd .. ") >/dev/null 2>&1")
    local b = { log = log, base = base, seen = 1 }
    function b.text() return ((read(log) or ""):gsub("\r", "")) end
    function b.type(bytes)
        local octal = bytes:gsub(".", function(c) return string.format("\\%03o", c:byte()) end)
        os.execute("printf '" .. octal .. "' >" .. shq(fifo))
    end
    function b.wait(pattern)
        for _ = 1, STEP_TIMEOUT * 10 do
            local s, e = b.text():find(pattern, b.seen)
            if s then
                b.seen = e + 1
                return true
            end
            if read(base .. ".status") then break end
            os.execute("sleep 0.1")
        end
        return false, "no output matching '" .. pattern .. "'"
    end
    -- stop: end QEMU now (a boot that does not power off by itself).
    function b.finish(stop)
        local qemu_pid = (read(base .. ".qemu") or ""):match("%d+")
        if stop and qemu_pid then os.execute("kill " .. qemu_pid .. " 2>/dev/null") end
        for _ = 1, STEP_TIMEOUT * 10 do
            if read(base .. ".status") then break end
            os.execute("sleep 0.1")
        end
        local holder = (read(base .. ".holder") or ""):match("%d+")
        if holder then os.execute("kill " .. holder .. " 2>/dev/null") end
        local status = tonumber((read(base .. ".status") or ""):match("%d+"))
        os.remove(fifo)
        return status
    end
    return b
end

-- Runs steps (strings to type, or { wait = pattern }) and judges the boot like the harness.
local function run(name, append, programs, steps, spec)
    local b = boot(name, append, programs)
    local ok, why = true, nil
    for _, step in ipairs(steps) do
        if type(step) == "string" then
            b.type(step)
        else
            ok, why = b.wait(step.wait)
            if not ok then break end
        end
    end
    if not ok then b.type("\3exit 1\r") end
    local status = b.finish(spec.exit == nil)
    if ok then
        ok, why = harness.judge(spec, b.text(), status, spec.exit == nil, read(b.base .. ".stderr"))
    end
    return report(name, ok, why, b.text(), 20)
end

-- Ctrl-C ends a program burning the CPU (the interrupt arrives while it runs in ring 3); what
-- was typed before it is thrown away, and the shell comes back. The trace summary of the killed
-- program is printed when the shell reaps it.
run("shell-ctrl-c-ends-runaway", "exit=qemu trace=summary", { "init", "sh", "spin", "echo" }, {
    { wait = "%$ $" }, "spin 1000000000 runaway 100000000\r",
    { wait = "spin runaway 0\n" }, "echo typed while spinning\r", "\3",
    { wait = "%^C\n" }, { wait = "\n%[%d+ spin%] summary: +1 +0 +%d+  write\n" },
    { wait = "%[spin: killed%]\n%$ $" }, "echo alive\r",
    { wait = "\nalive\n" }, { wait = "%$ $" }, "exit 0\r",
}, { exit = 1, expect = { "init: sh exited: exited with status 0" },
     reject = { "typed while spinning\n", "spin runaway done" } })

-- Ctrl-C with no program running discards the line in the shell's editor, even mid-line.
run("shell-ctrl-c-at-prompt", "exit=qemu", { "init", "sh", "echo" }, {
    { wait = "%$ $" }, "echo half", { wait = "half$" }, "\3",
    { wait = "%^C\n%$ $" }, "echo whole\r", { wait = "\nwhole\n" }, "exit 0\r",
}, { exit = 1, reject = { "\nhalf\n" } })

-- Without exit=qemu, the shell's exit does not end the system: init starts a new shell, which
-- has its own history and works (init's supervision, user/init.c).
run("shell-exit-restarts", "", { "init", "sh", "echo" }, {
    { wait = "%$ $" }, "echo first life\r", { wait = "\nfirst life\n" }, { wait = "%$ $" },
    "exit 3\r", { wait = "\n%$ $" }, "\27[A\rpid\r", { wait = "\n(%d+)\n%$ $" },
}, { expect = { "%$ exit 3\n.*%$ pid\n" }, reject = { "halting", "\nfirst life\n.*\nfirst life\n" } })

S.finish()
