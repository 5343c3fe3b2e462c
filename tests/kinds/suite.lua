-- Host tests of the outputs of the language-v2 kinds (flags, enums, resources, extra results,
-- 64-bit arguments and results, ...): golden files, cross-compilation of every output under
-- -Werror and nasm, and a host run of the generated shims (tests/gen/kinds/behaviour.c) of
-- tests/gen/kinds/v2.def, whose golden files are tests/gen/golden/v2.
--   lua5.4 tests/kinds/suite.lua           run everything
--   lua5.4 tests/kinds/suite.lua --bless   rewrite tests/gen/golden/v2
-- weight: 3
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
package.path = ROOT .. "/gen/?.lua;" .. ROOT .. "/tests/lib/?.lua;" .. ROOT .. "/tests/gen/kinds/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, read, write = S.report, S.sh, S.read, S.write
local cli = require("cli")

local BLESS = arg[1] == "--bless"
local BLESS_CMD = "lua5.4 tests/kinds/suite.lua --bless"
local CROSS = "i686-linux-gnu-gcc -std=c11 -ffreestanding -fno-pie -fno-stack-protector -O2 -Wall -Wextra -Werror"
local TMP = (select(2, sh("mktemp -d -t kinds-tests.XXXXXX")):gsub("%s+$", ""))

local FIXTURE = "tests/gen/kinds/v2.def"
local m = require("model").load(read(ROOT .. "/" .. FIXTURE), FIXTURE)
local files = cli.render_all(m)
files["syscalls.md"] = require("out_docs").render(m)
for path, text in pairs(require("out_man").render(m)) do files["man/" .. path] = text end

local function test_golden()
    local paths = {}
    for p in pairs(files) do paths[#paths + 1] = p end
    table.sort(paths)
    for _, p in ipairs(paths) do
        local golden = ROOT .. "/tests/gen/golden/v2/" .. p
        local name = "kinds_golden_" .. p:gsub("[/.]", "_")
        if BLESS then
            write(golden, files[p])
            report(name, true)
        elseif read(golden) == files[p] then
            report(name, true)
        else
            write(TMP .. "/actual/" .. p, files[p])
            local _, diff = sh("diff -u '" .. golden .. "' '" .. TMP .. "/actual/" .. p .. "' | head -40")
            report(name, false, "output differs from tests/gen/golden/v2/" .. p .. "; if intended: " .. BLESS_CMD, diff)
        end
    end
end

local function test_compile()
    local dir = TMP .. "/out"
    for p, text in pairs(files) do write(dir .. "/" .. p, text) end
    local stub = ROOT .. "/tests/gen/stub -I" .. ROOT .. "/kernel"
    local cc = "cd " .. dir .. " && " .. CROSS
    local rc, out = sh(cc .. " -I" .. stub .. " -c kernel/syscall_table.c -o table.o")
    report("kinds_compile_kernel", rc == 0, "kernel side does not compile", out)
    rc, out = sh(cc .. " -I. -I" .. stub .. " -c kernel/trace_table.c -o trace.o")
    report("kinds_compile_trace_table", rc == 0, "trace table does not compile", out)
    write(dir .. "/user.c", '#include "libsys/syscalls.h"\nint main_(void);\n')
    rc, out = sh(cc .. " -c user.c -o user.o")
    report("kinds_compile_headers", rc == 0, "user headers do not compile", out)
    for _, asm in ipairs({ "libsys/syscalls.asm", "abi.inc" }) do
        rc, out = sh("cd " .. dir .. " && nasm -f elf32 -Werror " .. asm .. " -o /dev/null")
        report("kinds_nasm_" .. asm:gsub("%W", "_"), rc == 0, "nasm failed", out)
    end
    rc, out = sh("cd " .. dir .. " && nasm -f elf32 -Werror -I " .. ROOT ..
        "/tests/conformance/ conformance/regs.asm -o /dev/null")
    report("kinds_nasm_conformance", rc == 0, "nasm failed on conformance/regs.asm", out)
    rc, out = sh(cc .. " -I" .. ROOT .. "/tests/gen/stub -I. -Ilibsys -I" .. ROOT ..
        "/tests/conformance -c conformance/conformance.c -o conf.o")
    report("kinds_compile_conformance", rc == 0, "conformance cases do not compile", out)
end

local function test_behaviour()
    local dir = TMP .. "/out"
    local rc, out = sh("cd " .. dir .. " && gcc -std=c11 -Wall -Wextra -Werror -I" .. ROOT .. "/tests/gen/stub -I" ..
        ROOT .. "/kernel -I. -Ikernel " .. ROOT .. "/tests/gen/kinds/behaviour.c kernel/syscall_table.c -o behaviour")
    if not report("kinds_behaviour_build", rc == 0, "host harness does not build", out) then return end
    rc, out = sh(dir .. "/behaviour")
    S.relay(out)
    report("kinds_behaviour_exit", rc == 0, "harness exit " .. tostring(rc))
end

-- The wrappers as a static i386 Linux program whose SIGSEGV handler plays the kernel
-- (tests/gen/kinds/wrappers.c), under qemu-i386: the .def with its trap replaced by 0x81 (a #GP on
-- Linux), prefix t_.
local function test_wrappers()
    local text = read(ROOT .. "/" .. FIXTURE):gsub("\n    trap 0x%x+", '\n    trap 0x81\n    prefix "t_"', 1)
    local dir = TMP .. "/wrappers"
    for p, t in pairs(cli.render_all(require("model").load(text, FIXTURE))) do write(dir .. "/" .. p, t) end
    local rc, out = sh("cd " .. dir .. " && nasm -f elf32 -Werror libsys/syscalls.asm -o syscalls.o && " ..
        "i686-linux-gnu-gcc -std=c11 -O2 -Wall -Wextra -Werror -static -I. " .. ROOT ..
        "/tests/gen/kinds/wrappers.c syscalls.o -o wrappers")
    if not report("kinds_wrappers_build", rc == 0, "the wrapper test does not build", out) then return end
    rc, out = sh("cd " .. dir .. " && qemu-i386 ./wrappers") -- this machine cannot run i386 code natively
    S.relay(out)
    report("kinds_wrappers_exit", rc == 0, "exit " .. tostring(rc), out)
end

test_golden()
if not BLESS then
    test_compile()
    test_behaviour()
    test_wrappers()
end
os.execute("rm -rf '" .. TMP .. "'")
S.finish()
