-- A canonical text of a whole model (model.load's result), for proving two ways of building it
-- equal: every table is written once, keys sorted, with its metatable's fields (a token's file);
-- a table met again is written as a reference to where it was first written, so two models
-- that share differently (one read-only empty list, or a copy per syscall) dump differently too.
local M = {}

local function key_text(k)
    if type(k) == "string" then return k end
    return "[" .. tostring(k) .. "]"
end

local function value_text(v)
    if type(v) == "string" then return string.format("%q", v) end
    return tostring(v)
end

local function sorted_keys(t)
    local keys = {}
    for k in pairs(t) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b)
        local ta, tb = type(a), type(b)
        if ta ~= tb then return ta < tb end
        return a < b
    end)
    return keys
end

-- The fields a table reads through its metatable's __index table (a token's file).
local function inherited(t)
    local mt = getmetatable(t)
    local index = mt and mt.__index
    if type(index) ~= "table" then return nil end
    return index
end

function M.dump(m)
    local out, seen, n = {}, {}, 0
    local function put(s)
        n = n + 1
        out[n] = s
    end
    local function walk(t, path, depth)
        if seen[t] then
            put("@" .. seen[t] .. "\n")
            return
        end
        seen[t] = path
        put("{\n")
        local fields = {}
        for _, k in ipairs(sorted_keys(t)) do fields[#fields + 1] = { k, t[k] } end
        local index = inherited(t)
        if index then
            for _, k in ipairs(sorted_keys(index)) do
                if rawget(t, k) == nil then fields[#fields + 1] = { "^" .. key_text(k), index[k] } end
            end
        end
        local indent = (" "):rep(depth + 1)
        for _, kv in ipairs(fields) do
            local k, v = key_text(kv[1]), kv[2]
            if type(v) == "table" then
                put(indent .. k .. " = ")
                walk(v, path .. "." .. k, depth + 1)
            else
                put(indent .. k .. " = " .. value_text(v) .. "\n")
            end
        end
        put((" "):rep(depth) .. "}\n")
    end
    walk(m, "m", 0)
    return table.concat(out)
end

return M
