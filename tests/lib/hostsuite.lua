-- What every host suite (tests/AREA/suite.lua) needs: `ok NAME` / `FAIL NAME: why` reporting
-- with indented details, shell commands with their status and output, and small file helpers.
-- Usage: package.path = "tests/lib/?.lua;" .. package.path; local S = require("hostsuite")
-- (the directory on package.path must be tests/lib: hostsuite requires results.lua from it).
local R = require("results")
local S = {}

local failed = 0
local wanted = R.matcher(os.getenv("TEST_FILTER"))
local CWD = (os.getenv("PWD") or ""):gsub("[^/]$", "%0/")

-- file:line of the code that called S.report (the first frame outside tests/lib/): a test whose
-- report is a tail call (`return S.report(...)`) is placed at its caller.
local function caller()
    for level = 3, 12 do
        local info = debug.getinfo(level, "Sl")
        if not info then return nil end
        local src = info.source:sub(1, 1) == "@" and info.source:sub(2) or nil
        if src and info.currentline > 0 and not src:find("tests/lib/[^/]+%.lua$") then
            if CWD ~= "/" and src:sub(1, #CWD) == CWD then src = src:sub(#CWD + 1) end
            return (src:gsub("^%./", "")) .. ":" .. info.currentline
        end
    end
end

-- Prints the result of one test (tests/lib/results.lua's protocol); a failure is placed at the
-- caller's file:line and its details (a string) follow, indented, at most max_lines lines (the
-- last ones). Under `make test T=...` (TEST_FILTER) only the tests it names are printed and
-- counted. Returns ok.
function S.report(name, ok, why, details, max_lines)
    if not wanted(name) then return ok end
    if not ok then failed = failed + 1 end
    print(R.line({ name = name, ok = ok, reason = why, where = not ok and caller() or nil }))
    if not ok then
        local lines = {}
        for line in (details or ""):gmatch("[^\n]+") do lines[#lines + 1] = line end
        for i = math.max(1, #lines - (max_lines or #lines) + 1), #lines do print("  " .. lines[i]) end
    end
    io.stdout:flush()
    return ok
end

-- Passes the results in a test program's output on as this suite's (prefix added to each
-- name); returns the number of results and of failures.
function S.relay(output, prefix)
    local results = R.parse_output(output)
    local bad = 0
    for _, r in ipairs(results) do
        local name = (prefix or "") .. r.name
        if wanted(name) then
            if not r.ok then failed, bad = failed + 1, bad + 1 end
            print(R.line({ name = name, ok = r.ok, reason = r.reason }))
            for _, line in ipairs(r.details) do print("  " .. line) end
        end
    end
    io.stdout:flush()
    return #results, bad
end

function S.failed() return failed end

-- Exits with status 0 when every reported test passed.
function S.finish() os.exit(failed == 0 and 0 or 1) end

-- Quotes s for sh.
function S.shq(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

-- Runs a shell command; returns its exit status and its combined stdout and stderr.
function S.sh(cmd)
    local p = io.popen("(" .. cmd .. ") 2>&1; echo \"__rc=$?\"")
    local out = p:read("a")
    p:close()
    return tonumber(out:match("__rc=(%d+)%s*$")), (out:gsub("__rc=%d+%s*$", ""))
end

-- The whole file, or nil when it cannot be read.
function S.read(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
end

-- Writes text to path, creating its directory when the file cannot be opened without it (a
-- mkdir for every write was a thousand shells per gen-accepted run).
function S.write(path, text)
    local f = io.open(path, "wb")
    if not f then
        local dir = path:match("^(.*)/")
        if dir then os.execute("mkdir -p " .. S.shq(dir)) end
        f = assert(io.open(path, "wb"))
    end
    f:write(text)
    f:close()
end

return S
