-- Host suite: README.md's "Adding a syscall", done literally on a temporary copy of the tree
-- (tracked and untracked-but-not-ignored files, no build/). Everything the walkthrough says is
-- read from README.md itself: the declaration, the handler's and the program's files and code,
-- the prototypes the generator must declare, the command typed at the shell and its output, and
-- the conformance test names. So when README drifts from the tree, this fails.
--
-- In the same copy it adds a syscall of its own, workflow_reverse, whose name no walkthrough
-- uses, so its part holds whatever a user added; and a walkthrough the user already did in the
-- tree is taken out of the copy first (declaration, lock entry, the README's two files).
-- Then: one build (`make`, checked to be quiet; the tree's build/ is copied too, so it remakes
-- what the walkthrough changes, as for the user), what `make run` boots (the ISO's kernel, modules
-- and command line) booted with both programs typed at the shell, the conformance program booted, `make docs` and `make abi-lock`
-- (README's last steps), and a changed locked number, which must stop the build.
-- The copy is removed at the end (WORKFLOW_KEEP=1 keeps it). Run from the repository root.
-- weight: 12
package.path = "tests/qemu/?.lua;tests/lib/?.lua;" .. package.path
local harness = require("harness")
local S = require("hostsuite")
local sh, shq, read, write = S.sh, S.shq, S.read, S.write
local function report(name, ok, why, details) return S.report(name, ok, why, details, 14) end

local ROOT = io.popen("pwd"):read("l")
-- The user's make, as the walkthrough runs it: not the flags of the make that runs the tests
-- (`make -s test` would make the build below silent, and its CC lines are what step 4 checks).
local MAKE = "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make NO_DEPS=1 -j2"
local OWN = "workflow_reverse"

local COPY = (select(2, sh("mktemp -d -t layercake-workflow.XXXXXX")):gsub("%s+$", ""))
local function finish()
    if os.getenv("WORKFLOW_KEEP") then
        print("  (copy kept in " .. COPY .. ")")
    else
        sh("rm -rf " .. shq(COPY))
    end
    S.finish()
end
local function in_copy(cmd) return sh("cd " .. shq(COPY) .. " && " .. cmd) end
local function plain(s) return (s:gsub("%p", "%%%0")) end

---------------------------------------------------------------------------------------------------
-- The walkthrough, from README.md: each numbered step's text and its fenced code blocks.
local function parse_readme(text)
    local section = text:match("\n## Adding a syscall\n(.-)\n## ")
    if not section then return nil, "README.md has no `## Adding a syscall` section" end
    local steps, starts = {}, {}
    for at in section:gmatch("\n()%d%. %*%*") do starts[#starts + 1] = at end
    starts[#starts + 1] = (section:find("\n\n[^%d ]", starts[#starts] or 1) or #section) + 1
    for i = 1, #starts - 1 do
        local body = section:sub(starts[i], starts[i + 1] - 1)
        local num = tonumber(body:match("^(%d)"))
        local blocks = {}
        for code in body:gmatch("\n   ```%a*\n(.-\n)   ```") do
            blocks[#blocks + 1] = code:gsub("\n   ", "\n"):gsub("^   ", "")
        end
        steps[num] = { text = body, blocks = blocks }
    end
    local w = { steps = steps }
    local s1, s2, s3, s4, s5 = steps[1], steps[2], steps[3], steps[4], steps[5]
    if not (s1 and s2 and s3 and s4 and s5 and steps[6]) then return nil, "steps 1 to 6 not all found" end
    w.decl = s1.blocks[1]
    w.number, w.name = (w.decl or ""):match("^syscall (%d+) ([%w_]+)%(")
    w.handler_proto = s2.text:match("`(int32_t sys_[^`]-%);)`")
    w.handler_file = s2.text:match("`(kernel/[%w_]+%.c)`")
    w.handler = s2.blocks[1]
    w.wrapper_proto = s3.text:match("`([%w_]+ [%w_]+%([^`]-%);)`")
    w.program_file = s3.text:match("`(user/[%w_]+%.c)`")
    w.program = s3.blocks[1]
    local typed = s4.blocks[1] or ""
    w.command = typed:match("^%$ (%S+)")
    w.output = typed:match("^%$ [^\n]*\n(.*)$")
    w.cases = {}
    local first = s5.text:match("`guest%-conformance/(conf_[%w_]+)`")
    if first then
        w.cases[1] = first
        local stem = first:match("^(.*_)[%w]+$")
        for suffix in s5.text:gmatch("`_([%w_]+)`") do w.cases[#w.cases + 1] = stem .. suffix end
        for name in s5.text:gmatch("`(conf_[%w_]+)`") do w.cases[#w.cases + 1] = name end
    end
    w.docs_step = s5.text:find("`make docs`", 1, true) ~= nil
    w.lock_step = steps[6].text:find("`make abi-lock`", 1, true) ~= nil
    for _, key in ipairs({ "decl", "number", "name", "handler_proto", "handler_file", "handler", "wrapper_proto",
                           "program_file", "program", "command", "output" }) do
        if not w[key] then return nil, "could not read `" .. key .. "` from the walkthrough" end
    end
    if #w.cases < 2 or not w.docs_step or not w.lock_step then
        return nil, "step 5 or 6 lost its test names, `make docs` or `make abi-lock`"
    end
    return w
end

local walk, why = parse_readme(read("README.md") or "")
if not report("readme_walkthrough_read", walk ~= nil, why) then finish() end

-- The tree: what git knows (tracked, or untracked but not ignored); a tree that is not a git
-- checkout is copied whole. Then build/ as it is (less the test logs and the Linux kernel), times
-- kept, so that the build below remakes only what the walkthrough changes: the user's own loop,
-- and the build is the dearest part of this suite. Make judges what is stale, so a build/ that is
-- older than the tree, or missing, only costs time.
local rc, out
if sh("git rev-parse --is-inside-work-tree") == 0 then
    rc, out = sh("git ls-files -z --cached --others --exclude-standard | " ..
        "xargs -0 sh -c 'for f; do [ -e \"$f\" ] && printf \"%s\\0\" \"$f\"; done' sh | " ..
        "tar --null -T - -cf - | tar -xf - -C " .. shq(COPY))
else
    rc, out = sh("tar --exclude=./build -cf - . | tar -xf - -C " .. shq(COPY))
end
local BUILD_DIR = os.getenv("BUILD") or "build"
if rc == 0 and sh("test -d " .. shq(BUILD_DIR)) == 0 then
    rc, out = sh("mkdir -p " .. shq(COPY .. "/build") .. " && tar -C " .. shq(BUILD_DIR) ..
        " --exclude=./test-logs --exclude=./linux-cache -cf - . | tar -xf - -C " .. shq(COPY .. "/build"))
end
if not report("workflow_copy_tree", rc == 0 and read(COPY .. "/abi/syscalls.def") ~= nil,
    "copying the tree failed", out) then
    finish()
end

-- A walkthrough already done in the tree comes out of the copy: the declaration (whatever its
-- number), the lock entry and the two files.
local def_path = COPY .. "/abi/syscalls.def"
local lock_path = COPY .. "/abi/abi.lock"
local def = read(def_path)
def = def:gsub("\n[^\n]*syscall %d+ " .. walk.name .. "%(.-\n}\n", "\n")
write(def_path, def)
write(lock_path, (read(lock_path):gsub("\nsyscall %d+ " .. walk.name .. " [^\n]*", "")))
os.remove(COPY .. "/" .. walk.handler_file)
os.remove(COPY .. "/" .. walk.program_file)

---------------------------------------------------------------------------------------------------
-- Step 1: README's declaration, whose number must be the next free one.
local top = -1
for kw, num in def:gmatch("\n%s*(%a+)%s+(%d+)") do
    if kw == "syscall" or kw == "retired" then top = math.max(top, tonumber(num)) end
end
report("readme_step1_next_free_number", tonumber(walk.number) == top + 1,
    string.format("README declares %s %s, but the next free number is %d: update README.md", walk.name,
        walk.number, top + 1))
local OWN_NR = math.max(top + 1, tonumber(walk.number)) + 1
def = def .. "\n" .. walk.decl .. string.format([[

syscall %d %s(buf: inout bytes[len] max 64, len: u32) -> i32 {
    doc "Reverse buf in place; return len. Added by tests/workflow/suite.lua."
    errors EFAULT E2BIG
}
]], OWN_NR, OWN)
write(def_path, def)

-- Step 2: `make gen` declares README's prototype; README's handler goes where README says.
local OWN_PROTO = "int32_t sys_" .. OWN .. "(user_inout_t buf, uint32_t len);"
rc, out = in_copy(MAKE .. " gen")
local handlers_h = read(COPY .. "/build/gen/kernel/syscall_handlers.h") or ""
report("readme_step2_generated_prototype", rc == 0 and handlers_h:find(walk.handler_proto, 1, true) ~= nil,
    "`make gen` did not declare README's " .. walk.handler_proto, out)
report("workflow_own_prototype", rc == 0 and handlers_h:find(OWN_PROTO, 1, true) ~= nil,
    "`make gen` did not declare " .. OWN_PROTO, out)
write(COPY .. "/" .. walk.handler_file, walk.handler)
write(COPY .. "/kernel/sys_" .. OWN .. ".c", [[
/* workflow_reverse: added by tests/workflow/suite.lua. */
#include "syscall_handlers.h"

int32_t sys_workflow_reverse(user_inout_t buf, uint32_t len)
{
    char text[64];
    if (copy_from_user(text, buf.addr, len) < 0)
        return -EFAULT;
    for (uint32_t i = 0; i < len / 2; i++) {
        char c = text[i];
        text[i] = text[len - 1 - i];
        text[len - 1 - i] = c;
    }
    return copy_to_user(buf.addr, text, len) < 0 ? -EFAULT : (int32_t)len;
}
]])

-- Step 3: README's program, calling the wrapper libsys declares as README says.
local syscalls_h = read(COPY .. "/build/gen/libsys/syscalls.h") or ""
report("readme_step3_wrapper_prototype", syscalls_h:find(walk.wrapper_proto, 1, true) ~= nil,
    "build/gen/libsys/syscalls.h does not declare README's " .. walk.wrapper_proto)
write(COPY .. "/" .. walk.program_file, walk.program)
write(COPY .. "/user/" .. OWN .. ".c", [[
/* workflow_reverse: added by tests/workflow/suite.lua. */
#include <libsys.h>

int main(void)
{
    char text[] = "stressed";
    int32_t n = workflow_reverse(text, sizeof text - 1);
    printf("workflow_reverse: %d %s\n", (int)n, text);
    return n == (int32_t)(sizeof text - 1) ? 0 : 1;
}
]])

-- Step 4: one build of everything (and of the conformance program, for step 5), quietly.
rc, out = in_copy(MAKE .. " all build/tests/conformance.elf")
if not report("workflow_build", rc == 0, "`make` failed in the copy", out) then finish() end
local loud = out:match("[^\n]*gcc [^\n]* %-c [^\n]*")
report("workflow_build_quiet", ("\n" .. out):find("\n  CC +" .. plain(walk.handler_file) .. "\n") ~= nil and not loud,
    "the build did not print `CC " .. walk.handler_file .. "` lines only" .. (loud and (": " .. loud) or ""), out)

-- Then boot what `make run` boots and type README's command and ours: the ISO's own tree, its
-- kernel with the command line and the modules of its grub.cfg's default entry, loaded by QEMU
-- -kernel instead of GRUB (boot-iso in tests/qemu/boots.lua tests GRUB on the real ISO; here it
-- would cost more than a CPU-second and test nothing of the walkthrough). A program the build
-- left out of the ISO is missing here just the same.
harness.config.kernel = COPY .. "/build/kernel/kernel.elf"
harness.config.logdir = ROOT .. "/" .. (os.getenv("BUILD") or "build") .. "/test-logs/workflow"
sh("mkdir -p " .. shq(harness.config.logdir))
local function boot(spec)
    local results = {}
    harness.run({ spec }, function(r) results[#results + 1] = r end)
    return results
end

local ISO_TREE = COPY .. "/build/iso"
local default_entry = (read(ISO_TREE .. "/boot/grub/grub.cfg") or ""):match("\nmenuentry [^\n]*{\n(.-)\n}") or ""
local kernel_path, cmdline = default_entry:match("^%s*multiboot (%S+) ?([^\n]*)")
local iso_modules = {}
for path, name in default_entry:gmatch("\n%s*module (%S+) (%S+)") do
    iso_modules[#iso_modules + 1] = { path = ISO_TREE .. path, name = name }
end
local in_iso = {}
for _, mod in ipairs(iso_modules) do in_iso[mod.name] = read(mod.path) ~= nil end
if not report("workflow_iso_has_programs", kernel_path ~= nil and in_iso[walk.command] and in_iso[OWN],
    "the ISO tree's grub.cfg does not boot a kernel with the programs " .. walk.command .. " and " .. OWN,
    default_entry) then
    finish()
end
harness.config.kernel = ISO_TREE .. kernel_path

local OWN_OUTPUT = "workflow_reverse: 8 desserts\n"
local r = boot({
    name = "workflow-make-run",
    append = cmdline,
    modules = iso_modules,
    kernel = "test", -- harness.config.kernel: the ISO's
    input = { { wait = "\n%$ ", send = walk.command .. "\n" },
              { wait = "\n%$ ", send = OWN .. "\n" } }, -- the prompt after README's program
    timeout = 60,
    stop = "workflow_reverse: %-?%d+ [^\n]*\n",
    expect = { plain(walk.output), plain(OWN_OUTPUT) },
})[1]
harness.config.kernel = COPY .. "/build/kernel/kernel.elf"
local log = harness.read_file(harness.config.logdir .. "/workflow-make-run.log") or ""
log = log:gsub("\r", "")
report("readme_step4_make_run", r.ok or (log:find(walk.output, 1, true) ~= nil),
    "typing `" .. walk.command .. "` did not print README's " .. walk.output:gsub("\n$", ""),
    table.concat(harness.last_lines(log, 14), "\n"))
report("workflow_own_program_runs", log:find(OWN_OUTPUT, 1, true) ~= nil, r.reason or "no " .. OWN_OUTPUT,
    table.concat(harness.last_lines(log, 14), "\n"))

-- Step 5: the generated conformance cases README names exist and pass, and ours too. (They are
-- looked for in the linked program: a pointer argument's row in conformance.c names its stem once,
-- and the compiler pastes each case's suffix to it.)
local cases_elf = read(COPY .. "/build/tests/conformance.elf") or ""
local want = {}
for _, name in ipairs(walk.cases) do want[#want + 1] = name end
for _, suffix in ipairs({ "buf_null", "buf_kernel", "buf_over_max", "regs" }) do
    want[#want + 1] = "conf_" .. OWN .. "_" .. suffix
end
local missing = {}
for _, name in ipairs(want) do
    if not cases_elf:find(name .. "\0", 1, true) then missing[#missing + 1] = name end
end
report("readme_step5_cases_generated", #missing == 0,
    "not in build/tests/conformance.elf: " .. table.concat(missing, " "))

local results = boot({
    name = "workflow-conformance",
    append = "init=conformance exit=qemu",
    modules = { { path = COPY .. "/build/user/init.elf", name = "init" },
                { path = COPY .. "/build/tests/conformance.elf", name = "conformance" } },
    timeout = 120,
    exit = 1,
    guest_tests = true,
})
local passed, failures = {}, {}
for _, res in ipairs(results) do
    local case = res.name:match("^workflow%-conformance/(.*)$")
    if not res.ok then failures[#failures + 1] = res.name .. ": " .. tostring(res.reason) end
    if case and res.ok then passed[case] = true end
end
missing = {}
for _, name in ipairs(want) do
    if not passed[name] then missing[#missing + 1] = name end
end
report("readme_step5_cases_pass", #missing == 0 and #failures == 0,
    string.format("%d of %d cases passed, %d failures in the boot; not passed: %s", #want - #missing, #want,
        #failures, table.concat(missing, " ")), table.concat(failures, "\n"))

-- Step 5's `make docs` and step 6's `make abi-lock`.
rc, out = in_copy(MAKE .. " docs")
local docs = read(COPY .. "/docs/syscalls.md") or ""
local heading = "### " .. walk.number .. " `" .. walk.name .. "`"
report("readme_step5_make_docs", rc == 0 and docs:find(heading, 1, true) ~= nil,
    "`make docs` did not add `### " .. walk.number .. " " .. walk.name .. "` to docs/syscalls.md", out)
rc, out = in_copy(MAKE .. " abi-lock")
local lock = read(lock_path) or ""
local entry = "\nsyscall " .. walk.number .. " " .. walk.name .. " ("
report("readme_step6_make_abi_lock", rc == 0 and lock:find(entry, 1, true) ~= nil,
    "`make abi-lock` did not record " .. walk.name .. " in abi/abi.lock", out)

---------------------------------------------------------------------------------------------------
-- A locked number changed: the build must stop with the lock error and build nothing.
def = read(def_path)
local changed, count = def:gsub("\nsyscall 5 write%(", "\nsyscall " .. (OWN_NR + 1) .. " write(")
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
