-- Host suite for the build itself (the Makefile and its fragments):
--   - compile_commands.json lists every C file the build compiles, with the very command make
--     runs (compared with `make -n -B V=1`, which prints every command without running it);
--   - `make help`, README's "Make targets" table and the .PHONY targets are the same list;
--   - `make -n` and `make help` never run the deps step, and a real build does;
--   - the generator runs with the tunables of gen/gen.mk's GEN_ENV, a caller's kept whole;
--   - `make format-check` passes on the tree, and catches (and `make format` fixes) a bad file;
--   - the runner (tests/run.lua) under T= runs only what it names and ends with the summary.
-- Run from the repository root, after a build (make test builds compile_commands.json first).
-- weight: 3
package.path = "tests/lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read, write = S.report, S.sh, S.shq, S.read, S.write

local MAKE = "make --no-print-directory NO_DEPS=1"
local TMP = (select(2, sh("mktemp -d -t layercake-build.XXXXXX")):gsub("%s+$", ""))

-- JSON string contents back to text (the escapes compile_c writes: \" and \\).
local function unescape(s) return (s:gsub("\\(.)", "%1")) end

---------------------------------------------------------------------------------------------------
local function test_compile_commands()
    local rc, out = sh(MAKE .. " -s compile_commands.json")
    if not report("build_compile_commands_made", rc == 0, "`make compile_commands.json` failed", out) then return end
    local entries, count, dups = {}, 0, {}
    for file, cmd in (read("compile_commands.json") or ""):gmatch('"file": "([^"]+)",[^\n]-"command": "(.-)" }') do
        if entries[file] then dups[#dups + 1] = file end
        entries[file] = unescape(cmd)
        count = count + 1
    end
    report("build_compile_commands_one_entry_per_file", #dups == 0, "files listed twice: " .. table.concat(dups, " "))
    local dry
    rc, dry = sh(MAKE .. " -n -B V=1 compile_commands.json")
    -- A file built twice (libsys: for the target and for the host tests) has one entry, the
    -- target's; it must be one of make's commands for that file.
    local compiled, commands, n = {}, {}, 0
    for line in dry:gmatch("[^\n]+") do
        local file = line:match(" %-c (%S+%.c) %-o %S+$")
        if file and not line:match("^printf ") then
            if not compiled[file] then n = n + 1 end
            compiled[file] = true
            commands[file] = (commands[file] or "") .. "\n" .. line .. "\n"
        end
    end
    local missing, differ = {}, {}
    for file in pairs(compiled) do
        if not entries[file] then
            missing[#missing + 1] = file
        elseif not commands[file]:find("\n" .. entries[file] .. "\n", 1, true) then
            differ[#differ + 1] = file .. "\n    make:" .. commands[file]:gsub("\n+", "\n      ") .. "  entry: " .. entries[file]
        elseif entries[file]:find(" %-o [^ ]*/host/") and select(2, commands[file]:gsub("\n\n", "")) > 0 then
            differ[#differ + 1] = file .. ": the entry is the host build's, not the target's: " .. entries[file]
        end
    end
    table.sort(missing)
    table.sort(differ)
    report("build_compile_commands_every_c_file", rc == 0 and n > 0 and #missing == 0,
        string.format("%d of the %d C files make compiles are not in compile_commands.json", #missing, n),
        table.concat(missing, "\n"))
    report("build_compile_commands_same_commands", #differ == 0,
        #differ .. " entries differ from the command make runs", table.concat(differ, "\n"))
    local extra = {}
    for file in pairs(entries) do
        if not compiled[file] then extra[#extra + 1] = file end
    end
    table.sort(extra)
    report("build_compile_commands_nothing_stale", #extra == 0 and count > 0,
        #extra .. " entries for files the build does not compile", table.concat(extra, "\n"))
    local areas = {}
    for file in pairs(entries) do areas[file:match("^[^/]+") .. (file:match("^build/gen/(%w+)") or "")] = true end
    report("build_compile_commands_areas", areas.kernel and areas.libsys and areas.user and areas.tests
        and areas.buildkernel ~= nil, "kernel, libsys, user, tests or generated code missing")
end

---------------------------------------------------------------------------------------------------
local function test_targets()
    local rc, help = sh(MAKE .. " help")
    local listed, order = {}, {}
    for target, what in help:gmatch("\nmake (%S+) +([^\n]+)") do listed[target] = what; order[#order + 1] = target end
    local _, first = help:match("^make (%S+) +([^\n]+)")
    if first then
        local target = help:match("^make (%S+)")
        listed[target] = first
        table.insert(order, 1, target)
    end
    report("build_help_lists_targets", rc == 0 and #order >= 15, "`make help` lists " .. #order .. " targets", help)

    local readme = read("README.md") or ""
    local table_text = readme:match("\n## Make targets\n(.-)\n## ") or ""
    local rows = {}
    for target, what in table_text:gmatch("\n| `make ([^`]+)` | ([^\n]-) |") do rows[target] = what end
    local bad = {}
    for target, what in pairs(listed) do
        if rows[target] == nil then
            bad[#bad + 1] = "not in README's table: " .. target
        elseif rows[target]:gsub("`", "") ~= what then
            bad[#bad + 1] = target .. ": README says `" .. rows[target] .. "`, make help `" .. what .. "`"
        end
    end
    for target in pairs(rows) do
        if not listed[target] then bad[#bad + 1] = "in README's table but not in make help: " .. target end
    end
    table.sort(bad)
    report("build_readme_targets_match_help", #bad == 0, #bad .. " differences (the list is the `## ` lines of the Makefile)",
        table.concat(bad, "\n"))

    local _, db = sh(MAKE .. " -pn help 2>/dev/null")
    local unlisted = {}
    for line in db:gmatch("\n%.PHONY: ([^\n]*)") do
        for target in line:gmatch("%S+") do
            if target ~= "FORCE" and not listed[target] then unlisted[#unlisted + 1] = target end
        end
    end
    report("build_help_has_every_phony_target", #unlisted == 0 and db:find("\n%.PHONY: ") ~= nil,
        "targets missing from make help: " .. table.concat(unlisted, " "))
end

---------------------------------------------------------------------------------------------------
-- A stand-in deps script that leaves a mark, so no package manager is ever involved.
local function test_deps_step()
    local mark = TMP .. "/deps-ran"
    local script = TMP .. "/deps.sh"
    write(script, "touch " .. shq(mark) .. "\n")
    local base = "make --no-print-directory DEPS_SCRIPT=" .. shq(script)
    sh(base .. " -n all")
    sh(base .. " -n test")
    local dry = read(mark) ~= nil
    os.remove(mark)
    sh(base .. " help")
    local help = read(mark) ~= nil
    os.remove(mark)
    report("build_dry_run_installs_nothing", not dry, "`make -n` ran the deps step")
    report("build_help_installs_nothing", not help, "`make help` ran the deps step")
    local rc, out = sh(base .. " gen")
    report("build_deps_step_runs_before_a_build", rc == 0 and read(mark) ~= nil,
        "`make gen` did not run the deps step first", out)
    write(script, "echo 'deps: missing everything' >&2; exit 1\n")
    rc, out = sh(base .. " gen")
    report("build_deps_failure_stops_make", rc ~= 0 and out:find("deps: missing everything", 1, true) ~= nil
        and out:find("NO_DEPS=1 skips it", 1, true) ~= nil, "a failing deps step did not stop make", out)
end

---------------------------------------------------------------------------------------------------
-- The generator's environment (gen/gen.mk GEN_ENV) adds its malloc tunables to the caller's
-- GLIBC_TUNABLES, whatever that holds: here blanks, which an unquoted expansion split into words
-- that env then ran as a command. LUA is a script that notes what the generator saw.
local function test_gen_env()
    local seen, lua = TMP .. "/gen-env-seen", TMP .. "/gen-env-lua"
    write(lua, "#!/bin/sh\nprintf '%s\\n' \"$GLIBC_TUNABLES\" >> " .. shq(seen) .. "\nexec lua5.4 \"$@\"\n")
    sh("chmod +x " .. shq(lua))
    local theirs = "glibc.malloc.perturb=0 odd words"
    local rc, out = sh("GLIBC_TUNABLES=" .. shq(theirs) .. " " .. MAKE .. " LUA=" .. shq(lua) .. " BUILD=" ..
        shq(TMP .. "/gen-env") .. " gen")
    local lines = read(seen) or ""
    report("build_gen_env_keeps_callers_tunables",
        rc == 0 and read(TMP .. "/gen-env/gen/abi.h") ~= nil
            and ("\n" .. lines):find("\n" .. theirs .. ":glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=65535\n", 1,
                true) ~= nil,
        "the generator did not run with the caller's tunables and gen.mk's (it saw: " .. lines .. ")", out)
end

---------------------------------------------------------------------------------------------------
local function test_format()
    if sh("command -v clang-format") ~= 0 then
        return report("build_format_check", false, "clang-format is missing (make deps installs it)")
    end
    local rc, out = sh(MAKE .. " format-check")
    report("build_format_check_tree", rc == 0, "C files not in .clang-format's style (`make format` fixes them)", out)
    -- Inside the tree, so clang-format finds .clang-format as it does for every source file.
    local bad = (os.getenv("BUILD") or "build") .. "/tests/format-probe.c"
    write(bad, "int  main( void ){return 0;}\n")
    rc, out = sh(MAKE .. " format-check FORMAT_FILES=" .. shq(bad))
    report("build_format_check_catches", rc ~= 0 and out:find(bad, 1, true) ~= nil,
        "format-check passed a badly formatted file", out)
    rc, out = sh(MAKE .. " format FORMAT_FILES=" .. shq(bad) .. " && " .. MAKE .. " format-check FORMAT_FILES=" .. shq(bad))
    report("build_format_fixes", rc == 0 and read(bad) == "int main(void)\n{\n    return 0;\n}\n",
        "make format did not fix the file: " .. tostring(read(bad)), out)
    os.remove(bad)
end

---------------------------------------------------------------------------------------------------
-- The runner under T=: only the named boot and host test run, and the output ends with the
-- summary and the count line. A record in a scratch log dir names every host suite's tests, so
-- nothing else is run (no record would make the runner ask every suite).
local function run_runner(filter, kernel, build_make)
    local build = TMP .. "/runner"
    sh("mkdir -p " .. shq(build .. "/test-logs"))
    local lines = { "harness 0.10 0.10 results-matcher-empty harness-judge-pass" }
    local _, suites = sh("ls tests/*/suite.lua")
    for area in suites:gmatch("tests/([^/\n]+)/suite%.lua") do lines[#lines + 1] = area .. " 0.10 0.10 none" end
    lines[#lines + 1] = "gen 0.10 0.10 none"
    lines[#lines + 1] = "gen-accepted 0.10 0.10 none"
    lines[#lines + 1] = "luacheck 0.10 0.10 luacheck"
    write(build .. "/test-logs/record", table.concat(lines, "\n") .. "\n")
    return sh(string.format("TEST_BUILD_MAKE=%s BUILD=%s KERNEL_ELF=%s T=%s lua5.4 tests/run.lua",
        shq(build_make or ""), shq(build), shq(kernel or ((os.getenv("BUILD") or "build") .. "/kernel/kernel.elf")),
        shq(filter)))
end

local function test_runner()
    local rc, out = run_runner("harness-catches-panic,matcher-empty")
    local names = {}
    for name in out:gmatch("\nok (%S+)") do names[#names + 1] = name end
    table.sort(names)
    report("runner_filter_selects", rc == 0 and table.concat(names, " ") == "harness-catches-panic results-matcher-empty"
        and out:find("\n2 passed, 0 failed\n$") ~= nil, "T= ran: " .. table.concat(names, " "), out)
    -- The boot left a script that runs it again, with its serial output on stdout.
    local cmd = TMP .. "/runner/test-logs/harness-catches-panic.cmd"
    local rrc, rout = sh("sh " .. shq(cmd) .. " 2>&1")
    report("runner_cmd_reruns_boot", read(cmd) ~= nil and rrc == 3 and rout:find("PANIC: Page fault", 1, true) ~= nil,
        "sh " .. cmd .. " did not boot it again (status " .. tostring(rrc) .. ")", rout)
    rc, out = run_runner("boot-kernel", TMP .. "/no-such-kernel.elf")
    report("runner_failure_summary_last", rc == 1 and out:find("\n1 failed:\n  boot%-kernel  tests/qemu/boots%.lua:%d+  \n"
        .. "      missing [^\n]*no%-such%-kernel%.elf[^\n]*\n0 passed, 1 failed\n$") ~= nil,
        "the summary with file:line and the count line are not the end of the output", out)
    -- The build as the runner's own jobs (TEST_BUILD_MAKE, a stand-in for make here): a stage
    -- that fails is one FAIL with its output's tail, and the boot that needs it does not run; a
    -- host suite that needs nothing runs, and no stage is made for it alone.
    local fail_make = "sh -c 'echo \"$1: building\" >&2; [ $1 = test-build-early ] || " ..
        "{ echo \"make: *** [stand-in] Error 1\"; exit 2; }' make"
    rc, out = run_runner("harness-catches-panic", nil, fail_make)
    report("runner_build_failure_one_fail", rc == 1 and out:find("\nFAIL test%-build%-main: tests/tests%.mk:%d+: " ..
        "`make test%-build%-main` failed %(status 2%)") ~= nil and out:find("stand-in] Error 1", 1, true) ~= nil
        and not out:find("\nok harness%-catches%-panic") and out:find("not run, their build stage failed: " ..
        "harness%-catches%-panic") ~= nil and out:find("\n0 passed, 1 failed\n$") ~= nil,
        "a failed build stage did not give one FAIL with its output, the boot not run", out)
    rc, out = run_runner("coverage", nil, fail_make) -- tests/coverage/suite.lua: `-- needs: none`, 0.1 s
    report("runner_no_build_for_suites_that_need_none", rc == 0 and not out:find("test%-build") and
        out:find("\nok coverage_") ~= nil, "a suite that needs nothing built waited for the build", out)
    rc, out = run_runner("harness-catches-panic", nil, "true")
    report("runner_build_then_boot", rc == 0 and out:find("\nok harness%-catches%-panic") ~= nil and
        out:find("\n1 passed, 0 failed\n$") ~= nil, "the boot did not run after a build stage that passed", out)
end

test_runner()
test_compile_commands()
test_targets()
test_deps_step()
test_gen_env()
test_format()
sh("rm -rf " .. shq(TMP))
S.finish()
