-- Where one operation of a guest benchmark row spends its instructions: boots tests/bench/bench.c
-- in its trace mode (the amc rows, a few iterations each) under QEMU with
-- `-icount shift=0 -singlestep -d exec,nochain`, so every executed instruction is one line of the
-- log, maps each address to the kernel or bench symbol that holds it, and prints one iteration
-- of the chosen row: the runs of consecutive instructions per symbol in execution order, then
-- the total per symbol. The figures README's "The amc fast path" quotes come from this.
--
--   make bench                # builds the kernel and the bench programs first
--   lua5.4 tests/bench/trace.lua [--loop FUNC] [--mark SYM] [--per N] [--skip K] [--log FILE]
--
-- An iteration runs from one entry of the user-space function SYM (--mark, default
-- amc_message_send) to the entry N later (--per, default 2: the round trip's two sends), after
-- the first instruction of FUNC (--loop, default bench_amc_round_trip) and K warm-up entries
-- (--skip, default 4). --log FILE reads an existing log instead of booting (a log is about
-- 600 MB, written to build/bench/trace.log). Examples: `--loop bench_amc_call_regs --mark
-- amc_call --per 1` for the register call.

package.path = "tests/qemu/?.lua;tests/bench/?.lua;tests/lib/?.lua;" .. package.path

local M = {}

-- Function symbols of an `nm -n` listing: sorted { addr = n, name = s }.
function M.parse_nm(text)
    local syms = {}
    for addr, kind, name in text:gmatch("(%x+) (%a) ([^\n]+)") do
        if kind:match("[tTwW]") then syms[#syms + 1] = { addr = tonumber(addr, 16), name = name } end
    end
    table.sort(syms, function(a, b) return a.addr < b.addr end)
    return syms
end

-- The name of the symbol holding pc (the last at or below it), or "?".
function M.symbol_at(syms, pc)
    local lo, hi = 1, #syms
    if hi == 0 or pc < syms[1].addr then return "?" end
    while lo < hi do
        local mid = (lo + hi + 1) // 2
        if syms[mid].addr <= pc then lo = mid else hi = mid - 1 end
    end
    return syms[lo].name
end

function M.address_of(syms, name)
    for _, s in ipairs(syms) do
        if s.name == name then return s.addr end
    end
    return nil
end

-- The executed addresses of a `-d exec` log, read line by line ("Trace 0: host [cs/PC/...]").
function M.pcs_of_log(lines)
    local pcs = {}
    for line in lines do
        local pc = line:match("%[%x+/(%x+)/")
        if pc then pcs[#pcs + 1] = tonumber(pc, 16) end
    end
    return pcs
end

-- pcs[first, last) of one iteration: from the (skip+1)th entry of mark after loop's first
-- instruction to the entry per later; nil and a reason when the log has too few.
function M.iteration(pcs, loop, mark, per, skip)
    local start
    for i, pc in ipairs(pcs) do
        if pc == loop then start = i break end
    end
    if not start then return nil, "the loop function never ran" end
    local marks = {}
    for i = start, #pcs do
        if pcs[i] == mark then
            marks[#marks + 1] = i
            if #marks > skip + per then break end
        end
    end
    if #marks < skip + per + 1 then
        return nil, string.format("%d entries of the mark after the loop began, %d needed", #marks,
            skip + per + 1)
    end
    return marks[skip + 1], marks[skip + per + 1]
end

-- Runs (consecutive instructions in one symbol) and per-symbol totals of pcs[first, last).
function M.attribute(syms, pcs, first, last)
    local runs, totals = {}, {}
    for i = first, last - 1 do
        local name = M.symbol_at(syms, pcs[i])
        local run = runs[#runs]
        if run and run.name == name then run.n = run.n + 1 else runs[#runs + 1] = { name = name, n = 1 } end
        totals[name] = (totals[name] or 0) + 1
    end
    local sorted = {}
    for name, n in pairs(totals) do sorted[#sorted + 1] = { name = name, n = n } end
    table.sort(sorted, function(a, b) return a.n > b.n or (a.n == b.n and a.name < b.name) end)
    return runs, sorted
end

local function main(argv)
    local opt = { loop = "bench_amc_round_trip", mark = "amc_message_send", per = 2, skip = 4 }
    local i = 1
    while i <= #argv do
        local key = argv[i]:match("^%-%-(%a+)$")
        if not key or opt[key] == nil and key ~= "log" or argv[i + 1] == nil then
            io.stderr:write("usage: trace.lua [--loop FUNC] [--mark SYM] [--per N] [--skip K] [--log FILE]\n")
            os.exit(2)
        end
        opt[key] = tonumber(opt[key]) and assert(tonumber(argv[i + 1]), key .. " wants a number") or argv[i + 1]
        i = i + 2
    end
    local harness = require("harness")
    local build = os.getenv("BUILD") or "build"
    local kernel = os.getenv("KERNEL_ELF") or (build .. "/kernel/kernel.elf")
    local bench = build .. "/bench/bench.elf"
    local log = opt.log
    if not log then
        log = build .. "/bench/trace.log"
        local args = harness.qemu_args({
            kernel = "plain",
            append = "init=bench args=trace exit=qemu",
            modules = {
                { path = build .. "/user/init.elf", name = "init" },
                { path = bench, name = "bench" },
                { path = build .. "/bench/nop.elf", name = "nop" },
            },
        }, build .. "/bench/trace-serial.log")
        local cmd = "timeout 600 " .. table.concat(args, " ") ..
            " -icount shift=0,sleep=off -singlestep -d exec,nochain -D " .. harness.shq(log) .. " </dev/null"
        local ok = os.execute(cmd)
        local serial = harness.read_file(build .. "/bench/trace-serial.log") or ""
        if not serial:find("bench done", 1, true) then
            io.stderr:write("trace: the traced boot did not finish (" .. tostring(ok) .. "):\n" .. serial .. "\n")
            os.exit(1)
        end
    end
    local syms = {}
    for _, elf in ipairs({ kernel, bench }) do
        local p = assert(io.popen("nm -n " .. harness.shq(elf)))
        for _, s in ipairs(M.parse_nm(p:read("a"))) do syms[#syms + 1] = s end
        p:close()
    end
    table.sort(syms, function(a, b) return a.addr < b.addr end)
    local loop, mark = M.address_of(syms, opt.loop), M.address_of(syms, opt.mark)
    if not loop or not mark then
        io.stderr:write("trace: no symbol " .. (loop and opt.mark or opt.loop) .. "\n")
        os.exit(1)
    end
    local f = assert(io.open(log))
    local pcs = M.pcs_of_log(f:lines())
    f:close()
    local first, last = M.iteration(pcs, loop, mark, opt.per, opt.skip)
    if not first then
        io.stderr:write("trace: " .. last .. "\n")
        os.exit(1)
    end
    local runs, totals = M.attribute(syms, pcs, first, last)
    print(string.format("%s, one iteration (%d entries of %s): %d instructions", opt.loop, opt.per,
        opt.mark, last - first))
    for _, r in ipairs(runs) do print(string.format("%6d  %s", r.n, r.name)) end
    print("per symbol:")
    for _, t in ipairs(totals) do print(string.format("%6d  %s", t.n, t.name)) end
end

if arg and arg[0] and arg[0]:match("trace%.lua$") then main(arg) end
return M
