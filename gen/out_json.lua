-- build/gen/abi.json: the whole model as JSON, so that tracers, fuzzers and bindings in other
-- languages read the ABI without a parser of their own. The schema is in abi/README.md ("The JSON
-- export"); every key of an object is always present (null when it does not apply), in a fixed
-- order, and lists keep the model's order, so the file is the same for the same definition.
local out_json = {}

local NULL = setmetatable({}, { __name = "null" })

-- An object is a list of alternating keys and values (the order they are written in).
local function obj(list) return { obj = list } end
local function arr(list) return { arr = list } end

local function opt(v) if v == nil then return NULL end return v end

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

local function str(s)
    return '"' .. s:gsub('[%c"\\]', function(c) return ESC[c] or string.format("\\u%04x", c:byte()) end) .. '"'
end

local function encode(v, indent, out)
    local t = type(v)
    if v == NULL then
        out[#out + 1] = "null"
    elseif t == "string" then
        out[#out + 1] = str(v)
    elseif t == "number" then
        assert(math.type(v) == "integer", "abi.json holds integers only")
        out[#out + 1] = string.format("%d", v)
    elseif t == "boolean" then
        out[#out + 1] = tostring(v)
    elseif v.arr then
        if #v.arr == 0 then
            out[#out + 1] = "[]"
            return
        end
        local flat = true
        for _, x in ipairs(v.arr) do flat = flat and type(x) ~= "table" end
        if flat then -- a list of names or numbers on one line
            local parts = {}
            for i, x in ipairs(v.arr) do parts[i] = type(x) == "string" and str(x) or string.format("%d", x) end
            out[#out + 1] = "[" .. table.concat(parts, ", ") .. "]"
            return
        end
        local inner = indent .. "  "
        out[#out + 1] = "[\n"
        for i, x in ipairs(v.arr) do
            out[#out + 1] = inner
            encode(x, inner, out)
            out[#out + 1] = i < #v.arr and ",\n" or "\n"
        end
        out[#out + 1] = indent .. "]"
    else
        local list, inner = v.obj, indent .. "  "
        out[#out + 1] = "{\n"
        for i = 1, #list, 2 do
            out[#out + 1] = inner .. str(list[i]) .. ": "
            encode(list[i + 1], inner, out)
            out[#out + 1] = i + 1 < #list and ",\n" or "\n"
        end
        out[#out + 1] = indent .. "}"
    end
end

local function map(list, f)
    local out = {}
    for i, x in ipairs(list or {}) do out[i] = f(x) end
    return arr(out)
end

local function names_of(list) return map(list, function(x) return x.name end) end

local function value(v) return v and obj({ "value", v.value, "expr", v.expr }) or NULL end

-- A reference to a type: scalars, named types and structs by name, arrays spelled out.
local function type_ref(t, named)
    if named then return obj({ "kind", named.kind, "name", named.name, "base", named.base.name }) end
    if t.kind == "array" then return obj({ "kind", "array", "elem", type_ref(t.elem), "count", t.count }) end
    if t.kind == "vararray" then return obj({ "kind", "vararray", "elem", type_ref(t.elem) }) end
    if t.kind == "scalar" then return obj({ "kind", "scalar", "name", t.name }) end
    return obj({ "kind", t.kind, "name", t.name })
end

local function field(f)
    return obj({ "name", f.name, "doc", opt(f.doc), "type", type_ref(f.type, f.named), "offset", f.offset })
end

local function member(x) return obj({ "name", x.name, "value", x.value, "doc", x.doc }) end

local function arg(sc, a)
    local lc = a.lifecycle
    return obj({
        "name", a.name, "index", a.index, "kind", a.kind, "reg", a.reg, "regs", a.regs and arr(a.regs) or NULL,
        "dir", opt(a.dir),
        "type", a.type and type_ref(a.type, a.named) or NULL,
        "elem", a.elem and type_ref(a.elem) or NULL,
        "elem_size", opt(a.kind == "bytes" and a.elem_size or nil),
        "len_arg", a.len_arg and sc.args[a.len_arg].name or NULL,
        "len_by_ptr", a.kind == "bytes" and (a.len_by_ptr or false) or NULL,
        "max", value(a.max), "size", value(a.size),
        "toolong", a.toolong and a.toolong.name or NULL,
        "optional", a.kind ~= "scalar" and (a.optional or false) or NULL,
        "lifecycle", lc and obj({ "invalid", lc.invalid and lc.invalid.name or NULL,
                                  "reaped", lc.reaped and lc.reaped.name or NULL,
                                  "foreign", lc.foreign and lc.foreign.name or NULL }) or NULL,
    })
end

local ATTRS = { "noreturn", "blocking", "returns_twice", "fails_only", "relays_errors" }

local function syscall(sc)
    local attrs = {}
    for _, a in ipairs(ATTRS) do
        if sc.attrs[a] then attrs[#attrs + 1] = a end
    end
    local ret = sc.ret_type and type_ref(sc.ret_type.base or sc.ret_type, sc.ret_type.base and sc.ret_type) or NULL
    return obj({
        "num", sc.num, "name", sc.name, "cname", sc.cname or sc.name, "doc", sc.doc, "long", opt(sc.long),
        "ret", ret, "ret_regs", sc.ret == "void" and NULL or arr(sc.ret_regs or { "eax" }),
        "results", map(sc.results, function(r)
            return obj({ "name", r.name, "type", type_ref(r.named and r.named.base or r.type, r.named), "reg", r.reg })
        end),
        "produces", sc.produces and sc.produces.name or NULL,
        "attrs", arr(attrs),
        "args", map(sc.args, function(a) return arg(sc, a) end),
        "errors", names_of(sc.errors), "implied", names_of(sc.implied),
    })
end

local function message(msg)
    return obj({
        "num", msg.num, "name", msg.name, "doc", msg.doc, "fields", map(msg.fields, field),
        "fixed_size", msg.fixed_size, "max_size", msg.max_size, "var", msg.var and msg.var.name or NULL,
        "var_max", value(msg.var_max),
    })
end

local function retired(r) return obj({ "num", r.num, "name", r.name, "why", r.why }) end

function out_json.render(m)
    local abi = m.abi
    local root = obj({
        "schema", "layercake-abi-json 1",
        "abi", obj({
            "name", abi.name, "version", abi.version, "trap", abi.trap, "arg_registers", arr(abi.arg_registers),
            "result_registers", arr(abi.result_registers), "pair_order", abi.pair_order,
            "user_space", arr({ abi.user_low, abi.user_high }), "amc_max_message", value(abi.amc_max_message),
            "amc_name_max", value(abi.amc_name_max), "prefix", abi.prefix, "kernel_stack_budget", abi.kernel_stack_budget,
        }),
        "consts", map(m.consts, function(c)
            return obj({ "name", c.name, "value", c.value, "expr", c.expr, "doc", opt(c.doc),
                         "member_of", c.member_of and c.member_of.name or NULL })
        end),
        "errors", map(m.errors, function(e) return obj({ "name", e.name, "num", e.num, "text", e.text }) end),
        "error_aliases", map(m.error_aliases, function(a)
            return obj({ "name", a.name, "target", a.target.name, "doc", opt(a.doc) })
        end),
        "flags", map(m.flags, function(t)
            return obj({ "name", t.name, "doc", t.doc, "base", t.base.name, "mask", t.mask,
                         "members", map(t.members, member) })
        end),
        "enums", map(m.enums, function(t)
            return obj({ "name", t.name, "doc", t.doc, "base", t.base.name, "members", map(t.members, member) })
        end),
        "resources", map(m.resources, function(t)
            return obj({ "name", t.name, "doc", t.doc, "base", t.base.name, "specials", map(t.specials, member),
                         "producers", names_of(t.producers),
                         "consumers", map(t.consumers, function(c)
                             return obj({ "syscall", c.syscall.name, "arg", c.arg.name })
                         end) })
        end),
        "structs", map(m.structs, function(s)
            return obj({ "name", s.name, "doc", s.doc, "size", s.size, "align", s.align, "fields", map(s.fields, field) })
        end),
        "syscalls", map(m.syscalls, syscall),
        "retired", map(m.retired, retired),
        "table_size", m.table_size,
        "services", map(m.services, function(svc)
            return obj({ "name", svc.name, "service", svc.service, "doc", opt(svc.doc), "long", opt(svc.long),
                         "messages", map(svc.messages, message),
                         "retired", map(svc.retired, retired) })
        end),
    })
    local out = {}
    encode(root, "", out)
    out[#out + 1] = "\n"
    return table.concat(out)
end

return out_json
