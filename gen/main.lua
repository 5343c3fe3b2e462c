-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

-- The generator's modules, compiled once. Compiling them is a third of a run on the real
-- definition (make test runs the generator hundreds of times), loading their bytecode a tenth
-- of that. So a module of this directory is loaded from build/luac/NAME@DIR.luac when that file
-- holds the very source text it was compiled from (and the chunk name, which error messages
-- and debug.getinfo report) followed by its bytecode; else it is compiled as require would and
-- the file written anew (to a temp file renamed into place, so a concurrent run reads the old
-- one or the new one). A missing or unwritable build/ only costs the compile.
local CACHE = dir .. "/../build/luac"
local MAGIC = "layercake luac 1\n"

local function read_all(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local text = f:read("a")
    f:close()
    return text
end

local function write_cache(path, text)
    local tmp = path .. ".tmp" .. tostring({}):match("%x+$")
    local f = io.open(tmp, "wb")
    if not f then
        os.execute("mkdir -p '" .. CACHE:gsub("'", "'\\''") .. "' 2>/dev/null")
        f = io.open(tmp, "wb")
        if not f then return end
    end
    local ok = f:write(text)
    ok = f:close() and ok
    if not (ok and os.rename(tmp, path)) then os.remove(tmp) end
end

table.insert(package.searchers, 2, function(name)
    local file = package.searchpath(name, dir .. "/?.lua")
    local source = file and read_all(file)
    if not source then return nil end
    local chunkname = "@" .. file
    local head = MAGIC .. #chunkname .. " " .. #source .. "\n" .. chunkname .. source
    -- (One file per way of naming this directory: make's gen/ and the tests' absolute path
    -- would otherwise overwrite each other's.)
    local path = CACHE .. "/" .. name .. "@" .. dir:gsub("[^%w%-]", "_") .. ".luac"
    local cached = read_all(path)
    if cached and cached:sub(1, #head) == head then
        local chunk = load(cached:sub(#head + 1), chunkname, "b")
        if chunk then return chunk, file end
    end
    local chunk, err = load(source, chunkname, "t")
    if not chunk then error("error loading module '" .. name .. "' from file '" .. file .. "':\n\t" .. err, 0) end
    write_cache(path, head .. string.dump(chunk))
    return chunk, file
end)

-- (The collector is tuned in gen/cli.lua, where the model is built and the outputs rendered.)
os.exit(require("cli").main(arg))
