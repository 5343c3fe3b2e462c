-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
-- (The collector is tuned in gen/cli.lua, where the model is built and the outputs rendered.)
os.exit(require("cli").main(arg))
