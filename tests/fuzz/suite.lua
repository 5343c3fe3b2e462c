-- The robustness area's host suite in `make test` (tests/run.lua runs every tests/AREA/suite.lua):
-- a few hundred mutated definitions through the generator. `make fuzz` runs 10,000
-- (tests/fuzz/run.lua).
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path
local ok = require("gen_fuzz").main({ "cases=400", "compile=12", "cli=20" })
os.exit(ok and 0 or 1)
