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
--   fuzz-cov's per-call PCs, lines `fc-call ID K RET PCS` / `fc-pcs ID K PCS` (tests/fuzzcov/exec.c),
--     in its logs (--fuzz LOG): they count, per success path, the calls that reached it.
-- Writes OUT/report.txt (per file, per function, the summary first, then the success paths) and
-- OUT/index.html (the same tables and every source file with its lines coloured), and prints
-- the summary and the success paths.
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

-- The code no path of this kernel can reach: the symbols of the listing (objdump -d) that
-- nothing refers to, starting from the entry point and every 4-byte word of the data sections
-- (data_words: function pointers, interrupt tables), then following the direct calls and jumps,
-- the address immediates and the fall-through of a block that does not end in a jump or return.
-- A coverage kernel that leaves out the code that would install something (kernel/syscall.c
-- never opens the amc fast path under kcov) keeps that something linked but unreachable: its
-- lines cannot be covered and are left out of the figures. Returns { {lo, hi, name} } sorted.
function M.dead_ranges(listing, data_words, entry)
    local blocks, at = {}, {}
    for _, l in ipairs(listing) do
        local a, name = l:match("^(%x+) <(.-)>:$")
        if a then
            local b = { name = name, lo = tonumber(a, 16), refs = {}, falls = true }
            blocks[#blocks + 1] = b
            at[b.lo] = b
        elseif #blocks > 0 then
            local addr, insn = l:match("^%s*(%x+):%s+(.*)$")
            if addr then
                local b = blocks[#blocks]
                b.hi = tonumber(addr, 16) + 1
                local target = insn:match("^%a+%s+(%x+) <")
                if target then b.refs[tonumber(target, 16)] = true end
                for t in insn:gmatch("%$0x(%x+)") do b.refs[tonumber(t, 16)] = true end
                local padding = insn:find("^nop") or insn:find("^xchg%s+%%ax,%%ax") or insn:find("^lea%s+0x0%(")
                    or insn:find("^data16") or insn:find("^cs nop") or insn:find("^int3")
                if not padding then -- the alignment after a jump runs into the next symbol but is never run
                    b.falls = not (insn:find("^jmp%s") or insn:find("^ret") or insn:find("^iret") or insn:find("^ud2"))
                end
            end
        end
    end
    table.sort(blocks, function(x, y) return x.lo < y.lo end)
    local function block_of(addr) -- the block holding addr (binary search)
        if at[addr] then return at[addr] end
        local lo, hi = 1, #blocks
        while lo <= hi do
            local mid = (lo + hi) // 2
            local b = blocks[mid]
            if addr < b.lo then hi = mid - 1
            elseif b.hi and addr >= b.hi then lo = mid + 1
            else return b end
        end
    end
    local live, todo = {}, {}
    local function reach(b)
        if b and not live[b] then
            live[b] = true
            todo[#todo + 1] = b
        end
    end
    reach(block_of(entry))
    for w in pairs(data_words) do reach(at[w]) end
    local order = {}
    for i, b in ipairs(blocks) do order[b] = i end
    while #todo > 0 do
        local b = table.remove(todo)
        for addr in pairs(b.refs) do reach(block_of(addr)) end
        if b.falls then reach(blocks[order[b] + 1]) end
    end
    local dead = {}
    for _, b in ipairs(blocks) do
        if not live[b] and b.hi then dead[#dead + 1] = { lo = b.lo, hi = b.hi, name = b.name } end
    end
    return dead
end

-- instrs without those in dead ranges, and the dead ranges that held instrumented code; when
-- one of those sites was reached (hit), the analysis is wrong: instrs as they are, no ranges,
-- and the contradicting range.
function M.without_dead(instrs, dead, hit)
    local kept, used = {}, {}
    for _, ins in ipairs(instrs) do
        local d
        for _, r in ipairs(dead) do
            if ins.addr >= r.lo and ins.addr < r.hi then d = r end
        end
        if d and hit[ins.site] then return instrs, {}, d end
        if d then used[d] = true else kept[#kept + 1] = ins end
    end
    local list = {}
    for _, r in ipairs(dead) do
        if used[r] then list[#list + 1] = r end
    end
    return kept, list
end

-- False when log's whole-boot set names a kernel text other than text_range ("kernel_text_start=N
-- kernel_text_end=M ", from nm): the log comes from another build. A log without a set, or no
-- range known, passes.
function M.same_build(log, text_range)
    local ts, te = ("\n" .. log):match("\nkcov: text (%x+) (%x+)")
    if not ts or not text_range then return true end
    return text_range:find("kernel_text_start=" .. tonumber(ts, 16) .. " ", 1, true) ~= nil and
        text_range:find("kernel_text_end=" .. tonumber(te, 16) .. " ", 1, true) ~= nil
end

-- The 4-byte words of the data sections (objdump -s), as a set.
function M.data_words(dump)
    local words = {}
    for _, l in ipairs(dump) do
        local rest = l:match("^ %x+ (.*)$")
        for g in (rest or ""):sub(1, 35):gmatch("(%x%x%x%x%x%x%x%x)") do
            local b1, b2, b3, b4 = g:match("(%x%x)(%x%x)(%x%x)(%x%x)")
            words[tonumber(b4 .. b3 .. b2 .. b1, 16)] = true
        end
    end
    return words
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

-- ---- success paths: the code issue 18 asks fuzz-cov to reach ----

-- Each path is named by its function and a marker: the text of the line (in that function) whose
-- blocks run only on that path. A marker that matches no instrumented line of the kernel is
-- reported as such (the kernel changed: the marker needs updating), never silently counted as
-- unreached. flows: fuzz-cov's corpus calls that succeeded with a resource from a producer
-- (build/fuzzcov/cov/flows.txt, written by tests/fuzzcov/loop.lua), shown with the path.
M.SUCCESS_PATHS = {
    { name = "amc_call answered by its server (register reply)", func = "answer",
      marker = "call->words[1] = len > 4", flows = { "amc_call(h from amc_open)" } },
    { name = "amc_call_buf answered by its server (buffer reply)", func = "answer",
      marker = "copy_with_proc(c, call->buf, (uint8_t *)buf, len, 1)", flows = { "amc_call_buf(h from amc_open)" } },
    { name = "amc_reply_wait receiving a call", func = "receive_call", marker = "res->caller = call->badge",
      flows = { "amc_reply_wait(badge from amc_reply_wait.caller)" } },
    { name = "amc_reply_wait receiving a plain message", func = "receive_message",
      marker = "res->caller = AMC_NO_CALL" },
    { name = "a blocking await woken by a send (hand_over)", func = "hand_over", marker = "to->delivered =" },
    { name = "amc_message_await taking a queued message", func = "deliver", marker = "amc_unqueue(" },
    { name = "waitpid reaping a child (fork's, spawn's)", func = "proc_wait", marker = "int32_t cpid = c->pid;",
      flows = { "waitpid(pid from fork)", "waitpid(pid from spawn)" } },
    { name = "kill of an own child (fork's, spawn's)", func = "proc_kill", marker = "proc_end(p, &how)",
      flows = { "kill(pid from fork)", "kill(pid from spawn)" } },
}

-- The sites of each path (path.sites, a set): the blocks of the lines of path.func whose source
-- text contains path.marker. source(file, line) -> text or nil.
function M.path_sites(paths, instrs, where, source)
    for _, p in ipairs(paths) do p.sites, p.nsites = {}, 0 end
    for _, ins in ipairs(instrs) do
        local w = where[ins.addr]
        for _, p in ipairs(paths) do
            if w and w.func == p.func and not p.sites[ins.site] and
                (source(w.file, w.line) or ""):find(p.marker, 1, true) then
                p.sites[ins.site], p.nsites, p.file, p.line = true, p.nsites + 1, w.file, p.line or w.line
            end
        end
    end
end

-- The PC sets of fuzz-cov's calls in one log: { [ "ID K" ] = { [site] = true } }, added to calls
-- under the key prefix .. ID K (two logs may use the same ids).
function M.read_calls(text, sites, calls, prefix)
    for line in text:gmatch("[^\r\n]+") do
        local kind, id, k, rest = line:match("^(fc%-%a+) (%x+) (%x+) ?(.*)$")
        if kind == "fc-call" or kind == "fc-pcs" then
            local key = prefix .. id .. " " .. k
            local set = calls[key] or {}
            calls[key] = set
            local words, prev = {}, 0
            for w in rest:gmatch("%S+") do words[#words + 1] = w end
            for i = kind == "fc-call" and 2 or 1, #words do
                local d = tonumber(words[i], 16)
                if not d then break end
                prev = prev + d
                local site = site_in(sites, prev)
                if site then set[site] = true end
            end
        end
    end
end

-- Per path: fuzz = fuzz-cov calls whose PCs include one of its sites, boots = make test logs
-- whose whole-boot set does, flows = { {key, count} }.
function M.count_paths(paths, calls, boot_sets, flows)
    for _, p in ipairs(paths) do
        p.fuzz, p.boots, p.flow_counts = 0, 0, {}
        for _, set in pairs(calls) do
            for site in pairs(p.sites) do
                if set[site] then
                    p.fuzz = p.fuzz + 1
                    break
                end
            end
        end
        for _, set in ipairs(boot_sets) do
            for site in pairs(p.sites) do
                if set[site] then
                    p.boots = p.boots + 1
                    break
                end
            end
        end
        for _, key in ipairs(p.flows or {}) do p.flow_counts[#p.flow_counts + 1] = { key, (flows or {})[key] or 0 } end
    end
end

-- The "KEY COUNT" lines of flows.txt.
function M.read_flows(text)
    local t = {}
    for key, n in (text or ""):gmatch("([^\n]-) (%d+)\n") do t[key] = tonumber(n) end
    return t
end

function M.paths_text(paths)
    local out = { "success paths: fuzz-cov = calls of fuzz-cov's corpus that ran the marked line (its own "
        .. "per-call kcov PCs), make test = boots that ran it (whole-boot sets)" }
    for _, p in ipairs(paths) do
        if p.nsites == 0 then
            out[#out + 1] = string.format("  %-52s MARKER NOT FOUND: %s in %s", p.name, p.marker, p.func)
        else
            out[#out + 1] = string.format("  %-52s fuzz-cov %6d calls  make test %4d boots  (%s:%d %s)", p.name,
                p.fuzz, p.boots, p.file, p.line, p.func)
        end
        for _, f in ipairs(p.flow_counts or {}) do
            out[#out + 1] = string.format("      %-48s %6d successful corpus calls", f[1], f[2])
        end
    end
    return table.concat(out, "\n") .. "\n"
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
function M.text_report(files, funcs, summary, notes, with_fuzz, paths)
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
    if paths then
        out[#out + 1] = ""
        out[#out + 1] = M.paths_text(paths):sub(1, -2)
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

function M.html_report(files, funcs, summary, notes, root, with_fuzz, paths)
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
    if paths then
        h[#h + 1] = "</table><h2>Success paths</h2><p>fuzz-cov: calls of fuzz-cov's corpus that ran the marked " ..
            "line; make test: boots that ran it.</p><table><tr><th>path</th><th>marker</th><th>fuzz-cov calls</th>" ..
            "<th>make test boots</th></tr>"
        for _, p in ipairs(paths) do
            local where = p.nsites > 0 and string.format('<a href="#%s">%s:%d</a> %s', anchor(p.file), esc(p.file),
                p.line, esc(p.func)) or ("NOT FOUND: " .. esc(p.func .. ": " .. p.marker))
            h[#h + 1] = string.format("<tr><td>%s</td><td>%s</td><td>%d</td><td>%d</td></tr>", esc(p.name), where,
                p.fuzz or 0, p.boots or 0)
            for _, f in ipairs(p.flow_counts or {}) do
                h[#h + 1] = string.format("<tr><td>&nbsp;&nbsp;%s</td><td>successful corpus calls</td><td>%d</td>" ..
                    "<td></td></tr>", esc(f[1]), f[2])
            end
        end
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
    local opts = { logs = {}, fuzz_logs = {}, objdump = "i686-linux-gnu-objdump", addr2line = "i686-linux-gnu-addr2line",
                   readelf = "i686-linux-gnu-readelf", nm = "i686-linux-gnu-nm" }
    local i = 1
    while i <= #argv do
        local a = argv[i]
        if a == "--elf" or a == "--out" or a == "--objdump" or a == "--addr2line" then
            opts[a:sub(3)] = argv[i + 1]
            i = i + 2
        elseif a == "--flows" then
            opts.flows = argv[i + 1]
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
    local entry = 0
    for _, l in ipairs(lines_of(shq(opts.readelf) .. " -h " .. shq(opts.elf))) do
        local e = l:match("Entry point address:%s+0x(%x+)")
        if e then entry = tonumber(e, 16) end
    end
    local dead = M.dead_ranges(lines_of(shq(opts.objdump) .. " -d --no-show-raw-insn " .. shq(opts.elf)),
        M.data_words(lines_of(shq(opts.objdump) .. " -s -j .rodata -j .data " .. shq(opts.elf))), entry)
    local where = M.locate(opts.addr2line, opts.elf, instrs, root)
    local hit, fuzz = {}, nil
    local sets, cut, exact, logs = 0, 0, 0, 0
    local calls, boot_sets = {}, {}
    -- A log from another build of the kernel (its text elsewhere: fuzz-cov's logs outlive a
    -- rebuild) would map its PCs onto the wrong lines: it is left out, and said so.
    local text_range
    for _, l in ipairs(lines_of(shq(opts.nm) .. " " .. shq(opts.elf))) do
        local a, name = l:match("^(%x+) %a (kernel_text_%a+)$")
        if a then text_range = (text_range or "") .. name .. "=" .. tonumber(a, 16) .. " " end
    end
    local stale = 0
    for n, path in ipairs(opts.logs) do
        local text = read(path)
        if text and not M.same_build(text, text_range) then stale, text = stale + 1, nil end
        if text then
            local s, c, e = M.read_log(text, sites, hit)
            if opts.fuzz_logs[path] then
                fuzz = fuzz or {}
                M.read_log(text, sites, fuzz)
                M.read_calls(text, sites, calls, n .. ":")
            else
                boot_sets[#boot_sets + 1] = {}
                M.read_log(text, sites, boot_sets[#boot_sets])
            end
            sets, cut, exact = sets + s, cut + c, exact + e
            if s + e > 0 then logs = logs + 1 end
        end
    end
    if logs == 0 then
        io.stderr:write("no coverage in " .. #opts.logs .. " logs: did the boots run the coverage kernel?\n")
        return 1
    end
    -- A reached site in code the analysis calls dead would prove it wrong: then nothing is left out.
    local contradicted
    instrs, dead, contradicted = M.without_dead(instrs, dead, hit)
    local files, funcs = M.aggregate(instrs, where, hit, fuzz)
    local sources = {}
    local function source(file, line)
        if sources[file] == nil then
            sources[file] = {}
            for l in ((read(root .. "/" .. file) or "") .. "\n"):gmatch("([^\n]*)\n") do
                sources[file][#sources[file] + 1] = l
            end
        end
        return sources[file][line]
    end
    local paths = M.SUCCESS_PATHS
    M.path_sites(paths, instrs, where, source)
    M.count_paths(paths, calls, boot_sets, opts.flows and M.read_flows(read(opts.flows)))
    local summary = M.summary(files)
    local nhit = 0
    for _ in pairs(hit) do nhit = nhit + 1 end
    local notes = {
        string.format("%d logs with coverage: %d whole-boot sets, %d exact PCs; %d sets cut short (left out)",
            logs, sets, exact, cut),
        string.format("%d of %d instrumented blocks reached", nhit, #sites),
    }
    if stale > 0 then
        notes[#notes + 1] = string.format("%d logs from another build of the kernel left out (run make fuzz-cov " ..
            "FC_KERNEL=%s again for fuzz-cov's)", stale, opts.elf)
    end
    if contradicted then
        notes[#notes + 1] = "no code left out: " .. contradicted.name .. ", which nothing seems to refer to, ran"
    end
    if #dead > 0 then
        local names = {}
        for n, r in ipairs(dead) do names[n] = r.name end
        notes[#notes + 1] = string.format("left out, code this kernel can never run (nothing refers to it): %s",
            table.concat(names, ", "))
    end
    os.execute("mkdir -p " .. shq(opts.out))
    local text = M.text_report(files, funcs, summary, notes, fuzz ~= nil, paths)
    write(opts.out .. "/report.txt", text)
    write(opts.out .. "/index.html", M.html_report(files, funcs, summary, notes, root, fuzz ~= nil, paths))
    for _, n in ipairs(notes) do print("# " .. n) end
    for _, r in ipairs(summary) do
        print(string.format("# %-52s %5d / %5d lines  %5.1f %%", r.name, r.covered, r.total, r.pct) ..
            (fuzz and string.format("  (fuzz-cov alone: %5.1f %%)", pct(r.fuzz_covered, r.total)) or ""))
    end
    for l in M.paths_text(paths):gmatch("[^\n]+") do print("# " .. l) end
    print("# report: " .. opts.out .. "/report.txt, " .. opts.out .. "/index.html")
    return 0
end

if arg and arg[0] and arg[0]:match("report%.lua$") then os.exit(M.main(arg)) end
return M
