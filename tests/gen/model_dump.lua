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

-- t's keys: the array part 1..n in order, then the other keys sorted (numbers before strings).
local function sorted_keys(t)
    local keys, n = {}, #t
    for i = 1, n do keys[i] = i end
    local nums, strs = {}, {}
    for k in pairs(t) do
        if type(k) == "string" then
            strs[#strs + 1] = k
        elseif math.type(k) ~= "integer" or k < 1 or k > n then
            nums[#nums + 1] = k
        end
    end
    table.sort(nums)
    table.sort(strs)
    for _, k in ipairs(nums) do keys[#keys + 1] = k end
    for _, k in ipairs(strs) do keys[#keys + 1] = k end
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

-- The first difference between two models, as a path ("m.syscalls[3].args[1].max"), or nil if
-- they are equal the way their dumps would be (the same fields and values, through metatables'
-- __index tables too, and the same sharing: a table met twice in one is met at the same places
-- in the other). The same question as comparing dumps, without writing them.
function M.diff(a, b)
    local a_to_b, b_to_a = {}, {}
    local function walk(x, y, path)
        if a_to_b[x] ~= nil or b_to_a[y] ~= nil then
            if a_to_b[x] ~= y or b_to_a[y] ~= x then return path .. " (shared differently)" end
            return nil
        end
        a_to_b[x], b_to_a[y] = y, x
        local count = 0
        for k, v in pairs(x) do
            count = count + 1
            local w = rawget(y, k)
            local at = type(k) == "string" and (path .. "." .. k) or (path .. "[" .. tostring(k) .. "]")
            if type(v) == "table" then
                if type(w) ~= "table" then return at end
                local d = walk(v, w, at)
                if d then return d end
            elseif v ~= w or math.type(v) ~= math.type(w) then
                return at .. " (" .. value_text(v) .. " vs " .. value_text(w) .. ")"
            end
        end
        for _ in pairs(y) do count = count - 1 end
        if count ~= 0 then return path .. " (other fields)" end
        local ix, iy = inherited(x), inherited(y)
        if ix or iy then
            if not (ix and iy) then return path .. " (metatable)" end
            return walk(ix, iy, path .. ".^")
        end
        return nil
    end
    return walk(a, b, "m")
end

return M
