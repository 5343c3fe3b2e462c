-- The model's types: the ABI scalars, arrays, structs and their i386 layouts.
local base = require("model_names")

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
                 out = true, inout = true, optional = true, max = true, toolong = true }
local TYPE_WORDS, SCALAR_LIST = M.TYPE_WORDS, M.SCALAR_LIST

-- Resolve a plain type name (no array) to a scalar or struct.
function Checker:named_type(tok, what)
    local name = tok.value
    if SCALARS[name] then return SCALARS[name] end
    if name == "char" then return M.CHAR end
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
        return self:named_type(name, owner)
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

function Checker:structs_pass()
    for _, node in ipairs(self.tree.structs) do
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
        self.struct_nodes[name] = node
        self:claim("tag", name, "all", { kind = "struct", name = name, what = "struct " .. name, tok = node.name })
    end
    for _, node in ipairs(self.tree.structs) do
        self:struct_layout(node)
    end
end

return M
