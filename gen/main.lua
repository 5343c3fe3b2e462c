-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

-- The generator's modules, compiled once. Compiling them is a third of a run on the real
-- definition (make test runs the generator hundreds of times), loading their bytecode a tenth
-- of that. So a module of this directory is loaded from build/luac/NAME@DIR.luac (gen/cache.lua)
-- when that file holds the very source text it was compiled from, and the chunk name (which
-- error messages and debug.getinfo report); else it is compiled as require would and the file
-- written anew. (One file per way of naming this directory: make's gen/ and the tests' absolute
-- path would otherwise overwrite each other's.)
local cache = dofile(dir .. "/cache.lua")
package.loaded.cache = cache
local MAGIC = "layercake luac 1\n"

table.insert(package.searchers, 2, function(name)
    local file = package.searchpath(name, dir .. "/?.lua")
    local source = file and cache.read_all(file)
    if not source then return nil end
    local chunkname = "@" .. file
    local key = MAGIC .. #chunkname .. " " .. #source .. "\n" .. chunkname .. source
    local path = cache.dir(dir .. "/..") .. "/" .. name .. "@" .. dir:gsub("[^%w%-]", "_") .. ".luac"
    local bytecode = cache.get(path, key)
    local chunk = bytecode and load(bytecode, chunkname, "b")
    if chunk then return chunk, file end
    local err
    chunk, err = load(source, chunkname, "t")
    if not chunk then error("error loading module '" .. name .. "' from file '" .. file .. "':\n\t" .. err, 0) end
    cache.put(path, key, string.dump(chunk))
    return chunk, file
end)

-- (The collector is tuned in gen/cli.lua, where the model is built and the outputs rendered.)
os.exit(require("cli").main(arg))
