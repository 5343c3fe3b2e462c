-- build/gen/kernel/trace_table.c: what the tracer (kernel/trace.c) needs beyond the syscall
-- table, with the types of kernel/trace.h: the layout of every struct, so an out-struct is
-- decoded field by field when the call returns, and the named values of fields and arguments,
-- taken from the consts whose doc starts with "NAME.FIELD:" (a struct and its field, or a
-- syscall and its argument), shown without their common prefix: WAIT_EXITED is cause=EXITED.
local cgen = require("cgen")
local kinds = require("kinds")
local names = require("names")

local out = {}

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
    local syscalls = m.syscalls
    for k = 1, #syscalls do
        local args = syscalls[k].args
        for i = 1, #args do
            local a = args[i]
            local kind = a.kind
            if kind ~= "scalar" and kind ~= "bytes" and kind ~= "str" then use(a.type) end
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
                f.type.kind == "struct" and "&trace_struct_" .. f.type.name or "0",
                values_ident(s.name .. "." .. f.name, named))
        end
        w("static const struct trace_field fields_%s[] = {", s.name)
        for _, line in ipairs(fields) do w("%s", line) end
        w("    {0, 0, 0, 0, 0, 0},")
        w("};")
        w("static const struct trace_struct trace_struct_%s = {%s, %d, fields_%s};", s.name,
            cgen.cstring(s.name), s.size, s.name)
        w("")
    end
    -- The syscalls some const's doc names an argument of ("call.arg:"): only their scalar
    -- arguments without a named type can have values of their own.
    local has_values = {}
    for owner in pairs(values) do has_values[owner:match("^[^.]*")] = true end
    -- The argument entries of a syscall ("" for none). Those of a syscall without values of its
    -- own depend only on its shape: spelled once per shape.
    local function arg_entries(sc)
        local list, n, args = nil, 0, sc.args
        for i = 1, #args do
            local a = args[i]
            local kind, entry = a.kind, nil
            if kind == "scalar" then
                local named = a.named or (a.type.kind ~= "scalar" and kinds.named(a)) or nil
                if named or has_values[sc.name] then
                    local vals = values_ident(sc.name .. "." .. a.name, named)
                    if vals ~= "0" then
                        entry = "[" .. (i - 1) .. "] = {0, " .. field_kind(a.type, named) .. ", " .. a.type.size ..
                            ", " .. vals .. "}"
                    end
                end
            elseif kind == "ptr" then
                if a.type.kind == "struct" then
                    entry = "[" .. (i - 1) .. "] = {&trace_struct_" .. a.type.name .. ", TRACE_STRUCT, 0, 0}"
                else
                    entry = "[" .. (i - 1) .. "] = {0, " .. scalar_kind(a.type) .. ", " .. a.type.size .. ", 0}"
                end
            end
            if entry then
                list = list or {}
                n = n + 1
                list[n] = entry
            end
        end
        return list and table.concat(list, ", ") or ""
    end
    local by_shape, nums = cgen.shape_memo(), cgen.num
    local rows, nrows = {}, 0
    for k = 1, #syscalls do
        local sc = syscalls[k]
        local entries
        if has_values[sc.name] then
            entries = arg_entries(sc)
        else
            local shape = cgen.shape(sc)
            entries = by_shape[shape]
            if not entries then
                entries = arg_entries(sc)
                by_shape[shape] = entries
            end
        end
        if entries ~= "" then
            nrows = nrows + 1
            rows[nrows] = "    [" .. nums[sc.num] .. "] = {{" .. entries .. "}}, /* " .. sc.name .. " */"
        end
    end
    w("const struct trace_syscall trace_syscalls[SYS_TABLE_SIZE] = {")
    if #rows == 0 then rows[1] = "    {{{0, 0, 0, 0}}}, /* no syscall takes a pointer to a struct or a named value */" end
    for _, r in ipairs(rows) do w(r) end
    w("};")
    return w()
end

return out
