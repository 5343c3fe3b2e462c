-- build/man: one manual page per syscall (man2/NAME.2) and per amc message (man3/SVC_send_MSG.3),
-- readable with `man -l`: the wrapper's C prototype, the arguments with what the entry checks,
-- the errors and an example that compiles against libsys. render(m) returns
-- { [relative path] = roff text }.
local cgen = require("cgen")
local libsys_h = require("out_libsys_h")
local amc_h = require("out_amc_h")
local trace = require("out_trace")
local kinds = require("kinds")

local out = {}
local named_values

-- Text safe in a roff line: backslashes escaped, no line starting with a control character.
local function roff(text)
    text = (text or ""):gsub("\\", "\\e"):gsub("%-", "\\-")
    return (text:gsub("^([.'])", "\\&%1"):gsub("\n([.'])", "\n\\&%1"))
end

-- A long doc: blank lines become paragraph breaks.
local function paragraphs(w, text)
    local first = true
    for para in (text .. "\n\n"):gmatch("(.-)\n%s*\n") do
        if para:find("%S") then
            if not first then w(".PP") end
            w("%s", roff((para:gsub("\n%s*", " "))))
            first = false
        end
    end
end

local function header(w, m, name, section, title)
    w('.\\" %s', cgen.banner(m, "%s"))
    w('.TH %s %d "" "%s ABI %d" "%s"', name:upper(), section, m.abi.name, m.abi.version, title)
    w(".SH NAME")
end

local function type_text(a)
    local optional = a.optional and " optional" or ""
    if a.kind == "scalar" then return (a.named or a.type).name end
    if a.kind == "bytes" then
        return string.format("%s %s[%s%s]%s%s", a.dir, a.elem and a.elem.name or "bytes", a.len_by_ptr and "*" or "",
            a.len_name, a.max and (" max " .. a.max.expr) or "", optional)
    end
    if a.kind == "str" then return "in str[" .. a.size.expr .. "]" .. optional end
    return a.dir .. " " .. a.type.name .. (a.optional and " optional" or "")
end

local function arg_text(m, sc, a)
    if a.kind == "scalar" then
        for _, b in ipairs(sc.args) do
            if b.kind == "bytes" and b.len_name == a.name then
                return "the length of " .. b.name .. " in bytes"
            end
        end
        return "passed in " .. a.reg .. (a.type.signed and "" or ", unsigned")
    end
    local where = string.format("Must lie inside user space [0x%08X, 0x%08X), or the call fails with EFAULT",
        m.abi.user_low, m.abi.user_high)
    if a.kind == "bytes" then
        local what = a.dir == "in" and "read by the kernel" or a.dir == "out" and "written by the kernel"
            or "read and written by the kernel"
        local bound = a.max and string.format("; %s over %s fails with %s", a.len_name, a.max.expr,
            a.toolong.name) or ""
        return string.format("%s bytes %s. %s%s.", a.len_name, what, where, bound)
    end
    if a.kind == "str" then
        return string.format("a NUL-terminated string of at most %s bytes (longer: %s). %s.",
            a.size.expr, a.toolong.name, where)
    end
    local what = a.dir == "in" and "read by the kernel" or a.dir == "out"
        and "written by the kernel, only when the call succeeds" or "read, and written on success"
    return string.format("a struct %s %s.%s %s.", a.type.name, what,
        a.optional and " May be NULL." or "", where)
end

local function errors_section(w, list)
    w(".SH ERRORS")
    if #list == 0 then
        w("None: the call always succeeds.")
        return
    end
    for _, e in ipairs(list) do
        w(".TP")
        w(".B %s", e.name)
        w("%s (%d)", roff(e.text), e.num)
    end
end

-- A C variable for each argument, the call, and the check of its result.
local function example(m, sc)
    local decls, call = {}, {}
    local lens = {}
    for _, a in ipairs(sc.args) do
        if a.kind == "bytes" then lens[a.len_name] = a end
    end
    for _, a in ipairs(sc.args) do
        if a.kind == "scalar" then
            local buf = lens[a.name]
            call[#call + 1] = buf and (buf.elem and ("sizeof " .. buf.name .. " / sizeof " .. buf.name .. "[0]")
                or ("sizeof " .. buf.name)) or a.name
            if not buf then decls[#decls + 1] = string.format("%s %s = 0;", kinds.ctype(a, true), a.name) end
        elseif a.kind == "bytes" and a.elem then
            decls[#decls + 1] = string.format("static %s %s[%d];", cgen.pointee(a.elem), a.name, math.min(a.max.value, 4))
            call[#call + 1] = a.name
        elseif a.kind == "bytes" then
            local n = a.max and math.min(a.max.value, 64) or 64
            decls[#decls + 1] = string.format("static char %s[%d];", a.name, n)
            call[#call + 1] = a.name
        elseif lens[a.name] then -- a value-result length: the capacity in, the size out
            decls[#decls + 1] = string.format("uint32_t %s = sizeof %s;", a.name, lens[a.name].name)
            call[#call + 1] = "&" .. a.name
        elseif a.kind == "str" then
            decls[#decls + 1] = string.format('const char *%s = "name";', a.name)
            call[#call + 1] = a.name
        else
            decls[#decls + 1] = string.format("%s %s;", cgen.pointee(a.type), a.name)
            call[#call + 1] = "&" .. a.name
        end
    end
    for _, r in ipairs(kinds.results(sc)) do
        local var = kinds.result_param(sc, r)
        decls[#decls + 1] = string.format("%s %s;", kinds.ctype(r, true), var)
        call[#call + 1] = "&" .. var
    end
    local lines = { "#include <libsys.h>", "", "int main(void)", "{" }
    for _, d in ipairs(decls) do lines[#lines + 1] = "    " .. d end
    local invoke = string.format("%s%s(%s)", m.abi.prefix, sc.name, table.concat(call, ", "))
    if sc.attrs.noreturn then
        lines[#lines + 1] = "    " .. invoke .. ";"
    else
        local ctype = ({ i32 = "int32_t", u32 = "uint32_t", uptr = "uintptr_t", i64 = "int64_t", u64 = "uint64_t" })[sc.ret]
        lines[#lines + 1] = string.format("    %s r = %s;", ctype, invoke)
        local signed = sc.ret == "i32" or sc.ret == "i64"
        local failed = signed and "r < 0" or "r >= (" .. ctype .. ")-4095"
        local err = sc.ret == "i32" and "r" or signed and "(int)r" or "-(int)r"
        lines[#lines + 1] = "    if (" .. failed .. ") {"
        lines[#lines + 1] = string.format('        dprintf(STDERR_FILENO, "%s: %%s\\n", strerror(%s));',
            sc.name, err)
        lines[#lines + 1] = "        return 1;"
        lines[#lines + 1] = "    }"
        if sc.attrs.returns_twice then
            lines[#lines + 1] = "    if (r == 0)"
            lines[#lines + 1] = "        exit(0); /* the new process */"
        end
        lines[#lines + 1] = "    return 0;"
    end
    lines[#lines + 1] = "}"
    return lines
end

local function code(w, lines)
    w(".PP")
    w(".EX")
    for _, l in ipairs(lines) do w("%s", roff(l)) end
    w(".EE")
end

-- The members of a flags or enum argument, the specials of a resource, and what is refused.
function named_values(w, a)
    local named = (a.kind == "scalar" or a.kind == nil) and kinds.named(a)
    if not named then return end
    local list = named.members or named.specials
    w(".br")
    if a.kind == nil and named.kind ~= "resource" then -- a struct field: what the values mean, nothing refused
        w("%s", roff("A " .. named.name .. (named.kind == "flags" and " set of:" or ", one of:")))
    elseif named.kind == "flags" then
        w("%s", roff("A " .. named.name .. " set; other bits fail with " .. (a.einval and a.einval.name or "EINVAL") .. ":"))
    elseif named.kind == "enum" then
        w("%s", roff("A " .. named.name .. "; other values fail with " .. (a.einval and a.einval.name or "EINVAL") .. ":"))
    else
        w("%s", roff("A " .. named.name .. (#list > 0 and "; special values:" or ".")))
    end
    for _, v in ipairs(list) do
        w(".br")
        w("\\fB%s\\fP (%s): %s", v.name, named.kind == "flags" and string.format("0x%X", v.value) or tostring(v.value),
            roff((v.doc or ""):gsub("^[%w_]+%.[%w_]+:%s*", ""))) -- a v1-style NAME.FIELD: prefix left out
    end
end

local function syscall_page(m, sc, all_errors)
    local w = cgen.buffer()
    header(w, m, sc.name, 2, m.abi.name .. " System Calls")
    w("%s \\- %s", roff(sc.name), roff(sc.doc))
    w(".SH SYNOPSIS")
    w(".nf")
    w(".B #include <libsys.h>")
    w(".PP")
    w(".B %s;", roff(libsys_h.prototype(m, sc)))
    w(".fi")
    w(".SH DESCRIPTION")
    w("%s", roff(sc.doc))
    if sc.long then
        w(".PP")
        paragraphs(w, sc.long)
    end
    w(".PP")
    w("System call %d: the wrapper traps with \\fBint 0x%02x\\fP, the number in \\fBeax\\fP, the", sc.num,
        m.abi.trap)
    w("arguments in \\fB%s\\fP, the result in \\fBeax\\fP.", table.concat(m.abi.arg_registers, " "))
    local attrs = {}
    if sc.attrs.noreturn then attrs[#attrs + 1] = "It never returns." end
    if sc.attrs.blocking then attrs[#attrs + 1] = "It may block." end
    if sc.attrs.returns_twice then
        attrs[#attrs + 1] = "It returns twice: in the caller, and with 0 in the new process."
    end
    if #attrs > 0 then
        w(".PP")
        w("%s", table.concat(attrs, " "))
    end
    local values = trace.named_values(m)
    if #sc.args > 0 then
        w(".SS Arguments")
        for _, a in ipairs(sc.args) do
            w(".TP")
            w(".IR %s \" (%s)\"", a.name, roff(type_text(a)))
            w("%s", roff(arg_text(m, sc, a)))
            if not (a.kind == "scalar" and kinds.named(a)) then -- v1: consts named NAME.FIELD: in their docs
                for _, v in ipairs(values[sc.name .. "." .. a.name] or {}) do
                    w(".br")
                    w("\\fB%s\\fP (%d): %s", v.name, v.value, roff(v.doc:gsub("^[%w_.]+:%s*", "")))
                end
            end
            named_values(w, a)
        end
    end
    for _, r in ipairs(kinds.results(sc)) do
        w(".TP")
        w(".IR %s \" (result, %s)\"", kinds.result_param(sc, r), roff((r.named or r.type).name))
        w("%s", roff(string.format("comes back in %s (0 on failure); the wrapper stores it here unless it is NULL.",
            r.reg)))
    end
    for _, a in ipairs(sc.args) do
        if a.kind == "ptr" and a.type.kind == "struct" then
            w(".SS struct %s (%d bytes)", a.type.name, a.type.size)
            w("%s", roff(a.type.doc or ""))
            for _, f in ipairs(a.type.fields) do
                w(".TP")
                w(".IR %s \" (offset %d)\"", f.name, f.offset)
                w("%s", roff(f.doc or ""))
                if not kinds.named(f) then
                    for _, v in ipairs(values[a.type.name .. "." .. f.name] or {}) do
                        w(".br")
                        w("\\fB%s\\fP (%d): %s", v.name, v.value, roff(v.doc:gsub("^[%w_.]+:%s*", "")))
                    end
                end
                named_values(w, f)
            end
        end
    end
    w(".SH RETURN VALUE")
    if sc.attrs.noreturn then
        w("None.")
    elseif sc.attrs.fails_only then
        w("Only on failure, \\-ENAME (see ERRORS): on success the call does not return.")
    elseif sc.ret == "i32" then
        w("A value of 0 or more on success; \\-ENAME (see ERRORS) on failure.")
    elseif sc.ret == "i64" then
        w("A 64-bit value of 0 or more (in edx:eax) on success; \\-ENAME (see ERRORS) on failure.")
    else
        w("The %s result on success; (%s)\\-ENAME, a value in the last 4095 of the range, on failure.",
            sc.ret, sc.ret == "u32" and "uint32_t" or "uintptr_t")
    end
    errors_section(w, all_errors)
    w(".SH EXAMPLE")
    code(w, example(m, sc))
    w(".SH SEE ALSO")
    w("The reference of the whole ABI: \\fIdocs/syscalls.md\\fP; the language: \\fIabi/README.md\\fP.")
    return w()
end

local function message_page(m, svc, msg, send_errors)
    local w = cgen.buffer()
    local helper = svc.name .. "_send_" .. msg.name
    header(w, m, helper, 3, m.abi.name .. " amc Messages")
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
    w("%s", roff(msg.doc))
    w("Message %d (\\fB%s\\fP) of service \\fB%s\\fP (amc name \\(lq%s\\(rq): %s", msg.num,
        amc_h.macro(svc, msg), svc.name, svc.service, roff(svc.doc))
    if svc.long then
        w(".PP")
        paragraphs(w, svc.long)
    end
    w(".PP")
    w("The helper fills the payload (the discriminator \\fIevent\\fP first) and sends it with")
    w("\\fBamc_message_send\\fP(2) to \\fIdest\\fP; a receiver passes it to \\fB%s_dispatch\\fP,", svc.name)
    w("which checks the discriminator and the exact length before the handler runs.")
    w(".SS Fields")
    for _, f in ipairs(msg.all_fields) do
        w(".TP")
        w(".IR %s \" (offset %d)\"", f.name, f.offset)
        w("%s", roff(f.name == "event" and ("the discriminator, " .. amc_h.macro(svc, msg)) or f.doc or ""))
    end
    w(".SH RETURN VALUE")
    w("That of \\fBamc_message_send\\fP: 0 or more on success, \\-ENAME on failure.")
    errors_section(w, send_errors)
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

function out.render(m)
    local pages = {}
    local send
    for _, sc in ipairs(m.syscalls) do
        pages["man2/" .. sc.name .. ".2"] = syscall_page(m, sc, errors_of(sc))
        if sc.name == "amc_message_send" then send = sc end
    end
    for _, svc in ipairs(m.services) do
        local errs = send and errors_of(send) or {}
        for _, msg in ipairs(svc.messages) do
            pages["man3/" .. svc.name .. "_send_" .. msg.name .. ".3"] = message_page(m, svc, msg, errs)
        end
    end
    return pages
end

return out
