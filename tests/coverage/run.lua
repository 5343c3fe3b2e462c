-- make coverage: every QEMU boot of make test (tests/qemu/*boots.lua) on the coverage kernel,
-- then tests/coverage/report.lua over their logs and whatever fuzz-cov left in
-- build/fuzzcov/cov/*.log. Boots through GRUB (the ISO holds make all's kernel), gdb boots, the
-- harness's self-tests and boots that ask for another kernel (`kernel = "plain"` or "test") are
-- left out: they would add nothing to the kernel's coverage or need that kernel. A boot
-- that fails here is listed (the coverage kernel is slower) but the report is written anyway;
-- only a failure of a boot in MUST_PASS then makes the command fail.
--
--   BUILD=build KCOV_ELF=build/cov/kernel.elf lua5.4 tests/coverage/run.lua
package.path = "tests/qemu/?.lua;tests/lib/?.lua;tests/coverage/?.lua;" .. package.path
local harness = require("harness")
local report = require("report")

local build = os.getenv("BUILD") or "build"
local out = build .. "/coverage"
harness.config.kernel = os.getenv("KCOV_ELF") or (build .. "/cov/kernel.elf")
harness.config.logdir = out .. "/logs"
os.execute("rm -rf " .. harness.shq(harness.config.logdir) .. " && mkdir -p " .. harness.shq(harness.config.logdir))

local env = {
    version = os.getenv("VERSION") or "0.1.0",
    kernel = harness.config.kernel,
    user_progs = os.getenv("USER_PROGS") or "",
    build = build,
    read_file = harness.read_file,
}

-- The coverage kernel is slower than make test's: fuzz-syscalls alone took 16 s on it against 5 s
-- on the plain kernel (a hook call in every block, and kcov's bookkeeping), so under make
-- coverage's parallel boots the limits chosen for the plain kernel cut the long boots short
-- (fuzz-syscalls hit its 90 s). Here every boot's limit is scaled by this factor: a boot that
-- fails still means a hang or a failure, and make test's limits stay as they are.
local COV_SLOWDOWN = 4

local specs = {}
local files = { "tests/qemu/boots.lua" }
for file in io.popen("ls tests/qemu/*_boots.lua 2>/dev/null"):lines() do files[#files + 1] = file end
for _, file in ipairs(files) do
    for _, spec in ipairs(dofile(file)(env)) do
        if spec.via ~= "iso" and not spec.gdb and not spec.meta and (spec.kernel or "cov") == "cov" then
            spec.timeout = (spec.timeout or 20) * COV_SLOWDOWN
            specs[#specs + 1] = spec
        end
    end
end

-- Boots whose whole test runs only here: make test boots guest-cov-kcov on the test kernel, where
-- kcov is ENOSYS (half of tests/guest/cov_kcov.c), so a broken kcov fails no other command.
local MUST_PASS = { ["guest-cov-kcov"] = true }

local passed, failed, must = 0, {}, {}
harness.run(specs, function(r)
    if r.ok then passed = passed + 1 else failed[#failed + 1] = r end
    if not r.ok and MUST_PASS[r.name:match("^[^/]+")] then must[#must + 1] = r.name end
end)
print(string.format("# %d boots on %s: %d results passed, %d failed", #specs, harness.config.kernel, passed, #failed))
for _, r in ipairs(failed) do print("#   FAIL " .. r.name .. ": " .. tostring(r.reason)) end

local argv = { "--elf", harness.config.kernel, "--out", out }
for file in io.popen("ls " .. harness.shq(harness.config.logdir) .. "/*.log 2>/dev/null"):lines() do
    argv[#argv + 1] = file
end
for file in io.popen("ls " .. harness.shq(build .. "/fuzzcov/cov") .. "/*.log 2>/dev/null"):lines() do
    argv[#argv + 1] = "--fuzz"
    argv[#argv + 1] = file
end
local flows = build .. "/fuzzcov/cov/flows.txt"
if harness.read_file(flows) then
    argv[#argv + 1] = "--flows"
    argv[#argv + 1] = flows
end
local status = report.main(argv)
if #must > 0 then
    print("# make coverage: error: failed on the coverage kernel, and tested nowhere else: " .. table.concat(must, ", "))
    os.exit(1)
end
os.exit(status)
