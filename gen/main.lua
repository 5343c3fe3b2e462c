-- Thin entry point: lua5.4 gen/main.lua --def abi/syscalls.def --out build/gen ...
local dir = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
os.exit(require("cli").main(arg))
