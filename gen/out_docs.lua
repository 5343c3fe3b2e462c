-- docs/syscalls.md: the reference of the whole ABI, committed and kept in
-- step by `make docs` (a test fails when it is stale).
local cgen = require("cgen")
local kinds = require("kinds")
local libsys_h = require("out_libsys_h")
local amc_h = require("out_amc_h")

local out = {}

local find, byte, concat = string.find, string.byte, table.concat

-- Text safe in a Markdown table cell or line. A pattern costs a hundred times a plain search
-- per byte, so most texts get only the plain searches.
local function md(text)
    if not find(text, "|", 1, true) and not find(text, "<", 1, true) and not find(text, ">", 1, true) then
        return text
    end
    return (text:gsub("([|<>])", "\\%1"))
end

local function type_name(t)
    if t.kind == "array" then return t.elem.name .. "[" .. t.count_expr .. "]" end
    if t.kind == "vararray" then return t.elem.name .. "[]" end
    return t.name
end

local function field_table(w, fields, var)
    w("| offset | field | type | description |")
    w("|---:|---|---|---|")
    for _, f in ipairs(fields) do
        local t = type_name(f.type)
        if f == var then t = f.type.elem.name .. "[" .. f.len_field.name .. "]" end
        w("| %d | `%s` | `%s` | %s |", f.offset, f.name, t, md(f.doc or ""))
    end
end

local arg_notes, result_notes, named_types

-- What the v2 kinds add to an argument's description.
function arg_notes(w, a)
    local named = a.kind == "scalar" and kinds.named(a)
    if named and named.kind == "flags" and a.einval then
        w("* `%s` is a [`%s`](#flags-%s) set: a bit outside it fails with `%s`.", a.name, named.name, named.name,
            a.einval.name)
    elseif named and named.kind == "enum" and a.einval then
        w("* `%s` is a [`%s`](#enum-%s): any other value fails with `%s`.", a.name, named.name, named.name, a.einval.name)
    elseif named and named.kind == "resource" then
        local lc, why = a.lifecycle or {}, {}
        if lc.invalid then why[#why + 1] = "one never handed out: `" .. lc.invalid.name .. "`" end
        if lc.reaped then why[#why + 1] = "one whose process ended and was reaped: `" .. lc.reaped.name .. "`" end
        if lc.foreign then why[#why + 1] = "another process's: `" .. lc.foreign.name .. "`" end
        w("* `%s` is a [`%s`](#resource-%s)%s.", a.name, named.name, named.name,
            #why > 0 and (" (" .. table.concat(why, "; ") .. ")") or "")
    end
    if kinds.is_pair(a) then
        local lo, hi = kinds.pair_regs(a)
        w("* `%s` is 64-bit: low word in `%s`, high word in `%s`.", a.name, lo, hi)
    end
    if a.kind == "bytes" and a.elem then
        w("* `%s` is `%s` elements of `%s` (%d bytes each), at most %s.", a.name, a.len_name, a.elem.name,
            a.elem_size, a.max.expr)
    elseif a.kind == "bytes" and a.len_by_ptr then
        w("* `%s`: `*%s` is its capacity on entry (above %s, %s is used) and the size written on success.", a.name,
            a.len_name, a.max and a.max.expr or "user space", a.max and a.max.expr or "the rest")
    end
end

-- A 64-bit result, the extra results, fails_only (v2).
function result_notes(w, sc)
    if kinds.is64(sc.ret) then
        w("* The result is 64-bit, in `edx:eax` (an error: `-E` sign-extended).")
    end
    local named = sc.ret_type -- (kinds.named of a result: its type, when it is a named one)
    if named and named.kind == "resource" then
        w("* The result is a [`%s`](#resource-%s) (this call produces it).", named.name, named.name)
    end
    for _, r in ipairs(kinds.results(sc)) do
        w("* Result `%s` (`%s`) comes back in `%s`, 0 on failure; the wrapper stores it through `%s` (NULL: not wanted).",
            r.name, (r.named or r.type).name, r.reg, kinds.result_param(sc, r))
    end
    if sc.attrs.fails_only then
        w("* Returns only on failure: the wrapper's result is then the negative error.")
    end
end

-- The Errors list of a syscall, as pieces t[n + 1]... (after an empty line); an error's line is
-- made once per render (error_lines: error -> line; implied_lines: error -> line with the note).
local error_lines, implied_lines = {}, {}
local function errors_block(sc, t, n)
    local errors, implied = sc.errors, sc.implied
    t[n + 1], t[n + 2], t[n + 3] = "", "Errors:", ""
    n = n + 3
    for i = 1, #errors do
        local e = errors[i]
        local line = error_lines[e]
        if not line then
            line = "* `" .. e.name .. "` (" .. e.num .. "): " .. md(e.text)
            error_lines[e] = line
        end
        n = n + 1
        t[n] = line
    end
    for i = 1, #implied do
        local e = implied[i]
        local line = implied_lines[e]
        if not line then
            line = "* `" .. e.name .. "` (" .. e.num .. "): " .. md(e.text) .. " (from the entry checks)"
            implied_lines[e] = line
        end
        n = n + 1
        t[n] = line
    end
    return n
end

local ATTRS = { "noreturn", "blocking", "returns_twice", "fails_only" }

-- "Attributes: ..." between empty lines, for the attributes a syscall has; false for none. Made
-- once for each set of them.
local attribute_lines = {}
local function attributes(sc)
    local attrs = sc.attrs
    local key = (attrs.noreturn and 1 or 0) + (attrs.blocking and 2 or 0) + (attrs.returns_twice and 4 or 0) +
        (attrs.fails_only and 8 or 0)
    local text = attribute_lines[key]
    if text == nil then
        local said
        for i = 1, #ATTRS do
            if attrs[ATTRS[i]] then said = (said and (said .. ", ") or "") .. "`" .. ATTRS[i] .. "`" end
        end
        text = said and ("\nAttributes: " .. said .. ".\n") or false
        attribute_lines[key] = text
    end
    return text
end

-- A line list w for the v2 notes: lines appended to t after n (returns the new n through t.n).
local function lines_into(t)
    return function(fmt, ...)
        t.n = t.n + 1
        t[t.n] = select("#", ...) > 0 and string.format(fmt, ...) or fmt
    end
end

-- The section of one syscall, as pieces of whole lines: t[n + 1]...; returns the new n.
local head_pieces = {} -- scratch: the pieces of a section's first lines
local function syscall(t, n, m, sc)
    -- The head: its fixed lines, the doc, the attributes and the long doc, each a piece of its own
    -- (not copied into one text); an empty piece is an empty line.
    local name, p = sc.name, head_pieces
    p[1], p[2], p[3], p[4], p[5] = "### ", cgen.num[sc.num], " `", name, "`\n\n```\n"
    p[6] = name
    local k = cgen.shape_pieces(p, 6, sc)
    p[k + 1], p[k + 2], p[k + 3], p[k + 4], p[k + 5] = "\n```\n\nThe wrapper in `<libsys.h>` (manual page with an " ..
        "example: `man -l build/man/man2/", name, ".2`):\n\n```c\n", libsys_h.prototype(m, sc), ";\n```\n"
    t[n + 1] = concat(p, "", 1, k + 5)
    t[n + 2] = sc.doc
    n = n + 2
    local attrs = attributes(sc) -- "\nAttributes: ...\n"
    if attrs then
        n = n + 1
        t[n] = attrs
    end
    if sc.long then
        t[n + 1], t[n + 2], t[n + 3] = attrs and sc.long or "", attrs and "" or sc.long, ""
        n = n + (attrs and 2 or 3)
    elseif not attrs then
        n = n + 1
        t[n] = ""
    end
    local args, notes = sc.args, nil
    for i = 1, #args do
        local a = args[i]
        local kind = a.kind
        if kind == "bytes" and a.toolong and not a.len_by_ptr or kind == "str" then
            local bound = kind == "str" and ("longer than " .. a.size.expr .. " bytes")
                or ("with " .. a.len_name .. " over " .. a.max.expr)
            n = n + 1
            t[n] = "* `" .. a.name .. "` " .. bound .. " fails with `" .. a.toolong.name .. "`."
        end
        if a.optional then
            n = n + 1
            t[n] = "* `" .. a.name .. "` may be NULL" .. (kind == "bytes" and " (the handler then sees an empty buffer)" or "")
                .. "."
        end
        if a.named or a.regs or kind == "bytes" and (a.elem or a.len_by_ptr) then -- what arg_notes tells
            t.n = n
            notes = notes or lines_into(t)
            arg_notes(notes, a)
            n = t.n
        end
    end
    local results = sc.results
    if kinds.is64(sc.ret) or sc.ret_type and sc.ret_type.kind == "resource" or results and #results > 0 or
        sc.attrs.fails_only then
        t.n = n
        result_notes(lines_into(t), sc)
        n = t.n
    end
    if #sc.errors + #sc.implied > 0 then n = errors_block(sc, t, n) end
    n = n + 1
    t[n] = ""
    return n
end

-- Flag sets, enums and resources (v2), each with its members or specials and, for a resource,
-- the syscalls that produce and consume it.
function named_types(w, m)
    local groups = { { "Flag sets", "flags", m.flags, "members", "bit" }, { "Enums", "enum", m.enums, "members", "value" },
                     { "Resources", "resource", m.resources, "specials", "special value" } }
    for _, g in ipairs(groups) do
        if g[3] and #g[3] > 0 then
            w("## %s", g[1])
            w("")
            for _, t in ipairs(g[3]) do
                w('<a id="%s-%s"></a>', g[2], t.name)
                w("### %s `%s` : %s", g[2], t.name, t.base.name)
                w("")
                w("%s (C: `%s`)", t.doc, require("names").named_type(t))
                w("")
                if #t[g[4]] > 0 then
                    w("| name | %s | description |", g[5])
                    w("|---|---:|---|")
                    for _, v in ipairs(t[g[4]]) do
                        local value = g[2] == "flags" and string.format("0x%X", v.value) or tostring(v.value)
                        w("| `%s` | %s | %s |", v.name, value, md((v.doc or ""):gsub("^[%w_]+%.[%w_]+:%s*", "")))
                    end
                    w("")
                end
                if g[2] == "resource" then
                    local made, used = {}, {}
                    for _, sc in ipairs(t.producers) do made[#made + 1] = "`" .. sc.name .. "`" end
                    for _, c in ipairs(t.consumers) do used[#used + 1] = "`" .. c.syscall.name .. "` (" .. c.arg.name .. ")" end
                    w("Produced by %s; consumed by %s.", #made > 0 and table.concat(made, ", ") or "no syscall",
                        #used > 0 and table.concat(used, ", ") or "no syscall")
                    w("")
                end
            end
        end
    end
end

function out.render(m)
    local w = cgen.buffer()
    local abi = m.abi
    w("# %s ABI reference", abi.name)
    w("")
    w("Generated by `gen/main.lua` from `%s` (`make docs`): do not edit by hand.", m.file)
    w("")
    w("ABI version %d. A syscall traps with `int 0x%02x`, number in `eax`, arguments in `%s`,",
        abi.version, abi.trap, table.concat(abi.arg_registers, " "))
    w("result in `eax` (`-E...` on failure). User pointers must lie in `[0x%08X, 0x%08X)`.",
        abi.user_low, abi.user_high)
    w("")
    if abi.version >= 2 then
        w("Results: `%s` (the first is the status; a 64-bit result is `edx:eax`). A 64-bit argument takes two",
            table.concat(abi.result_registers, " "))
        w("registers, the %s word first.", abi.pair_order == "low_high" and "low" or "high")
        w("")
    end
    w("## Syscalls")
    w("")
    w("| nr | syscall | summary |")
    w("|---:|---|---|")
    -- The syscalls' lines go to the buffer a few hundred syscalls at a time.
    local syscalls, t = m.syscalls, {}
    for from = 1, #syscalls, 256 do
        local to = math.min(from + 255, #syscalls)
        for i = from, to do
            local sc = syscalls[i]
            local num, name = cgen.num[sc.num], sc.name
            t[i - from + 1] = "| " .. num .. " | [`" .. name .. "`](#" .. num .. "-" .. name .. ") | " .. md(sc.doc) .. " |"
        end
        cgen.put(w, concat(t, "\n", 1, to - from + 1)) -- (joined once: not copied into a chunk again)
    end
    w("")
    error_lines, implied_lines = {}, {}
    for from = 1, #syscalls, 256 do
        local n = 0
        for i = from, math.min(from + 255, #syscalls) do n = syscall(t, n, m, syscalls[i]) end
        cgen.put(w, concat(t, "\n", 1, n))
    end
    error_lines, implied_lines = {}, {}
    -- The sections after the syscalls go to a buffer of their own, whose text (a few KB) loses the
    -- empty lines the last one leaves: one newline at the end, without copying the whole text again.
    local text_w = w
    w = cgen.buffer()
    if #m.retired > 0 then
        w("## Retired numbers")
        w("")
        w("These numbers answer `ENOSYS` and are never reused.")
        w("")
        for _, r in ipairs(m.retired) do
            w("* %d `%s`: %s", r.num, r.name, md(r.why))
        end
        w("")
    end
    if #m.structs > 0 then
        w("## Structs")
        w("")
        for _, s in ipairs(m.structs) do
            w("### struct `%s` (%d bytes)", s.name, s.size)
            w("")
            w("%s", s.doc)
            w("")
            field_table(w, s.fields)
            w("")
        end
    end
    named_types(w, m)
    local consts = {}
    for _, c in ipairs(m.consts) do
        if not c.member_of then consts[#consts + 1] = c end -- members and specials are listed with their types
    end
    if #consts > 0 then
        w("## Constants")
        w("")
        w("| name | value | description |")
        w("|---|---:|---|")
        for _, c in ipairs(consts) do
            w("| `%s` | %s | %s |", c.name, c.expr, md(c.doc))
        end
        w("")
    end
    w("## Errors")
    w("")
    w("| name | number | text |")
    w("|---|---:|---|")
    for _, e in ipairs(m.errors) do
        w("| `%s` | %d | %s |", e.name, e.num, md(e.text))
    end
    w("")
    if m.error_aliases and #m.error_aliases > 0 then
        w("Aliases (the same number under another name):")
        w("")
        for _, e in ipairs(m.error_aliases) do
            w("* `%s` = `%s` (%d)%s", e.name, e.target.name, e.target.num, e.doc and (": " .. md(e.doc)) or "")
        end
        w("")
    end
    if #m.services > 0 then
        w("## amc services")
        w("")
        w("Every payload starts with the u32 discriminator `event`; payloads are at most %d bytes.",
            abi.amc_max_message.value)
        w("")
        for _, svc in ipairs(m.services) do
            w("### service `%s` (name \"%s\")", svc.name, svc.service)
            w("")
            w("%s", svc.doc)
            w("")
            if svc.long then
                w("%s", svc.long)
                w("")
            end
            for _, msg in ipairs(svc.messages) do
                local size = msg.var and string.format("%d bytes + %s, at most %d", msg.fixed_size,
                    msg.var.len_field.name, msg.max_size) or string.format("%d bytes", msg.fixed_size)
                w("#### %d `%s` (%s)", msg.num, msg.name, size)
                w("")
                w("%s", msg.doc)
                w("")
                w("Send helper (`man -l build/man/man3/%s_send_%s.3`):", svc.name, msg.name)
                w("")
                w("```c")
                w("%s;", amc_h.send_prototype(svc, msg))
                w("```")
                w("")
                field_table(w, msg.all_fields, msg.var)
                w("")
            end
            for _, r in ipairs(svc.retired) do
                w("* retired %d `%s`: %s", r.num, r.name, md(r.why))
            end
            if #svc.retired > 0 then w("") end
        end
    end
    local tail = w()
    local e = #tail
    while e > 0 and byte(tail, e) == 10 do e = e - 1 end
    text_w(tail:sub(1, e))
    return text_w()
end

return out
