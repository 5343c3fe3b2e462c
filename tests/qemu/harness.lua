-- QEMU boot harness: runs boot specs (tests/qemu/boots.lua) headless, a few at a time, and
-- turns each boot's serial log into `ok NAME` / `FAIL NAME: reason` results.
--
-- A boot spec is a table:
--   name      test name; the serial log goes to <logdir>/<name>.log
--   via       "kernel" (QEMU -kernel, the default) or "iso" (GRUB from the ISO image)
--   kernel    which kernel image via="kernel" boots: nil or "test", the test kernel (KERNEL_ELF,
--             which make test points at the UBSan + error-contract build); "plain", the kernel
--             make all builds (PLAIN_KERNEL_ELF: gdb boots, anything that depends on its exact
--             code); "cov", the coverage kernel (COV_KERNEL_ELF)
--   append    kernel command line for via="kernel"
--   modules   list of { path = ..., name = ... } boot modules for via="kernel"
--   memory    MiB of guest RAM (default 128)
--   icount    true to run with -icount shift=0,sleep=off: guest time is one nanosecond per
--             instruction, deterministic and independent of the host's load (for boots that
--             assert on guest time)
--   input     bytes to send to the serial port (GRUB reads them first when via="iso"), or a list
--             of steps { wait = PATTERN, send = BYTES }: each step's bytes are sent once its
--             pattern (Lua, on the log without "\r", after the previous step's match) appears, for
--             input that must not arrive early (GRUB drops keys that come before its menu)
--   timeout   seconds before the boot counts as hung (default 20; fractions allowed)
--   light     true for a boot that mostly idles (a hang test): it runs beside the others and
--             takes no slot of the pool
--   weight    expected seconds, for a clean build dir: tests/run.lua starts the longest first
--             (after one run it uses the durations it recorded in <logdir>/record)
--   expect    list of Lua patterns that must all appear in the log (matched without "\r" and
--             with a "\n" in front, so "\nword" finds a line start)
--   reject    list of Lua patterns that must not appear
--   stop      Lua pattern: once it appears the harness stops QEMU (for boots that idle)
--   exit      expected QEMU exit status (1 = guest success, 3 = guest failure/panic);
--             nil when the boot is ended by `stop`
--   panic     true when a `PANIC:` line is expected (otherwise it is a failure)
--   guest_tests true to collect `plan`/`ok`/`FAIL` lines from guest programs as tests
--   check     function(log) -> ok, reason: any further assertion on the log
--   gdb       for gdb boots: { script = path, commands = { gdb commands run after the script } };
--             QEMU starts paused with a gdb stub on a Unix socket of the boot's own (no TCP port
--             that another boot or another checkout's QEMU could hold) and `expect` applies to
--             gdb's output
--   meta      { fails_with = pattern, reached = pattern }: a harness self-test; the boot must
--             FAIL with a reason matching fails_with (how we know hangs and panics are really
--             caught), after its log shows `reached` (so a slow boot cannot pass for a hang)
--   where     FILE:LINE of the spec (tests/run.lua fills it in), shown with its failures
--
-- Results are tests/lib/results.lua's: each boot is one, and with guest_tests each guest test
-- is one more, named BOOT/TEST. Every boot leaves <logdir>/NAME.log (serial output) and
-- NAME.cmd, a shell script that runs the same boot again on the terminal.

local HERE = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") or "."
package.path = HERE .. "/../lib/?.lua;" .. package.path
local R = require("results")
local P = require("pool")

local M = {}

M.config = {
    build = os.getenv("BUILD") or "build",
    kernel = os.getenv("KERNEL_ELF") or "build/kernel/kernel.elf",
    iso = os.getenv("ISO") or "build/layercake.iso",
    qemu = os.getenv("QEMU") or "qemu-system-i386",
    gdb = os.getenv("GDB") or "gdb",
    parallel = tonumber(os.getenv("TEST_JOBS") or "") or 2,
    poll_interval = 0.05,
}
M.config.logdir = M.config.build .. "/test-logs"
-- The firmware of -kernel boots: QEMU's qboot when it is installed (Debian's qemu-system-data
-- ships it), else QEMU's default, SeaBIOS. A -kernel boot needs no BIOS service (QEMU's Multiboot
-- option ROM loads the kernel and the modules), and SeaBIOS's POST is a third of a short boot's
-- CPU. QEMU_FIRMWARE=default keeps SeaBIOS; QEMU_FIRMWARE=PATH names another image.
do
    local firmware = os.getenv("QEMU_FIRMWARE") or "/usr/share/qemu/qboot.rom"
    local f = firmware ~= "default" and io.open(firmware, "rb")
    if f then
        f:close()
        M.config.firmware = firmware
    end
end
M.config.plain_kernel = os.getenv("PLAIN_KERNEL_ELF") or (M.config.build .. "/kernel/kernel.elf")
M.config.cov_kernel = os.getenv("COV_KERNEL_ELF") or (M.config.build .. "/cov/kernel.elf")

-- The image a spec boots: the ISO, or the kernel its `kernel` field names; nil and a reason
-- for a name that is none of them.
function M.image(spec)
    if spec.via == "iso" then return M.config.iso end
    local k = spec.kernel
    if k == nil or k == "test" then return M.config.kernel end
    if k == "plain" then return M.config.plain_kernel end
    if k == "cov" then return M.config.cov_kernel end
    return nil, "unknown kernel '" .. tostring(k) .. "' (test, plain or cov)"
end

local QEMU_STATUS = {
    [0] = "QEMU quit without isa-debug-exit (shutdown or triple fault)",
    [1] = "guest success",
    [3] = "guest failure",
    [124] = "timed out",
}

local function shq(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end
M.shq = shq

local function read_file(path)
    local f = path and io.open(path, "rb")
    if not f then return nil end
    local data = f:read("a")
    f:close()
    return data
end
M.read_file = read_file

local function write_file(path, data)
    local f = assert(io.open(path, "wb"))
    f:write(data)
    f:close()
end

local function file_exists(path)
    local f = io.open(path, "rb")
    if f then f:close() end
    return f ~= nil
end
M.file_exists = file_exists

-- The pid of this Lua process, to tell apart the files of runners in other checkouts.
local function runner_pid()
    return (read_file("/proc/self/stat") or ""):match("^%d+") or tostring(os.time())
end

-- Paths of one job's files.
local function job_paths(name)
    local base = M.config.logdir .. "/" .. name
    return {
        log = base .. ".log",        -- serial output (gdb output for gdb boots)
        serial = base .. ".serial",  -- serial output of gdb boots
        input = base .. ".input",    -- all of the input (a step list's bytes, for NAME.cmd)
        fifo = base .. ".fifo",      -- the serial input of a step list, written as the log advances
        status = base .. ".status",
        pid = base .. ".pid",
        stderr = base .. ".stderr",
        cmd = base .. ".cmd",
        -- gdb's Unix socket (its path must stay under 108 bytes)
        gdb = #base < 96 and base .. ".gdbsock" or "/tmp/layercake-" .. runner_pid() .. "-" .. name .. ".gdbsock",
    }
end

-- -initrd "path name,path name": commas inside a path are doubled.
local function initrd_arg(modules)
    local parts = {}
    for _, m in ipairs(modules) do
        parts[#parts + 1] = m.path:gsub(",", ",,") .. " " .. m.name
    end
    return table.concat(parts, ",")
end

-- The QEMU command line for a spec, as a list of shell-quoted words.
function M.qemu_args(spec, serial_path)
    local args = {
        shq(M.config.qemu), "-display", "none", "-no-reboot", "-nic", "none",
        "-m", tostring(spec.memory or 128), "-monitor", "none",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
    }
    local function add(...)
        for _, a in ipairs({ ... }) do args[#args + 1] = a end
    end
    -- stdio serial: stdin (the input file) feeds the UART only as fast as the guest reads it.
    if serial_path then add("-serial", shq("file:" .. serial_path)) else add("-serial", "stdio") end
    if spec.icount then add("-icount", "shift=0,sleep=off") end
    if spec.via == "iso" then
        add("-cdrom", shq(M.config.iso), "-boot", "d")
    else
        -- No VGA card: the kernel writes only to the serial port, and SeaBIOS's VGA ROM costs a
        -- fifth of a short boot's CPU. (ISO boots keep it, as `make run` does: GRUB draws on it.)
        if M.config.firmware then add("-bios", shq(M.config.firmware)) end
        add("-vga", "none", "-kernel", shq(assert(M.image(spec))))
        if spec.append then add("-append", shq(spec.append)) end
        if spec.modules and #spec.modules > 0 then add("-initrd", shq(initrd_arg(spec.modules))) end
    end
    return args
end

-- The boot as one foreground shell command: QEMU (and gdb for gdb boots) under `timeout`,
-- the serial port on stdin/stdout (the log file for gdb boots, whose stdout is gdb's).
function M.foreground(spec, paths)
    local limit = string.format("%g", spec.timeout or 20)
    if spec.gdb then
        local qemu = table.concat(M.qemu_args(spec, paths.serial), " ")
            .. " -S -gdb " .. shq("unix:" .. paths.gdb .. ",server=on,wait=off")
        local gdb = { shq(M.config.gdb), "-batch", "-nx", "-q",
            "-ex", shq("target remote " .. paths.gdb), "-x", shq(spec.gdb.script) }
        for _, c in ipairs(spec.gdb.commands or {}) do
            gdb[#gdb + 1] = "-ex"
            gdb[#gdb + 1] = shq(c)
        end
        gdb[#gdb + 1] = shq(assert(M.image(spec)))
        -- gdb connects once QEMU has made the socket (a loaded machine can take seconds), and not
        -- at all when QEMU is gone (its error is in the stderr file).
        local run = string.format("%s </dev/null >/dev/null 2>>%s & q=$!; i=0; "
            .. "while [ ! -S %s ] && kill -0 $q 2>/dev/null && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done; "
            .. "timeout -k 2 %s %s </dev/null; s=$?; kill $q 2>/dev/null; wait $q; exit $s",
            qemu, shq(paths.stderr), shq(paths.gdb), limit, table.concat(gdb, " "))
        return "sh -c " .. shq(run)
    end
    return "timeout -k 2 " .. limit .. " " .. table.concat(M.qemu_args(spec), " ")
end

-- The status file of a background command: its exit status, then (from the shell's `times`)
-- the CPU time of everything it ran, so the runner can say where the CPU goes.
-- With M.config.wake (a FIFO of tests/lib/pool.lua's P.waker) it then wakes the runner.
function M.status_suffix(status)
    return string.format("echo $? >%s.tmp; times >>%s.tmp; mv %s.tmp %s", shq(status), shq(status), shq(status),
        shq(status)) .. (M.config.wake and ("; " .. P.wake_command(M.config.wake)) or "")
end

-- Exit status and CPU seconds (user + system of the children) from a status file's text.
function M.parse_status(text)
    local code = tonumber(text:match("^%s*(%d+)"))
    local cpu = 0
    local lines = {}
    for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
    for m, s in (lines[3] or ""):gmatch("(%d+)m([%d.]+)s") do cpu = cpu + tonumber(m) * 60 + tonumber(s) end
    return code, cpu
end

-- Shell command that runs the boot in the background, recording the pid of `timeout`
-- (to stop it early) and the final exit status.
function M.command(spec, paths)
    local input = type(spec.input) == "table" and paths.fifo or spec.input and paths.input or "/dev/null"
    return string.format("( %s <%s >%s 2>%s & echo $! >%s; wait $!; %s ) "
        .. ">/dev/null 2>&1 </dev/null &",
        M.foreground(spec, paths), shq(input), shq(paths.log), shq(paths.stderr),
        shq(paths.pid), M.status_suffix(paths.status))
end

-- NAME.cmd: the same boot by hand, from any directory, with its serial output on the terminal.
local function rerun_script(spec, paths)
    local cwd = os.getenv("PWD") or "."
    return table.concat({
        "#!/bin/sh",
        "# Boot " .. spec.name .. " again as `make test` ran it" .. (spec.where and (" (" .. spec.where .. ")") or "")
            .. ": sh " .. paths.cmd,
        (type(spec.input) == "table" and "# The input goes in at once here (make test sent each step once the log "
            .. "showed its pattern).\n" or "") .. "# Output goes to the terminal"
            .. (spec.gdb and (" (gdb's; the serial log is " .. paths.serial .. ")") or "")
            .. "; the harness " .. (spec.stop and ("stopped it once the log showed " .. spec.stop)
                or "waited for QEMU to exit") .. "; `timeout` ends it after " .. string.format("%g", spec.timeout or 20) .. " s.",
        "cd " .. shq(cwd) .. " || exit 1",
        "exec " .. M.foreground(spec, paths) .. " <" .. shq(spec.input and paths.input or "/dev/null"),
        "",
    }, "\n")
end

-- The bytes of a spec's input, a step list's joined.
local function input_text(input)
    if type(input) ~= "table" then return input end
    local parts = {}
    for _, step in ipairs(input) do parts[#parts + 1] = step.send end
    return table.concat(parts)
end

function M.start(spec)
    local paths = job_paths(spec.name)
    os.execute("mkdir -p " .. shq(M.config.logdir))
    for _, p in pairs(paths) do os.remove(p) end
    if spec.input then write_file(paths.input, input_text(spec.input)) end
    write_file(paths.cmd, rerun_script(spec, paths))
    local job = { spec = spec, paths = paths }
    if type(spec.input) == "table" then
        -- Opened read-write, a FIFO never blocks; the boot's shell then opens it to read at once.
        assert(os.execute("mkfifo " .. shq(paths.fifo)) == true, "mkfifo " .. paths.fifo)
        job.feed, job.step, job.from = assert(io.open(paths.fifo, "r+b")), 1, 1
    end
    os.execute(M.command(spec, paths))
    return job
end

-- Sends the input steps whose patterns the log now shows; after the last, closes the input.
function M.feed(job, log)
    local steps = job.spec.input
    while job.feed and steps[job.step] do
        local _, e = log:find(steps[job.step].wait, job.from)
        if not e then return end
        job.feed:write(steps[job.step].send)
        job.feed:flush()
        job.step, job.from = job.step + 1, e + 1
    end
    if job.feed then
        job.feed:close()
        job.feed = nil
    end
end

local function stop_job(job)
    local pid = read_file(job.paths.pid)
    pid = pid and pid:match("%d+")
    if not pid then return false end
    os.execute("kill " .. pid .. " 2>/dev/null")
    job.stopped = true
    return true
end

-- Advance a job; true once it has finished.
function M.poll(job)
    local status = read_file(job.paths.status)
    if status then
        job.status, job.cpu = M.parse_status(status)
        job.log = read_file(job.paths.log) or ""
        if job.feed then
            job.feed:close()
            job.feed = nil
        end
        os.remove(job.paths.fifo)
        return true
    end
    if job.feed or (job.spec.stop and not job.stopped) then
        local log = read_file(job.paths.log) or ""
        if job.feed then M.feed(job, (log:gsub("\r", ""))) end
        if job.spec.stop and not job.stopped and log:find(job.spec.stop) then stop_job(job) end
    end
    return false
end

M.last_lines = R.last_lines

-- Results of guest test programs: `plan A B ...`, `ok A`, `FAIL B: reason`.
function M.guest_results(log, prefix)
    local results, seen, planned = {}, {}, {}
    for line in log:gmatch("[^\r\n]+") do
        for _, name in ipairs(R.parse_plan(line) or {}) do planned[#planned + 1] = name end
        local r = R.parse(line)
        if r then
            if seen[r.name] then
                r = { name = r.name, ok = false, reason = "reported more than once" }
            end
            seen[r.name] = true
            r.name = prefix .. r.name
            results[#results + 1] = r
        end
    end
    for _, name in ipairs(planned) do
        if not seen[name] then
            results[#results + 1] = { name = prefix .. name, ok = false,
                reason = "in the plan but no ok/FAIL line (crashed or hung?)" }
            seen[name] = true
        end
    end
    return results, #planned
end

-- Judge a finished boot: returns ok, reason (reason nil when ok).
-- status: exit status of the boot command; stopped: the harness ended it after `stop` matched.
-- stderr: what QEMU (or gdb's wrapper) wrote to stderr, for QEMU's own errors.
function M.judge(spec, log, status, stopped, stderr)
    for line in (stderr or ""):gmatch("[^\n]+") do
        if line:find("^qemu%-system%-[%w_]+: ") and not line:find("terminating on signal") then
            return false, "QEMU error: " .. line
        end
    end
    -- Patterns see the log without carriage returns and with a newline in front, so "\nword"
    -- matches a line start anywhere, the first line included.
    log = "\n" .. log:gsub("\r", "")
    local panic_line = log:match("PANIC:[^\r\n]*")
    if panic_line and not spec.panic then
        return false, "kernel panic: " .. panic_line
    end
    if status == 124 or (status == 137 and not stopped) then
        return false, string.format("timed out after %gs (hung?)", spec.timeout or 20)
    end
    if spec.panic and not panic_line then
        return false, "expected a PANIC: line, none printed"
    end
    if stopped then
        if spec.exit then
            return false, "harness stopped the boot, but it should have exited with status " .. spec.exit
        end
    elseif spec.exit and status ~= spec.exit then
        return false, string.format("exit status %s (%s), expected %d (%s)", tostring(status),
            QEMU_STATUS[status] or "?", spec.exit, QEMU_STATUS[spec.exit] or "?")
    elseif not spec.exit and not spec.gdb then
        return false, string.format("boot ended by itself (status %s, %s) before '%s' appeared",
            tostring(status), QEMU_STATUS[status] or "?", tostring(spec.stop))
    end
    for _, pattern in ipairs(spec.expect or {}) do
        if not log:find(pattern) then
            return false, "expected output not found: " .. pattern
        end
    end
    for _, pattern in ipairs(spec.reject or {}) do
        local hit = log:match("[^\n]*" .. pattern .. "[^\n]*")
        if hit then
            return false, "unexpected output: " .. hit
        end
    end
    if spec.check then
        local ok, reason = spec.check(log)
        if not ok then return false, reason or "check failed" end
    end
    return true
end

-- All results of one finished job (the boot itself, then guest tests if collected). Failures
-- carry the spec's place and the log's path; the first one also the log's last lines, which
-- the runner prints once.
function M.results(job)
    local spec, log = job.spec, job.log or ""
    local ok, reason = M.judge(spec, log, job.status, job.stopped, job.paths and read_file(job.paths.stderr))
    local logpath = job.paths and job.paths.log
    local results
    if spec.meta then
        local why
        if ok then
            why = "harness reported success, but should have failed with '" .. spec.meta.fails_with .. "'"
        elseif not reason:find(spec.meta.fails_with) then
            why = "harness failed it for the wrong reason: " .. reason
        elseif spec.meta.reached and not log:gsub("\r", ""):find(spec.meta.reached) then
            why = "the boot failed as expected (" .. reason .. ") but never printed '" .. spec.meta.reached .. "'"
        end
        results = { { name = spec.name, ok = why == nil, reason = why } }
    else
        results = { { name = spec.name, ok = ok, reason = reason } }
        if spec.guest_tests then
            local guest, planned = M.guest_results(log, spec.name .. "/")
            if planned == 0 then
                results[#results + 1] = { name = spec.name .. "/plan", ok = false,
                    reason = "no guest `plan` line in the log" }
            end
            table.move(guest, 1, #guest, #results + 1, results)
        end
    end
    local tail_given = false
    for _, r in ipairs(results) do
        if not r.ok then
            r.log = logpath
            if r.where then r.spec_where = spec.where else r.where = spec.where end
            if not tail_given then r.tail, tail_given = R.last_lines(log, 20), true end
        end
    end
    return results
end

-- A pool job (tests/lib/pool.lua) for one boot.
function M.job(spec)
    return {
        spec = spec, name = spec.name, light = spec.light,
        start = function(self) self.boot = M.start(spec) end,
        poll = function(self)
            local done = M.poll(self.boot)
            self.cpu = self.boot.cpu
            return done
        end,
        results = function(self) return M.results(self.boot) end,
    }
end

-- Run every spec, `parallel` at a time; report(result) is called as results come in, in
-- completion order. Returns the list of all results.
function M.run(specs, report)
    local jobs, all = {}, {}
    for i, spec in ipairs(specs) do jobs[i] = M.job(spec) end
    P.run(jobs, M.config.parallel, function(job)
        for _, r in ipairs(job:results()) do
            all[#all + 1] = r
            report(r)
        end
    end, M.config.poll_interval)
    return all
end

return M
