-- The test protocol, in one place: every host suite, guest program and runner speaks it, and
-- this module is the only code that writes or reads it.
--
--   ok NAME                  a test passed
--   FAIL NAME: REASON        a test failed; a REASON that starts with `FILE:LINE: ` says where
--                            (guest CHECK lines do, and so does every host suite's report)
--     detail                 lines indented by two spaces belong to the result above them
--   plan NAME NAME ...       (guest programs) every test the program will report
--   # note                   anything else worth reading; not a result
--
-- NAME has no spaces and no colon. The runners (tests/run.lua, tests/fuzz/run.lua) collect
-- results with R.reporter(), which prints them, counts them, lists every failure with its
-- file:line and log at the end, and prints the last line, `N passed, M failed`.
local R = {}

-- The result on one line of output, or nil: { name, ok, reason, where }.
function R.parse(line)
    line = line:gsub("\r", "")
    local name = line:match("^ok (%S+)%s*$")
    if name then return { name = name, ok = true } end
    local fail, reason = line:match("^FAIL ([^%s:]+):? ?(.*)$")
    if not fail then return nil end
    reason = reason:gsub("%s+$", "")
    return { name = fail, ok = false, reason = reason ~= "" and reason or "failed", where = R.where(reason) }
end

-- The names of a `plan` line, or nil.
function R.parse_plan(line)
    local list = line:gsub("\r", ""):match("^plan%s+(.+)$")
    if not list then return nil end
    local names = {}
    for name in list:gmatch("%S+") do names[#names + 1] = name end
    return names
end

-- `FILE:LINE` at the start of a reason, or nil.
function R.where(reason)
    return reason and reason:match("^([%w_%./%-]+%.%w+:%d+): ")
end

-- The protocol line of a result (reason prefixed with its place when the result has one).
function R.line(r)
    if r.ok then return "ok " .. r.name end
    local reason = r.reason or "failed"
    if r.where and R.where(reason) ~= r.where then reason = r.where .. ": " .. reason end
    return "FAIL " .. r.name .. ": " .. reason
end

-- Every result (with the details that follow it) in a program's output, in order. Lines that
-- are neither results nor details are returned as notes.
function R.parse_output(text)
    local results, notes, last = {}, {}, nil
    for line in (text or ""):gmatch("[^\n]+") do
        local r = R.parse(line)
        if r then
            r.details = {}
            results[#results + 1] = r
            last = r
        elseif line:match("^  ") and last then
            last.details[#last.details + 1] = line:sub(3)
        else
            notes[#notes + 1] = line
            last = nil
        end
    end
    return results, notes
end

-- Does a name match the test filter (`make test T=...`)? The filter is a comma-separated list
-- of words; a word matches a name containing it, `*` standing for any text.
function R.matcher(filter)
    if not filter or filter == "" then return function() return true end end
    local patterns = {}
    for word in filter:gmatch("[^,%s]+") do
        patterns[#patterns + 1] = word:gsub("[%^%$%(%)%%%.%[%]%+%-%?]", "%%%0"):gsub("%*", ".*")
    end
    return function(name)
        for _, p in ipairs(patterns) do
            if name:find(p) then return true end
        end
        return false
    end
end

-- The last n lines of a log, without carriage returns and escape characters.
function R.last_lines(text, n)
    local lines = {}
    for line in (text or ""):gmatch("[^\n]*") do lines[#lines + 1] = (line:gsub("[\r\27]", "")) end
    while #lines > 0 and lines[#lines] == "" do lines[#lines] = nil end
    return table.move(lines, math.max(1, #lines - n + 1), #lines, 1, {})
end

-- A collector of results for a runner. add(r) prints r and counts it; r may carry details (a
-- list of lines), tail (the log lines to show once, with the first failure of its job), log (the
-- log's path) and where. finish() prints the failures again, one line each with file:line and log,
-- then `N passed, M failed` as the last line, and returns the exit status (1 when anything failed).
function R.reporter(out)
    out = out or io.stdout
    local self = { passed = 0, failed = 0, failures = {} }
    local function say(s) out:write(s, "\n") end

    function self.add(r)
        if r.ok then
            self.passed = self.passed + 1
        else
            self.failed = self.failed + 1
            self.failures[#self.failures + 1] = r
        end
        say(R.line(r))
        for _, line in ipairs(r.details or {}) do say("  " .. line) end
        if not r.ok and r.tail and #r.tail > 0 then
            say("  last " .. #r.tail .. " lines of " .. (r.log or "the log") .. ":")
            for _, line in ipairs(r.tail) do say("    " .. line) end
        end
        out:flush()
    end

    -- A line for a note (`# ...`).
    function self.note(text) say("# " .. text); out:flush() end

    function self.finish()
        if #self.failures > 0 then
            say("")
            say(#self.failures .. " failed:")
            for _, r in ipairs(self.failures) do
                local reason = r.reason or "failed"
                local where = r.where or R.where(reason)
                if where and reason:sub(1, #where + 2) == where .. ": " then reason = reason:sub(#where + 3) end
                if #reason > 100 then reason = reason:sub(1, 97) .. "..." end
                say(string.format("  %s  %s%s%s", r.name, where and (where .. "  ") or "",
                    r.spec_where and ("(" .. r.spec_where .. ")  ") or "", r.log and ("log " .. r.log) or ""))
                say("      " .. reason)
            end
        end
        say(string.format("%d passed, %d failed", self.passed, self.failed))
        out:flush()
        return self.failed == 0 and 0 or 1
    end
    return self
end

return R
