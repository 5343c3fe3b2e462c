-- weight: 1
-- Host tests of issue 18's log readers, on small made-up logs: tests/coverage/report.lua (the
-- coverage kernel's PC sets -> lines, files, functions) and tests/lib/contracts.lua (the
-- never-observed error list), including the hostile cases: a set cut short, PCs outside the
-- kernel, malformed lines.
package.path = "tests/lib/?.lua;tests/coverage/?.lua;" .. package.path
local S = require("hostsuite")
local report = require("report")
local C = require("contracts")

-- Three blocks: 0x1005 (a.c:1-2), 0x1015 (a.c:2, f; b.c:7, g), 0x1030 (b.c:8, g).
local sites = { 0x1005, 0x1015, 0x1030 }
local instrs = {
    { addr = 0x1000, site = 0x1005 }, { addr = 0x1005, site = 0x1005 }, { addr = 0x1010, site = 0x1015 },
    { addr = 0x1015, site = 0x1015 }, { addr = 0x102b, site = 0x1030 },
}
local where = {
    [0x1000] = { file = "a.c", line = 1, func = "f" }, [0x1005] = { file = "a.c", line = 2, func = "f" },
    [0x1010] = { file = "a.c", line = 2, func = "f" }, [0x1015] = { file = "b.c", line = 7, func = "g" },
    [0x102b] = { file = "b.c", line = 8, func = "g" },
}

local function by_name(list)
    local t = {}
    for _, x in ipairs(list) do t[x.name] = x end
    return t
end

do
    local hit = {}
    -- window 0x1004 holds site 0x1005; 0x2000 is no site; the second set has no end line
    local sets, cut = report.read_log(table.concat({
        "boot noise", "kcov: text 1000 2000", "kcov: 1004 2000", "kcov: end 2",
        "kcov: text 1000 2000", "kcov: 1014", "PANIC: cut here",
    }, "\r\n"), sites, hit)
    S.report("coverage_whole_sets_read", sets == 1 and cut == 1 and hit[0x1005] and not hit[0x1015],
        string.format("sets %d cut %d", sets, cut))
end

do
    local hit = {}
    local sets = report.read_log("kcov: text 1000 2000\nkcov: 1004\nkcov: end 5\n", sites, hit)
    S.report("coverage_wrong_count_left_out", sets == 0 and next(hit) == nil)
end

do
    local hit = {}
    local _, _, exact = report.read_log("kcov-pc: 1030 zz 10\nkcov-pc:\n", sites, hit)
    S.report("coverage_exact_pcs", exact == 1 and hit[0x1030] and not hit[0x1005], "exact " .. tostring(exact))
end

do
    local files, funcs = report.aggregate(instrs, where, { [0x1015] = true })
    local f, fn = by_name(files), by_name(funcs)
    local a, b = f["a.c"], f["b.c"]
    S.report("coverage_lines_per_file", a and a.total == 2 and a.covered == 1 and b.total == 2 and b.covered == 1,
        a and string.format("a.c %d/%d", a.covered, a.total))
    -- a.c:2 holds code of a hit and of a missed block: covered, not whole
    local l2 = a and a.lines[2]
    S.report("coverage_line_of_two_blocks", l2 and l2.nblocks == 2 and l2.nhit == 1)
    S.report("coverage_lines_per_function", fn.f and fn.f.covered == 1 and fn.g and fn.g.covered == 1 and
        fn.g.total == 2)
    -- fuzz-cov's set is counted apart: b.c:7 only
    local ffiles = by_name((report.aggregate(instrs, where, { [0x1015] = true, [0x1030] = true }, { [0x1015] = true })))
    S.report("coverage_fuzz_counted_apart", ffiles["b.c"] and ffiles["b.c"].covered == 2 and
        ffiles["b.c"].fuzz_covered == 1 and ffiles["b.c"].lines[7].fuzz and not ffiles["b.c"].lines[8].fuzz)
    local sum = report.summary({ { name = "kernel/sys_io.c", total = 4, covered = 3 },
        { name = "kernel/proc.c", total = 6, covered = 6 }, { name = "build/gen/kernel/x.c", total = 1, covered = 0 } })
    S.report("coverage_summary_groups", sum[1].covered == 9 and sum[1].total == 10 and sum[2].covered == 3 and
        sum[2].total == 4 and sum[3].total == 1)
    local html = report.html_report(files, funcs, sum, { "a <note> & more" }, "/nonexistent")
    S.report("coverage_html_escapes", html:find("a &lt;note&gt; &amp; more", 1, true) ~= nil and
        not html:find("<note>", 1, true))
end

do
    local a = C.parse("contracts: write +EBADF -EFAULT\r\ncontracts: kill -ESRCH -EPERM\nok x\n")
    local b, any = C.parse("contracts: write -EBADF +EFAULT\ncontracts: kill -ESRCH\n")
    local _, none = C.parse("no such lines\n")
    local acc = C.merge(C.merge({}, a), b)
    local list = table.concat(C.unobserved(acc), ",")
    S.report("contracts_unobserved_merged", any and not none and list == "kill EPERM,kill ESRCH", list)
end

do
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. S.shq(dir))
    S.write(dir .. "/one.log", "contracts: read -EBADF -E2BIG\n")
    S.write(dir .. "/two.log", "contracts: read +E2BIG\n")
    S.write(dir .. "/plain.log", "a boot of the plain kernel\n")
    local lines = C.summary(dir)
    local empty = C.summary(dir .. "/missing")
    os.execute("rm -rf " .. S.shq(dir))
    S.report("contracts_summary_line", #lines == 1 and #empty == 0 and
        lines[1] == "error contracts (2 boots): 1 declared errors no boot observed: read EBADF", lines[1])
end

-- Blocks from a disassembly: the prologue and a branch target's leading instruction belong to
-- the next hook call, the padding after a jump to none, a tail jump to the hook is refused.
do
    local listing = table.concat({
        "c0100000 <f>:",
        "c0100000:\tpush   %ebx",
        "c0100001:\tcall   c0109000 <__sanitizer_cov_trace_pc>",
        "c0100006:\tje     c0100010 <f+0x10>",
        "c0100008:\tcall   c0109000 <__sanitizer_cov_trace_pc>",
        "c010000d:\tjmp    c0100020 <f+0x20>",
        "c010000f:\tnop",
        "c0100010:\txor    %ebx,%ebx",
        "c0100012:\tcall   c0109000 <__sanitizer_cov_trace_pc>",
        "c0100017:\tret",
    }, "\n")
    local dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. S.shq(dir))
    S.write(dir .. "/listing", listing .. "\n")
    S.write(dir .. "/objdump", "#!/bin/sh\ncat " .. S.shq(dir .. "/listing") .. "\n")
    os.execute("chmod +x " .. S.shq(dir .. "/objdump"))
    local ok, dsites, dinstrs = pcall(report.code, dir .. "/objdump", "kernel.elf")
    local owner = {}
    for _, ins in ipairs(ok and dinstrs or {}) do owner[ins.addr] = ins.site end
    S.report("coverage_blocks_from_disassembly", ok and #dsites == 3 and owner[0xc0100000] == 0xc0100006 and
        owner[0xc010000d] == 0xc010000d and owner[0xc010000f] == nil and owner[0xc0100010] == 0xc0100017,
        ok and "wrong owners" or tostring(dsites))
    S.write(dir .. "/listing", "c0100000 <f>:\nc0100000:\tjmp    c0109000 <__sanitizer_cov_trace_pc>\n")
    local refused, err = pcall(report.code, dir .. "/objdump", "kernel.elf")
    os.execute("rm -rf " .. S.shq(dir))
    S.report("coverage_tail_call_refused", not refused and tostring(err):find("tail call") ~= nil, tostring(err))
end

S.finish()
