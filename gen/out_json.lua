-- build/gen/abi.json: the whole model as JSON, so that tracers, fuzzers and bindings in other
-- languages read the ABI without a parser of their own. The schema is in abi/README.md ("The JSON
-- export"): compact JSON with one entry (a const, a syscall, a service...) per line, keys in a
-- fixed order, a key left out where it does not apply, lists in the model's order, so the file is
-- the same for the same definition.
--   The text is written entry by entry into the output's buffer (streamed to its file by
-- cgen.render_to); no tree of the whole model is ever built. A syscall's entry (the bulk of the
-- file) is spelled as its pieces, joined once per run of entries; the few other entries by a few
-- large `..` expressions each.
local cgen = require("cgen")

local out_json = {}

local concat = table.concat
local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }
local function esc(c) return ESC[c] or string.format("\\u%04x", c:byte()) end

-- The inside of a JSON string (without its quotes). Names are C identifiers (nothing to escape);
-- texts are checked. string.format("%q") scans a text in C (a Lua pattern costs ten times as much
-- a byte), escaping what JSON escapes too except a newline (%q: backslash, newline) and the
-- control bytes but CR (%q: backslash, digits): a text whose %q has no other escape is its %q with
-- each backslash-newline made \n; any other goes through the escaping gsub.
local plain, plain_doc, format, find, byte = cgen.plain, cgen.plain_doc, string.format, string.find, string.byte

local function slow_body(s)
    return (s:gsub('[%c"\\]', esc))
end

local function escaped_body(s)
    local q = format("%q", s)
    if #q == #s + 2 then return s end
    local parts, n, from, pos = nil, 0, 2, 2
    while true do
        local at = find(q, "\\", pos, true)
        if not at then break end
        local c = byte(q, at + 1)
        if c == 10 then -- a newline
            parts = parts or {}
            parts[n + 1], parts[n + 2], n = q:sub(from, at - 1), "\\n", n + 2
            from = at + 2
        elseif c ~= 34 and c ~= 92 and c ~= 114 then -- not \" \\ \r: a control byte as digits
            return slow_body(s)
        end
        pos = at + 2
    end
    if not parts then return q:sub(2, -2) end
    parts[n + 1] = q:sub(from, -2)
    return table.concat(parts)
end

local function body(s)
    if plain(s) then return s end
    return escaped_body(s)
end

-- The body of a text that is most likely several lines (a syscall's long text): one with a
-- newline is never plain, and is no other output's text (so cgen.plain's memo gains nothing).
local function lines_body(s)
    if find(s, "\n", 1, true) then return escaped_body(s) end
    return body(s)
end

out_json.string_body = body -- for tests/gen/json_test.lua

local function str(s) return '"' .. body(s) .. '"' end

-- ["A","B"] of a list of entries.
local function names_list(list)
    local n = #list
    if n == 0 then return "[]" end
    local parts = {}
    for i = 1, n do parts[i] = list[i].name end
    return '["' .. concat(parts, '","') .. '"]'
end

local function strings(list) return '["' .. concat(list, '","') .. '"]' end

local function value(v) return '{"value":' .. v.value .. ',"expr":' .. str(v.expr) .. "}" end

-- A reference to a type: scalars, named types and structs by name, arrays spelled out. The same
-- type objects are referred to over and over: each is spelled once per render (refs, keyed by the
-- type, or by the named type).
local function type_ref(refs, t, named)
    local key = named or t
    local s = refs[key]
    if s then return s end
    if named then
        s = '{"kind":"' .. named.kind .. '","name":"' .. named.name .. '","base":"' .. named.base.name .. '"}'
    elseif t.kind == "array" then
        s = '{"kind":"array","elem":' .. type_ref(refs, t.elem) .. ',"count":' .. t.count .. "}"
    elseif t.kind == "vararray" then
        s = '{"kind":"vararray","elem":' .. type_ref(refs, t.elem) .. "}"
    else
        s = '{"kind":"' .. t.kind .. '","name":"' .. t.name .. '"}'
    end
    refs[key] = s
    return s
end

local function field(refs, f)
    return '{"name":"' .. f.name .. (f.doc and ('","doc":' .. str(f.doc) .. ',"type":') or '","type":') ..
        type_ref(refs, f.type, f.named) .. ',"offset":' .. f.offset .. "}"
end

local function fields(refs, list)
    local parts = {}
    for i, f in ipairs(list) do parts[i] = field(refs, f) end
    return "[" .. concat(parts, ",") .. "]"
end

local function member(x)
    return '{"name":"' .. x.name .. '","value":' .. x.value .. ',"doc":' .. str(x.doc) .. "}"
end

local function members(list)
    local parts = {}
    for i, x in ipairs(list) do parts[i] = member(x) end
    return "[" .. concat(parts, ",") .. "]"
end

local nums = cgen.num -- (a number converted by table.concat would be spelled anew each time)

-- A syscall's entry is one `..` chain of its pieces (a chain of .. is a third of what
-- table.concat costs a piece), the texts of its arguments made once per argument table.

-- An argument, the keys that do not apply left out. A resource argument's lifecycle errors:
-- those it has (any of the three may be missing), in the order invalid, reaped, foreign.

local function lifecycle(lc)
    local invalid, reaped, foreign = lc.invalid, lc.reaped, lc.foreign
    local s = (invalid and ('"invalid":"' .. invalid.name .. '"') or "")
    if reaped then s = s .. (invalid and ',"reaped":"' or '"reaped":"') .. reaped.name .. '"' end
    if foreign then s = s .. ((invalid or reaped) and ',"foreign":"' or '"foreign":"') .. foreign.name .. '"' end
    return ',"lifecycle":{' .. s .. "}"
end

-- Recurring pieces of an argument, spelled once (cgen.memo: the keys are kinds, registers,
-- directions, numbers, error names).
local memo, memo2 = cgen.memo, cgen.memo2
local function memo3(make)
    return memo(function(x) return memo2(function(y, z) return make(x, y, z) end) end)
end

local INDEX = memo(function(i) return '","index":' .. nums[i] end)
local SCALAR_REG = memo(function(reg) return ',"kind":"scalar","reg":"' .. reg .. '"' end)
local KIND_REG_DIR = memo3(function(kind, reg, dir)
    return ',"kind":"' .. kind .. '","reg":"' .. reg .. '","dir":"' .. dir .. '"'
end)
local ELEM_SIZE = memo(function(size) return ',"elem_size":' .. nums[size] .. ',"len_arg":"' end)
local TOOLONG = memo(function(name) return ',"toolong":"' .. name .. '"' end)

-- A bound ({"value":N,"expr":"E"}) after its key, once per render (values: key -> expr -> text;
-- an expression's value is the model's).
local function bound(values, key, v)
    local by_expr = values[key]
    local s = by_expr[v.expr]
    if not s then
        s = key .. nums[v.value] .. ',"expr":"' .. body(v.expr) .. '"}'
        by_expr[v.expr] = s
    end
    return s
end

-- The "type" key of a reference to a type (type_ref), once per type and render.
local function type_key(refs, t, named)
    local key = named or t
    local s = refs.keys[key]
    if not s then
        s = ',"type":' .. type_ref(refs, t, named)
        refs.keys[key] = s
    end
    return s
end

-- An argument's text, after what comes before it (",", or for the first ',"args":['), depends
-- on the argument alone, and the model shares one table between alike arguments (and each
-- belongs to one model): it is made once per argument table (cgen.arg_memo), as one `..` chain.
local render_refs -- the render's refs, for the texts made during it
local ARG_TEXT = cgen.arg_memo(function(a)
    local refs, kind, lc = render_refs, a.kind, a.lifecycle
    local head = (a.index > 1 and ',{"name":"' or ',"args":[{"name":"') .. a.name .. INDEX[a.index]
    if kind == "scalar" then
        return head .. SCALAR_REG[a.reg] .. (a.regs and (',"regs":' .. strings(a.regs)) or "") ..
            type_key(refs, a.type, a.named) .. (lc and lifecycle(lc) or "") .. "}"
    end
    local max, size, toolong = a.max, a.size, a.toolong
    return head .. KIND_REG_DIR[kind][a.reg][a.dir] .. (a.type and type_key(refs, a.type, a.named) or "") ..
        (kind == "bytes" and ((a.elem and (',"elem":' .. type_ref(refs, a.elem)) or "") .. ELEM_SIZE[a.elem_size] ..
            a.len_name .. (a.len_by_ptr and '","len_by_ptr":true' or '","len_by_ptr":false')) or "") ..
        (max and bound(refs.values, ',"max":{"value":', max) or "") ..
        (size and bound(refs.values, ',"size":{"value":', size) or "") ..
        (toolong and TOOLONG[toolong.name] or "") .. (a.optional and ',"optional":true' or ',"optional":false') ..
        (lc and lifecycle(lc) or "") .. "}"
end)

local function results_list(refs, results)
    if not results or #results == 0 then return "[]" end
    local parts = {}
    for i, r in ipairs(results) do
        parts[i] = '{"name":"' .. r.name .. '","type":' .. type_ref(refs, r.named and r.named.base or r.type, r.named) ..
            ',"reg":"' .. r.reg .. '"}'
    end
    return "[" .. concat(parts, ",") .. "]"
end

local ATTRS = { "noreturn", "blocking", "returns_twice", "fails_only", "relays_errors" }

-- The attrs list of a syscall, by its attribute set (the model shares one table among the
-- syscalls with the same attributes: a few recur), then by the attributes (a bit each).
local attrs_json, by_set = {}, setmetatable({}, { __mode = "k" })
local function attrs_list(attrs)
    local s = by_set[attrs]
    if s then return s end
    local bits = (attrs.noreturn and 1 or 0) + (attrs.blocking and 2 or 0) + (attrs.returns_twice and 4 or 0) +
        (attrs.fails_only and 8 or 0) + (attrs.relays_errors and 16 or 0)
    s = attrs_json[bits]
    if not s then
        local list = {}
        for i, a in ipairs(ATTRS) do
            if bits & (1 << (i - 1)) ~= 0 then list[#list + 1] = a end
        end
        s = #list == 0 and "[]" or strings(list)
        attrs_json[bits] = s
    end
    by_set[attrs] = s
    return s
end

-- The "attrs" key of a syscall with its list, by its attribute set (shared by the model).
local attrs_keys = setmetatable({}, { __mode = "k" })
local function attrs_key(attrs)
    local s = ',"attrs":' .. attrs_list(attrs)
    attrs_keys[attrs] = s
    return s
end

-- ["A","B"] of a list of errors, as one `..` chain for the usual short lists.
local function error_names(list)
    local count = #list
    if count == 0 then return "[]" end
    if count == 1 then return '["' .. list[1].name .. '"]' end
    if count == 2 then return '["' .. list[1].name .. '","' .. list[2].name .. '"]' end
    if count == 3 then return '["' .. list[1].name .. '","' .. list[2].name .. '","' .. list[3].name .. '"]' end
    if count == 4 then
        return '["' .. list[1].name .. '","' .. list[2].name .. '","' .. list[3].name .. '","' .. list[4].name .. '"]'
    end
    return names_list(list)
end

-- The implied list of a syscall, by its table: the model shares one among the syscalls whose
-- entry checks are alike (a few dozen in a large definition). For one render (cgen.shape_memo:
-- tests/gen/shape_test.lua turns it off).
local implied_names

-- An error's name in a list: the first (after '["'), or another (after '","'). By error table.
local FIRST_ERROR = cgen.weak_memo(function(e) return '["' .. e.name end)
local NEXT_ERROR = cgen.weak_memo(function(e) return '","' .. e.name end)

-- The "ret" and "ret_regs" keys of a result type (once per type and render: most results are
-- 32-bit, in eax).
local function ret_keys(refs, sc)
    local rt = sc.ret_type
    if not rt then return "" end
    local regs = sc.ret_regs
    local s = not regs and refs.rets[rt]
    if s then return s end
    s = ',"ret":' .. type_ref(refs, rt.base or rt, rt.base and rt) .. ',"ret_regs":' ..
        (regs and strings(regs) or '["eax"]')
    if not regs then refs.rets[rt] = s end
    return s
end

-- The syscalls list: each entry, and what follows it (its newline included), goes to the buffer
-- as the one string it is made as (cgen.put_text): one chain of `..` (a third of what
-- table.concat costs a piece), made in the loop (a call per syscall costs more than it says).
local put_text = cgen.put_text

local function syscalls_list(w, refs, list, sep)
    local count = #list
    render_refs, implied_names = refs, cgen.shape_memo()
    local last_tail, rets = "]" .. sep .. "\n", refs.rets -- (rets: a 32-bit result's keys, looked up in place)
    for j = 1, count do
        local sc, tail = list[j], j < count and ",\n" or last_tail
        local long, args, produces, results, implied = sc.long, sc.args, sc.produces, sc.results, sc.implied
        local rt, doc = sc.ret_type, sc.doc -- (the doc's body made as body would, without the call)
        local implied_text = implied_names[implied]
        if not implied_text then
            implied_text = ',"implied":' .. error_names(implied) .. "}"
            implied_names[implied] = implied_text
        end
        -- The arguments' texts (up to five as pieces of the chain, more joined first), then what
        -- closes their list and opens the errors'.
        local nargs, a2, a3, a4, a5, errors_key = #args, "", "", "", "", '],"errors":'
        local a1
        if nargs == 0 then
            a1, errors_key = ',"args":[]', ',"errors":'
        elseif nargs > 5 then
            a1 = cgen.join_args("", ARG_TEXT, args, "")
        else
            a1 = ARG_TEXT[args[1]]
            if nargs > 1 then
                a2 = ARG_TEXT[args[2]]
                if nargs > 2 then
                    a3 = ARG_TEXT[args[3]]
                    if nargs > 3 then
                        a4 = ARG_TEXT[args[4]]
                        if nargs > 4 then a5 = ARG_TEXT[args[5]] end
                    end
                end
            end
        end
        -- The errors list: up to four names as pieces of the chain (more joined first), the first after
        -- '["', each other after '","' (spelled once per error), then what closes the list.
        local errors = sc.errors
        local nerrors, e2, e3, e4, errors_end = #errors, "", "", "", '"]'
        local e1
        if nerrors == 0 then
            e1, errors_end = "[]", ""
        elseif nerrors > 4 then
            e1, errors_end = error_names(errors), ""
        else
            e1 = FIRST_ERROR[errors[1]]
            if nerrors > 1 then
                e2 = NEXT_ERROR[errors[2]]
                if nerrors > 2 then
                    e3 = NEXT_ERROR[errors[3]]
                    if nerrors > 3 then e4 = NEXT_ERROR[errors[4]] end
                end
            end
        end
        put_text(w, '{"num":' .. nums[sc.num] .. ',"name":"' .. sc.name .. '","cname":"' .. (sc.cname or sc.name) ..
            '","doc":"' .. (plain_doc(doc) and doc or escaped_body(doc)) ..
            (long and ('","long":"' .. lines_body(long) .. '"') or '"') ..
            (rt and not sc.ret_regs and rets[rt] or ret_keys(refs, sc)) ..
            ((results and #results > 0) and (',"results":' .. results_list(refs, results)) or ',"results":[]') ..
            (produces and (',"produces":"' .. produces.name .. '"') or "") .. (attrs_keys[sc.attrs] or attrs_key(sc.attrs)) ..
            a1 .. a2 .. a3 .. a4 .. a5 .. errors_key .. e1 .. e2 .. e3 .. e4 .. errors_end .. implied_text .. tail)
    end
    render_refs, implied_names = nil, nil
end

local function retired(r)
    return '{"num":' .. r.num .. ',"name":"' .. r.name .. '","why":' .. str(r.why) .. "}"
end

local function list_of(refs, list, f)
    local parts = {}
    for i, x in ipairs(list) do parts[i] = f(refs, x) end
    return "[" .. concat(parts, ",") .. "]"
end

local function message(refs, msg)
    return '{"num":' .. msg.num .. ',"name":"' .. msg.name .. '","doc":' .. str(msg.doc) .. ',"fields":' ..
        fields(refs, msg.fields) .. ',"fixed_size":' .. msg.fixed_size .. ',"max_size":' .. msg.max_size ..
        (msg.var and (',"var":"' .. msg.var.name .. '"') or "") ..
        (msg.var_max and (',"var_max":' .. value(msg.var_max)) or "") .. "}"
end

local ENTRY = {
    consts = function(_, c, tail)
        return '{"name":"' .. c.name .. '","value":' .. c.value .. ',"expr":' .. str(c.expr) ..
            (c.doc and (',"doc":' .. str(c.doc)) or "") ..
            (c.member_of and (',"member_of":"' .. c.member_of.name .. '"') or "") .. "}" .. tail
    end,
    errors = function(_, e, tail)
        return '{"name":"' .. e.name .. '","num":' .. e.num .. ',"text":' .. str(e.text) .. "}" .. tail
    end,
    error_aliases = function(_, a, tail)
        return '{"name":"' .. a.name .. '","target":"' .. a.target.name .. '"' ..
            (a.doc and (',"doc":' .. str(a.doc)) or "") .. "}" .. tail
    end,
    flags = function(_, t, tail)
        return '{"name":"' .. t.name .. '","doc":' .. str(t.doc) .. ',"base":"' .. t.base.name .. '","mask":' ..
            t.mask .. ',"members":' .. members(t.members) .. "}" .. tail
    end,
    enums = function(_, t, tail)
        return '{"name":"' .. t.name .. '","doc":' .. str(t.doc) .. ',"base":"' .. t.base.name .. '","members":' ..
            members(t.members) .. "}" .. tail
    end,
    resources = function(_, t, tail)
        local consumers = {}
        for i, c in ipairs(t.consumers) do
            consumers[i] = '{"syscall":"' .. c.syscall.name .. '","arg":"' .. c.arg.name .. '"}'
        end
        return '{"name":"' .. t.name .. '","doc":' .. str(t.doc) .. ',"base":"' .. t.base.name .. '","specials":' ..
            members(t.specials) .. ',"producers":' .. names_list(t.producers) .. ',"consumers":[' ..
            concat(consumers, ",") .. "]}" .. tail
    end,
    structs = function(refs, s, tail)
        return '{"name":"' .. s.name .. '","doc":' .. str(s.doc) .. ',"size":' .. s.size .. ',"align":' .. s.align ..
            ',"fields":' .. fields(refs, s.fields) .. "}" .. tail
    end,
    retired = function(_, r, tail) return retired(r) .. tail end,
    services = function(refs, svc, tail)
        return '{"name":"' .. svc.name .. '","service":' .. str(svc.service) ..
            (svc.doc and (',"doc":' .. str(svc.doc)) or "") .. (svc.long and (',"long":' .. str(svc.long)) or "") ..
            ',"messages":' .. list_of(refs, svc.messages, message) ..
            ',"retired":' .. list_of(refs, svc.retired, function(_, r) return retired(r) end) .. "}" .. tail
    end,
}

-- A top-level list: its key on a line, then one entry a line; sep follows the closing bracket.
local function list(w, refs, key, items, sep)
    local n = #items
    if n == 0 then return w('"' .. key .. '":[]' .. sep) end
    w('"' .. key .. '":[')
    if key == "syscalls" then return syscalls_list(w, refs, items, sep) end
    local f = ENTRY[key]
    for i = 1, n - 1 do w(f(refs, items[i], ",")) end
    w(f(refs, items[n], "]" .. sep))
end

function out_json.render(m)
    local w = cgen.buffer()
    -- refs: type -> its reference (type_ref); keys: type -> its "type" key; values: bounds;
    -- rets: a result type's keys (ret_keys)
    local abi, refs = m.abi, { keys = {}, values = { [',"max":{"value":'] = {}, [',"size":{"value":'] = {} },
                                rets = {} }
    w('{"schema":"layercake-abi-json 2",')
    w('"abi":{"name":"' .. abi.name .. '","version":' .. abi.version .. ',"trap":' .. abi.trap ..
        ',"arg_registers":' .. strings(abi.arg_registers) .. ',"result_registers":' ..
        strings(abi.result_registers) .. ',"pair_order":"' .. abi.pair_order .. '","user_space":[' ..
        abi.user_low .. "," .. abi.user_high .. "]" ..
        (abi.amc_max_message and (',"amc_max_message":' .. value(abi.amc_max_message)) or "") ..
        (abi.amc_name_max and (',"amc_name_max":' .. value(abi.amc_name_max)) or "") ..
        ',"prefix":' .. str(abi.prefix) .. ',"kernel_stack_budget":' .. abi.kernel_stack_budget .. "},")
    for _, key in ipairs({ "consts", "errors", "error_aliases", "flags", "enums", "resources", "structs",
                           "syscalls", "retired" }) do
        list(w, refs, key, m[key], ",")
    end
    w('"table_size":' .. m.table_size .. ",")
    list(w, refs, "services", m.services, "}")
    return w()
end

return out_json
