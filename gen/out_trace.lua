-- build/gen/kernel/trace_table.c: what the tracer (kernel/trace.c) needs beyond the syscall
-- table, with the types of kernel/trace.h: the layout of every struct, so an out-struct is
-- decoded field by field when the call returns, and the named values of fields and arguments,
-- taken from the consts whose doc starts with "NAME.FIELD:" (a struct and its field, or a
-- syscall and its argument), shown without their common prefix: WAIT_EXITED is cause=EXITED.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

local JOIN, put_rows = cgen.JOIN, cgen.put_rows -- the rows' pieces are joined per cgen.JOIN of them

local function scalar_kind(t)
    if t.hex then return "TRACE_HEX" end
    return t.signed and "TRACE_INT" or "TRACE_UINT"
end

local function field_kind(t, named)
    if named and named.kind == "flags" then return "TRACE_FLAGS" end
    if t.kind == "struct" then return "TRACE_STRUCT" end
    if t.kind == "array" then return t.elem.name == "char" and "TRACE_CHARS" or "TRACE_ARRAY" end
    return scalar_kind(t)
end

-- The entry of an argument in its syscall's row when it depends on the argument alone: a
-- pointer's, or a flags, enum or resource argument's (false: none) of a syscall no const's doc
-- gives values. Once per argument table (an argument table belongs to one model).
local render_values -- the render's arg_values (the values list of a scalar argument)
local ENTRY = cgen.arg_memo(function(a)
    local at = cgen.num[a.index - 1]
    if a.kind == "ptr" then
        if a.type.kind == "struct" then
            return "[" .. at .. "] = {&" .. names.trace_struct(a.type) .. ", TRACE_STRUCT, 0, 0}"
        end
        return "[" .. at .. "] = {0, " .. scalar_kind(a.type) .. ", " .. cgen.num[a.type.size] .. ", 0}"
    end
    local named = a.named or (a.type.kind ~= "scalar" and kinds.named(a)) or nil
    if not named or named.kind == "resource" then return false end
    local vals = render_values(nil, a) -- (a flags or enum type's list: sc is not looked at)
    if vals == "0" then return false end
    return "[" .. at .. "] = {0, " .. field_kind(a.type, named) .. ", " .. cgen.num[a.type.size] .. ", " .. vals .. "}"
end)

-- Sets v.shown of every value of a list: its name without the names' longest common prefix, cut
-- back to its last '_' (WAIT_EXITED is EXITED beside WAIT_KILLED; a lone name stays whole).
local function shorten(list)
    local prefix = list[1].name
    for _, v in ipairs(list) do
        while v.name:sub(1, #prefix) ~= prefix do prefix = prefix:sub(1, -2) end
    end
    prefix = #list > 1 and (prefix:match("^(.*_)") or "") or ""
    for _, v in ipairs(list) do v.shown = v.name:sub(#prefix + 1) end
end

-- { ["wait_info.cause"] = { {name=, value=, doc=, shown=}, ... } } from the consts' docs
-- (also read by out_man.lua).
function out.named_values(m)
    local by_owner = {}
    for _, c in ipairs(m.consts) do
        local owner = (c.doc or ""):match("^([%w_]+%.[%w_]+):")
        if owner then
            by_owner[owner] = by_owner[owner] or {}
            table.insert(by_owner[owner], { name = c.name, value = c.value, doc = c.doc })
        end
    end
    for _, list in pairs(by_owner) do shorten(list) end
    return by_owner
end

local function values_list(w, ident, list)
    w("static const struct trace_value %s[] = {", ident)
    for _, v in ipairs(list) do w("    {%s, %s},", cgen.cstring(v.shown), cgen.literal(v.value)) end
    w("    {0, 0},")
    w("};")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"trace.h\"")
    w("")
    local values = out.named_values(m)
    local idents = {}
    -- The values of a flags set or an enum (v2): the members by name (shortened as above). A
    -- resource is printed as its value.
    local function named_ident(named)
        if not named or named.kind == "resource" then return nil end
        local owner = "type " .. named.name
        if not idents[owner] then
            idents[owner] = names.trace_type_values(named)
            local list = {}
            for i, mb in ipairs(named.members) do list[i] = { name = mb.name, value = kinds.bits(mb.value) } end
            shorten(list)
            values_list(w, idents[owner], list)
        end
        return idents[owner]
    end
    local function values_ident(owner, named)
        local n = named_ident(named)
        if n then return n end
        if not values[owner] then return "0" end
        if not idents[owner] then
            idents[owner] = names.trace_values(owner)
            values_list(w, idents[owner], values[owner])
        end
        return idents[owner]
    end
    -- The structs syscalls point to, and those they contain.
    local used = {}
    local function use(t)
        if t.kind ~= "struct" or used[t.name] then return end
        used[t.name] = true
        for _, f in ipairs(t.fields) do use(f.type) end
    end
    -- The syscalls some const's doc names an argument of ("call.arg:"): only their scalar
    -- arguments without a named type can have values of their own.
    local has_values = {}
    for owner in pairs(values) do has_values[owner:match("^[^.]*")] = true end
    -- One walk of the arguments finds the structs and, in order, the scalar arguments whose
    -- values lists are written after the structs' (each list where it is first used).
    local syscalls, valued, nvalued, seen_named = m.syscalls, {}, 0, {}
    for k = 1, #syscalls do
        local sc = syscalls[k]
        local args = sc.args
        for i = 1, #args do
            local a = args[i]
            local kind = a.kind
            if kind == "scalar" then
                local named = a.named or (a.type.kind ~= "scalar" and kinds.named(a)) or nil
                if named and named.kind ~= "resource" then
                    if not seen_named[named] then
                        seen_named[named] = true
                        valued[nvalued + 1], valued[nvalued + 2], nvalued = sc, a, nvalued + 2
                    end
                elseif has_values[sc.name] then
                    valued[nvalued + 1], valued[nvalued + 2], nvalued = sc, a, nvalued + 2
                end
            elseif kind ~= "bytes" and kind ~= "str" then
                use(a.type)
            end
        end
    end
    -- m.structs is in dependency order, so a nested struct is defined before its user.
    local structs = {}
    for _, s in ipairs(m.structs) do
        if used[s.name] then structs[#structs + 1] = s end
    end
    for _, s in ipairs(structs) do
        local fields = {}
        for _, f in ipairs(s.fields) do
            local named = kinds.named(f)
            fields[#fields + 1] = string.format("    {%s, %d, %d, %s, %s, %s},", cgen.cstring(f.name),
                f.offset, f.type.size, field_kind(f.type, named),
                f.type.kind == "struct" and "&" .. names.trace_struct(f.type) or "0",
                values_ident(s.name .. "." .. f.name, named))
        end
        w("static const struct trace_field %s[] = {", names.trace_fields(s))
        for _, line in ipairs(fields) do w("%s", line) end
        w("    {0, 0, 0, 0, 0, 0},")
        w("};")
        w("static const struct trace_struct %s = {%s, %d, %s};", names.trace_struct(s), cgen.cstring(s.name), s.size,
            names.trace_fields(s))
        w("")
    end
    -- The values a scalar argument is shown with: its named type's, or those some const's doc
    -- gives it, or "0". The first use of a list writes it (values_list): the arguments found
    -- above make them all, in the order of the syscalls, before the rows that name them.
    local by_named = {} -- a flags or enum type -> named_ident's answer
    local function arg_values(sc, a)
        local named = a.named or (a.type.kind ~= "scalar" and kinds.named(a)) or nil
        if named and named.kind ~= "resource" then
            local ident = by_named[named]
            if not ident then
                ident = named_ident(named)
                by_named[named] = ident
            end
            return ident, named
        end
        if has_values[sc.name] then return values_ident(sc.name .. "." .. a.name, named), named end
        return "0", named
    end
    for k = 1, nvalued, 2 do arg_values(valued[k], valued[k + 1]) end
    -- A row per syscall with an entry: its entries' pieces in p, joined per cgen.JOIN of them. An
    -- argument's entry that depends on it alone (a pointer's, a flags or enum argument's) is made
    -- once per argument table (ENTRY: render_values is this render's arg_values).
    local p, n, nums, rows = {}, 0, cgen.num, false
    render_values = arg_values
    w("const struct trace_syscall trace_syscalls[SYS_TABLE_SIZE] = {")
    for k = 1, #syscalls do
        local sc = syscalls[k]
        local args = sc.args
        local valued_syscall = has_values[sc.name] -- (else a plain scalar has no values)
        local row = false -- (the row's start is written with its first entry: most syscalls have none)
        for i = 1, #args do
            local a = args[i]
            local kind = a.kind
            local entry = false
            if kind == "scalar" then
                if valued_syscall then
                    local vals, named = arg_values(sc, a)
                    if vals ~= "0" then
                        if row then
                            p[n + 1], n = ", ", n + 1
                        else
                            p[n + 1], p[n + 2], p[n + 3], n, row = "    [", nums[sc.num], "] = {{", n + 3, true
                        end
                        p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], p[n + 6], p[n + 7], n = "[", nums[i - 1],
                            "] = {0, ", field_kind(a.type, named), ", ", nums[a.type.size], ", ", n + 7
                        p[n + 1], p[n + 2], n = vals, "}", n + 2
                    end
                elseif a.named or a.type.kind ~= "scalar" then
                    entry = ENTRY[a]
                end
            elseif kind == "ptr" then
                entry = ENTRY[a]
            end
            if entry then
                if row then
                    p[n + 1], p[n + 2], n = ", ", entry, n + 2
                else
                    p[n + 1], p[n + 2], p[n + 3], p[n + 4], n, row = "    [", nums[sc.num], "] = {{", entry, n + 4, true
                end
            end
        end
        if row then
            rows = true
            p[n + 1], p[n + 2], p[n + 3], n = "}}, /* ", sc.name, " */\n", n + 3
            if n >= JOIN then n = put_rows(w, p, n) end
        end
    end
    render_values = nil
    put_rows(w, p, n)
    if not rows then w("    {{{0, 0, 0, 0}}}, /* no syscall takes a pointer to a struct or a named value */") end
    w("};")
    return w()
end

return out
