-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
-- The model lives through the whole run, the lines of each output die young: a generational
-- collector leaves the model alone and frees the lines (a 50,000-syscall run: half the memory of
-- an incremental one that waits for 4x the live heap, in the same time).
collectgarbage("generational")
os.exit(require("cli").main(arg))
