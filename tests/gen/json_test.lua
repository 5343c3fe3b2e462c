-- build/gen/abi.json (gen/out_json.lua): it parses as JSON (by the small strict reader below, not
-- by the writer's own code), renders the same twice, and round-trips every syscall, argument,
-- type, const and error of the model. Run by tests/gen/run.lua: run(report, helpers).
local model = require("model")
local out_json = require("out_json")

local NULL = {}

-- A strict reader of RFC 8259 JSON: returns the value, or raises "json: POS: why".
local function decode(text)
    local pos = 1
    local function fail(why) error(string.format("json: byte %d: %s", pos, why), 0) end
    local function ws() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end
    local value
    local function string_()
        pos = pos + 1
        local parts = {}
        while true do
            local s, e = text:find('^[^"\\%c]*', pos)
            parts[#parts + 1] = text:sub(s, e)
            pos = e + 1
            local c = text:sub(pos, pos)
            if c == '"' then
                pos = pos + 1
                return table.concat(parts)
            elseif c == "\\" then
                local esc = text:sub(pos + 1, pos + 1)
                local simple = ({ ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r",
                                  t = "\t" })[esc]
                if simple then
                    parts[#parts + 1], pos = simple, pos + 2
                elseif esc == "u" and text:match("^%x%x%x%x", pos + 2) then
                    parts[#parts + 1] = utf8.char(tonumber(text:sub(pos + 2, pos + 5), 16))
                    pos = pos + 6
                else
                    fail("bad escape")
                end
            else
                fail(c == "" and "unterminated string" or "control character in a string")
            end
        end
    end
    function value()
        ws()
        local c = text:sub(pos, pos)
        if c == "{" then
            pos = pos + 1
            local o = {}
            ws()
            if text:sub(pos, pos) == "}" then pos = pos + 1; return o end
            while true do
                ws()
                if text:sub(pos, pos) ~= '"' then fail("expected a key") end
                local k = string_()
                if o[k] ~= nil then fail("duplicate key " .. k) end
                ws()
                if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
                pos = pos + 1
                o[k] = value()
                ws()
                c = text:sub(pos, pos)
                pos = pos + 1
                if c == "}" then return o end
                if c ~= "," then fail("expected ',' or '}'") end
            end
        elseif c == "[" then
            pos = pos + 1
            local a = {}
            ws()
            if text:sub(pos, pos) == "]" then pos = pos + 1; return a end
            while true do
                a[#a + 1] = value()
                ws()
                c = text:sub(pos, pos)
                pos = pos + 1
                if c == "]" then return a end
                if c ~= "," then fail("expected ',' or ']'") end
            end
        elseif c == '"' then
            return string_()
        end
        local num = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
        if num and num ~= "" and num ~= "-" then
            pos = pos + #num
            return math.tointeger(tonumber(num)) or tonumber(num)
        end
        for word, v in pairs({ ["true"] = true, ["false"] = false, null = NULL }) do
            if text:sub(pos, pos + #word - 1) == word then
                pos = pos + #word
                return v
            end
        end
        fail("unexpected " .. (c == "" and "end of text" or ("'" .. c .. "'")))
    end
    local v = value()
    ws()
    if pos <= #text then fail("text after the value") end
    return v
end

local function n(v) if v == NULL then return nil end return v end

-- The model facts, and the same facts read back from the JSON, as lines of text: they must match.
local function model_facts(m)
    local out = {}
    local function add(...) out[#out + 1] = table.concat({ ... }, " ") end
    add("abi", m.abi.name, m.abi.version, m.abi.trap, table.concat(m.abi.arg_registers, ","),
        table.concat(m.abi.result_registers, ","), m.abi.pair_order, m.abi.user_low, m.abi.user_high)
    for _, c in ipairs(m.consts) do add("const", c.name, c.value, c.member_of and c.member_of.name or "-") end
    for _, e in ipairs(m.errors) do add("error", e.name, e.num, e.text) end
    for _, a in ipairs(m.error_aliases) do add("alias", a.name, a.target.name) end
    for _, list in ipairs({ m.flags, m.enums, m.resources }) do
        for _, t in ipairs(list) do
            add(t.kind, t.name, t.base.name, t.mask or "-")
            for _, x in ipairs(t.members or t.specials) do add("  item", x.name, x.value, x.doc) end
            for _, s in ipairs(t.producers or {}) do add("  producer", s.name) end
            for _, c in ipairs(t.consumers or {}) do add("  consumer", c.syscall.name, c.arg.name) end
        end
    end
    for _, s in ipairs(m.structs) do
        add("struct", s.name, s.size, s.align)
        for _, f in ipairs(s.fields) do
            add("  field", f.name, f.offset, f.named and f.named.name or f.type.name or f.type.kind)
        end
    end
    for _, sc in ipairs(m.syscalls) do
        add("syscall", sc.num, sc.name, sc.cname, sc.ret, sc.ret_type and sc.ret_type.name or "-",
            sc.produces and sc.produces.name or "-", #sc.errors, #sc.implied)
        add("  doc", sc.doc, sc.long or "-")
        for _, r in ipairs(sc.results) do add("  result", r.name, r.type.name, r.reg) end
        for _, a in ipairs(sc.args) do
            add("  arg", a.index, a.name, a.kind, a.reg, a.regs and table.concat(a.regs, ",") or "-", a.dir or "-",
                a.named and a.named.name or a.type and a.type.name or "-", a.elem and a.elem.name or "-",
                a.len_arg and sc.args[a.len_arg].name or "-", tostring(a.len_by_ptr or false),
                a.max and a.max.value or "-", tostring(a.optional or false))
        end
    end
    for _, r in ipairs(m.retired) do add("retired", r.num, r.name) end
    for _, svc in ipairs(m.services) do
        add("service", svc.name, svc.service)
        for _, msg in ipairs(svc.messages) do add("  message", msg.num, msg.name, msg.fixed_size, msg.max_size) end
    end
    return out
end

local function json_facts(j)
    local out = {}
    local function add(...) out[#out + 1] = table.concat({ ... }, " ") end
    local abi = j.abi
    add("abi", abi.name, abi.version, abi.trap, table.concat(abi.arg_registers, ","),
        table.concat(abi.result_registers, ","), abi.pair_order, abi.user_space[1], abi.user_space[2])
    for _, c in ipairs(j.consts) do add("const", c.name, c.value, n(c.member_of) or "-") end
    for _, e in ipairs(j.errors) do add("error", e.name, e.num, e.text) end
    for _, a in ipairs(j.error_aliases) do add("alias", a.name, a.target) end
    for _, kind in ipairs({ "flags", "enums", "resources" }) do
        for _, t in ipairs(j[kind]) do
            add(kind == "enums" and "enum" or kind == "resources" and "resource" or "flags", t.name, t.base, t.mask or "-")
            for _, x in ipairs(t.members or t.specials) do add("  item", x.name, x.value, x.doc) end
            for _, s in ipairs(t.producers or {}) do add("  producer", s) end
            for _, c in ipairs(t.consumers or {}) do add("  consumer", c.syscall, c.arg) end
        end
    end
    for _, s in ipairs(j.structs) do
        add("struct", s.name, s.size, s.align)
        for _, f in ipairs(s.fields) do add("  field", f.name, f.offset, f.type.name or f.type.kind) end
    end
    for _, sc in ipairs(j.syscalls) do
        local ret = n(sc.ret)
        add("syscall", sc.num, sc.name, sc.cname, ret and (ret.base or ret.name) or "void", ret and ret.name or "-",
            n(sc.produces) or "-", #sc.errors, #sc.implied)
        add("  doc", sc.doc, n(sc.long) or "-")
        for _, r in ipairs(sc.results) do add("  result", r.name, r.type.name, r.reg) end
        for _, a in ipairs(sc.args) do
            local t, e = n(a.type), n(a.elem)
            add("  arg", a.index, a.name, a.kind, a.reg, n(a.regs) and table.concat(a.regs, ",") or "-", n(a.dir) or "-",
                t and t.name or "-", e and e.name or "-", n(a.len_arg) or "-", tostring(n(a.len_by_ptr) or false),
                n(a.max) and a.max.value or "-", tostring(n(a.optional) or false))
        end
    end
    for _, r in ipairs(j.retired) do add("retired", r.num, r.name) end
    for _, svc in ipairs(j.services) do
        add("service", svc.name, svc.service)
        for _, msg in ipairs(svc.messages) do add("  message", msg.num, msg.name, msg.fixed_size, msg.max_size) end
    end
    return out
end

-- The top-level lists, each written one entry a line.
local LISTS = { "consts", "errors", "error_aliases", "flags", "enums", "resources", "structs", "syscalls",
                "retired", "services" }

-- Every line that starts with "{" after the first two is one entry: it parses alone, once the ","
-- or closing bracket after it is cut. Returns the number of entries, and why when one does not parse.
local function one_entry_a_line(text)
    local count, i = 0, 0
    for line in text:gmatch("[^\n]+") do
        i = i + 1
        if i > 2 and line:sub(1, 1) == "{" then
            local entry = line:match("^(.*)%][,}]$") or line:match("^(.*),$") or line
            local ok, err = pcall(decode, entry)
            if not ok then return count, "line " .. i .. ": " .. err end
            count = count + 1
        end
    end
    return count
end

return function(report, h)
    -- The reader refuses what is not JSON (so that "it parses" means something).
    local refused = 0
    for _, bad in ipairs({ '{"a": 1,}', '[1 2]', '{"a" 1}', '"x', '{"a": 1} x', '{"a": 1, "a": 2}', "[01x]",
                           '"\1"', "[nul]", "" }) do
        if not pcall(decode, bad) then refused = refused + 1 end
    end
    report("gen_json_reader_refuses_bad_json", refused == 10, refused .. " of 10 malformed texts refused")
    -- A JSON string's inside (out_json.string_body, which takes a fast path through %q) is what
    -- the plain escaping rule gives, for every kind of byte a text may hold.
    local function reference(t)
        return (t:gsub('[%c"\\]', function(c)
            return ({ ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" })[c] or
                string.format("\\u%04x", c:byte())
        end))
    end
    local texts = { "plain", "", 'a "quote"', "back\\slash", "line\nline\n", "\n", "tab\there", "cr\r\nlf",
                    "nul\0x", "\0011", "del\127", "bell\7", "esc\27[0m", "utf8 \u{e9}\u{2014}", "*/ /* ??/ ?",
                    '"\\\n\t\r', string.rep("long line of text\n", 40) .. "end" }
    local bad_text
    for _, t in ipairs(texts) do
        if out_json.string_body(t) ~= reference(t) then bad_text = t end
    end
    report("gen_json_string_escapes", bad_text == nil, bad_text and string.format("wrong escape of %q", bad_text))
    -- cgen.plain_doc (plain finds, for a doc: no control byte but tab and newline) says what
    -- cgen.plain (a %q count) says, for a text with each byte it looks for and for every such
    -- text above (each asked with a suffix of its own: both remember their answers in one memo).
    local cgen, differs, docs = require("cgen"), nil, { "why?", "a/b", "a*b", 'say "x"', "a\\b", "a\tb", "a\nb" }
    for _, t in ipairs(texts) do docs[#docs + 1] = t end
    for i, t in ipairs(docs) do
        if not t:find("[%z\1-\8\11-\31\127]") and cgen.plain_doc(t .. "#" .. i) ~= cgen.plain(t .. "%" .. i) then
            differs = t
        end
    end
    report("gen_json_plain_doc_is_plain", differs == nil, differs and string.format("they differ on %q", differs))
    local cases = {
        { "v2_kinds", h.read(h.root .. "/tests/gen/edge/v2_kinds.def") },
        { "syscalls_def", h.read(h.root .. "/abi/syscalls.def") },
        { "full_fixture", h.read(h.root .. "/tests/gen/fixtures/full.def") },
        { "escapes", h.read(h.root .. "/tests/gen/edge/o_escapes.def") },
        { "utf8", h.read(h.root .. "/tests/gen/edge/utf8_text.def") },
    }
    for _, case in ipairs(cases) do
        local name = "gen_json_" .. case[1]
        local m = model.load(case[2], case[1] .. ".def")
        local text = out_json.render(m)
        local ok, j = pcall(decode, text)
        report(name .. "_parses", ok, tostring(j))
        report(name .. "_deterministic", out_json.render(model.load(case[2], case[1] .. ".def")) == text)
        local entries, bad = one_entry_a_line(text)
        local total = 0
        for _, key in ipairs(LISTS) do total = total + #m[key] end
        report(name .. "_one_entry_a_line", not bad and entries == total and not text:find(":null"),
            bad or string.format("%d entry lines for %d entries", entries, total))
        if ok then
            local want, got = model_facts(m), json_facts(j)
            local diff
            for i = 1, math.max(#want, #got) do
                if want[i] ~= got[i] then
                    diff = string.format("line %d: model `%s`, json `%s`", i, tostring(want[i]), tostring(got[i]))
                    break
                end
            end
            report(name .. "_round_trips", diff == nil and #want > 5, diff or (#want .. " facts"))
        end
    end
end
