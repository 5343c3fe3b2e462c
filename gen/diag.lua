-- Diagnostics: a user error is raised as a table so that the CLI can tell it
-- apart from an internal error (a plain Lua error string).
local diag = {}

local Diag = {}
Diag.__index = Diag

-- pos is { file, line, col } (col may be nil for whole-line notes).
local function where(pos)
    if pos.col then
        return string.format("%s:%d:%d", pos.file, pos.line, pos.col)
    end
    return string.format("%s:%d", pos.file, pos.line)
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
    error(setmetatable({ pos = pos, msg = msg, hint = hint, notes = notes or {} }, Diag), 0)
end

function diag.is_diag(value)
    return getmetatable(value) == Diag
end

return diag
