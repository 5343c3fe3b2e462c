-- `make debug` as a debugging loop (kernel/gdb/debug.mk; tests/run.lua runs every
-- tests/AREA/suite.lua): gdb waits at a breakpoint that only a command typed on the guest
-- console reaches; the default services run; a Ctrl-C sent to make's process group (what the
-- terminal does) stops the guest in gdb and leaves QEMU running; the gdb port is GDB_PORT.
-- Prints `ok NAME` / `FAIL NAME: why`; exits non-zero on any failure.
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = HERE .. "/../lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read, write = S.report, S.sh, S.shq, S.read, S.write

local BUILD = os.getenv("BUILD") or "build"
local DIR = BUILD .. "/test-logs"
local CONSOLE = BUILD .. "/debug-console"
local STEP_TIMEOUT = 60

-- Waits for pattern in the file at path; false after STEP_TIMEOUT seconds, or at once when
-- alive() (optional) says the process that would write it is gone. Whether it is gone is asked
-- before the file is read: gdb may print the pattern and finish its script, and make debug stop
-- QEMU, all between two reads (a fresh-clone run saw it: "received signal SIGINT" in the log,
-- QEMU ended, the step reported as failed).
local function wait_for(path, pattern, alive)
    for _ = 1, STEP_TIMEOUT * 10 do
        local gone = alive and not alive()
        local text = read(path)
        if text and text:gsub("\r", ""):find(pattern) then return true end
        if gone then return false end
        os.execute("sleep 0.1")
    end
    return false
end

-- A TCP port in 20000-29999 that nothing listens on now (/proc/net/tcp and tcp6, state 0A): a
-- QEMU of another test run on this machine may hold a random one.
local function free_port()
    local busy = {}
    for _, f in ipairs({ "/proc/net/tcp", "/proc/net/tcp6" }) do
        for port, state in (read(f) or ""):gmatch("\n%s*%d+: %x+:(%x+) %x+:%x+ (%x%x)") do
            if state == "0A" then busy[tonumber(port, 16)] = true end
        end
    end
    for _ = 1, 100 do
        local port = 20000 + math.random(0, 9999)
        if not busy[port] then return port end
    end
    return 20000 + math.random(0, 9999)
end

local function test_debug_loop()
    local name = "make-debug-loop"
    math.randomseed(os.time())
    local port = free_port()
    local script, out, con, pgid_file = DIR .. "/debug-loop.gdb", DIR .. "/debug-loop.log",
        DIR .. "/debug-loop.console", DIR .. "/debug-loop.pgid"
    write(script, table.concat({
        "continue",
        "delete",
        'hbreak sys_spawn if $_streq(current->name, "sh")',
        "continue",
        "print name",
        -- Resuming from a hardware breakpoint can stop on it again for the same call (an
        -- interrupt taken as gdb steps over it: seen on a loaded machine), which ended the
        -- script, and make debug with it, before the Ctrl-C step.
        "delete",
        "continue",
        "info symbol $pc",
        "lc-ps",
    }, "\n") .. "\n")
    for _, p in ipairs({ out, con, pgid_file }) do os.remove(p) end
    -- setsid: make, its shell and gdb get a process group of their own, as in a terminal.
    local make = string.format("setsid sh -c 'echo $$ >%s; exec make --no-print-directory NO_DEPS=1 debug "
        .. "GDB_PORT=%d DEBUG_TMUX=0 DEBUG_GDB_FLAGS=-batch DEBUG_GDB_SCRIPT=%s' </dev/null >%s 2>&1 &",
        pgid_file, port, script, out)
    os.execute(make)
    local function fail(why)
        local pgid = (read(pgid_file) or ""):match("%d+")
        if pgid then os.execute("/bin/kill -TERM -- -" .. pgid .. " 2>/dev/null") end
        return report(name, false, why, (read(out) or "") .. "\n--- console:\n" .. (read(con) or ""), 30)
    end
    local function make_alive() -- make debug itself, until it has said which QEMU it started
        local pid = (read(pgid_file) or ""):match("%d+")
        return not pid or os.execute("kill -0 " .. pid .. " 2>/dev/null") == true
    end
    if not wait_for(out, "debug: QEMU %(pid %d+%)", make_alive) then return fail("make debug did not start QEMU") end
    -- From here on a step fails as soon as QEMU is gone (a port taken after all, a crash).
    local qemu_pid = (read(out) or ""):match("debug: QEMU %(pid (%d+)%)")
    local function alive() return os.execute("kill -0 " .. qemu_pid .. " 2>/dev/null") == true end
    local function gone(why)
        return fail(why .. (alive() and "" or "; QEMU ended: " .. (read(BUILD .. "/debug-qemu.log") or "")))
    end
    os.execute("timeout " .. STEP_TIMEOUT .. " cat " .. shq(CONSOLE .. ".out") .. " >" .. shq(con) .. " 2>&1 &")
    if not wait_for(con, "init: started service echod", alive) then return gone("the default services did not start") end
    if not wait_for(con, "\n%$ $", alive) then return gone("no shell prompt on the console") end
    os.execute("printf 'hello\\r' >" .. shq(CONSOLE .. ".in"))
    if not wait_for(out, 'Breakpoint 2, sys_spawn %(name=[^"]-"hello"', alive) then
        return gone("typing hello on the console did not reach the sys_spawn breakpoint")
    end
    if not wait_for(con, "Hello from ring 3!", alive) then return gone("the guest did not go on after the breakpoint") end
    -- QEMU runs in a session of its own, so the terminal's Ctrl-C cannot reach it.
    -- (gdb's script ends, and make debug with it, if its last continue returns early)
    if not alive() then return gone("QEMU ended before the Ctrl-C step") end
    local pgid = (read(pgid_file) or ""):match("%d+")
    local _, qemu_sid = sh("ps -o sid= -p " .. qemu_pid)
    if not qemu_sid:match("%d") or tonumber(qemu_sid) == tonumber(pgid) then
        return fail("QEMU's session is " .. qemu_sid:gsub("%s", "") .. ", the same as make's " .. pgid)
    end
    os.execute("/bin/kill -INT -- -" .. pgid)
    if not wait_for(out, "received signal SIGINT", alive) then return gone("Ctrl-C did not stop the guest in gdb") end
    if not wait_for(out, "\n  pid  ppid  state     name\n", alive) then return gone("gdb could not go on after Ctrl-C") end
    local log = read(BUILD .. "/debug-qemu.log") or ""
    if log:find("terminating on signal 2") then return fail("QEMU was killed by the Ctrl-C: " .. log) end
    if not (read(out) or ""):find("debug: guest console: run `make console`", 1, true) then
        return fail("make debug did not say how to attach the console")
    end
    if not (read(out) or ""):find("127.0.0.1:" .. port, 1, true) then return fail("GDB_PORT was not used") end
    return report(name, true)
end

local function test_console_without_debug()
    -- `make console` with no `make debug` running says so instead of hanging on a FIFO.
    local rc, output = sh("sh kernel/gdb/console.sh " .. shq(DIR .. "/no-such-console") .. " </dev/null")
    report("make-console-needs-debug", rc == 1 and output:find("is `make debug` running?", 1, true) ~= nil,
        "exit " .. tostring(rc), output)
end

os.execute("mkdir -p " .. shq(DIR))
test_debug_loop()
test_console_without_debug()
S.finish()
