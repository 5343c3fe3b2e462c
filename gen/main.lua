-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
-- A short run that keeps most of what it allocates: collect at 4x the live heap, not 2x.
collectgarbage("setpause", 400)
os.exit(require("cli").main(arg))
