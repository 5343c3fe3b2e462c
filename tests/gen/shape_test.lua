-- The per-shape memos of the outputs (cgen.shape_memo): every output is the same
-- with them as without, for a definition whose syscalls share shapes while differing in all that
-- is not the shape (name, C name, number, doc, long doc, attrs, errors, a resource argument's
-- lifecycle, consts naming an argument's values). Run by tests/gen/run.lua: run(report, helpers).
local builds = require("builds")
local cgen = require("cgen")
local cli = require("cli")
local model = require("model")

-- Three or more syscalls of each shape, so that every per-shape memo is used.
local DEF = [[
abi t {
    version 2
    trap 0x80
    arg_registers ebx ecx edx esi edi
    user_space 0x00400000 0xC0000000
    pair_order low_high
    result_registers eax edx ecx
}
error EFAULT 14 "Bad address"
error ENOSYS 38 "No such syscall"
error E2BIG 7 "Too big"
error ENAMETOOLONG 36 "Name too long"
error EINVAL 22 "Invalid argument"
error EBADF 9 "Bad descriptor"
error ESRCH 3 "No such process"
const MODE_A 1 "io_b.mode: the first mode"
const MODE_B 2 "io_b.mode: the second mode"
resource fdesc : u32 "A descriptor." { }
resource pid : i32 "A process." { special ANY_PID -1 "any" }
flags fl : u32 "Flags." { F_A 0x1 "a" F_B 0x2 "b" }
struct st "A struct." { a: u32  b: char[8] }
syscall 1 io_a(fd: fdesc invalid EBADF, buf: out bytes[len] max 64, len: u32, mode: u32) -> i32 {
    doc "The first of a shape."
    attrs blocking
    errors EINVAL
}
syscall 2 io_b(fd: fdesc invalid EBADF, buf: out bytes[len] max 64, len: u32, mode: u32) -> i32 {
    doc "Needs escapes: \"quoted\", */ /* ??/ and a\ttab."
    errors EBADF
}
syscall 3 io_c(fd: fdesc, buf: out bytes[len] max 64, len: u32, mode: u32) -> i32 {
    doc "No lifecycle."
    long """
    A long doc, "quoted".
    """
}
syscall 4 io_d(fd: fdesc reaped ESRCH, buf: out bytes[len] max 64, len: u32, mode: u32) -> i32 {
    doc "Another lifecycle."
    attrs relays_errors
}
syscall 5 buf(buf: in bytes[len] max 8, len: u32, f: fl) -> i32 {
    doc "Named like its argument."
}
syscall 6 len(buf: in bytes[len] max 8, len: u32, f: fl) -> i32 {
    doc "Named like its other argument."
    attrs blocking
}
syscall 7 break(buf: in bytes[len] max 8, len: u32, f: fl) -> i32 {
    doc "A C keyword: its C name is break_."
}
syscall 8 res_a(h: u32, p: in st) -> i32, w0: u32, w1: pid {
    doc "Extra results."
}
syscall 9 res_b(h: u32, p: in st) -> i32, w0: u32, w1: pid {
    doc "Extra results."
    errors EINVAL
}
syscall 10 res_c(h: u32, p: in st) -> i32, w0: u32, w1: pid {
    doc "Extra results."
    attrs blocking
}
syscall 11 wide_a() -> u64 {
    doc "A 64-bit result."
}
syscall 12 wide_b() -> u64 {
    doc "A 64-bit result."
}
syscall 13 wide_c() -> u64 {
    doc "A 64-bit result."
}
syscall 14 end_a(code: i32) -> void {
    doc "Never returns."
    attrs noreturn
}
syscall 15 end_b(code: i32) -> void {
    doc "Never returns."
    attrs noreturn blocking
}
syscall 16 end_c(code: i32) -> void {
    doc "Never returns."
    attrs noreturn
}
syscall 17 nil_a() -> i32 {
    doc "No arguments."
}
syscall 18 nil_b() -> i32 {
    doc "No arguments."
    errors EINVAL
}
syscall 19 nil_c() -> i32 {
    doc "No arguments."
}
syscall 20 str_a(name: in str[31], o: out st optional) -> pid {
    doc "A string and an optional struct."
}
syscall 21 str_b(name: in str[31], o: out st optional) -> pid {
    doc "A string and an optional struct."
}
syscall 22 str_c(name: in str[31], o: out st optional) -> pid {
    doc "A string and an optional struct."
}
syscall 23 str_d(name: in str[31] toolong E2BIG, o: out st optional) -> pid {
    doc "The same but for its toolong: another shape."
}
syscall 25 vr_a(out: out bytes[*cap] max 16, cap: inout u32, f: fl) -> i32 {
    doc "A value-result length */ and flags."
}
syscall 26 vr_b(out: out bytes[*cap] max 16, cap: inout u32, f: fl) -> i32 {
    doc "The same shape."
}
syscall 27 vr_c(out: out bytes[*cap] max 16, cap: inout u32, f: fl) -> i32 {
    doc "The same shape."
}
retired 24 old "gone"
syscall 30 io_e(fd: fdesc invalid EBADF, buf: out bytes[len] max 64, len: u32, mode: u32) -> i32 {
    doc "After a gap."
}
]]

-- The outputs of the allocation budget below: abi.h, abi.inc, abi.json and the kernel's.
local KERNEL_SIDE = { out_abi_h = true, out_abi_inc = true, out_json = true, out_handlers_h = true,
                      out_syscall_table = true, out_trace = true, out_contracts = true }

local function render_all(m)
    local texts = {}
    for _, o in ipairs(cli.OUTPUTS) do texts[o.path] = require(o.module).render(m, o.part) end
    return texts
end

-- The first output (in cli.OUTPUTS order) whose texts differ, and the first line that does.
local function first_difference(a, b)
    for _, o in ipairs(cli.OUTPUTS) do
        local x, y = a[o.path], b[o.path]
        if x ~= y then
            local line = 1
            for i = 1, math.min(#x, #y) do
                if x:byte(i) ~= y:byte(i) then break end
                if x:byte(i) == 10 then line = line + 1 end
            end
            return o.path .. " line " .. line
        end
    end
    return nil
end

return function(report, h)
    local m = model.load(DEF, "shapes.def")
    local memo = render_all(m)
    cgen.by_shape = false
    local ok, direct = pcall(render_all, model.load(DEF, "shapes.def"))
    cgen.by_shape = true
    if not ok then error(direct, 0) end
    local diff = first_difference(direct, memo)
    report("gen_shapes_memo_matches_direct", diff == nil, diff and ("differs: " .. diff))
    -- Every syscall has its shim, the keyword one under its C name.
    local table_c = memo["kernel/syscall_table.c"]
    report("gen_shapes_table_has_every_shim", select(2, table_c:gsub("static int32_t shim_", "")) == #m.syscalls and
        table_c:find("sys_break_(", 1, true) ~= nil and table_c:find('"break"', 1, true) ~= nil)
    -- A syscall's shape as comment pieces (cgen.shape_pieces) is its shape made safe for a
    -- comment, and its plain pieces are the shape.
    local wrong
    for _, sc in ipairs(m.syscalls) do
        local p = {}
        local safe = table.concat(p, "", 1, cgen.shape_pieces(p, 0, sc, true))
        if safe ~= cgen.comment(cgen.shape(sc)) or cgen.signature(sc) ~= sc.name .. cgen.shape(sc) then
            wrong = sc.name
        end
    end
    report("gen_shapes_comment_pieces_are_comment_of_shape", wrong == nil, wrong and ("differs for " .. wrong))
    -- A buffer handed whole texts (BIG ones pass on as chunks of their own, cgen.put's always)
    -- between lines gives the lines' text, kept or streamed, whatever comes first and last.
    local big, bad = string.rep("x", 2000) .. "\n" .. string.rep("y", 100), {}
    local plans = { { "big" }, { "big", "line" }, { "line", "big" }, { "big", "big", "line", "put" },
                    { "put" }, { "line", "put", "line", "big", "put" } }
    for k, plan in ipairs(plans) do
        local function render()
            local w = cgen.buffer()
            for i, step in ipairs(plan) do
                if step == "line" then w("line %d", i) elseif step == "put" then cgen.put(w, "put\n" .. i) else w(big) end
            end
            return w()
        end
        local want = {}
        for i, step in ipairs(plan) do want[i] = step == "line" and ("line " .. i) or step == "put" and ("put\n" .. i) or big end
        want = table.concat(want, "\n") .. "\n"
        local streamed = {}
        cgen.render_to(function(piece) streamed[#streamed + 1] = piece end, render)
        if render() ~= want or table.concat(streamed) ~= want then bad[#bad + 1] = k end
    end
    report("gen_shapes_buffer_whole_texts", #bad == 0, "plans that differ: " .. table.concat(bad, " "))
    -- The kernel-side outputs allocate at most twice what they write (issue 11's budget: the
    -- collector's work follows what is allocated), on 500 syscalls shaped like a real ABI's.
    local synth = dofile(h.root .. "/tests/bench/synth_def.lua")
    local big_m = model.load(synth.text(500), "synthetic.def")
    local written, allocated, rows = 0, 0, {}
    for _, o in ipairs(cli.OUTPUTS) do
        if KERNEL_SIDE[o.module] then
            local render = require(o.module).render
            cgen.render_to(function() end, render, big_m) -- (once first: the memos of recurring pieces fill)
            collectgarbage()
            collectgarbage("stop")
            local before, bytes = collectgarbage("count"), 0
            local rendered, err = pcall(cgen.render_to, function(piece)
                if type(piece) == "string" then bytes = bytes + #piece end
            end, render, big_m)
            local kb = collectgarbage("count") - before
            collectgarbage("restart")
            if not rendered then error(err, 0) end
            written, allocated = written + bytes, allocated + kb * 1024
            rows[#rows + 1] = string.format("%s %.2fx", o.path, kb * 1024 / bytes)
        end
    end
    report("gen_shapes_kernel_outputs_allocate_at_most_twice", allocated <= 2 * written,
        string.format("%.2fx (%s)", allocated / written, table.concat(rows, ", ")))
    -- To a sink that takes pieces (cgen.takes_pieces, as the CLI's file writer does), the rows
    -- the shims and handler prototypes are joined from go as those pieces: the same text, and
    -- the joined strings are never made.
    local piece_rows, wrong_text = {}, {}
    for _, mod in ipairs({ "out_syscall_table", "out_handlers_h" }) do
        local render = require(mod).render
        -- The text a sink gets, and (keep false: nothing kept) what the render allocates.
        local function run(takes, keep)
            local got, calls, bytes = {}, 0, 0
            local function sink(piece)
                if type(piece) == "string" then
                    bytes = bytes + #piece
                    if keep then got[#got + 1] = piece end
                end
            end
            if takes then
                cgen.takes_pieces(sink, function(p, n)
                    calls = calls + 1
                    for i = 1, n do
                        bytes = bytes + #p[i]
                        if keep then got[#got + 1] = p[i] end
                    end
                end)
            end
            collectgarbage()
            collectgarbage("stop")
            local before = collectgarbage("count")
            local rendered, err = pcall(cgen.render_to, sink, render, big_m)
            local kb = collectgarbage("count") - before
            collectgarbage("restart")
            if not rendered then error(err, 0) end
            return table.concat(got), calls, kb, bytes
        end
        local text = run(true, true)
        if text ~= render(big_m) then wrong_text[#wrong_text + 1] = mod end
        local _, _, whole_kb, bytes = run(false, false)
        local _, calls, pieces_kb = run(true, false)
        piece_rows[#piece_rows + 1] = string.format("%s %d calls, %.0f -> %.0f KB for %.0f KB", mod, calls, whole_kb,
            pieces_kb, bytes / 1024)
        -- (what the joins made is about the text: at least half of it must be gone)
        if calls == 0 or whole_kb - pieces_kb < bytes / 2048 then wrong_text[#wrong_text + 1] = mod .. " (no pieces)" end
    end
    report("gen_shapes_rows_go_to_a_pieces_sink_as_pieces", #wrong_text == 0,
        "wrong: " .. table.concat(wrong_text, ", ") .. " (" .. table.concat(piece_rows, "; ") .. ")")
    -- The outputs of the definition build (the memos only ever see valid C when it does).
    local built, err = builds.compile(h.root, memo, h.tmp .. "/shapes")
    report("gen_shapes_outputs_build", built, err)
end
