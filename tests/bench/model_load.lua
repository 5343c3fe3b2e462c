-- The generator's front end alone: one model.load (lexer, parser, checks and the scan of the
-- runtime headers) of a definition, under the collector policy of the CLI (gen/cli.lua's cli.gc:
-- stopped while the heap is under its budget). Prints `cpu SECONDS live MB`: the CPU seconds of
-- the load and the heap the model keeps.
--   lua5.4 tests/bench/model_load.lua DEF     (tests/bench/run.lua's model.load rows, best of 3)
package.path = "gen/?.lua;" .. package.path
local model = require("model")
local gc = require("cli").gc

collectgarbage()
local before = collectgarbage("count")
local def = arg[1]
local f = assert(io.open(def, "rb"))
local text = f:read("a")
f:close()
gc.start()
model.tick = gc.check
local t = os.clock()
local m = model.load(text, def)
local cpu = os.clock() - t
model.tick = nil
text = nil -- luacheck: ignore 311
collectgarbage()
io.write(string.format("cpu %.3f live %.1f syscalls %d\n", cpu, (collectgarbage("count") - before) / 1024, #m.syscalls))
