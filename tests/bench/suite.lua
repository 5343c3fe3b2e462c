-- Host tests of tests/bench/trace.lua's parts (a symbol table from nm, addresses from a QEMU
-- `-d exec` log, one iteration cut out and attributed), on small made-up inputs; the traced boot
-- itself is too slow for make test.
-- weight: 0.2
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
package.path = "tests/lib/?.lua;tests/bench/?.lua;" .. package.path
local S = require("hostsuite")
local report = S.report
local T = require("trace")

local NM = table.concat({
    "c0100000 T kentry",
    "c0100010 t helper",
    "c0100020 D some_data",
    "c0100030 W weak_fn",
    "00400000 T user_main",
    "00400040 T send",
}, "\n") .. "\n"

local syms = T.parse_nm(NM)
report("trace_nm_functions_only", #syms == 5 and T.address_of(syms, "some_data") == nil,
    #syms .. " symbols")
report("trace_nm_sorted", syms[1].name == "user_main" and syms[#syms].name == "weak_fn")
report("trace_symbol_at",
    T.symbol_at(syms, 0x00400000) == "user_main" and T.symbol_at(syms, 0x0040003f) == "user_main" and
    T.symbol_at(syms, 0x00400040) == "send" and T.symbol_at(syms, 0xc0100015) == "helper" and
    T.symbol_at(syms, 0x1000) == "?" and T.symbol_at({}, 5) == "?")

local LOG = {
    "Trace 0: 0x7f00 [00000000/00400000/00000040/ff020201] ",
    "Chain 0: not a trace line",
    "Trace 0: 0x7f10 [00000000/00400040/00000040/ff020201] ",
    "Trace 0: 0x7f20 [00000000/c0100000/00000040/ff020201] ",
    "Trace 0: 0x7f30 [00000000/c0100010/00000040/ff020201] ",
    "Trace 0: 0x7f30 [00000000/c0100012/00000040/ff020201] ",
    "Trace 0: 0x7f10 [00000000/00400040/00000040/ff020201] ",
    "Trace 0: 0x7f20 [00000000/c0100000/00000040/ff020201] ",
    "Trace 0: 0x7f10 [00000000/00400040/00000040/ff020201] ",
}
local i = 0
local pcs = T.pcs_of_log(function() i = i + 1 return LOG[i] end)
report("trace_log_addresses", #pcs == 8 and pcs[1] == 0x00400000 and pcs[3] == 0xc0100000, #pcs .. " addresses")

local first, last = T.iteration(pcs, 0x00400000, 0x00400040, 1, 1)
report("trace_iteration_bounds", first == 6 and last == 8, tostring(first) .. ".." .. tostring(last))
local none, why = T.iteration(pcs, 0x00400000, 0x00400040, 2, 1)
report("trace_iteration_too_short", none == nil and why:find("3 entries of the mark", 1, true) ~= nil and
    why:find("4 needed", 1, true) ~= nil, why)
report("trace_iteration_no_loop", T.iteration(pcs, 0x1234, 0x00400040, 1, 0) == nil)

local runs, totals = T.attribute(syms, pcs, 2, 6)
report("trace_attribute_runs", #runs == 3 and runs[1].name == "send" and runs[2].name == "kentry" and
    runs[3].name == "helper" and runs[3].n == 2, #runs .. " runs")
report("trace_attribute_totals", totals[1].name == "helper" and totals[1].n == 2 and #totals == 3)

S.finish()
