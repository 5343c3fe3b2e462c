-- Diagnostics: a user error is raised as a table so that the CLI can tell it
-- apart from an internal error (a plain Lua error string).
local diag = {}

local Diag = {}
Diag.__index = Diag

local ESCAPED = { ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

-- s with every byte a terminal would not show as one visible character escaped (controls,
-- and bytes that are not part of valid UTF-8), so that a diagnostic is always one line.
local function printable(s)
    s = tostring(s)
    if not s:find("[%z\1-\31\127-\255]") then return s end
    return (s:gsub("[%z\1-\31\127]", function(c)
        return ESCAPED[c] or string.format("\\x%02X", c:byte())
    end):gsub("[\128-\255]+", function(run)
        -- Keep the valid characters of a run of non-ASCII bytes, escape the rest.
        local out, i = {}, 1
        while i <= #run do
            local ch = run:match("^[\xC2-\xF4][\x80-\xBF]*", i)
            local n = ch and utf8.len(ch) == 1 and #ch == utf8.offset(ch .. " ", 2) - 1 and #ch
            if n then
                out[#out + 1], i = ch, i + n
            else
                out[#out + 1], i = string.format("\\x%02X", run:byte(i)), i + 1
            end
        end
        return table.concat(out)
    end))
end
diag.printable = printable

-- pos is { file, line, col } (col may be nil for whole-line notes).
local function where(pos)
    if pos.col then
        return string.format("%s:%d:%d", printable(pos.file), pos.line, pos.col)
    end
    return string.format("%s:%d", printable(pos.file), pos.line)
end
diag.where = where

function Diag:format()
    local out = { where(self.pos) .. ": error: " .. self.msg }
    for _, note in ipairs(self.notes) do
        out[#out + 1] = where(note.pos) .. ": note: " .. note.msg
    end
    if self.hint then
        out[#out + 1] = "hint: " .. self.hint
    end
    return table.concat(out, "\n")
end

-- Raise a user error. notes is an optional list of { pos, msg }.
function diag.fail(pos, msg, hint, notes)
    notes = notes or {}
    for i, note in ipairs(notes) do notes[i] = { pos = note.pos, msg = printable(note.msg) } end
    error(setmetatable({ pos = pos, msg = printable(msg), hint = hint and printable(hint), notes = notes }, Diag), 0)
end

function diag.is_diag(value)
    return getmetatable(value) == Diag
end

return diag
