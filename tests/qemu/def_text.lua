-- Texts of abi/syscalls.def for boot specs that match what programs print: the text of error
-- NAME (what strerror returns) as a Lua pattern, read from the definition rather than copied
-- (tests/gen/facts.lua refuses copies).
local M = {}

local def

function M.error_text(name)
    if not def then
        local f = assert(io.open("abi/syscalls.def", "rb"))
        def = f:read("a")
        f:close()
    end
    local text = assert(def:match("\nerror " .. name .. " %d+ \"([^\"]*)\""), "abi/syscalls.def has no error " .. name)
    return (text:gsub("%p", "%%%0"))
end

return M
