-- `make test`: host suites, then QEMU boots. Prints `ok NAME` / `FAIL NAME: reason` per test
-- (details indented by two spaces) and ends with exactly one line `N passed, M failed`;
-- exits non-zero when anything failed. Run from the repository root.

package.path = "tests/qemu/?.lua;" .. package.path
local harness = require("harness")

local lua = os.getenv("LUA") or "lua5.4"
local passed, failed = 0, 0

local function report(r)
    if r.ok then
        passed = passed + 1
        print("ok " .. r.name)
    else
        failed = failed + 1
        print("FAIL " .. r.name .. ": " .. (r.reason or "failed"))
        for _, line in ipairs(r.details or {}) do print("  " .. line) end
        if r.tail and #r.tail > 0 then
            print("  last " .. #r.tail .. " log lines:")
            for _, line in ipairs(r.tail) do print("    " .. line) end
        end
    end
    io.stdout:flush()
end

-- Run a command that follows the test protocol; pass its result lines through.
local function run_suite(name, command)
    local pipe = assert(io.popen(command .. " 2>&1"))
    local results, failures, output = 0, 0, {}
    for line in pipe:lines() do
        output[#output + 1] = line
        local ok_name = line:match("^ok (%S+)")
        local fail_name, reason = line:match("^FAIL ([^:]+):?%s*(.*)$")
        if ok_name then
            results = results + 1
            report({ name = ok_name, ok = true })
        elseif fail_name then
            results = results + 1
            failures = failures + 1
            report({ name = fail_name, ok = false, reason = reason })
        elseif line:match("^  ") then
            print(line) -- details of the preceding result
        end
    end
    local _, _, code = pipe:close()
    if code ~= 0 and failures == 0 then
        report({ name = name, ok = false, reason = "exited with status " .. tostring(code),
                 tail = harness.last_lines(table.concat(output, "\n"), 20) })
    elseif results == 0 then
        report({ name = name, ok = false, reason = "printed no ok/FAIL lines",
                 tail = harness.last_lines(table.concat(output, "\n"), 20) })
    end
end

local function luacheck()
    if os.execute("command -v luacheck >/dev/null 2>&1") ~= true then
        print("# luacheck not installed: skipping lint")
        return
    end
    local targets = {}
    for _, path in ipairs({ "gen", "tests", "kernel/ksyms.lua" }) do
        if harness.file_exists(path) then targets[#targets + 1] = path end
    end
    local pipe = assert(io.popen("luacheck --std lua54 --no-color " .. table.concat(targets, " ") .. " 2>&1"))
    local output = pipe:read("a")
    local ok = pipe:close()
    local details = {}
    for line in output:gmatch("[^\n]+") do
        if line:match(":%d+:%d+:") then details[#details + 1] = (line:gsub("^%s+", "")) end
    end
    report({ name = "luacheck", ok = ok == true, reason = #details .. " warnings or errors", details = details })
end

local started = os.time()

-- Host suites: the generator's, then every tests/AREA/suite.lua (one per area), in name order.
if harness.file_exists("tests/gen/run.lua") then
    run_suite("gen-suite", lua .. " tests/gen/run.lua")
end
local suites = io.popen("ls tests/*/suite.lua 2>/dev/null")
for file in suites:lines() do
    run_suite(file:match("tests/([^/]+)/") .. "-suite", lua .. " " .. file)
end
suites:close()
run_suite("harness-suite", lua .. " tests/qemu/harness_test.lua")
luacheck()

-- QEMU boots.
math.randomseed(os.time())
local env = {
    version = os.getenv("VERSION") or "0.1.0",
    kernel = harness.config.kernel,
    user_progs = os.getenv("USER_PROGS") or "",
    build = os.getenv("BUILD") or "build",
    gdb_port = 20000 + math.random(0, 9999),
    read_file = harness.read_file,
}
-- Boot specs: the foundation's, then every tests/qemu/*_boots.lua (one file per area: user
-- mode, amc, conformance, ...), in name order.
local specs = dofile("tests/qemu/boots.lua")(env)
local listing = io.popen("ls tests/qemu/*_boots.lua 2>/dev/null")
for file in listing:lines() do
    for _, spec in ipairs(dofile(file)(env)) do specs[#specs + 1] = spec end
end
listing:close()
local runnable = {}
for _, spec in ipairs(specs) do
    local image = spec.via == "iso" and harness.config.iso or harness.config.kernel
    if harness.file_exists(image) then
        runnable[#runnable + 1] = spec
    else
        report({ name = spec.name, ok = false, reason = "missing " .. image .. " (run `make test`)" })
    end
end
harness.run(runnable, report)

print(string.format("# %d seconds; logs in %s", os.time() - started, harness.config.logdir))
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1)
