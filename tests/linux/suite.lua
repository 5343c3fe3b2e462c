-- Host suite for the second, real ABI: abi/linux-i386.def (Linux's int 0x80 ABI).
--
-- 1. The whole table: every number of Debian's asm/unistd_32.h is in the .def under its name
--    (a syscall or a `retired` one), and nothing else is; errors and consts match the headers;
--    at least 150 syscalls carry their real argument kinds (the others say "Generic signature").
-- 2. `outputs user conformance`: the generator writes the user wrappers, abi.h and the
--    conformance cases, nothing else.
-- 3. The static 32-bit program built on the wrappers (tests/linux/linux_abi_test.c, by
--    tests/linux/linux.mk) runs natively when this host can execute i386 binaries, otherwise
--    under qemu-i386 (Debian's qemu-user): the fast path.
-- 4. The judge: Debian's 686 kernel (tests/linux/fetch-kernel.sh) boots in qemu-system-i386 with
--    an initramfs whose /init (tests/linux/conf_runtime.c) runs every conformance case
--    generated from the .def; each comes back as `linux-kernel/NAME`. It boots through
--    tests/linux/vmboot.c from the vmlinux the cache unpacked, not through vmlinuz's XZ
--    decompressor (half of the boot's CPU under TCG); uname shows it is the cached package.
-- Run from the repository root (make test does, through tests/run.lua).
-- weight: 16 (it boots a Linux kernel: the longest job, so it starts first, once its build stage is made)
-- needs: test-build-early (its own programs and the kernel cache: tests/linux/linux.mk's TEST_EARLY)
package.path = "gen/?.lua;" .. package.path
local model = require("model")
local cli = require("cli")
package.path = "tests/lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read = S.report, S.sh, S.shq, S.read

local BUILD = os.getenv("BUILD") or "build"
local PROG = os.getenv("LINUX_ABI_TEST") or (BUILD .. "/tests/linux/linux_abi_test")
-- The kernel cache (tests/linux/fetch-kernel.sh): the suite boots the vmlinuz the script prints
-- after checking the entry's checksums.
local CACHE = os.getenv("LINUX_CACHE") or ((os.getenv("XDG_CACHE_HOME") or ((os.getenv("HOME") or BUILD) .. "/.cache"))
    .. "/layercake/linux-686") -- make's default (tests/linux/linux.mk)
local INITRAMFS = BUILD .. "/tests/linux/initramfs.cpio"
local QEMU = os.getenv("QEMU") or "qemu-system-i386"
local BOOT_TIMEOUT = 120 -- a hang guard, not a speed limit: the boot's time is printed
local DEF = "abi/linux-i386.def"
local INCLUDE = "/usr/include"
-- Consts that are not a header's value: PATH_MAX here excludes the NUL (the kernel's counts it),
-- MFD_NAME_MAX and FSNAME_MAX are derived bounds (see their docs).
-- KEY_TYPE_MAX and KEY_DESC_MAX are the keyring's limits (security/keys), in no UAPI header.
-- EFD_SEMAPHORE is an enumerator of glibc's bits/eventfd.h (1); PID_CALLER and PID_ALL are the
-- specials of the pid resource, values the man pages name (a negative special is its u32 bits).
local DERIVED = { PATH_MAX = 4096 - 1, MFD_NAME_MAX = 255 - 6, FSNAME_MAX = 4096 - 1, KEY_TYPE_MAX = 32 - 1,
                  KEY_DESC_MAX = 4096 - 1, EFD_SEMAPHORE = 1, PID_CALLER = 0, PID_ALL = 0xFFFFFFFF }
-- Consts whose header name the language cannot spell (a leading __ is reserved in C).
-- POLL_NFDS_MAX is RLIMIT_NOFILE's initial soft limit.
local HEADER_NAME = { WALL = "__WALL", POLL_NFDS_MAX = "INR_OPEN_CUR" }

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
-- 1. The whole table, against the headers.
local m = model.load(assert(read(DEF), DEF), DEF)
local UNISTD = INCLUDE .. "/x86_64-linux-gnu/asm/unistd_32.h"
local unistd = defines(UNISTD)
if not unistd then
    report("linux_i386_unistd_32_h", false, UNISTD .. " is missing (install linux-libc-dev)")
else
    local header = {}
    for name, v in pairs(unistd) do
        local sc = name:match("^__NR_(.+)$")
        if sc then header[sc] = v end
    end
    local in_def, wrong, extra = {}, {}, {}
    local function check(name, num)
        local linux = name
        in_def[linux] = true
        if header[linux] == nil then
            extra[#extra + 1] = name
        elseif header[linux] ~= num then
            wrong[#wrong + 1] = string.format("%s is %d in %s, __NR_%s is %d", name, num, DEF, linux, header[linux])
        end
    end
    for _, sc in ipairs(m.syscalls) do check(sc.name, sc.num) end
    for _, r in ipairs(m.retired) do check(r.name, r.num) end
    local missing, count = {}, 0
    for name, num in pairs(header) do
        count = count + 1
        if not in_def[name] then missing[#missing + 1] = name .. " " .. num end
    end
    table.sort(missing)
    report("linux_i386_every_number_in_unistd_32_h", #missing == 0 and count >= 440,
        string.format("%d of the header's %d numbers are missing from %s", #missing, count, DEF),
        table.concat(missing, "\n"))
    report("linux_i386_numbers_match_unistd_32_h", #wrong == 0, #wrong .. " numbers differ",
        table.concat(wrong, "\n"))
    report("linux_i386_no_number_beyond_unistd_32_h", #extra == 0,
        #extra .. " entries are not in the header", table.concat(extra, "\n"))
    print(string.format("  %s: %d numbers, %d syscalls and %d retired in %s", UNISTD, count,
        #m.syscalls, #m.retired, DEF))
end

local errnos = defines(INCLUDE .. "/asm-generic/errno-base.h") or {}
for k, v in pairs(defines(INCLUDE .. "/asm-generic/errno.h") or {}) do errnos[k] = errnos[k] or v end
local bad, def_errors = {}, {}
for _, e in ipairs(m.errors) do
    def_errors[e.name] = true
    if errnos[e.name] ~= e.num then
        bad[#bad + 1] = string.format("%s is %d, the headers say %s", e.name, e.num, tostring(errnos[e.name]))
    end
end
for name in pairs(errnos) do
    if name:match("^E[%u%d]+$") and not def_errors[name] then bad[#bad + 1] = name .. " is missing" end
end
report("linux_i386_errors_match_errno_h", #bad == 0 and #m.errors > 100, #bad .. " mismatches",
    table.concat(bad, "\n"))
-- The aliases (`#define EWOULDBLOCK EAGAIN`) are the .def's error aliases, and no others.
bad = {}
local header_aliases = {}
for _, h in ipairs({ "asm-generic/errno-base.h", "asm-generic/errno.h" }) do
    for name, target in (read(INCLUDE .. "/" .. h) or ""):gmatch("#define%s+(E[%u%d]+)%s+(E[%u%d]+)") do
        header_aliases[name] = target
    end
end
local def_aliases = {}
for _, a in ipairs(m.error_aliases) do
    def_aliases[a.name] = true
    if header_aliases[a.name] ~= a.target.name then
        bad[#bad + 1] = string.format("%s = %s, the headers say %s", a.name, a.target.name, tostring(header_aliases[a.name]))
    end
end
for name in pairs(header_aliases) do
    if not def_aliases[name] then bad[#bad + 1] = name .. " (an alias) is missing" end
end
report("linux_i386_error_aliases_match_errno_h", #bad == 0 and #m.error_aliases >= 2, #bad .. " mismatches",
    table.concat(bad, "\n"))

local flags = {}
for _, h in ipairs({ "asm-generic/fcntl.h", "asm-generic/mman-common.h", "linux/mman.h", "asm-generic/signal.h",
                     "linux/fs.h", "linux/time.h", "linux/wait.h", "linux/reboot.h", "linux/limits.h", "linux/uio.h" }) do
    for k, v in pairs(defines(INCLUDE .. "/" .. h) or {}) do flags[k] = flags[k] or v end
end
bad = {}
for _, c in ipairs(m.consts) do
    local want = DERIVED[c.name] or flags[HEADER_NAME[c.name] or c.name]
    if want ~= c.value then
        bad[#bad + 1] = string.format("%s is %d, the headers say %s", c.name, c.value, tostring(want))
    end
end
report("linux_i386_consts_match_headers", #bad == 0, #bad .. " mismatches", table.concat(bad, "\n"))

-- Real argument kinds: every syscall whose doc does not start with "Generic signature". Those
-- with a pointer kind (bytes, str, T) are what the conformance cases exercise.
local real, with_pointers, generic = 0, 0, 0
for _, sc in ipairs(m.syscalls) do
    if sc.doc:match("^Generic signature") then
        generic = generic + 1
    else
        real = real + 1
        for _, a in ipairs(sc.args) do
            if a.kind ~= "scalar" then
                with_pointers = with_pointers + 1
                break
            end
        end
    end
end
report("linux_i386_150_real_signatures", real >= 150, real .. " syscalls with real argument kinds")
print(string.format("  %d syscalls with real argument kinds (%d of them with pointer kinds), %d generic, %d retired",
    real, with_pointers, generic, #m.retired))

----------------------------------------------------------------------------
-- 2. `outputs user conformance`: the wrappers, abi_base.h, abi.h and the cases.
local files = {}
for path in pairs(cli.render_all(m)) do files[#files + 1] = path end
table.sort(files)
local list = table.concat(files, " ")
report("linux_i386_outputs_user_conformance",
    list == "abi.h abi.inc abi_base.h conformance/conformance.c conformance/regs.asm libsys/syscalls.asm libsys/syscalls.h",
    "generated: " .. list)

----------------------------------------------------------------------------
-- 3. The program (the fast path).
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

local scratch = (select(2, sh("mktemp -d -t linux-abi.XXXXXX")):gsub("%s+$", ""))
-- The shell's $$ becomes the program's pid with exec (qemu-i386 passes its own pid through).
rc, out = sh("sh -c 'echo shell-pid $$; exec " .. runner .. shq(PROG) .. " " .. shq(scratch) .. "'")
sh("rm -rf " .. shq(scratch))
S.relay(out)
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

----------------------------------------------------------------------------
-- 4. The judge: Debian's 686 kernel runs the generated cases.

-- The family of a case, from its syscall's name (longest syscall-name prefix of the case name).
local FAMILIES = {
    { "futex", { "futex", "robust_list" } },
    { "epoll", { "epoll" } },
    { "sockets", { "socket", "bind", "connect", "listen", "accept", "sockopt", "sockname", "peername",
                   "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown" } },
    { "signals", { "sig", "kill", "pause", "alarm", "restart_syscall" } },
    { "time", { "time", "clock", "sleep", "itimer", "timer", "stime", "adjtimex", "utime", "times" } },
    { "memory", { "mmap", "munmap", "brk", "mprotect", "mremap", "msync", "mlock", "munlock", "madvise",
                  "mincore", "pkey", "memfd", "membarrier", "userfaultfd", "shm", "remap" } },
    { "processes", { "fork", "clone", "exit", "exec", "wait", "pid", "uid", "gid", "sid", "pgrp", "groups",
                     "nice", "priority", "sched", "rlimit", "rusage", "personality", "prctl", "ptrace",
                     "unshare", "setns", "tid", "cpu", "thread_area", "ioperm", "iopl", "capget", "capset",
                     "umask", "ioprio", "process", "kcmp", "sysinfo", "uname", "vfork" } },
}
local syscall_names = {}
for _, sc in ipairs(m.syscalls) do syscall_names[#syscall_names + 1] = sc.name end
table.sort(syscall_names, function(a, b) return #a > #b end)
local function family_of(case)
    if case:match("^conf_nosys_") then return "unimplemented numbers (ENOSYS)" end
    local rest = case:gsub("^conf_", "")
    for _, name in ipairs(syscall_names) do
        if rest:sub(1, #name + 1) == name .. "_" then
            for _, f in ipairs(FAMILIES) do
                for _, word in ipairs(f[2]) do
                    if name:find(word, 1, true) then return f[1] end
                end
            end
            return "files"
        end
    end
    return "other"
end

-- Boots the kernel with the conformance initramfs (init_arg is passed to /init), in the
-- foreground, so that the runner's record counts QEMU's CPU time (nothing else runs meanwhile);
-- qemu_wait returns QEMU's status, its own output, the serial log and the seconds the boot took.
-- The crypto self-tests and the ISA PnP probe are off: seconds of boot that test nothing of the ABI.
-- So is page-table isolation (nopti, a Meltdown mitigation): it switches page tables on every
-- system call, which under TCG flushes QEMU's software TLB each time, and the 1,900 cases are
-- almost all system calls and forks (measured: 10.7 and 12.5 CPU-s with it, 9.0 and 8.7 without).
-- The ABI the cases judge is the same either way. no_timer_check: the IO-APIC timer test counts
-- ticks over a busy-wait, which a host loaded enough starves ("IO-APIC + timer doesn't work!",
-- a panic seen at load 17); QEMU's timer is wired right, and the cases' alarms would show if not.
local VMBOOT = BUILD .. "/tests/linux/vmboot.elf"
local function qemu_start(name, kernel, init_arg)
    os.execute("mkdir -p " .. shq(BUILD .. "/test-logs"))
    local base = BUILD .. "/test-logs/" .. name
    os.remove(base .. ".status")
    local append = "console=ttyS0 quiet panic=-1 cryptomgr.notests noisapnp nopti no_timer_check" ..
        (init_arg and (" -- " .. init_arg) or "")
    -- The kernel's own code, without its decompressor: tests/linux/vmboot.c loads the vmlinux the
    -- cache unpacked from vmlinuz (half of this boot's CPU was XZ) and jumps to its entry.
    local dir = kernel:match("^(.*)/[^/]*$")
    local modules = {}
    for _, path in ipairs({ dir .. "/vmlinux", dir .. "/zeropage", INITRAMFS }) do
        modules[#modules + 1] = path:gsub(",", ",,")
    end
    local cmd = string.format("timeout %d %s -m 256 -display none -no-reboot -nic none -monitor none " ..
        "-serial file:%s -kernel %s -initrd %s -append %s </dev/null", BOOT_TIMEOUT, shq(QEMU), shq(base .. ".log"),
        shq(VMBOOT), shq(table.concat(modules, ",")), shq(append))
    local started = tonumber((select(2, sh("date +%s.%N"))))
    os.execute(string.format("( %s >%s 2>&1; echo $? >%s.tmp; mv %s.tmp %s ) </dev/null >/dev/null 2>&1", cmd,
        shq(base .. ".out"), shq(base .. ".status"), shq(base .. ".status"), shq(base .. ".status")))
    return { base = base, started = started }
end

local function qemu_wait(boot)
    while not read(boot.base .. ".status") do os.execute("sleep 0.2") end
    local seconds = tonumber((select(2, sh("date +%s.%N")))) - boot.started
    return tonumber(read(boot.base .. ".status")), read(boot.base .. ".out") or "",
        (read(boot.base .. ".log") or ""):gsub("\r", ""), seconds
end

-- The cache's own checks, on a made-up entry (the script only checks sums, not what a file
-- holds): a whole entry is handed out; a truncated or changed file, or a missing vmlinuz or
-- SHA256SUMS (a fetch cut short) is detected, the entry removed, and the script goes on to
-- fetch (FETCH_KERNEL_OFFLINE=1 makes it stop there with an error instead).
local function cache_checks()
    local dir = (select(2, sh("mktemp -d -t linux-cache.XXXXXX")):gsub("%s+$", ""))
    local entry = dir .. "/pkg_1"
    local function fetch()
        return sh("FETCH_KERNEL_OFFLINE=1 sh tests/linux/fetch-kernel.sh " .. shq(dir))
    end
    local function make_entry()
        local e = shq(entry)
        sh(string.format("mkdir -p %s && cd %s && printf 'not a kernel\\n' >vmlinuz && printf 'c\\n' >config && " ..
            "printf 'elf\\n' >vmlinux && printf 'zp\\n' >zeropage && sha256sum vmlinuz config vmlinux zeropage " ..
            ">SHA256SUMS && echo pkg_1 >../current", e, e))
    end
    make_entry()
    local status, text = fetch()
    report("linux_kernel_cache_whole_entry_used", status == 0 and text:match("([^\n]*)\n$") == entry .. "/vmlinuz",
        "a verified entry was not handed out", text)
    local cases = {
        { "truncated", "truncate -s 4 " .. shq(entry .. "/vmlinuz") },
        { "changed", "printf 'not a kernel?\\n' >" .. shq(entry .. "/vmlinuz") },
        { "partial", "rm " .. shq(entry .. "/SHA256SUMS") },
        { "no_vmlinuz", "rm " .. shq(entry .. "/vmlinuz") },
        { "changed_vmlinux", "printf 'elf?\\n' >" .. shq(entry .. "/vmlinux") },
    }
    for _, c in ipairs(cases) do
        make_entry()
        sh(c[2])
        status, text = fetch()
        report("linux_kernel_cache_" .. c[1] .. "_entry_refetched", status ~= 0 and not text:find("/vmlinuz\n$")
            and text:find("is corrupt or partial") ~= nil and text:find("not fetching") ~= nil
            and not read(entry .. "/config") and not read(dir .. "/current"),
            "the " .. c[1] .. " entry was not detected, removed and fetched again", text)
    end
    -- An entry without vmlinux (from before it was kept) gets it: the XZ payload of vmlinuz,
    -- unpacked, and a zeropage holding vmlinuz's setup header (0x1f1 up to 0x202 plus the byte at
    -- 0x201), both then in SHA256SUMS.
    local e = shq(entry)
    sh(string.format("rm -rf %s && mkdir -p %s && cd %s && { head -c 513 /dev/zero | tr '\\0' 's'; printf '\\003';" ..
        " printf 'HDR'; head -c 700 /dev/zero; printf 'payload of vmlinuz\\n' | xz; printf 'trailer'; } >vmlinuz && " ..
        "printf 'c\\n' >config && sha256sum vmlinuz config >SHA256SUMS && echo pkg_1 >../current", e, e, e))
    status, text = fetch()
    local zp = read(entry .. "/zeropage") or ""
    local sums = read(entry .. "/SHA256SUMS") or ""
    report("linux_kernel_cache_vmlinux_unpacked", status == 0 and read(entry .. "/vmlinux") == "payload of vmlinuz\n"
        and #zp == 4096 and zp:sub(498, 517) == ("s"):rep(16) .. "\3HDR" and zp:sub(518) == ("\0"):rep(4096 - 517)
        and sums:find(" vmlinux\n") ~= nil and sums:find(" zeropage\n") ~= nil,
        "an entry without vmlinux did not get the unpacked payload and the setup header", text)
    sh("rm -rf " .. shq(dir))
end

local function boot()
    cache_checks()
    -- The real cache: checked, and never the network (an unreachable proxy and mirror would make
    -- any download fail); its path is the kernel to boot.
    local fetch_rc, fetch_out = sh("http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 " ..
        "sh tests/linux/fetch-kernel.sh " .. shq(CACHE))
    local KERNEL = fetch_rc == 0 and fetch_out:match("([^\n]*/vmlinuz)\n$")
    report("linux_kernel_fetch_is_cached", KERNEL and read(KERNEL) and not fetch_out:find("apt%-get"),
        "fetch-kernel.sh " .. CACHE .. " did not just print a verified cached path (`make linux-kernel` fetches it)",
        fetch_out)
    if not KERNEL then return end
    if not read(INITRAMFS) then
        report("linux_kernel_initramfs_built", false, INITRAMFS .. " is missing (run `make test`)")
        return
    end
    local status, qemu_out, text, seconds = qemu_wait(qemu_start("linux-kernel", KERNEL))
    -- The judge can fail: after the cases, one runs again as generated and with a wrong answer.
    -- What booted is the cached package's kernel: uname's release is in its name.
    local package = (read(KERNEL:gsub("vmlinuz$", "kernel-package")) or ""):match("^linux%-image%-(%S+)%-unsigned ")
    local release = text:match("\nlinux%-conformance: Linux (%S+) ")
    report("linux_kernel_is_the_cached_package", package ~= nil and release == package,
        string.format("uname says %s, the cache holds linux-image-%s", tostring(release), tostring(package)))
    local passed = text:match("\nselftest: ok (conf_%S+)")
    local failed_wrong = text:match("\nselftest: FAIL (conf_[%w_]+):")
    report("linux_kernel_judge_catches_a_wrong_answer", passed ~= nil and passed == failed_wrong and
        text:find("\nselftest: 2 cases, 1 failed") ~= nil,
        "the selftest did not pass the generated case and fail its wrong twin", text:match("\nselftest:.*") or "")
    local families, order, failures = {}, {}, 0
    for line in text:gmatch("[^\n]+") do
        local ok_name = line:match("^ok (conf_%S+)")
        local fail_name, why = line:match("^FAIL ([%w_]+): (.*)$")
        local name = ok_name or fail_name
        if name then
            local f = family_of(name)
            if not families[f] then
                families[f] = { cases = 0, failed = 0 }
                order[#order + 1] = f
            end
            families[f].cases = families[f].cases + 1
            if ok_name then
                print("ok linux-kernel/" .. ok_name)
            else
                failures = failures + 1
                families[f].failed = families[f].failed + 1
                report("linux-kernel/" .. fail_name, false, why)
            end
        end
    end
    local total, failed, skipped = text:match("\nconformance: (%d+) generated cases, (%d+) failed, (%d+) skipped")
    local done = text:find("\nlinux%-conformance: done") ~= nil
    report("linux_kernel_boot_completes", status == 0 and done and total ~= nil,
        string.format("QEMU status %s (124: timed out after %d s), done line %s", tostring(status), BOOT_TIMEOUT,
            done and "seen" or "missing"), qemu_out .. "\n" .. text, 25)
    if total then
        report("linux_kernel_conformance_0_failed", tonumber(failed) == 0 and failures == 0,
            string.format("%s of %s cases failed on Linux", failed, total))
    end
    table.sort(order)
    local lines = { string.format("linux-kernel: %s, %.1f s, %s generated cases (%s skipped)",
        (text:match("linux%-conformance: (Linux [^\n]+)") or "?"), seconds, tostring(total), tostring(skipped)) }
    for _, f in ipairs(order) do
        lines[#lines + 1] = string.format("  %-32s %5d cases checked, %d failed", f, families[f].cases, families[f].failed)
    end
    for _, l in ipairs(lines) do print("# " .. l) end
    S.write(BUILD .. "/test-logs/linux-kernel-families.txt", table.concat(lines, "\n") .. "\n")
end
boot()

S.finish()
