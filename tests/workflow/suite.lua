-- Host suite: the add-a-syscall workflow of README.md ("Adding a syscall"), done for real on a
-- temporary copy of the tree (tracked and untracked-but-not-ignored files, no build/):
--
--   1. add `str_upper(buf: inout bytes[len] max 256, len: u32)` to abi/syscalls.def with the
--      next free number;
--   2. `make gen`, and write kernel/sys_str_upper.c from the prototype the generator declared;
--   3. write user/upper.c, which calls the generated wrapper;
--   4. build with `make NO_DEPS=1` and boot the ISO like `make run`, typing `upper` at the shell;
--   5. build and boot the conformance program: the generated cases for str_upper exist and pass.
--
-- Then a second test changes a locked number in the copy and checks that the build stops with
-- the lock error. Both share the copy, which is removed at the end (WORKFLOW_KEEP=1 keeps it).
-- Run from the repository root.
-- weight: 12
package.path = "tests/qemu/?.lua;" .. package.path
local harness = require("harness")
package.path = "tests/lib/?.lua;" .. package.path
local S = require("hostsuite")
local sh, shq, read, write = S.sh, S.shq, S.read, S.write
local function report(name, ok, why, details) return S.report(name, ok, why, details, 14) end

local ROOT = io.popen("pwd"):read("l")
local MAKE = "make NO_DEPS=1 -j2"






local COPY = (select(2, sh("mktemp -d /tmp/layercake-workflow.XXXXXX")):gsub("%s+$", ""))
local function finish()
    if os.getenv("WORKFLOW_KEEP") then
        print("  (copy kept in " .. COPY .. ")")
    else
        sh("rm -rf " .. shq(COPY))
    end
    S.finish()
end
local function in_copy(cmd) return sh("cd " .. shq(COPY) .. " && " .. cmd) end

-- The tree without build/: what git knows (tracked, or untracked but not ignored); a tree that is
-- not a git checkout is copied whole, less build/.
local rc, out
if sh("git rev-parse --is-inside-work-tree") == 0 then
    rc, out = sh("git ls-files -z --cached --others --exclude-standard | " ..
        "xargs -0 sh -c 'for f; do [ -e \"$f\" ] && printf \"%s\\0\" \"$f\"; done' sh | " ..
        "tar --null -T - -cf - | tar -xf - -C " .. shq(COPY))
else
    rc, out = sh("tar --exclude=./build -cf - . | tar -xf - -C " .. shq(COPY))
end
if not report("workflow_copy_tree", rc == 0 and read(COPY .. "/abi/syscalls.def") ~= nil
    and read(COPY .. "/build/gen/abi.h") == nil, "copying the tree failed", out) then
    finish()
end

---------------------------------------------------------------------------------------------------
-- Step 1: the declaration, with the next free number.
local def_path = COPY .. "/abi/syscalls.def"
local def = read(def_path)
local top = -1
for kw, num in def:gmatch("\n%s*(%a+)%s+(%d+)") do
    if kw == "syscall" or kw == "retired" then top = math.max(top, tonumber(num)) end
end
local NR = top + 1
if def:find("[%s(]str_upper%(") then
    report("workflow_name_free", false, "abi/syscalls.def already has a str_upper: rename the workflow example")
    finish()
end
write(def_path, def .. string.format([[

syscall %d str_upper(buf: inout bytes[len] max 256, len: u32) -> i32 {
    doc "Upper-case the ASCII letters of buf in place; return len."
    errors EFAULT E2BIG
}
]], NR))

-- Step 2: the generated prototype, and a handler that implements exactly it.
local PROTOTYPE = "int32_t sys_str_upper(user_inout_t buf, uint32_t len);"
rc, out = in_copy(MAKE .. " gen")
local handlers_h = read(COPY .. "/build/gen/kernel/syscall_handlers.h") or ""
report("workflow_def_declares_prototype", rc == 0 and handlers_h:find(PROTOTYPE, 1, true) ~= nil,
    "`make gen` did not declare " .. PROTOTYPE, out)
write(COPY .. "/kernel/sys_str_upper.c", [[
/* str_upper: added by tests/workflow/suite.lua, following README.md. */
#include "syscall_handlers.h"

int32_t sys_str_upper(user_inout_t buf, uint32_t len)
{
    char text[256];
    if (copy_from_user(text, buf.addr, len) < 0)
        return -EFAULT;
    for (uint32_t i = 0; i < len; i++)
        if (text[i] >= 'a' && text[i] <= 'z')
            text[i] = (char)(text[i] - 'a' + 'A');
    return copy_to_user(buf.addr, text, len) < 0 ? -EFAULT : (int32_t)len;
}
]])

-- Step 3: a program that calls the generated wrapper.
write(COPY .. "/user/upper.c", [[
/* upper: added by tests/workflow/suite.lua, following README.md. */
#include <libsys.h>

int main(void)
{
    char text[] = "hello, layercake";
    int32_t n = str_upper(text, sizeof text - 1);
    printf("str_upper: %d %s\n", (int)n, text);
    return n == (int32_t)(sizeof text - 1) ? 0 : 1;
}
]])

-- Step 4: build everything, then boot the ISO as `make run` does and type the program's name.
rc, out = in_copy(MAKE)
if not report("workflow_build", rc == 0, "`make NO_DEPS=1` failed in the copy", out) then finish() end
rc, out = in_copy(MAKE .. " build/tests/conformance.elf")
if not report("workflow_build_conformance", rc == 0, "building the conformance program failed", out) then
    finish()
end

harness.config.kernel = COPY .. "/build/kernel/kernel.elf"
harness.config.iso = COPY .. "/build/layercake.iso"
harness.config.logdir = ROOT .. "/" .. (os.getenv("BUILD") or "build") .. "/test-logs/workflow"
sh("mkdir -p " .. shq(harness.config.logdir))
local function boot(spec)
    local results = {}
    harness.run({ spec }, function(r) results[#results + 1] = r end)
    return results
end

local r = boot({
    name = "workflow-make-run",
    via = "iso",
    input = "\r\r\nupper\n", -- GRUB may take one key more than it needs
    timeout = 60,
    stop = "str_upper: %-?%d+ [^\n]*\n",
    expect = { "str_upper: 16 HELLO, LAYERCAKE\n" },
})[1]
report("workflow_program_runs", r.ok, r.reason, table.concat(r.tail or {}, "\n"))

-- Step 5: the generated conformance cases of the new syscall exist and pass.
local cases_c = read(COPY .. "/build/gen/conformance/conformance.c") or ""
local want = {}
for _, suffix in ipairs({ "null", "kernel", "unmapped", "wrap", "partly_mapped", "over_max" }) do
    want[#want + 1] = "conf_str_upper_buf_" .. suffix
end
want[#want + 1] = "conf_str_upper_regs"
local missing = {}
for _, name in ipairs(want) do
    if not cases_c:find('"' .. name .. '"', 1, true) then missing[#missing + 1] = name end
end
report("workflow_conformance_cases_generated", #missing == 0, "missing: " .. table.concat(missing, " "))

local results = boot({
    name = "workflow-conformance",
    append = "init=conformance exit=qemu",
    modules = { { path = COPY .. "/build/user/init.elf", name = "init" },
                { path = COPY .. "/build/tests/conformance.elf", name = "conformance" } },
    timeout = 120,
    exit = 1,
    guest_tests = true,
})
local passed_new, failures = {}, {}
for _, res in ipairs(results) do
    local case = res.name:match("^workflow%-conformance/(.*)$")
    if not res.ok then failures[#failures + 1] = res.name .. ": " .. tostring(res.reason) end
    if case and res.ok and case:match("^conf_str_upper_") then passed_new[case] = true end
end
missing = {}
for _, name in ipairs(want) do
    if not passed_new[name] then missing[#missing + 1] = name end
end
report("workflow_conformance_cases_pass", #missing == 0 and #failures == 0,
    string.format("%d of %d str_upper cases passed, %d failures in the boot", #want - #missing, #want,
        #failures), table.concat(failures, "\n"))

---------------------------------------------------------------------------------------------------
-- A locked number changed: the build must stop with the lock error and build nothing.
def = read(def_path)
local changed, count = def:gsub("\nsyscall 5 write%(", "\nsyscall " .. (NR + 1) .. " write(")
if count ~= 1 then
    report("workflow_lock_stops_build", false, "abi/syscalls.def has no `syscall 5 write(` line to renumber")
    finish()
end
write(def_path, changed)
sh("touch " .. shq(def_path))
rc, out = in_copy(MAKE)
report("workflow_lock_stops_build", rc ~= 0 and out:find("abi/syscalls.def:%d+:%d+: error: ") ~= nil
    and out:find("syscall 5 %(write%) was removed without being retired") ~= nil
    and out:find("abi/abi.lock:%d+: note: locked here") ~= nil and not out:find("kernel.elf"),
    "`make` did not stop with the lock error (status " .. tostring(rc) .. ")", out)

finish()
