-- build/man: one manual page per syscall (man2/NAME.2) and per amc message (man3/SVC_send_MSG.3),
-- readable with `man -l`: the wrapper's C prototype, the arguments with what the entry checks,
-- the errors and an example that compiles against libsys. render(m) returns
-- { [relative path] = roff text }.
--
-- A page is a list of pieces (each one or more whole lines) joined once. What many pages share is
-- made once per render: a struct's section, an error list's section, the values of a named type,
-- the escaped spelling of a description. Identifiers, numbers and C punctuation need no roff
-- escape (no backslash, no '-', no line starting with '.' or '): pieces made of them only are
-- written as they are.
local cgen = require("cgen")
local libsys_h = require("out_libsys_h")
local amc_h = require("out_amc_h")
local trace = require("out_trace")
local kinds = require("kinds")
local MAX_ERRNO = require("model_abi").MAX_ERRNO

local out = {}

local find, byte, gsub, format, concat, sub = string.find, string.byte, string.gsub, string.format, table.concat,
    string.sub

-- Text safe in a roff line: backslashes escaped, no line starting with a control character.
-- Most texts need none of it: three plain searches say so before any pattern runs.
local function roff(text)
    if not text then return "" end
    if not find(text, "\\", 1, true) and not find(text, "-", 1, true) and not find(text, "\n", 1, true) then
        local b = byte(text)
        if b ~= 46 and b ~= 39 then return text end -- '.' and "'"
    end
    text = gsub(gsub(text, "\\", "\\e"), "%-", "\\-")
    return (gsub(gsub(text, "^([.'])", "\\&%1"), "\n([.'])", "\n\\&%1"))
end

-- roff for the texts many pages repeat (argument descriptions, type spellings), each escaped
-- once per render; reset by out.render.
local escaped = {}
local function roff_once(text)
    local r = escaped[text]
    if not r then
        r = roff(text)
        escaped[text] = r
    end
    return r
end

-- A long doc: blank lines become paragraph breaks; in a paragraph each line break and the blanks
-- after it become one space. As pieces t[n + 1]... (".PP" between paragraphs); returns the new n.
-- (Plain searches and a byte loop over the blanks after a line break: a pattern costs a hundred
-- instructions a byte.) A blank line is a line break whose run of blanks (%s) holds another; the
-- paragraph after it starts after the run's last line break.
local SPACE = { [32] = true, [9] = true, [10] = true, [11] = true, [12] = true, [13] = true }

-- The paragraph text[from..to] (no blank line inside) with its line breaks joined.
local function joined(text, from, to)
    local at = find(text, "\n", from, true)
    if not at or at > to then return sub(text, from, to) end
    local pieces, k = {}, 0
    while at and at <= to do
        k = k + 1
        pieces[k] = sub(text, from, at - 1)
        from = at + 1
        while SPACE[byte(text, from)] and from <= to do from = from + 1 end
        at = find(text, "\n", from, true)
    end
    pieces[k + 1] = sub(text, from, to)
    return concat(pieces, " ", 1, k + 1)
end

local function paragraphs(t, n, text)
    text = text .. "\n\n" -- the end of the last paragraph
    local from, first, size = 1, true, #text
    while from <= size do
        -- The next blank line: a line break whose run of blanks holds another (the last one ends it).
        local at, last = find(text, "\n", from, true), nil
        while at do
            local j = at + 1
            while SPACE[byte(text, j)] do
                if byte(text, j) == 10 then last = j end
                j = j + 1
            end
            if last then break end
            at = find(text, "\n", j, true)
        end
        if not last then break end
        local word = find(text, "%S", from)
        if word and word < at then
            if not first then
                n = n + 1
                t[n] = ".PP"
            end
            n = n + 1
            t[n] = roff(joined(text, from, at - 1))
            first = false
        end
        from = last + 1
    end
    return n
end

local function header(m, name, section, title)
    return '.\\" ' .. cgen.banner(m, "%s") .. "\n" ..
        format('.TH %s %d "" "%s ABI %d" "%s"', name:upper(), section, m.abi.name, m.abi.version, title) ..
        "\n.SH NAME"
end

local function type_text(a)
    local kind = a.kind
    if kind == "scalar" then return (a.named or a.type).name end
    local optional = a.optional and " optional" or ""
    if kind == "bytes" then
        return a.dir .. " " .. (a.elem and a.elem.name or "bytes") .. "[" .. (a.len_by_ptr and "*" or "") ..
            a.len_name .. "]" .. (a.max and (" max " .. a.max.expr) or "") .. optional
    end
    if kind == "str" then return "in str[" .. a.size.expr .. "]" .. optional end
    return a.dir .. " " .. a.type.name .. optional
end

local BYTES_WHAT = { ["in"] = "read by the kernel", out = "written by the kernel",
                     inout = "read and written by the kernel" }
local PTR_WHAT = { ["in"] = "read by the kernel", out = "written by the kernel, only when the call succeeds",
                   inout = "read, and written on success" }

-- where: the sentence about user space, the same for every pointer of the definition.
local function arg_text(sc, a, where)
    local kind = a.kind
    if kind == "scalar" then
        local args, name = sc.args, a.name
        for i = 1, #args do
            local b = args[i]
            if b.len_name == name and b.kind == "bytes" then return "the length of " .. b.name .. " in bytes" end
        end
        return "passed in " .. a.reg .. (a.type.signed and "" or ", unsigned")
    end
    if kind == "bytes" then
        local bound = a.max and ("; " .. a.len_name .. " over " .. a.max.expr .. " fails with " .. a.toolong.name) or ""
        return a.len_name .. " bytes " .. (BYTES_WHAT[a.dir] or BYTES_WHAT.inout) .. ". " .. where .. bound .. "."
    end
    if kind == "str" then
        return "a NUL-terminated string of at most " .. a.size.expr .. " bytes (longer: " .. a.toolong.name .. "). " ..
            where .. "."
    end
    return "a struct " .. a.type.name .. " " .. (PTR_WHAT[a.dir] or PTR_WHAT.inout) .. "." ..
        (a.optional and " May be NULL." or "") .. " " .. where .. "."
end

local function errors_section(list)
    if #list == 0 then return ".SH ERRORS\nNone: the call always succeeds." end
    local t = { ".SH ERRORS" }
    for i, e in ipairs(list) do t[i + 1] = ".TP\n.B " .. e.name .. "\n" .. roff_once(e.text) .. " (" .. e.num .. ")" end
    return concat(t, "\n")
end

-- The ERRORS section of a syscall (its errors and those its entry checks imply, by number), as
-- pieces t[n + 1]...: an error's lines are made once per render. Returns the new n.
local error_lines, error_nums = {}, {} -- error -> its lines; the numbers of the pieces placed so far
local function syscall_errors(sc, t, n)
    local errors, implied = sc.errors, sc.implied
    if #errors + #implied == 0 then
        t[n + 1] = ".SH ERRORS\nNone: the call always succeeds."
        return n + 1
    end
    n = n + 1
    t[n] = ".SH ERRORS"
    local first = n + 1
    for pass = 1, 2 do
        local list = pass == 1 and errors or implied
        for i = 1, #list do
            local e = list[i]
            local line = error_lines[e]
            if not line then
                line = ".TP\n.B " .. e.name .. "\n" .. roff_once(e.text) .. " (" .. e.num .. ")"
                error_lines[e] = line
            end
            -- insertion by number (error numbers are unique; a list has a few)
            local num, j = e.num, n
            while j >= first and error_nums[j] > num do
                t[j + 1], error_nums[j + 1] = t[j], error_nums[j]
                j = j - 1
            end
            t[j + 1], error_nums[j + 1] = line, num
            n = n + 1
        end
    end
    return n
end

local RET_CTYPE = { i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", i64 = "int64_t", u64 = "uint64_t" }

-- The EXAMPLE section's code as pieces t[n + 1]...: a C variable for each argument, the call, and
-- the check of its result (identifiers and C types: only the fixed backslashes and minus signs are
-- escaped here). Returns the new n. The lines that recur (a variable of a type and name, a length
-- of a buffer) are made once per render.
-- per render, by kind: key -> key -> line (or text)
local scalar_decls, struct_decls, chars_decls, string_decls, call_texts
local lens = {} -- scratch: len_name -> the buffer it measures, for one syscall

local function memo2(memo, k1, k2, make, ...)
    local by = memo[k1]
    if not by then
        by = {}
        memo[k1] = by
    end
    local v = by[k2]
    if not v then
        v = make(...)
        by[k2] = v
    end
    return v
end

local function scalar_decl(a, name) return "    " .. kinds.ctype(a, true) .. " " .. name .. " = 0;" end
local function chars_decl(name, size) return "    static char " .. name .. "[" .. size .. "];" end
local function elems_decl(a, name)
    return "    static " .. cgen.pointee(a.elem) .. " " .. name .. "[" .. math.min(a.max.value, 4) .. "];"
end
local function string_decl(name) return '    const char *' .. name .. ' = "name";' end
local function struct_decl(a, name) return "    " .. cgen.pointee(a.type) .. " " .. name .. ";" end
local function capacity_decl(name, buf) return "    uint32_t " .. name .. " = sizeof " .. buf .. ";" end
local function length_of(buf)
    return buf.elem and ("sizeof " .. buf.name .. " / sizeof " .. buf.name .. "[0]") or ("sizeof " .. buf.name)
end
local function address_of(name) return "&" .. name end

-- The lines of the check of a call's result, by result type: up to the syscall's name, after it.
local CHECK_HEAD, CHECK_TAIL = {}, {}
for ret, ctype in pairs(RET_CTYPE) do
    local signed = ret == "i32" or ret == "i64"
    local failed = signed and "r < 0" or "r >= (" .. ctype .. ")\\-" .. MAX_ERRNO
    local err = ret == "i32" and "r" or signed and "(int)r" or "\\-(int)r"
    CHECK_HEAD[ret] = ";\n    if (" .. failed .. ") {\n" .. '        dprintf(STDERR_FILENO, "'
    CHECK_TAIL[ret] = ': %s\\en", strerror(' .. err .. "));"
end
local RETURN_ONCE = "        return 1;\n    }\n    return 0;\n}\n.EE"
local RETURN_TWICE = "        return 1;\n    }\n    if (r == 0)\n        exit(0); /* the new process */\n    return 0;\n}\n.EE"
local EXAMPLE_HEAD = ".SH EXAMPLE\n.PP\n.EX\n#include <libsys.h>\n\nint main(void)\n{"

local function example(m, sc, t, n, call)
    local args, nc = sc.args, 0
    for i = 1, #args do
        local a = args[i]
        if a.kind == "bytes" then lens[a.len_name] = a end
    end
    n = n + 1
    t[n] = EXAMPLE_HEAD
    for i = 1, #args do
        local a = args[i]
        local kind, name = a.kind, a.name
        local buf = lens[name]
        nc = nc + 1
        if kind == "scalar" then
            if buf then
                call[nc] = memo2(call_texts, buf.name, buf.elem and true or false, length_of, buf)
            else
                call[nc] = name
                n = n + 1
                t[n] = memo2(scalar_decls, a.named or a.type, name, scalar_decl, a, name)
            end
        elseif kind == "bytes" then
            n = n + 1
            if a.elem then
                t[n] = elems_decl(a, name)
            else
                local size = a.max and math.min(a.max.value, 64) or 64
                t[n] = memo2(chars_decls, name, size, chars_decl, name, size)
            end
            call[nc] = name
        elseif buf then -- a value-result length: the capacity in, the size out
            n = n + 1
            t[n] = capacity_decl(name, buf.name)
            call[nc] = memo2(call_texts, "&", name, address_of, name)
        elseif kind == "str" then
            n = n + 1
            t[n] = memo2(string_decls, "str", name, string_decl, name)
            call[nc] = name
        else
            n = n + 1
            t[n] = memo2(struct_decls, a.type, name, struct_decl, a, name)
            call[nc] = memo2(call_texts, "&", name, address_of, name)
        end
    end
    for i = 1, #args do lens[args[i].name] = nil end
    for _, r in ipairs(kinds.results(sc)) do
        local var = kinds.result_param(sc, r)
        n = n + 1
        t[n] = "    " .. kinds.ctype(r, true) .. " " .. var .. ";"
        nc = nc + 1
        call[nc] = "&" .. var
    end
    local invoke = concat(call, ", ", 1, nc)
    if sc.attrs.noreturn then
        t[n + 1] = "    " .. m.abi.prefix .. sc.name .. "(" .. invoke .. ");\n}\n.EE"
        return n + 1
    end
    local ret = sc.ret
    t[n + 1] = "    " .. RET_CTYPE[ret] .. " r = " .. m.abi.prefix .. sc.name .. "(" .. invoke .. ")" .. CHECK_HEAD[ret] ..
        sc.name .. CHECK_TAIL[ret]
    t[n + 2] = sc.attrs.returns_twice and RETURN_TWICE or RETURN_ONCE
    return n + 2
end

local function code(w, lines)
    w(".PP")
    w(".EX")
    for _, l in ipairs(lines) do w(roff(l)) end
    w(".EE")
end

-- The members of a flags or enum argument, the specials of a resource, and what is refused:
-- lines, or nil for an argument or field of no named type. Made once per type and context.
local value_blocks = {}
local function named_values(a)
    local named = (a.kind == "scalar" or a.kind == nil) and kinds.named(a)
    if not named then return nil end
    local field = a.kind == nil
    local key = field and "" or (a.einval and a.einval.name or "EINVAL")
    local blocks = value_blocks[named]
    if not blocks then
        blocks = {}
        value_blocks[named] = blocks
    end
    if blocks[key] then return blocks[key] end
    local list = named.members or named.specials
    local t
    if field and named.kind ~= "resource" then -- a struct field: what the values mean, nothing refused
        t = { roff("A " .. named.name .. (named.kind == "flags" and " set of:" or ", one of:")) }
    elseif named.kind == "flags" then
        t = { roff("A " .. named.name .. " set; other bits fail with " .. key .. ":") }
    elseif named.kind == "enum" then
        t = { roff("A " .. named.name .. "; other values fail with " .. key .. ":") }
    else
        t = { roff("A " .. named.name .. (#list > 0 and "; special values:" or ".")) }
    end
    for _, v in ipairs(list) do
        t[#t + 1] = format("\\fB%s\\fP (%s): %s", v.name,
            named.kind == "flags" and format("0x%X", v.value) or tostring(v.value),
            roff((v.doc or ""):gsub("^[%w_]+%.[%w_]+:%s*", ""))) -- a v1-style NAME.FIELD: prefix left out
    end
    blocks[key] = ".br\n" .. concat(t, "\n.br\n")
    return blocks[key]
end

-- The v1 values of an argument or field (consts whose doc starts NAME.FIELD:), as lines; nil if none.
local function const_values(list)
    if not list then return nil end
    local t = {}
    for i, v in ipairs(list) do
        t[i] = format(".br\n\\fB%s\\fP (%d): %s", v.name, v.value, roff((v.doc:gsub("^[%w_.]+:%s*", ""))))
    end
    return concat(t, "\n")
end

-- The section of a struct an argument points to, made once per struct.
local struct_sections = {}
local function struct_section(t, values)
    local text = struct_sections[t]
    if text then return text end
    local lines = { format(".SS struct %s (%d bytes)", t.name, t.size), roff(t.doc or "") }
    for _, f in ipairs(t.fields) do
        lines[#lines + 1] = ".TP\n.IR " .. f.name .. ' " (offset ' .. f.offset .. ')"\n' .. roff(f.doc or "")
        if not kinds.named(f) then lines[#lines + 1] = const_values(values[t.name .. "." .. f.name]) end
        lines[#lines + 1] = named_values(f)
    end
    text = concat(lines, "\n")
    struct_sections[t] = text
    return text
end

-- What a definition's syscall pages share: their fixed lines, with its settings filled in.
local function page_parts(m)
    local abi = m.abi
    return {
        banner = '.\\" ' .. cgen.banner(m, "%s") .. "\n.TH ",
        title = format(' %d "" "%s ABI %d" "%s"', 2, abi.name, abi.version, abi.name .. " System Calls") ..
            "\n.SH NAME\n",
        trap = ": the wrapper traps with \\fBint 0x" .. format("%02x", abi.trap) ..
            "\\fP, the number in \\fBeax\\fP, the\narguments in \\fB" .. concat(abi.arg_registers, " ") ..
            "\\fP, the result in \\fBeax\\fP.",
        where = format("Must lie inside user space [0x%08X, 0x%08X), or the call fails with EFAULT",
            abi.user_low, abi.user_high),
        values = trace.named_values(m),
    }
end

local SYNOPSIS = ".SH SYNOPSIS\n.nf\n.B #include <libsys.h>\n.PP\n.B "
local RETURN_NONE = ".SH RETURN VALUE\nNone."
local RETURN_FAILS_ONLY = ".SH RETURN VALUE\nOnly on failure, \\-ENAME (see ERRORS): on success the call does not return."
local RETURN_VALUE = { -- by result type (an unsigned one: the text is made when first needed)
    i32 = ".SH RETURN VALUE\nA value of 0 or more on success; \\-ENAME (see ERRORS) on failure.",
    i64 = ".SH RETURN VALUE\nA 64-bit value of 0 or more (in edx:eax) on success; \\-ENAME (see ERRORS) on failure.",
}
setmetatable(RETURN_VALUE, { __index = function(t, ret)
    local text = format(".SH RETURN VALUE\nThe %s result on success; (%s)\\-ENAME, a value " ..
        "in the last %d of the range, on failure.", ret, ret == "u32" and "uint32_t" or "uintptr_t", MAX_ERRNO)
    t[ret] = text
    return text
end })
local SEE_ALSO = ".SH SEE ALSO\nThe reference of the whole ABI: \\fIdocs/syscalls.md\\fP; the language: " ..
    "\\fIabi/README.md\\fP.\n"

local call = {} -- scratch: the arguments of an example's call

local function syscall_page(m, sc, parts, t)
    local name, doc, attrs = sc.name, roff(sc.doc), sc.attrs
    t[1] = parts.banner .. name:upper() .. parts.title .. name .. " \\- " .. doc
    t[2] = SYNOPSIS .. roff(libsys_h.prototype(m, sc)) .. ";\n.fi\n.SH DESCRIPTION"
    t[3] = doc
    local n = 3
    if sc.long then
        n = n + 1
        t[n] = ".PP"
        n = paragraphs(t, n, sc.long)
    end
    n = n + 1
    t[n] = ".PP\nSystem call " .. cgen.num[sc.num] .. parts.trap
    local said
    if attrs.noreturn then said = "It never returns." end
    if attrs.blocking then said = said and (said .. " It may block.") or "It may block." end
    if attrs.returns_twice then
        local s = "It returns twice: in the caller, and with 0 in the new process."
        said = said and (said .. " " .. s) or s
    end
    if said then
        n = n + 1
        t[n] = ".PP\n" .. said
    end
    local args, values = sc.args, parts.values
    local has_values = next(values) ~= nil
    if #args > 0 then
        n = n + 1
        t[n] = ".SS Arguments"
        for i = 1, #args do
            local a = args[i]
            n = n + 1
            t[n] = ".TP\n.IR " .. a.name .. ' " (' .. roff_once(type_text(a)) .. ')"'
            n = n + 1
            t[n] = roff_once(arg_text(sc, a, parts.where))
            local named = a.kind == "scalar" and kinds.named(a)
            if has_values and not named then -- v1: consts named NAME.FIELD: in their docs
                local v = const_values(values[name .. "." .. a.name])
                if v then
                    n = n + 1
                    t[n] = v
                end
            end
            if named then
                n = n + 1
                t[n] = named_values(a)
            end
        end
    end
    local results = sc.results
    if results then
        for _, r in ipairs(results) do
            n = n + 1
            t[n] = ".TP\n.IR " .. kinds.result_param(sc, r) .. ' " (result, ' .. roff((r.named or r.type).name) ..
                ')"\n' .. roff("comes back in " .. r.reg .. " (0 on failure); the wrapper stores it here unless it is NULL.")
        end
    end
    for i = 1, #args do
        local a = args[i]
        if a.kind == "ptr" and a.type.kind == "struct" then
            n = n + 1
            t[n] = struct_section(a.type, values)
        end
    end
    n = n + 1
    if attrs.noreturn then
        t[n] = RETURN_NONE
    elseif attrs.fails_only then
        t[n] = RETURN_FAILS_ONLY
    else
        t[n] = RETURN_VALUE[sc.ret]
    end
    n = syscall_errors(sc, t, n)
    n = example(m, sc, t, n, call)
    t[n + 1] = SEE_ALSO
    return concat(t, "\n", 1, n + 1)
end

local function message_page(m, svc, msg, send_errors)
    local w = cgen.buffer()
    local helper = svc.name .. "_send_" .. msg.name
    w(header(m, helper, 3, m.abi.name .. " amc Messages"))
    w("%s, struct %s_%s \\- %s", roff(helper), svc.name, msg.name, roff(msg.doc))
    w(".SH SYNOPSIS")
    w(".nf")
    w(".B #include <libsys.h>")
    w(".B #include \\(dqamc_services.h\\(dq")
    w(".PP")
    w(".B %s;", roff(amc_h.send_prototype(svc, msg)))
    w(".PP")
    w(".B struct %s_%s {", svc.name, msg.name)
    w(".B \"    uint32_t event;\"")
    for _, f in ipairs(msg.fields) do w(".B \"    %s;\"", roff(cgen.field_decl(f))) end
    w(".B };")
    w(".fi")
    w(".SH DESCRIPTION")
    w(roff(msg.doc))
    w("Message %d (\\fB%s\\fP) of service \\fB%s\\fP (amc name \\(lq%s\\(rq): %s", msg.num,
        amc_h.macro(svc, msg), svc.name, svc.service, roff(svc.doc))
    if svc.long then
        w(".PP")
        local lines = {}
        for i = 1, paragraphs(lines, 0, svc.long) do w(lines[i]) end
    end
    w(".PP")
    w("The helper fills the payload (the discriminator \\fIevent\\fP first) and sends it with")
    w("\\fBamc_message_send\\fP(2) to \\fIdest\\fP; a receiver passes it to \\fB%s_dispatch\\fP,", svc.name)
    w("which checks the discriminator and the exact length before the handler runs.")
    w(".SS Fields")
    for _, f in ipairs(msg.all_fields) do
        w(".TP")
        w(".IR %s \" (offset %d)\"", f.name, f.offset)
        w(roff(f.name == "event" and ("the discriminator, " .. amc_h.macro(svc, msg)) or f.doc or ""))
    end
    w(".SH RETURN VALUE")
    w("That of \\fBamc_message_send\\fP: 0 or more on success, \\-ENAME on failure.")
    w(errors_section(send_errors))
    w(".SH EXAMPLE")
    local args = { "dest" }
    for _, f in ipairs(msg.fields) do
        if f == msg.var then
            args[#args + 1] = '"text"'
            args[#args + 1] = "4"
        elseif not (msg.var and msg.var.len_field == f) then
            args[#args + 1] = f.type.kind == "array" and f.type.elem.name == "char" and '"key"' or "0"
        end
    end
    code(w, {
        "#include <libsys.h>", "#include \"amc_services.h\"", "",
        "int main(void)", "{",
        "    const char *dest = " .. svc.name:upper() .. "_SERVICE_NAME;",
        string.format("    int r = %s(%s);", helper, table.concat(args, ", ")),
        "    if (r < 0) {",
        string.format('        dprintf(STDERR_FILENO, "%s: %%s\\n", strerror(r));', helper),
        "        return 1;",
        "    }",
        "    return 0;",
        "}",
    })
    w(".SH SEE ALSO")
    w("\\fBamc_message_send\\fP(2), \\fBamc_message_await\\fP(2); \\fIdocs/amc.md\\fP.")
    return w()
end

local function errors_of(sc)
    local list = {}
    for _, e in ipairs(sc.errors) do list[#list + 1] = e end
    for _, e in ipairs(sc.implied) do list[#list + 1] = e end
    table.sort(list, function(a, b) return a.num < b.num end)
    return list
end

-- (For tests/gen/man_test.lua: the paragraph split of a long doc.)
out.paragraphs = paragraphs

function out.render(m)
    escaped, value_blocks, struct_sections = {}, {}, {}
    error_lines, call_texts = {}, {}
    scalar_decls, struct_decls, chars_decls, string_decls = {}, {}, {}, {}
    local pages, parts, t = {}, page_parts(m), {}
    local send
    for _, sc in ipairs(m.syscalls) do
        pages["man2/" .. sc.name .. ".2"] = syscall_page(m, sc, parts, t)
        if sc.name == "amc_message_send" then send = sc end
    end
    for _, svc in ipairs(m.services) do
        local errs = send and errors_of(send) or {}
        for _, msg in ipairs(svc.messages) do
            pages["man3/" .. svc.name .. "_send_" .. msg.name .. ".3"] = message_page(m, svc, msg, errs)
        end
    end
    escaped, value_blocks, struct_sections = {}, {}, {}
    error_lines, call_texts = {}, {}
    scalar_decls, struct_decls, chars_decls, string_decls = {}, {}, {}, {}
    return pages
end

return out
