-- Host suite for the second, real ABI: abi/linux-i386.def (Linux's int 0x80 ABI).
--
-- 1. Every syscall number, error number and flag in the .def matches Debian's linux-libc-dev
--    headers (asm/unistd_32.h, asm-generic/errno*.h, fcntl.h, mman*.h).
-- 2. `outputs user` makes the generator write the user wrappers and abi.h, nothing else.
-- 3. The static 32-bit program built on the wrappers (tests/linux/linux_abi_test.c, by
--    tests/linux/linux.mk) runs natively when this host can execute i386 binaries, otherwise
--    under qemu-i386 (Debian's qemu-user); the test names say which. Its own ok/FAIL lines pass
--    through; this suite checks what only the outside sees: stdout, the pid, exit statuses.
-- Run from the repository root (make test does, through tests/run.lua).
package.path = "gen/?.lua;" .. package.path
local model = require("model")
local cli = require("cli")
package.path = "tests/lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read = S.report, S.sh, S.shq, S.read

local BUILD = os.getenv("BUILD") or "build"
local PROG = os.getenv("LINUX_ABI_TEST") or (BUILD .. "/tests/linux/linux_abi_test")
local DEF = "abi/linux-i386.def"
local INCLUDE = "/usr/include"






-- `#define NAME VALUE` lines of a C header: decimal, 0x hex or 0-prefixed octal.
local function defines(path)
    local text = read(path)
    if not text then return nil end
    local out = {}
    for name, value in text:gmatch("#define%s+([%w_]+)%s+(0?x?%x+)") do
        local v
        if value:match("^0x") then
            v = tonumber(value:sub(3), 16)
        elseif value:match("^0%d") then
            v = tonumber(value, 8)
        else
            v = tonumber(value)
        end
        out[name] = out[name] or v
    end
    return out
end

----------------------------------------------------------------------------
-- 1. Numbers against the headers.
local m = model.load(assert(read(DEF), DEF), DEF)
local unistd = defines(INCLUDE .. "/x86_64-linux-gnu/asm/unistd_32.h")
if not unistd then
    report("linux_i386_unistd_32_h", false, INCLUDE .. "/x86_64-linux-gnu/asm/unistd_32.h is missing " ..
        "(install linux-libc-dev)")
else
    for _, sc in ipairs(m.syscalls) do
        local want = unistd["__NR_" .. sc.name]
        report("linux_i386_nr_" .. sc.name, want == sc.num,
            string.format("%s has number %d in %s, __NR_%s is %s in unistd_32.h", sc.name, sc.num, DEF,
                sc.name, tostring(want)))
    end
end

local errnos = defines(INCLUDE .. "/asm-generic/errno-base.h") or {}
for k, v in pairs(defines(INCLUDE .. "/asm-generic/errno.h") or {}) do errnos[k] = errnos[k] or v end
local bad = {}
for _, e in ipairs(m.errors) do
    if errnos[e.name] ~= e.num then
        bad[#bad + 1] = string.format("%s is %d, the headers say %s", e.name, e.num, tostring(errnos[e.name]))
    end
end
report("linux_i386_errors_match_errno_h", #bad == 0 and #m.errors > 0, #bad .. " mismatches", table.concat(bad, "\n"))

local flags = {}
for _, h in ipairs({ "asm-generic/fcntl.h", "asm-generic/mman-common.h", "linux/mman.h" }) do
    for k, v in pairs(defines(INCLUDE .. "/" .. h) or {}) do flags[k] = flags[k] or v end
end
bad = {}
for _, c in ipairs(m.consts) do
    if c.name ~= "PATH_MAX" and flags[c.name] ~= c.value then
        bad[#bad + 1] = string.format("%s is %d, the headers say %s", c.name, c.value, tostring(flags[c.name]))
    end
end
report("linux_i386_flags_match_headers", #bad == 0, #bad .. " mismatches", table.concat(bad, "\n"))

----------------------------------------------------------------------------
-- 2. `outputs user`: only abi.h (and abi.inc, its NASM twin) and the user wrappers.
local files = {}
for path in pairs(cli.render_all(m)) do files[#files + 1] = path end
table.sort(files)
local list = table.concat(files, " ")
report("linux_i386_outputs_user_only", list == "abi.h abi.inc libsys/syscalls.asm libsys/syscalls.h",
    "generated: " .. list)

----------------------------------------------------------------------------
-- 3. The program.
if not read(PROG) then
    report("linux_i386_program_built", false, PROG .. " is missing (run `make test`)")
    os.exit(1)
end

-- Natively if the host runs i386 binaries (exit 7 proves it), else under qemu-i386.
local runner, how
local rc, out = sh("exec " .. shq(PROG) .. " exit 7")
if rc == 7 then
    runner, how = "", "natively"
    if read("/proc/sys/fs/binfmt_misc/qemu-i386") then how = "natively (binfmt_misc qemu-i386)" end
else
    local native_error = out:match("([Ee]xec format error)") or ("status " .. tostring(rc))
    if sh("command -v qemu-i386") == 0 then
        runner, how = "qemu-i386 ", "under qemu-i386 (native exec: " .. native_error .. ")"
    else
        report("linux_i386_runner", false, "cannot execute i386 binaries here (" .. native_error ..
            ") and qemu-i386 is missing: install qemu-user")
        os.exit(1)
    end
end
report(runner == "" and "linux_i386_runs_natively" or "linux_i386_runs_under_qemu_i386", true)
print("  the linux-i386 test program runs " .. how)

local scratch = (select(2, sh("mktemp -d /tmp/linux-abi.XXXXXX")):gsub("%s+$", ""))
-- The shell's $$ becomes the program's pid with exec (qemu-i386 passes its own pid through).
rc, out = sh("sh -c 'echo shell-pid $$; exec " .. runner .. shq(PROG) .. " " .. shq(scratch) .. "'")
sh("rm -rf " .. shq(scratch))
for line in out:gmatch("[^\n]+") do
    if line:match("^ok ") then
        print(line)
    elseif line:match("^FAIL ") then
        report(line:match("^FAIL ([^:]+)"), false, line:match("^FAIL [^:]+:%s*(.*)$"))
    end
end
report("linux_i386_write_reaches_stdout", out:find("\nlinux%-i386: hello from int 0x80\n") ~= nil,
    "the program's write(1, ...) line is missing", out)
local shell_pid, prog_pid = out:match("shell%-pid (%d+)"), out:match("\npid (%d+)")
report("linux_i386_getpid_matches", shell_pid ~= nil and shell_pid == prog_pid,
    string.format("the shell exec'd pid %s, getpid said %s", tostring(shell_pid), tostring(prog_pid)))
report("linux_i386_exit_status_0", rc == 0, "exit status " .. tostring(rc) .. " (its failure count)")
for _, case in ipairs({ { 42, 42 }, { 300, 44 } }) do
    local status = sh(runner .. shq(PROG) .. " exit " .. case[1])
    report("linux_i386_exit_status_" .. case[1], status == case[2],
        string.format("exit(%d) gave status %s, want %d", case[1], tostring(status), case[2]))
end

S.finish()
