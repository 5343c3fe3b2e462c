-- What every host suite (tests/AREA/suite.lua) needs: `ok NAME` / `FAIL NAME: why` reporting
-- with indented details, shell commands with their status and output, and small file helpers.
-- Usage: package.path = "tests/lib/?.lua;" .. package.path; local S = require("hostsuite")
local S = {}

local failed = 0

-- Prints the result of one test; details (a string) follow, indented, at most max_lines lines
-- (the last ones). Returns ok.
function S.report(name, ok, why, details, max_lines)
    if ok then
        print("ok " .. name)
    else
        failed = failed + 1
        print("FAIL " .. name .. ": " .. (why or "failed"))
        local lines = {}
        for line in (details or ""):gmatch("[^\n]+") do lines[#lines + 1] = line end
        for i = math.max(1, #lines - (max_lines or #lines) + 1), #lines do print("  " .. lines[i]) end
    end
    io.stdout:flush()
    return ok
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

-- Writes text to path, creating its directory.
function S.write(path, text)
    local dir = path:match("^(.*)/")
    if dir then os.execute("mkdir -p " .. S.shq(dir)) end
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
end

return S
