-- weight: 1
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
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

-- Success paths on the fixture: a path's sites are the blocks of its function's marked line; a
-- fuzz-cov call counts when its PCs (fc-call / fc-pcs lines, deltas after the first) reach one,
-- a make test boot when its whole-boot set does; a marker that matches nothing says so.
do
    local paths = {
        { name = "g's end", func = "g", marker = "ok_line", flows = { "kill(pid from fork)", "never" } },
        { name = "gone", func = "f", marker = "no such text" },
        { name = "wrong function", func = "f", marker = "ok_line" },
    }
    local text = { ["b.c"] = { [7] = "int g(void) {", [8] = "    return ok_line;" }, ["a.c"] = { "x", "y" } }
    report.path_sites(paths, instrs, where, function(file, line) return text[file] and text[file][line] end)
    local calls = {}
    report.read_calls(table.concat({
        "fc-start 1", "fc-call 1 0 0 1030", "fc-call 1 1 0 1005 10", "fc-pcs 1 1 1030 zz",
        "fc-call 2 0 fffffff2 -", "fc-call 3 0 0 1000 2b", "fc-call bad",
    }, "\r\n"), sites, calls, "log1:")
    report.read_calls("fc-call 1 0 0 1030\n", sites, calls, "log2:")
    report.count_paths(paths, calls, { { [0x1030] = true }, { [0x1005] = true } },
        report.read_flows("kill(pid from fork) 3\nwaitpid(pid from spawn) 4\n"))
    local g = paths[1]
    S.report("coverage_path_sites_from_marker", g.nsites == 1 and g.sites[0x1030] and g.file == "b.c" and
        g.line == 8 and paths[2].nsites == 0 and paths[3].nsites == 0,
        string.format("%d sites at %s:%s", g.nsites, tostring(g.file), tostring(g.line)))
    -- calls 1 0 and 1 1 of log1 and 1 0 of log2 reach 0x1030; 3 0 reaches 0x1000 + 0x2b = 0x102b: no site
    S.report("coverage_path_fuzz_calls_counted", g.fuzz == 3 and g.boots == 1 and paths[2].fuzz == 0,
        string.format("fuzz %d boots %d", g.fuzz, g.boots))
    S.report("coverage_path_flows", g.flow_counts[1][2] == 3 and g.flow_counts[2][2] == 0)
    local out = report.paths_text(paths)
    S.report("coverage_path_text", out:find("g's end%s+fuzz%-cov%s+3 calls%s+make test%s+1 boots") ~= nil and
        out:find("gone%s+MARKER NOT FOUND: no such text in f") ~= nil and
        out:find("kill%(pid from fork%)%s+3 successful corpus calls") ~= nil, out)
end

-- Code nothing refers to: from the entry and the data words, following calls, jumps,
-- immediates and fall-through (but not through the padding after a jump); a reached site inside
-- it proves the analysis wrong, and then nothing is left out.
do
    local listing = {
        "00100000 <_start>:", "  100000:\tmov    $0xc0100010,%ecx", "  100005:\tjmp    *%ecx",
        "c0100000 <dead_one>:", "c0100000:\tcall   c0109000 <__sanitizer_cov_trace_pc>", "c0100005:\tret",
        "c0100008:\txchg   %ax,%ax",
        "c0100010 <main>:", "c0100010:\tcall   c0100020 <f>", "c0100015:\tmov    $0xc0100040,%eax",
        "c010001a:\tret", "c010001c:\tlea    0x0(%esi,%eiz,1),%esi",
        "c0100020 <f>:", "c0100020:\tje     c0100028 <f+0x8>", "c0100022:\tnop", "c0100028:\tinc    %eax",
        "c0100030 <g>:", "c0100030:\tret",
        "c0100040 <h>:", "c0100040:\tret",
        "c0100050 <by_table>:", "c0100050:\tret",
    }
    local words = report.data_words({ "Contents of section .data:", " c0110000 500010c0 00000000  P......." })
    local dead = report.dead_ranges(listing, words, 0x100000)
    local names = {}
    for _, r in ipairs(dead) do names[#names + 1] = r.name end
    -- f falls through into g; h is an immediate of main; by_table a data word; dead_one only padding
    S.report("coverage_dead_code", table.concat(names, " ") == "dead_one", table.concat(names, " "))
    local ins = { { addr = 0xc0100000, site = 0xc0100005 }, { addr = 0xc0100010, site = 0xc0100015 } }
    local kept, used, wrong = report.without_dead(ins, dead, {})
    local _, none, proof = report.without_dead(ins, dead, { [0xc0100005] = true })
    S.report("coverage_dead_code_left_out", #kept == 1 and #used == 1 and not wrong and #none == 0 and
        proof and proof.name == "dead_one")
end

-- A log of another kernel build (its text elsewhere) is told apart.
do
    local range = "kernel_text_start=4096 kernel_text_end=8192 "
    S.report("coverage_other_build_left_out", report.same_build("x\nkcov: text 1000 2000\nkcov: end 0\n", range)
        and not report.same_build("kcov: text 1000 2004\n", range) and report.same_build("no set\n", range))
end

-- Every marker of the report's success paths is a line of the kernel's sources (a change there
-- must move the marker with it).
do
    local missing = {}
    local src = ""
    for file in io.popen("ls kernel/*.c"):lines() do src = src .. (S.read(file) or "") end
    for _, p in ipairs(report.SUCCESS_PATHS) do
        if not src:find(p.marker, 1, true) or not src:find("[%s%*]" .. p.func .. "%(") then
            missing[#missing + 1] = p.func .. ": " .. p.marker
        end
    end
    S.report("coverage_success_path_markers_in_kernel", #missing == 0, table.concat(missing, "; "))
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
