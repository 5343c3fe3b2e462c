-- Values the generator computes from files that rarely change (its modules' bytecode, the words
-- of the runtime headers), kept under build/luac beside the exact text they were computed from:
-- a file there is "KEY PAYLOAD", and it serves only a reader whose key is the same string, so it
-- can never be stale. A missing or unwritable build/ only costs the computation.
local cache = {}

local function read_all(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local text = f:read("a")
    f:close()
    return text
end
cache.read_all = read_all

-- The directory of the cache files of the checkout whose root is root.
function cache.dir(root) return root .. "/build/luac" end

-- The payload stored in path under key, or nil.
function cache.get(path, key)
    local text = read_all(path)
    if text and #text > #key and text:sub(1, #key) == key then return text:sub(#key + 1) end
    return nil
end

-- Store payload in path under key: in a temp file renamed into place, so that a concurrent run
-- reads the old file or the new one, never a part. (A directory that cannot be made is tried
-- once a process: a shell per file would cost more than the cache saves.)
local unwritable = {}
function cache.put(path, key, payload)
    local dir = path:match("^(.*)/")
    if unwritable[dir] then return end
    -- (Two runs that race write the same bytes: the name need only be unlikely to be shared.)
    local tmp = path .. ".tmp" .. tostring({}):match("%x+$") .. os.time() .. math.floor(os.clock() * 1e6)
    local f = io.open(tmp, "wb")
    if not f then
        os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "' 2>/dev/null")
        f = io.open(tmp, "wb")
        if not f then
            unwritable[dir] = true
            return
        end
    end
    local ok = f:write(key, payload)
    ok = f:close() and ok
    if not (ok and os.rename(tmp, path)) then os.remove(tmp) end
end

return cache
