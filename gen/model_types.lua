-- The model's types: the ABI scalars, arrays, structs and their i386 layouts.
local base = require("model_names")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods
local fail, check_ident = base.fail, base.check_ident

-- The closed set of ABI scalar types.  Alignment follows the i386 System V
-- ABI (8-byte types are 4-aligned inside structs).
local SCALARS = {
    i8 = { size = 1, signed = true, ctype = "int8_t" },
    u8 = { size = 1, signed = false, ctype = "uint8_t" },
    i16 = { size = 2, signed = true, ctype = "int16_t" },
    u16 = { size = 2, signed = false, ctype = "uint16_t" },
    i32 = { size = 4, signed = true, ctype = "int32_t" },
    u32 = { size = 4, signed = false, ctype = "uint32_t" },
    i64 = { size = 8, signed = true, ctype = "int64_t" },
    u64 = { size = 8, signed = false, ctype = "uint64_t" },
    uptr = { size = 4, signed = false, ctype = "uint32_t", user_ctype = "uintptr_t", hex = true },
}
for name, s in pairs(SCALARS) do
    s.kind, s.name, s.align = "scalar", name, math.min(s.size, 4)
    s.user_ctype = s.user_ctype or s.ctype
end
M.SCALARS = SCALARS
M.CHAR = { kind = "scalar", name = "char", size = 1, align = 1, signed = true, ctype = "char",
           user_ctype = "char" }
M.SCALAR_LIST = "i8 u8 i16 u16 i32 u32 i64 u64 uptr"
M.UNSIGNED_LEN = { u8 = true, u16 = true, u32 = true }
M.MAX_STRUCT_SIZE = 65535
-- Words of the language that cannot name a type.
M.TYPE_WORDS = { bytes = true, str = true, char = true, void = true, ["in"] = true,
                 out = true, inout = true, optional = true, max = true, toolong = true,
                 flags = true, enum = true, resource = true, special = true, invalid = true,
                 reaped = true, foreign = true }
-- The scalars a flags, enum or resource type may be based on.
M.NAMED_BASES = { u8 = true, u16 = true, u32 = true, i32 = true }
local NAMED_BASES = M.NAMED_BASES
local TYPE_WORDS, SCALAR_LIST = M.TYPE_WORDS, M.SCALAR_LIST

-- Resolve a plain type name (no array) to a scalar or struct. A flags, enum or resource type
-- resolves to its base scalar (outputs see named scalars as their base; the second result is the
-- named type, for the field or argument that records it).
function Checker:named_type(tok, what)
    local name = tok.value
    if SCALARS[name] then return SCALARS[name] end
    if name == "char" then return M.CHAR end
    local nt = self.named_types[name]
    if nt then return nt.base, nt end
    local s = self.struct_nodes[name]
    if s then return self:struct_layout(s) end
    fail(tok, "unknown type '" .. name .. "' in " .. what,
        "types are " .. SCALAR_LIST .. ", char[N], T[N] and struct names")
end

-- Place fields one after another from offset base; refuse implicit padding so
-- that every byte is named (no kernel bytes leak, layouts are compiler-proof).
function M.place(fields, start, owner)
    local offset, align = start, 1
    for _, f in ipairs(fields) do
        local a = f.type.align
        if offset % a ~= 0 then
            local pad = a - offset % a
            fail(f.tok, string.format("field '%s' of %s would sit at offset %d, which is not %d-aligned",
                f.name, owner, offset, a),
                string.format("add %d byte%s of explicit padding before it, e.g. _pad%d: u8[%d]",
                    pad, pad == 1 and "" or "s", offset, pad))
        end
        f.offset = offset
        offset = offset + f.type.size
        if a > align then align = a end
    end
    return offset, align
end

function Checker:field_type(f, owner)
    local ty = f.type
    local name = ty.name
    if TYPE_WORDS[name.value] and name.value ~= "char" then
        fail(name, "'" .. name.value .. "' is not a field type", "types are " .. SCALAR_LIST ..
            ", char[N], T[N] and struct names")
    end
    if not ty.count then
        if name.value == "char" then
            fail(name, "char is only allowed as an array: char[N]")
        end
        local t, named = self:named_type(name, owner)
        f.named = named
        return t
    end
    local elem = self:named_type(name, owner)
    local count = self:resolve(ty.count, "the array length of " .. f.name.value)
    if count.value == 0 then fail(ty.count, "array length must be at least 1") end
    return { kind = "array", elem = elem, count = count.value, count_expr = count.expr,
             size = elem.size * count.value, align = elem.align }
end

function Checker:field_list(fields, owner)
    local out, seen = {}, {}
    if #fields == 0 then fail(owner.tok, owner.what .. " has no fields") end
    for _, f in ipairs(fields) do
        check_ident(f.name, "field")
        self:not_macro(f.name, "field")
        if seen[f.name.value] then
            fail(f.name, "duplicate field '" .. f.name.value .. "'", nil,
                { base.note(seen[f.name.value], "first declared here") })
        end
        seen[f.name.value] = f.name
        out[#out + 1] = { name = f.name.value, tok = f.name, doc = f.doc, node = f }
    end
    return out
end

-- Start the layout of a struct: its fields, not yet typed.
function Checker:struct_begin(node)
    local name = node.name.value
    local s = { kind = "struct", name = name, doc = node.doc, busy = true, tok = node.name, next = 1 }
    self.structs[name] = s
    s.fields = self:field_list(node.fields, { tok = node.name, what = "struct " .. name })
    return s
end

-- Finish it once every field has its type.
function Checker:struct_end(s)
    local what = "struct " .. s.name
    local size, align = M.place(s.fields, 0, what)
    if size % align ~= 0 then
        fail(s.tok, string.format("struct %s is %d bytes, not a multiple of its alignment %d",
            s.name, size, align), string.format("add %d bytes of explicit padding at the end",
            align - size % align))
    end
    if size > M.MAX_STRUCT_SIZE then fail(s.tok, what .. " is larger than " .. M.MAX_STRUCT_SIZE .. " bytes") end
    s.size, s.align, s.busy, s.next = size, align, nil, nil
    -- Structs are emitted in dependency order: after the structs they contain.
    self.m.structs[#self.m.structs + 1] = s
end

-- Lay out a struct and, first, every struct it contains. Iterative (an explicit stack), so that a
-- chain of nested structs as long as the file allows needs no deeper Lua stack.
function Checker:struct_layout(node)
    local done = self.structs[node.name.value]
    if done and not done.busy then return done end
    if done then fail(node.name, "struct " .. node.name.value .. " contains itself") end
    local stack = { self:struct_begin(node) }
    while #stack > 0 do
        local s = stack[#stack]
        local inner
        while s.next <= #s.fields do
            local f = s.fields[s.next]
            if f.node.max then
                fail(f.node.max_kw, "'max' applies only to the variable-length array of a message")
            end
            local dep = self.struct_nodes[f.node.type.name.value]
            local ds = dep and self.structs[dep.name.value]
            if ds and ds.busy then fail(dep.name, "struct " .. dep.name.value .. " contains itself") end
            if dep and not ds then
                inner = dep
                break
            end
            f.type = self:field_type(f.node, "struct " .. s.name)
            f.named, f.node.named = f.node.named, nil
            s.next = s.next + 1
        end
        if inner then
            stack[#stack + 1] = self:struct_begin(inner)
        else
            self:struct_end(s)
            stack[#stack] = nil
        end
    end
    return self.structs[node.name.value]
end

-- The structs from tree.structs[from] on.
function Checker:structs_pass(from)
    local structs = self.tree.structs
    for i = from, #structs do
        local node = structs[i]
        local name = node.name.value
        check_ident(node.name, "struct")
        self:not_macro(node.name, "struct")
        if SCALARS[name] or TYPE_WORDS[name] then
            fail(node.name, "struct name '" .. name .. "' is a built-in type or keyword of the language")
        end
        if self.struct_nodes[name] then
            fail(node.name, "duplicate struct " .. name, nil,
                { base.note(self.struct_nodes[name].name, "first defined here") })
        end
        if self.named_types[name] then
            local nt = self.named_types[name]
            fail(node.name, "name '" .. name .. "' of struct " .. name .. " clashes with " .. nt.kind .. " " .. name,
                nil, { base.note(nt.tok, "first defined here") })
        end
        self.struct_nodes[name] = node
        local owner = { kind = "struct", name = name, what = "struct " .. name, tok = node.name }
        self:claim("tag", name, "all", owner)
        -- trace_table.c describes a struct to the tracer with two statics of its own.
        if self.m.abi.outputs.kernel then
            self:claim_free("ordinary", names.trace_fields(owner), "kernel", owner)
            self:claim_free("ordinary", names.trace_struct(owner), "kernel", owner)
        end
    end
    for i = from, #structs do
        self:struct_layout(structs[i])
    end
end

----------------------------------------------------------------------------
-- flags, enum and resource types (language version 2): a scalar base with named values.

local ITEMS = { flags = "members", enum = "members", resource = "specials" }
local A_KIND = { flags = "a flags set", enum = "an enum", resource = "a resource" }

-- The value of a member or special: a u32 bit pattern for an unsigned base, a signed value for
-- i32 (only a resource's specials may be negative); its C spelling.
local function item_value(kind, b, item)
    local v, tok = item.value.value, item.minus or item.value
    if item.minus then
        if not b.signed then
            fail(item.minus, "negative value -" .. item.value.text .. " in " .. kind .. " based on " .. b.name,
                "a negative value needs a signed base: " .. kind .. " NAME : i32")
        end
        if kind ~= "resource" then fail(item.minus, kind .. " values cannot be negative") end
        v = -v
    end
    local bits = b.size * 8 - (b.signed and 1 or 0)
    local lo, hi = b.signed and -(1 << bits) or 0, (1 << bits) - 1
    if v < lo or v > hi then
        fail(tok, string.format("value %d of %s does not fit its base %s", v, item.name.value, b.name))
    end
    local expr = item.minus and ("(-" .. item.value.text .. ")") or item.value.text
    return v, expr
end

function Checker:named_type_def(node)
    local kind, name = node.kw.value, node.name.value
    self:need_v2(node.kw, "'" .. kind .. "'")
    check_ident(node.name, kind)
    self:not_macro(node.name, kind)
    if SCALARS[name] or TYPE_WORDS[name] then
        fail(node.name, kind .. " name '" .. name .. "' is a built-in type or keyword of the language")
    end
    local prev = self.named_types[name] or self.struct_nodes[name]
    if prev then
        local what = prev.kind or "struct"
        fail(node.name, what == kind and ("duplicate " .. kind .. " " .. name) or
            ("name '" .. name .. "' of " .. kind .. " " .. name .. " clashes with " .. what .. " " .. name),
            nil, { base.note(prev.tok or prev.name, "first defined here") })
    end
    local b = SCALARS[node.base.value]
    if not b or not NAMED_BASES[b.name] or (kind ~= "resource" and b.signed) or (kind == "resource" and b.size ~= 4) then
        fail(node.base, "'" .. node.base.value .. "' cannot be the base of " .. A_KIND[kind],
            kind == "resource" and "a resource is based on i32 or u32" or "flags and enums are based on u8, u16 or u32")
    end
    -- Outputs may spell the type as a C typedef: its name is claimed as an ordinary identifier.
    local owner = { kind = kind, name = name, what = kind .. " " .. name, tok = node.name }
    self:claim_free("ordinary", name, "all", owner)
    local t = { kind = kind, name = name, doc = node.doc, base = b, tok = node.name,
                size = b.size, align = b.align, signed = b.signed, ctype = b.ctype, user_ctype = b.user_ctype }
    -- abi.h's typedef NAME_t, and the tracer's list of a flags or enum type's values.
    self:claim_free("ordinary", names.named_type(t), "all", owner)
    if kind ~= "resource" and self.m.abi.outputs.kernel then
        self:claim_free("ordinary", names.trace_type_values(t), "kernel", owner)
    end
    local list = {}
    t[ITEMS[kind]] = list
    if kind == "resource" then
        t.producers, t.consumers = {}, {}
    elseif #node.items == 0 then
        fail(node.name, kind .. " " .. name .. " has no members")
    end
    local by_value, mask = {}, 0
    for _, item in ipairs(node.items) do
        local v, expr = item_value(kind, b, item)
        if kind == "flags" then
            if v == 0 or v & (v - 1) ~= 0 then
                fail(item.value, string.format("flag %s is 0x%X, not a single bit", item.name.value, v),
                    "each flag is one bit: 0x1, 0x2, 0x4, ...")
            end
        end
        if by_value[v] then
            fail(item.value, string.format("%s has the value of %s (%s)", item.name.value, by_value[v].name,
                expr), "each value of " .. A_KIND[kind] .. " has one name", { base.note(by_value[v].tok, "first here") })
        end
        local entry = { name = item.name.value, value = v, expr = expr, doc = item.doc, tok = item.name, member_of = t }
        by_value[v] = entry
        mask = mask | (v & 0xFFFFFFFF)
        list[#list + 1] = entry
        self:member_const(entry, kind)
    end
    if kind == "flags" then t.mask = mask end
    if kind == "enum" then table.sort(list, function(x, y) return x.value < y.value end) end
    return t
end

-- A member or special is also a const (a macro of abi.h, a const of the lock): checked as one.
function Checker:member_const(entry, kind)
    local tok = entry.tok
    local what = kind == "resource" and "special" or "member"
    check_ident(tok, what)
    base.check_macro(tok, what)
    local prev = self.macro_names[entry.name]
    -- One bit may belong to several flags sets (O_CLOEXEC of dup3, pipe2, ...): the same name
    -- with the same value is the same macro, a const once.
    local shared = prev and prev.kind == "member" and kind == "flags" and prev.flags and
        self.consts[entry.name].value == entry.value
    if shared then return end
    if prev and prev.flags and kind == "flags" then
        fail(tok, string.format("flag %s is 0x%X here, but 0x%X in another flags set", entry.name, entry.value,
            self.consts[entry.name].value), "a flag shared by several sets has one value",
            { base.note(prev.tok, "first defined here") })
    end
    if prev then
        fail(tok, "name '" .. entry.name .. "' of " .. what .. " " .. entry.name .. " clashes with " ..
            prev.kind .. " " .. entry.name, nil, { base.note(prev.tok, "first defined here") })
    end
    self.macro_names[entry.name] = { kind = what, tok = tok, flags = kind == "flags" }
    -- The const is the value's u32 bit pattern (what abi.h and the lock hold: a negative special
    -- is spelled in hex); the member keeps the signed value.
    local c = entry
    if entry.value < 0 then
        local bits = entry.value & 0xFFFFFFFF
        c = { name = entry.name, value = bits, expr = string.format("0x%X", bits), doc = entry.doc, tok = tok,
              member_of = entry.member_of }
    end
    self.consts[entry.name] = c
    self.m.consts[#self.m.consts + 1] = c
    self:claim_free("macro", entry.name, "all", { kind = what, name = entry.name, what = what .. " " .. entry.name,
        tok = tok })
    -- An argument checked before this definition (a syscall above it) may have this name.
    for _, sc in ipairs(self.m.syscalls) do
        for _, a in ipairs(sc.args) do
            if a.name == entry.name then self:not_macro(self:arg_tok(a, sc), "argument") end
        end
    end
end

-- The flags, enums and resources from tree.named_types[from] on, into m.flags, m.enums and
-- m.resources (file order).
function Checker:named_types_pass(from)
    local lists = { flags = self.m.flags, enum = self.m.enums, resource = self.m.resources }
    for i = from, #self.tree.named_types do
        local t = self:named_type_def(self.tree.named_types[i])
        self.named_types[t.name] = t
        local list = lists[t.kind]
        list[#list + 1] = t
    end
end

return M
