-- Kernel line coverage from the coverage kernel's logs (make coverage; kernel/kcov.c).
--
--   lua5.4 tests/coverage/report.lua --elf build/cov/kernel.elf --out build/coverage LOG...
--
-- The coverable points are the kernel's calls to __sanitizer_cov_trace_pc (objdump); each is
-- mapped to its source line and function with addr2line (the innermost inlined frame: the line
-- the code was written on). A log contributes
--   the whole-boot set a coverage kernel prints when QEMU exits: `kcov: text START END`, lines
--     `kcov: ADDR...` (each the 4-byte window holding one call site's return address), `kcov: end N`;
--     a set without its end line (the boot was cut short) is left out and counted;
--   exact PCs, lines `kcov-pc: PC...` (what a guest got from kcov(KCOV_COLLECT), e.g. fuzz-cov's).
-- Writes OUT/report.txt (per file, per function, the summary first) and OUT/index.html (the same
-- tables and every source file with its lines coloured), and prints the summary.
local M = {}

local function shq(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function lines_of(cmd)
    local p = assert(io.popen(cmd))
    local out = {}
    for l in p:lines() do out[#out + 1] = l end
    p:close()
    return out
end

local function read(path)
    local f = io.open(path, "rb")
    if not f then return nil end
    local s = f:read("a")
    f:close()
    return s
end

local function write(path, text)
    local f = assert(io.open(path, "wb"))
    f:write(text)
    f:close()
end

-- The instrumented code: sites (sorted return addresses of every call to the hook) and
-- instrs[i] = { addr, site }: the instructions of instrumented functions with the block they
-- belong to. Each basic block calls the hook near its start, GCC may schedule a few of the
-- block's instructions before the call, so a block starts at a branch target, after a jump or
-- return, or at the function's entry, and its instructions up to the next hook call belong to
-- that call; the rest of a block belongs to the call before it. Padding between functions and
-- blocks without a call of their own are left out.
function M.code(objdump, elf)
    local listing = lines_of(shq(objdump) .. " -d --no-show-raw-insn " .. shq(elf))
    local targets = {}
    for _, l in ipairs(listing) do
        local t = l:match("^%s*%x+:%s+j%a+%s+(%x+) <")
        if t then targets[tonumber(t, 16)] = true end
    end
    local sites, instrs = {}, {}
    local pending, block = {}, nil
    for _, l in ipairs(listing) do
        if l:match("^%x+ <.->:$") then
            pending, block = {}, nil
        else
            local addr, insn = l:match("^%s*(%x+):%s+(.*)$")
            if addr then
                addr = tonumber(addr, 16)
                if insn:find("^jmp%s+%x+ <__sanitizer_cov_trace_pc>") then
                    error(string.format("a tail call of the hook at %x: its return address is not the block's", addr))
                end
                if targets[addr] then pending, block = {}, nil end
                if insn:find("^call%s+%x+ <__sanitizer_cov_trace_pc>") then
                    block = addr + 5
                    sites[#sites + 1] = block
                    for _, p in ipairs(pending) do instrs[#instrs + 1] = { addr = p, site = block } end
                    pending = {}
                end
                if block then instrs[#instrs + 1] = { addr = addr, site = block } else pending[#pending + 1] = addr end
                if insn:find("^jmp%s") or insn:find("^ret") then block = nil end
            end
        end
    end
    table.sort(sites)
    return sites, instrs
end

-- addr -> { file, line, func } from addr2line (the innermost inlined frame: the line the code
-- was written on), for every instruction.
function M.locate(addr2line, elf, instrs, root)
    local tmp = os.tmpname()
    local parts = {}
    for i, ins in ipairs(instrs) do parts[i] = string.format("0x%x", ins.addr) end
    write(tmp, table.concat(parts, "\n") .. "\n")
    local out = lines_of(shq(addr2line) .. " -a -f -i -e " .. shq(elf) .. " < " .. shq(tmp))
    os.remove(tmp)
    local where, cur, i = {}, nil, 1
    local prefix = "^" .. root:gsub("%p", "%%%0") .. "/"
    while i <= #out do
        local a = out[i]:match("^0x(%x+)$")
        if a then
            cur = tonumber(a, 16)
            i = i + 1
        else
            local func, loc = out[i], out[i + 1] or ""
            if cur and not where[cur] then
                local file, line = loc:match("^(.-):(%d+)")
                where[cur] = { file = (file or "??"):gsub(prefix, ""), line = tonumber(line) or 0, func = func }
            end
            i = i + 2
        end
    end
    return where
end

-- The site in [lo, lo + 4) (kernel/kcov.c: call sites are at least 5 bytes apart).
local function site_in(sites, lo)
    local a, b = 1, #sites
    while a <= b do
        local mid = (a + b) // 2
        local s = sites[mid]
        if s < lo then a = mid + 1 elseif s >= lo + 4 then b = mid - 1 else return s end
    end
    return nil
end

-- Adds the PCs of one log's text to hit; returns the number of whole-boot sets, cut sets and
-- exact PCs it held.
function M.read_log(text, sites, hit)
    local sets, cut, exact = 0, 0, 0
    local pending
    for line in text:gmatch("[^\r\n]+") do
        local body = line:match("^kcov:(.*)$")
        local pcs = line:match("^kcov%-pc:(.*)$")
        if body then
            if body:match("^ text ") then
                if pending then cut = cut + 1 end
                pending = {}
            elseif body:match("^ end ") then
                local n = tonumber(body:match("^ end (%d+)"))
                if pending and n == #pending then
                    sets = sets + 1
                    for _, lo in ipairs(pending) do
                        local s = site_in(sites, lo)
                        if s then hit[s] = true end
                    end
                elseif pending then
                    cut = cut + 1
                end
                pending = nil
            elseif pending then
                for h in body:gmatch("%x+") do pending[#pending + 1] = tonumber(h, 16) end
            end
        elseif pcs then
            for h in pcs:gmatch("%x+") do
                local s = site_in(sites, tonumber(h, 16))
                if s then hit[s], exact = true, exact + 1 end
            end
        end
    end
    if pending then cut = cut + 1 end
    return sets, cut, exact
end

-- Per file and function: lines[n] = { blocks = { [site] = true }, nblocks, nhit, fuzz }; a line
-- with code of several blocks is covered when one of them ran, whole when all did. fuzz (may be
-- nil) is the set fuzz-cov's logs reached: lines[n].fuzz and t.fuzz_covered count it apart.
function M.aggregate(instrs, where, hit, fuzz)
    fuzz = fuzz or {}
    local files, funcs = {}, {}
    local function note(t, line, site)
        local l = t.lines[line]
        if not l then
            l = { blocks = {}, nblocks = 0, nhit = 0 }
            t.lines[line] = l
        end
        if not l.blocks[site] then
            l.blocks[site] = true
            l.nblocks = l.nblocks + 1
            if hit[site] then l.nhit = l.nhit + 1 end
            l.fuzz = l.fuzz or fuzz[site] or false
        end
    end
    for _, ins in ipairs(instrs) do
        local w = where[ins.addr]
        if w and w.line > 0 then
            local f = files[w.file]
            if not f then
                f = { name = w.file, lines = {} }
                files[w.file] = f
            end
            note(f, w.line, ins.site)
            local key = w.file .. ":" .. w.func
            local fn = funcs[key]
            if not fn then
                fn = { name = w.func, file = w.file, lines = {} }
                funcs[key] = fn
            end
            note(fn, w.line, ins.site)
        end
    end
    local function count(t)
        local total, covered, by_fuzz = 0, 0, 0
        for _, l in pairs(t.lines) do
            total = total + 1
            if l.nhit > 0 then covered = covered + 1 end
            if l.fuzz then by_fuzz = by_fuzz + 1 end
        end
        t.total, t.covered, t.fuzz_covered = total, covered, by_fuzz
        return t
    end
    local flist, fnlist = {}, {}
    for _, f in pairs(files) do flist[#flist + 1] = count(f) end
    for _, fn in pairs(funcs) do fnlist[#fnlist + 1] = count(fn) end
    table.sort(flist, function(a, b) return a.name < b.name end)
    table.sort(fnlist, function(a, b)
        if a.file ~= b.file then return a.file < b.file end
        return a.name < b.name
    end)
    return flist, fnlist
end

local function pct(covered, total)
    return total > 0 and 100 * covered / total or 100
end

-- The figures of the note: every hand-written kernel file, and the syscall handlers.
M.GROUPS = {
    { name = "kernel (kernel/*.c, kernel/*.h)", match = function(f) return f:match("^kernel/[^/]+$") end },
    { name = "syscall handlers (kernel/sys_*.c, kernel/amc*.c)",
      match = function(f) return f:match("^kernel/sys_[^/]*%.c$") or f:match("^kernel/amc[^/]*%.c$") end },
    { name = "generated (build/gen/kernel/*.c)", match = function(f) return f:match("^build/gen/") end },
}

function M.summary(files)
    local rows = {}
    for _, g in ipairs(M.GROUPS) do
        local total, covered, by_fuzz = 0, 0, 0
        for _, f in ipairs(files) do
            if g.match(f.name) then
                total, covered, by_fuzz = total + f.total, covered + f.covered, by_fuzz + (f.fuzz_covered or 0)
            end
        end
        rows[#rows + 1] = { name = g.name, total = total, covered = covered, pct = pct(covered, total),
                            fuzz_covered = by_fuzz }
    end
    return rows
end

-- with_fuzz: add the column of the lines fuzz-cov's logs reached.
function M.text_report(files, funcs, summary, notes, with_fuzz)
    local function fz(t) return with_fuzz and string.format(" %8d", t.fuzz_covered) or "" end
    local fzh = with_fuzz and string.format(" %8s", "fuzz-cov") or ""
    local out = { "kernel line coverage (make coverage)" }
    for _, n in ipairs(notes) do out[#out + 1] = n end
    out[#out + 1] = ""
    for _, r in ipairs(summary) do
        out[#out + 1] = string.format("%-52s %5d / %5d lines  %5.1f %%", r.name, r.covered, r.total, r.pct) ..
            (with_fuzz and string.format("  (fuzz-cov alone: %d, %.1f %%)", r.fuzz_covered,
                pct(r.fuzz_covered, r.total)) or "")
    end
    out[#out + 1] = ""
    out[#out + 1] = string.format("%-40s %7s %7s %7s", "file", "lines", "covered", "%") .. fzh
    for _, f in ipairs(files) do
        out[#out + 1] = string.format("%-40s %7d %7d %6.1f%%", f.name, f.total, f.covered, pct(f.covered, f.total))
            .. fz(f)
    end
    out[#out + 1] = ""
    out[#out + 1] = string.format("%-56s %7s %7s %7s", "function (file)", "lines", "covered", "%") .. fzh
    for _, fn in ipairs(funcs) do
        out[#out + 1] = string.format("%-56s %7d %7d %6.1f%%", fn.name .. " (" .. fn.file .. ")", fn.total,
            fn.covered, pct(fn.covered, fn.total)) .. fz(fn)
    end
    return table.concat(out, "\n") .. "\n"
end

local function esc(s)
    return (s:gsub("[&<>\"]", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;" }))
end

local function anchor(name)
    return "f-" .. name:gsub("[^%w]", "-")
end

function M.html_report(files, funcs, summary, notes, root, with_fuzz)
    local function fzcell(t) return with_fuzz and string.format("<td>%d</td>", t.fuzz_covered) or "" end
    local fzhead = with_fuzz and "<th>fuzz-cov</th>" or ""
    local h = { [[<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>layercake kernel coverage</title>
<style>
body { font-family: sans-serif; margin: 1em 2em; }
table { border-collapse: collapse; } td, th { padding: 1px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
pre { font-size: 12px; line-height: 1.25; border: 1px solid #ccc; padding: 4px; }
.hit { background: #c8f0c8; } .miss { background: #f6c2c2; } .part { background: #f4e6a6; }
.bar { display: inline-block; height: 10px; background: #4a4; }
.bg { display: inline-block; width: 100px; height: 10px; background: #d44; }
</style></head><body>
<h1>layercake kernel coverage</h1>
<p>Green: every instrumented block of the line ran; yellow: some did; red: none did. Lines
without colour hold no instrumented block. A line marked F was reached by fuzz-cov's programs
(build/fuzzcov/cov); the fuzz-cov columns count those lines.</p>]] }
    for _, n in ipairs(notes) do h[#h + 1] = "<p>" .. esc(n) .. "</p>" end
    h[#h + 1] = "<table><tr><th>part</th><th>covered</th><th>lines</th><th>%</th>" .. fzhead .. "</tr>"
    for _, r in ipairs(summary) do
        h[#h + 1] = string.format("<tr><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td>%s</tr>", esc(r.name),
            r.covered, r.total, r.pct, fzcell(r))
    end
    h[#h + 1] = "</table><h2>Files</h2><table><tr><th>file</th><th>covered</th><th>lines</th><th>%</th><th></th>"
        .. fzhead .. "</tr>"
    for _, f in ipairs(files) do
        local p = pct(f.covered, f.total)
        h[#h + 1] = string.format('<tr><td><a href="#%s">%s</a></td><td>%d</td><td>%d</td><td>%.1f</td>' ..
            '<td><span class="bg"><span class="bar" style="width:%dpx"></span></span></td>%s</tr>',
            anchor(f.name), esc(f.name), f.covered, f.total, p, math.floor(p + 0.5), fzcell(f))
    end
    h[#h + 1] = "</table><h2>Functions</h2><table><tr><th>function</th><th>file</th><th>covered</th>"
        .. "<th>lines</th><th>%</th>" .. fzhead .. "</tr>"
    for _, fn in ipairs(funcs) do
        h[#h + 1] = string.format("<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%.1f</td>%s</tr>",
            esc(fn.name), esc(fn.file), fn.covered, fn.total, pct(fn.covered, fn.total), fzcell(fn))
    end
    h[#h + 1] = "</table>"
    for _, f in ipairs(files) do
        local src = read(root .. "/" .. f.name)
        if src then
            h[#h + 1] = string.format('<h2 id="%s">%s: %d of %d lines (%.1f %%)</h2><pre>', anchor(f.name),
                esc(f.name), f.covered, f.total, pct(f.covered, f.total))
            local n = 0
            for line in (src .. (src:sub(-1) == "\n" and "" or "\n")):gmatch("([^\n]*)\n") do
                n = n + 1
                local l = f.lines[n]
                local cls = l and (l.nhit == l.nblocks and "hit" or l.nhit > 0 and "part" or "miss")
                local text = string.format("%5d %s %s", n, l and l.fuzz and "F" or " ", esc(line))
                h[#h + 1] = cls and ('<span class="' .. cls .. '">' .. text .. "</span>") or text
            end
            h[#h + 1] = "</pre>"
        end
    end
    h[#h + 1] = "</body></html>"
    return table.concat(h, "\n") .. "\n"
end

function M.main(argv)
    local opts = { logs = {}, fuzz_logs = {}, objdump = "i686-linux-gnu-objdump", addr2line = "i686-linux-gnu-addr2line" }
    local i = 1
    while i <= #argv do
        local a = argv[i]
        if a == "--elf" or a == "--out" or a == "--objdump" or a == "--addr2line" then
            opts[a:sub(3)] = argv[i + 1]
            i = i + 2
        elseif a == "--fuzz" then -- a log of fuzz-cov's: counted, and also apart
            opts.logs[#opts.logs + 1] = argv[i + 1]
            opts.fuzz_logs[argv[i + 1]] = true
            i = i + 2
        else
            opts.logs[#opts.logs + 1] = a
            i = i + 1
        end
    end
    if not opts.elf or not opts.out then
        io.stderr:write("usage: lua5.4 tests/coverage/report.lua --elf KERNEL --out DIR [--fuzz LOG]... LOG...\n")
        return 2
    end
    local root = os.getenv("PWD") or "."
    local sites, instrs = M.code(opts.objdump, opts.elf)
    if #sites == 0 then
        io.stderr:write(opts.elf .. ": no calls to __sanitizer_cov_trace_pc: not a coverage kernel (build/cov)\n")
        return 1
    end
    local where = M.locate(opts.addr2line, opts.elf, instrs, root)
    local hit, fuzz = {}, nil
    local sets, cut, exact, logs = 0, 0, 0, 0
    for _, path in ipairs(opts.logs) do
        local text = read(path)
        if text then
            local s, c, e = M.read_log(text, sites, hit)
            if opts.fuzz_logs[path] then
                fuzz = fuzz or {}
                M.read_log(text, sites, fuzz)
            end
            sets, cut, exact = sets + s, cut + c, exact + e
            if s + e > 0 then logs = logs + 1 end
        end
    end
    if logs == 0 then
        io.stderr:write("no coverage in " .. #opts.logs .. " logs: did the boots run the coverage kernel?\n")
        return 1
    end
    local files, funcs = M.aggregate(instrs, where, hit, fuzz)
    local summary = M.summary(files)
    local nhit = 0
    for _ in pairs(hit) do nhit = nhit + 1 end
    local notes = {
        string.format("%d logs with coverage: %d whole-boot sets, %d exact PCs; %d sets cut short (left out)",
            logs, sets, exact, cut),
        string.format("%d of %d instrumented blocks reached", nhit, #sites),
    }
    os.execute("mkdir -p " .. shq(opts.out))
    local text = M.text_report(files, funcs, summary, notes, fuzz ~= nil)
    write(opts.out .. "/report.txt", text)
    write(opts.out .. "/index.html", M.html_report(files, funcs, summary, notes, root, fuzz ~= nil))
    for _, n in ipairs(notes) do print("# " .. n) end
    for _, r in ipairs(summary) do
        print(string.format("# %-52s %5d / %5d lines  %5.1f %%", r.name, r.covered, r.total, r.pct) ..
            (fuzz and string.format("  (fuzz-cov alone: %5.1f %%)", pct(r.fuzz_covered, r.total)) or ""))
    end
    print("# report: " .. opts.out .. "/report.txt, " .. opts.out .. "/index.html")
    return 0
end

if arg and arg[0] and arg[0]:match("report%.lua$") then os.exit(M.main(arg)) end
return M
