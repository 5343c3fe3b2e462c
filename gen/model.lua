-- Checker: syntax tree -> validated model.  Every rule of abi/README.md
-- that is not about syntax lives here; the output modules trust the model.
local diag = require("diag")
local lexer = require("lexer")
local parser = require("parser")

local model = {}

local pos_of = parser.pos_of

local SUPPORTED_VERSION = 1
local REGISTERS = { ebx = true, ecx = true, edx = true, esi = true, edi = true, ebp = true }
local MAX_SYSCALL = 65535
local MAX_ERRNO = 4095
-- Results in -MAX_ERRNO..-1 are errors (abi.h: ABI_ERRNO_MAX).
model.MAX_ERRNO = MAX_ERRNO

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
local CHAR = { kind = "scalar", name = "char", size = 1, align = 1, signed = true, ctype = "char",
               user_ctype = "char" }
model.SCALARS = SCALARS

local SCALAR_LIST = "i8 u8 i16 u16 i32 u32 i64 u64 uptr"
local RETURN_TYPES = { i32 = true, u32 = true, uptr = true, void = true }
local ATTRS = { noreturn = true, blocking = true, returns_twice = true }
-- Groups of generated files an abi block may ask for (`outputs ...`); abi.h is always written.
local OUTPUT_GROUPS = { kernel = true, user = true, amc = true, conformance = true, fuzz = true }
local OUTPUT_GROUP_LIST = "kernel user amc conformance fuzz"

local C_KEYWORDS = {}
for w in ([[auto break case char const continue default do double else enum extern float for goto
    if inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary
    _Noreturn _Static_assert _Thread_local]]):gmatch("%S+") do
    C_KEYWORDS[w] = true
end
-- Names the generated code or the C library already uses.
local RESERVED = {}
for w in ([[main memcpy memset memmove memcmp noreturn bool true false NULL offsetof
    int8_t uint8_t int16_t uint16_t int32_t uint32_t int64_t uint64_t uintptr_t size_t
    user_in_t user_out_t user_inout_t trap_frame syscall_desc syscall_arg_desc syscall_arg_kind
    syscall_table syscall_dispatch syscall_nosys syscall_trace_enabled syscall_trace_enter
    syscall_trace_exit copy_from_user copy_to_user copy_str_from_user]]):gmatch("%S+") do
    RESERVED[w] = true
end
-- Words of the language that cannot name a type.
local TYPE_WORDS = { bytes = true, str = true, char = true, void = true, ["in"] = true,
                     out = true, inout = true, optional = true, max = true, toolong = true }

local Checker = {}
Checker.__index = Checker

local function fail(tok, msg, hint, notes)
    diag.fail(pos_of(tok), msg, hint, notes)
end

local function note(tok, msg)
    return { pos = pos_of(tok), msg = msg }
end

-- Reject names that would not survive as C identifiers.
local function check_ident(tok, what)
    local name = tok.value
    if C_KEYWORDS[name] then
        fail(tok, what .. " '" .. name .. "' is a C keyword", "pick another name")
    end
    if name:byte(1) == 95 and name:match("^_[_%u]") then -- 95 is '_': skip the match for most names
        fail(tok, what .. " '" .. name .. "' is reserved in C (it starts with __ or _ and a capital)")
    end
    if RESERVED[name] then
        fail(tok, what .. " '" .. name .. "' is reserved: the generated code or the C library uses it")
    end
end

-- Consts and errors become C macros. Upper-case names keep them from replacing the ordinary
-- (lower-case) identifiers of the generated and hand-written C code, and the prefixes of the
-- generated macros stay free.
local MACRO_PREFIXES = { "ABI_", "SYS_", "SYSCALL_", "SARG_", "FUZZ_" }
local LIBC_MACROS = { EOF = true, STDIN_FILENO = true, STDOUT_FILENO = true, STDERR_FILENO = true }

local function check_macro(tok, what)
    local name = tok.value
    if not name:match("^[A-Z][A-Z0-9_]*$") then
        fail(tok, what .. " '" .. name .. "' becomes a C macro, so its name must be upper case (A-Z, 0-9, _)",
            "a lower-case macro would replace identifiers of the C code; call it " .. name:upper())
    end
    for _, prefix in ipairs(MACRO_PREFIXES) do
        if name:sub(1, #prefix) == prefix then
            fail(tok, what .. " '" .. name .. "' is reserved: the generated code defines the " .. prefix .. "* macros")
        end
    end
    if LIBC_MACROS[name] then
        fail(tok, what .. " '" .. name .. "' is reserved: the generated code or the C library uses it")
    end
end

-- Any other C identifier must not be a const's or an error's name: the macro would replace it.
function Checker:not_macro(tok, what)
    local name = tok.value
    if self.consts[name] or self.errors[name] then
        fail(tok, what .. " '" .. name .. "' has the name of a " .. (self.consts[name] and "const" or "error") ..
            ", whose macro would replace it")
    end
    if not name:find("^[A-Z0-9_]*$") then return end -- the usual case: not a macro-like name
    for _, prefix in ipairs(MACRO_PREFIXES) do
        if name:sub(1, #prefix) == prefix then
            fail(tok, what .. " '" .. name .. "' is reserved: the generated code defines the " .. prefix .. "* macros")
        end
    end
end

-- Record name in a namespace (C macros, struct tags, functions) or fail on a clash.
function Checker:claim(space, name, tok, what)
    local prev = self.names[space][name]
    if prev then
        local msg = what == prev.what and ("duplicate " .. what)
            or ("name '" .. name .. "' of " .. what .. " clashes with " .. prev.what)
        fail(tok, msg, nil, { note(prev.tok, "first defined here") })
    end
    self.names[space][name] = { tok = tok, what = what }
end

-- A number token, or a const name, -> { value, expr } (expr is the C spelling).
function Checker:resolve(tok, what)
    if tok.kind == "number" then
        return { value = tok.value, expr = tok.text }
    end
    if tok.kind ~= "ident" then
        fail(tok, "expected a number or a const name for " .. what)
    end
    local c = self.consts[tok.value]
    if not c then
        fail(tok, "unknown const '" .. tok.value .. "' in " .. what,
            "define it: const " .. tok.value .. " VALUE \"doc\"")
    end
    return { value = c.value, expr = c.name }
end

function Checker:need_error(name, tok, why)
    local e = self.errors[name]
    if not e then
        fail(tok, why .. " needs error " .. name .. ", which is not defined",
            "define it, e.g. error " .. name .. " N \"text\"")
    end
    return e
end

----------------------------------------------------------------------------
-- abi settings

local SETTINGS = {
    version = "number", trap = "number", arg_registers = "registers", user_space = "range",
    amc_max_message = "size", amc_name_max = "size", prefix = "prefix", outputs = "outputs",
}
local SETTING_LIST = "version trap arg_registers user_space amc_max_message amc_name_max prefix outputs"

function Checker:setting_value(s)
    local key, values, shape = s.key, s.values, SETTINGS[s.key.value]
    local function count(n)
        if #values ~= n then
            fail(values[n + 1] or key, "setting " .. key.value .. " takes " .. n ..
                (n == 1 and " value" or " values") .. ", got " .. #values)
        end
    end
    if shape == "number" then
        count(1)
        if values[1].kind ~= "number" then fail(values[1], key.value .. " must be a number") end
        return values[1].value
    elseif shape == "size" then
        count(1)
        return self:resolve(values[1], key.value)
    elseif shape == "range" then
        count(2)
        return { self:resolve(values[1], key.value), self:resolve(values[2], key.value) }
    elseif shape == "prefix" then
        count(1)
        local v = values[1]
        if v.kind == "number" or not v.value:match("^[%a_]?[%w_]*$") then
            fail(v, "prefix must be a C identifier prefix (letters, digits, _), or \"\"")
        end
        return v.value
    elseif shape == "outputs" then
        return self:output_groups(key, values)
    end
    if #values == 0 then fail(key, "arg_registers needs at least one register") end
    local regs, seen = {}, {}
    for _, v in ipairs(values) do
        if v.kind ~= "ident" or not REGISTERS[v.value] then
            fail(v, "'" .. tostring(v.text or v.value) .. "' is not an argument register",
                "use ebx ecx edx esi edi ebp (eax carries the syscall number)")
        end
        if seen[v.value] then fail(v, "register " .. v.value .. " is listed twice") end
        seen[v.value] = true
        regs[#regs + 1] = v.value
    end
    return regs
end

-- `outputs kernel user ...`: the set of output groups to generate.
function Checker:output_groups(key, values)
    if #values == 0 then fail(key, "outputs needs at least one of " .. OUTPUT_GROUP_LIST) end
    local groups = {}
    for _, v in ipairs(values) do
        if v.kind ~= "ident" or not OUTPUT_GROUPS[v.value] then
            fail(v, "'" .. tostring(v.text or v.value) .. "' is not an output group",
                "groups are " .. OUTPUT_GROUP_LIST)
        end
        if groups[v.value] then fail(v, "output group " .. v.value .. " is listed twice") end
        groups[v.value] = true
    end
    return groups
end

function Checker:abi_block()
    local tree = self.tree
    if #tree.abis == 0 then
        diag.fail({ file = self.file, line = 1, col = 1 }, "missing `abi NAME { ... }` settings block",
            "see abi/README.md for the settings")
    end
    if #tree.abis > 1 then
        fail(tree.abis[2].kw, "duplicate abi block", nil, { note(tree.abis[1].kw, "first abi block") })
    end
    local block = tree.abis[1]
    self.abi_kw = block.kw
    check_ident(block.name, "ABI name")
    local seen, abi = {}, { name = block.name.value }
    for _, s in ipairs(block.settings) do
        local key = s.key.value
        if not SETTINGS[key] then
            fail(s.key, "unknown abi setting '" .. key .. "'", "known settings: " .. SETTING_LIST)
        end
        if seen[key] then
            fail(s.key, "duplicate setting '" .. key .. "'", nil, { note(seen[key], "first set here") })
        end
        seen[key] = s.key
        abi[key] = self:setting_value(s)
    end
    for _, key in ipairs({ "version", "trap", "arg_registers", "user_space" }) do
        if abi[key] == nil then
            fail(block.name, "abi block lacks the required setting '" .. key .. "'")
        end
    end
    if abi.version ~= SUPPORTED_VERSION then
        fail(seen.version, "unsupported abi version " .. abi.version ..
            ": this generator understands version " .. SUPPORTED_VERSION)
    end
    if abi.trap > 255 then fail(seen.trap, "trap vector " .. abi.trap .. " is not in 0..255") end
    local low, high = abi.user_space[1], abi.user_space[2]
    if low.value == 0 or low.value >= high.value then
        fail(seen.user_space, "user_space must be [low, high) with 0 < low < high")
    end
    abi.user_low, abi.user_high = low.value, high.value
    abi.prefix = abi.prefix or ""
    if not abi.outputs then
        abi.outputs = {}
        for g in pairs(OUTPUT_GROUPS) do abi.outputs[g] = true end
    end
    if abi.amc_max_message and abi.amc_max_message.value < 4 then
        fail(seen.amc_max_message, "amc_max_message must leave room for the 4-byte discriminator")
    end
    abi.setting_tok, abi.kw = seen, block.kw
    return abi
end

----------------------------------------------------------------------------
-- consts and errors

function Checker:consts_and_errors()
    for _, c in ipairs(self.tree.consts) do
        check_ident(c.name, "const")
        check_macro(c.name, "const")
        self:claim("macro", c.name.value, c.name, "const " .. c.name.value)
        local entry = { name = c.name.value, value = c.value.value, expr = c.value.text, doc = c.doc, tok = c.name }
        self.consts[entry.name] = entry
        self.m.consts[#self.m.consts + 1] = entry
    end
    local by_num = {}
    for _, e in ipairs(self.tree.errors) do
        check_ident(e.name, "error")
        check_macro(e.name, "error")
        self:claim("macro", e.name.value, e.name, "error " .. e.name.value)
        local num = e.value.value
        if num < 1 or num > MAX_ERRNO then
            fail(e.value, "error number " .. num .. " is not in 1.." .. MAX_ERRNO)
        end
        if by_num[num] then
            fail(e.value, "duplicate error number " .. num .. " (already " .. by_num[num].name.value .. ")",
                nil, { note(by_num[num].value, "first used here") })
        end
        by_num[num] = e
        local entry = { name = e.name.value, num = num, text = e.doc, tok = e.name }
        self.errors[entry.name] = entry
        self.m.errors[#self.m.errors + 1] = entry
    end
end

----------------------------------------------------------------------------
-- types and layouts

-- Resolve a plain type name (no array) to a scalar or struct.
function Checker:named_type(tok, what)
    local name = tok.value
    if SCALARS[name] then return SCALARS[name] end
    if name == "char" then return CHAR end
    local s = self.struct_nodes[name]
    if s then return self:struct_layout(s) end
    fail(tok, "unknown type '" .. name .. "' in " .. what,
        "types are " .. SCALAR_LIST .. ", char[N], T[N] and struct names")
end

-- Place fields one after another from offset base; refuse implicit padding so
-- that every byte is named (no kernel bytes leak, layouts are compiler-proof).
local function place(fields, base, owner)
    local offset, align = base, 1
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
    local base = ty.name
    if TYPE_WORDS[base.value] and base.value ~= "char" then
        fail(base, "'" .. base.value .. "' is not a field type", "types are " .. SCALAR_LIST ..
            ", char[N], T[N] and struct names")
    end
    if not ty.count then
        if base.value == "char" then
            fail(base, "char is only allowed as an array: char[N]")
        end
        return self:named_type(base, owner)
    end
    local elem = self:named_type(base, owner)
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
                { note(seen[f.name.value], "first declared here") })
        end
        seen[f.name.value] = f.name
        out[#out + 1] = { name = f.name.value, tok = f.name, doc = f.doc, node = f }
    end
    return out
end

function Checker:struct_layout(node)
    local name = node.name.value
    local done = self.structs[name]
    if done then
        if done.busy then
            fail(node.name, "struct " .. name .. " contains itself")
        end
        return done
    end
    local s = { kind = "struct", name = name, doc = node.doc, busy = true, tok = node.name }
    self.structs[name] = s
    s.fields = self:field_list(node.fields, { tok = node.name, what = "struct " .. name })
    for _, f in ipairs(s.fields) do
        if f.node.max then
            fail(f.node.max_kw, "'max' applies only to the variable-length array of a message")
        end
        f.type = self:field_type(f.node, "struct " .. name)
    end
    local size, align = place(s.fields, 0, "struct " .. name)
    if size % align ~= 0 then
        fail(node.name, string.format("struct %s is %d bytes, not a multiple of its alignment %d",
            name, size, align), string.format("add %d bytes of explicit padding at the end",
            align - size % align))
    end
    if size > 65535 then fail(node.name, "struct " .. name .. " is larger than 65535 bytes") end
    s.size, s.align, s.busy = size, align, nil
    -- Structs are emitted in dependency order: after the structs they contain.
    self.m.structs[#self.m.structs + 1] = s
    return s
end

function Checker:structs_pass()
    for _, node in ipairs(self.tree.structs) do
        local name = node.name.value
        check_ident(node.name, "struct")
        self:not_macro(node.name, "struct")
        if SCALARS[name] or TYPE_WORDS[name] then
            fail(node.name, "struct name '" .. name .. "' is a built-in type or keyword of the language")
        end
        self:claim("tag", name, node.name, "struct " .. name)
        self.struct_nodes[name] = node
    end
    for _, node in ipairs(self.tree.structs) do
        self:struct_layout(node)
    end
end

----------------------------------------------------------------------------
-- syscalls

local UNSIGNED_LEN = { u8 = true, u16 = true, u32 = true }

function Checker:no_option(a, key, why)
    if a[key] then
        local tok = a[key .. "_kw"] or a[key]
        fail(tok, "'" .. tok.value .. "' " .. why)
    end
end

function Checker:arg(sc, a, index, by_name)
    local name = a.name.value
    local arg = { name = name, index = index, kind = a.kind, dir = a.dir and a.dir.value,
                  tok = a.name, toolong_explicit = a.toolong ~= nil }
    if a.kind ~= "bytes" then
        self:no_option(a, "max", "applies only to bytes arguments (str[N] has its own bound)")
    end
    if a.kind == "scalar" or a.kind == "ptr" then
        self:no_option(a, "toolong", "applies only to bytes and str arguments")
    end
    if a.kind ~= "ptr" then
        self:no_option(a, "optional", "applies only to in/out/inout T pointer arguments")
    end
    if a.kind == "scalar" then
        local t = a.type.name
        if self.struct_nodes[t.value] then
            fail(t, "struct " .. t.value .. " cannot be passed in a register",
                "pass a pointer: " .. name .. ": in " .. t.value .. " (or out/inout)")
        end
        if t.value == "char" or TYPE_WORDS[t.value] or not SCALARS[t.value] then
            fail(t, "unknown argument type '" .. t.value .. "'",
                "scalars are " .. SCALAR_LIST .. "; pointers are in/out/inout bytes[LEN], in str[N], in/out/inout T")
        end
        arg.type = SCALARS[t.value]
        if arg.type.size > 4 then
            fail(t, "argument '" .. name .. "' is 64-bit (" .. t.value .. ") and does not fit in one register",
                "pass it in a struct: in T")
        end
        return arg
    end
    arg.efault = self:need_error("EFAULT", a.name, "pointer argument '" .. name .. "'")
    if a.kind == "bytes" then
        local len = by_name[a.len.value]
        if not len then
            fail(a.len, "length '" .. a.len.value .. "' of '" .. name .. "' names no argument of " .. sc.name,
                "bytes[LEN] names the argument that holds the length in bytes")
        end
        if len.kind ~= "scalar" or not UNSIGNED_LEN[len.type.name.value] then
            local what = len.kind == "scalar" and len.type.name.value or (len.kind .. " argument")
            fail(a.len, "length '" .. a.len.value .. "' of '" .. name ..
                "' must be an unsigned integer argument (u8, u16 or u32), not " .. what)
        end
        arg.len_arg, arg.len_name = len.index, a.len.value
        if a.max then
            arg.max = self:resolve(a.max, "the max of " .. name)
            if arg.max.value > self.m.abi.user_high - self.m.abi.user_low then
                fail(a.max, "max " .. arg.max.value .. " is larger than user space")
            end
        end
        if a.toolong and not arg.max then
            fail(a.toolong_kw, "'toolong' needs a 'max' to go with it", "write max N toolong ERROR")
        elseif a.toolong then
            arg.toolong = self:need_error(a.toolong.value, a.toolong, "toolong of '" .. name .. "'")
        elseif arg.max then
            arg.toolong = self:need_error("E2BIG", a.max_kw, "the max of '" .. name .. "'")
        end
        return arg
    elseif a.kind == "str" then
        if arg.dir ~= "in" then
            fail(a.dir, "str arguments are input only", "use out bytes[LEN] to return a string")
        end
        arg.size = self:resolve(a.size, "the length of " .. name)
        if arg.size.value == 0 or arg.size.value > 65535 then
            fail(a.size, "string length must be in 1..65535")
        end
        local enametoolong = self:need_error("ENAMETOOLONG", a.kind_tok, "string argument '" .. name .. "'")
        arg.toolong = a.toolong and self:need_error(a.toolong.value,
            a.toolong, "toolong of '" .. name .. "'") or enametoolong
        return arg
    end
    local t = a.type.name
    if t.value == "char" or TYPE_WORDS[t.value] then
        fail(t, "'" .. t.value .. "' cannot follow '" .. arg.dir .. "'",
            "write " .. arg.dir .. " bytes[LEN], in str[N] or " .. arg.dir .. " TYPE")
    end
    arg.type = self:named_type(t, "argument " .. name)
    arg.optional = a.optional ~= nil
    return arg
end

-- Hints for the generated syscall fuzzer (`fuzz ...` lines): how to keep a call from ending the
-- fuzzing run without leaving the syscall out. The kernel never sees them.
local FUZZ_ARG_HINTS = { own_child = true, max = true, avoid = true }

function Checker:fuzz_value(a, tok, hint)
    if tok.kind ~= "number" and tok.kind ~= "ident" then
        fail(tok, "expected a number or a const name after " .. hint)
    end
    local v = self:resolve(tok, "the fuzz hint " .. hint .. " of " .. a.name)
    local bits = a.type.size * 8
    local top = (a.type.signed and hint == "max") and (1 << (bits - 1)) - 1 or (1 << bits) - 1
    if v.value > top then
        fail(tok, string.format("fuzz %s %d does not fit argument '%s' (%s)", hint, v.value, a.name, a.type.name))
    end
    return v
end

function Checker:fuzz_hints(sc, node)
    local fz = { isolate = false, args = {} }
    for _, line in ipairs(node.fuzz) do
        local words = line.words
        local first = words[1]
        if first.kind == "ident" and first.value == "isolate" then
            if words[2] then fail(words[2], "fuzz isolate takes no values") end
            if fz.isolate then fail(first, "duplicate fuzz hint 'isolate'") end
            fz.isolate = true
        else
            local a
            for _, arg in ipairs(sc.args) do
                if first.kind == "ident" and arg.name == first.value then a = arg end
            end
            if not a then
                fail(first, "fuzz hint '" .. tostring(first.text or first.value) ..
                    "' is neither isolate nor an argument of " .. sc.name,
                    "fuzz isolate, fuzz ARG own_child, fuzz ARG max N or fuzz ARG avoid N...")
            end
            local hint = words[2]
            if not hint or hint.kind ~= "ident" or not FUZZ_ARG_HINTS[hint.value] then
                fail(hint or first, "expected own_child, max or avoid after fuzz " .. a.name)
            end
            if a.kind ~= "scalar" then
                fail(hint, "fuzz hint " .. hint.value .. " applies only to scalar arguments, not '" .. a.name .. "'")
            end
            for _, b in ipairs(sc.args) do
                if b.len_arg == a.index then
                    fail(first, "fuzz hints do not apply to '" .. a.name .. "', the length of '" .. b.name ..
                        "': the fuzzer chooses it with the buffer")
                end
            end
            if fz.args[a.name] then
                fail(first, "argument '" .. a.name .. "' already has a fuzz hint")
            end
            local h = { kind = hint.value }
            if hint.value == "own_child" then
                if words[3] then fail(words[3], "fuzz own_child takes no values") end
            elseif hint.value == "max" then
                if not words[3] or words[4] then
                    fail(words[4] or hint, "fuzz max takes one value")
                end
                h.max = self:fuzz_value(a, words[3], "max")
            else
                if not words[3] then fail(hint, "fuzz avoid needs at least one value") end
                h.avoid = {}
                for i = 3, #words do h.avoid[#h.avoid + 1] = self:fuzz_value(a, words[i], "avoid") end
            end
            fz.args[a.name] = h
        end
    end
    return fz
end

function Checker:syscall(node)
    local name = node.name.value
    check_ident(node.name, "syscall")
    self:not_macro(node.name, "syscall")
    local sc = { num = node.num.value, name = name, tok = node.name, num_tok = node.num,
                 doc = node.doc, long = node.long, args = {}, attrs = {}, errors = {} }
    if not node.doc then
        fail(node.name, "syscall " .. name .. " has no doc line", 'add doc "what it does" to its body')
    end
    if sc.num > MAX_SYSCALL then
        fail(node.num, "syscall number " .. sc.num .. " is larger than " .. MAX_SYSCALL)
    end
    local regs = self.m.abi.arg_registers
    if #node.args > #regs then
        fail(node.args[#regs + 1].name, string.format("too many arguments: %s takes %d, the limit is %d (arg_registers %s)",
            name, #node.args, #regs, table.concat(regs, " ")), "pass the rest in a struct: in T")
    end
    local by_name = {}
    for i, a in ipairs(node.args) do
        check_ident(a.name, "argument")
        self:not_macro(a.name, "argument")
        if by_name[a.name.value] then
            fail(a.name, "duplicate argument name '" .. a.name.value .. "' in " .. name, nil,
                { note(by_name[a.name.value].name, "first declared here") })
        end
        by_name[a.name.value] = a
        a.index = i
    end
    for i, a in ipairs(node.args) do
        local arg = self:arg(sc, a, i, by_name)
        arg.reg = regs[i]
        sc.args[i] = arg
    end
    for _, at in ipairs(node.attrs) do
        if not ATTRS[at.value] then
            fail(at, "unknown attribute '" .. at.value .. "'", "attributes are noreturn, blocking and returns_twice")
        end
        if sc.attrs[at.value] then fail(at, "duplicate attribute '" .. at.value .. "'") end
        sc.attrs[at.value] = true
    end
    if not RETURN_TYPES[node.ret.value] then
        fail(node.ret, "unknown return type '" .. node.ret.value .. "'", "return types are i32, u32, uptr and void")
    end
    sc.ret = node.ret.value
    if sc.ret == "void" and not sc.attrs.noreturn then
        fail(node.ret, "only a noreturn syscall can return void", "add `attrs noreturn`, or return i32")
    end
    if sc.attrs.noreturn and sc.ret ~= "void" then
        fail(node.ret, "a noreturn syscall must be declared -> void")
    end
    if sc.attrs.noreturn and sc.attrs.returns_twice then
        fail(node.name, "syscall " .. name .. " cannot be both noreturn and returns_twice")
    end
    local seen = {}
    for _, e in ipairs(node.errors) do
        local err = self.errors[e.value]
        if not err then
            fail(e, "unknown error '" .. e.value .. "' in the errors of " .. name,
                "define it: error " .. e.value .. " N \"text\"")
        end
        if seen[e.value] then fail(e, "error " .. e.value .. " is listed twice") end
        seen[e.value] = true
        sc.errors[#sc.errors + 1] = err
    end
    sc.fuzz = self:fuzz_hints(sc, node)
    -- Errors the entry shim itself can return, whether or not the .def lists them.
    sc.implied = {}
    for _, arg in ipairs(sc.args) do
        for _, e in ipairs({ arg.efault, arg.toolong }) do
            if not seen[e.name] then
                seen[e.name] = true
                sc.implied[#sc.implied + 1] = e
            end
        end
    end
    return sc
end

-- Sort entries by number; a .def usually lists them in order already, and
-- checking that is linear where sorting is not.
local function sort_by_num(list)
    for i = 2, #list do
        if list[i - 1].num > list[i].num then
            table.sort(list, function(a, b) return a.num < b.num end)
            return
        end
    end
end

function Checker:syscalls_pass()
    local m = self.m
    self.enosys = self:need_error("ENOSYS", self.abi_kw, "the syscall dispatcher")
    local retired_by_num, retired_by_name = {}, {}
    for _, r in ipairs(self.tree.retired) do
        check_ident(r.name, "retired name")
        local prev = retired_by_num[r.num.value]
        if prev then
            fail(r.num, "number " .. r.num.value .. " is retired twice", nil, { note(prev.num, "first retired here") })
        end
        if r.num.value > MAX_SYSCALL then fail(r.num, "syscall number " .. r.num.value .. " is larger than " .. MAX_SYSCALL) end
        retired_by_num[r.num.value] = r
        retired_by_name[r.name.value] = r
        m.retired[#m.retired + 1] = { num = r.num.value, name = r.name.value, why = r.why, tok = r.num }
    end
    local by_num, by_name = {}, {}
    for _, node in ipairs(self.tree.syscalls) do
        local num, name = node.num.value, node.name.value
        if by_num[num] then
            fail(node.num, "duplicate syscall number " .. num .. " (already " .. by_num[num].name.value .. ")",
                "every syscall needs its own number", { note(by_num[num].num, "first used here") })
        end
        if by_name[name] then
            fail(node.name, "duplicate syscall name '" .. name .. "'", nil, { note(by_name[name].name, "first defined here") })
        end
        local r = retired_by_num[num]
        if r then
            fail(node.num, "syscall number " .. num .. " was retired (" .. r.name.value .. "): retired numbers are never reused",
                "give " .. name .. " a new number", { note(r.num, "retired here") })
        end
        r = retired_by_name[name]
        if r then
            fail(node.name, "syscall name '" .. name .. "' was retired (number " .. r.num.value .. ")",
                "old programs may still expect the old meaning; pick another name", { note(r.name, "retired here") })
        end
        by_num[num], by_name[name] = node, node
        self:claim("func", m.abi.prefix .. name, node.name, "syscall " .. name)
        m.syscalls[#m.syscalls + 1] = self:syscall(node)
    end
    sort_by_num(m.syscalls)
    sort_by_num(m.retired)
    local top = -1
    for _, s in ipairs(m.syscalls) do top = math.max(top, s.num) end
    for _, r in ipairs(m.retired) do top = math.max(top, r.num) end
    m.table_size = top + 1
end

----------------------------------------------------------------------------
-- amc services

function Checker:message(svc, node)
    local msg = { num = node.num.value, name = node.name.value, doc = node.doc, tok = node.name,
                  num_tok = node.num, service = svc }
    local owner = "message " .. svc.name .. "." .. msg.name
    msg.fields = self:field_list(node.fields, { tok = node.name, what = owner })
    local by_name = {}
    for i, f in ipairs(msg.fields) do
        if f.name == "event" then
            fail(f.tok, "field name 'event' is reserved: it is the implicit discriminator at offset 0")
        end
        if f.name == "dest" or f.name:match("^amc_") then
            fail(f.tok, "field name '" .. f.name .. "' is reserved in payloads: the send helpers use dest and amc_*")
        end
        local fnode = f.node
        local count = fnode.type.count
        local len_field = count and count.kind == "ident" and by_name[count.value]
        if not len_field and count and count.kind == "ident" and not self.consts[count.value] then
            for j = i + 1, #msg.fields do
                if msg.fields[j].name == count.value then
                    fail(count, "length field '" .. count.value .. "' must come before '" .. f.name .. "'")
                end
            end
        end
        if len_field then
            if i ~= #msg.fields then
                fail(f.tok, "variable-length array '" .. f.name .. "' must be the last field of " .. owner,
                    "a payload has at most one variable-length array, at its end")
            end
            local et = fnode.type.name.value
            if et ~= "u8" and et ~= "char" then
                fail(fnode.type.name, "variable-length array '" .. f.name .. "' must hold u8 or char, not " .. et)
            end
            if len_field.type.kind ~= "scalar" or not UNSIGNED_LEN[len_field.type.name] then
                fail(count, "length field '" .. count.value .. "' must be an unsigned integer field (u8, u16 or u32)")
            end
            f.type = { kind = "vararray", elem = et == "u8" and SCALARS.u8 or CHAR, size = 0, align = 1 }
            f.len_field = len_field
            len_field.is_length = true
            msg.var = f
            if fnode.max then
                msg.var_max = self:resolve(fnode.max, "the max of " .. f.name)
            end
        else
            if fnode.max then
                fail(fnode.max_kw, "'max' applies only to the variable-length array of a message")
            end
            f.type = self:field_type(fnode, owner)
        end
        by_name[f.name] = f
    end
    local all = { { name = "event", type = SCALARS.u32, tok = node.name } }
    for _, f in ipairs(msg.fields) do all[#all + 1] = f end
    local fixed, align = place(all, 0, owner)
    msg.fixed_size, msg.all_fields = fixed, all
    if not msg.var and fixed % align ~= 0 then
        fail(node.name, string.format("payload of %s is %d bytes, not a multiple of its alignment %d",
            owner, fixed, align), string.format("add %d bytes of explicit padding at the end", align - fixed % align))
    end
    local limit = self.m.abi.amc_max_message
    local biggest = fixed + (msg.var and (msg.var_max and msg.var_max.value or 0) or 0)
    if biggest > limit.value then
        fail(node.name, string.format("payload of %s can be %d bytes, more than amc_max_message %d",
            owner, biggest, limit.value), "shrink the fields or the max of the variable array")
    end
    msg.max_size = msg.var and (msg.var_max and biggest or limit.value) or fixed
    return msg
end

local function upper(s) return s:upper() end

function Checker:service(node, by_string)
    local m = self.m
    local name = node.name.value
    check_ident(node.name, "service")
    self:not_macro(node.name, "service")
    local svc = { name = name, service = node.service.value, doc = node.doc, long = node.long,
                  tok = node.name, messages = {}, retired = {} }
    if not node.doc then
        fail(node.name, "service " .. name .. " has no doc line", 'add doc "what it does" to its body')
    end
    local sname = svc.service
    if not sname:match("^[%w_.%-]+$") then
        fail(node.service, "service name \"" .. sname .. "\" must be non-empty letters, digits, '_', '.' or '-'")
    end
    local name_max = m.abi.amc_name_max
    if name_max and #sname > name_max.value then
        fail(node.service, "service name \"" .. sname .. "\" is longer than amc_name_max " .. name_max.value)
    end
    if by_string[sname] then
        fail(node.service, "service name \"" .. sname .. "\" is already used", nil,
            { note(by_string[sname], "first used here") })
    end
    by_string[sname] = node.service
    self:claim("tag", name .. "_handlers", node.name, "service " .. name .. " (struct " .. name .. "_handlers)")
    self:claim("func", name .. "_dispatch", node.name, "service " .. name .. " (" .. name .. "_dispatch)")
    self:claim("macro", upper(name) .. "_SERVICE_NAME", node.name, "service " .. name)
    local nums, names, retired_nums = {}, {}, {}
    for _, r in ipairs(node.retired) do
        check_ident(r.name, "retired message")
        if nums[r.num.value] then
            fail(r.num, "discriminator " .. r.num.value .. " is used twice in service " .. name, nil,
                { note(nums[r.num.value], "first used here") })
        end
        nums[r.num.value], names[r.name.value] = r.num, r.name
        retired_nums[r.num.value] = r.name.value
        svc.retired[#svc.retired + 1] = { num = r.num.value, name = r.name.value, why = r.why, tok = r.num }
    end
    for _, mnode in ipairs(node.messages) do
        local mname = mnode.name.value
        check_ident(mnode.name, "message")
        self:not_macro(mnode.name, "message")
        local prev = nums[mnode.num.value]
        if prev and retired_nums[mnode.num.value] then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " of service " .. name .. " was retired (" ..
                retired_nums[mnode.num.value] .. "): retired numbers are never reused",
                "give " .. mnode.name.value .. " a new number", { note(prev, "retired here") })
        end
        if prev then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " is used twice in service " .. name,
                "discriminators are unique within a service and never reused", { note(prev, "first used here") })
        end
        if names[mname] then
            fail(mnode.name, "message name '" .. mname .. "' is used twice in service " .. name, nil,
                { note(names[mname], "first used here") })
        end
        if mnode.num.value > 0x7FFFFFFF then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " is larger than 2147483647 (it must fit a C enum)")
        end
        nums[mnode.num.value], names[mname] = mnode.num, mnode.name
        local full = name .. "_" .. mname
        self:claim("tag", full, mnode.name, "message " .. name .. "." .. mname .. " (struct " .. full .. ")")
        self:claim("macro", upper(full), mnode.name, "message " .. name .. "." .. mname .. " (" .. upper(full) .. ")")
        for _, suffix in ipairs({ "_SIZE", "_MAX_SIZE" }) do
            local macro = upper(full) .. suffix
            self:claim("macro", macro, mnode.name, "message " .. name .. "." .. mname .. " (" .. macro .. ")")
        end
        self:claim("func", name .. "_send_" .. mname, mnode.name, "message " .. name .. "." .. mname)
        svc.messages[#svc.messages + 1] = self:message(svc, mnode)
    end
    if #svc.messages == 0 then fail(node.name, "service " .. name .. " has no messages") end
    table.sort(svc.messages, function(a, b) return a.num < b.num end)
    table.sort(svc.retired, function(a, b) return a.num < b.num end)
    return svc
end

function Checker:services_pass()
    local m = self.m
    local services = self.tree.services
    if #services == 0 then return end
    local first = services[1].kw
    if not m.abi.amc_max_message then
        fail(first, "services need the abi setting amc_max_message", "add `amc_max_message N` to the abi block")
    end
    local send
    for _, s in ipairs(m.syscalls) do
        if s.name == "amc_message_send" then send = s end
    end
    if not send or #send.args ~= 3 or send.args[1].kind ~= "str" or send.args[2].kind ~= "bytes"
        or send.args[2].dir ~= "in" or send.args[3].kind ~= "scalar" then
        fail(first, "services need the syscall amc_message_send(dest: in str[N], buf: in bytes[len], len: u32)")
    end
    for _, e in ipairs({ "EPROTO", "EBADMSG", "EMSGSIZE", "EINVAL" }) do
        self:need_error(e, first, "the amc send helpers and dispatchers")
    end
    local by_ident, by_string = {}, {}
    for _, node in ipairs(services) do
        local prev = by_ident[node.name.value]
        if prev then
            fail(node.name, "duplicate service '" .. node.name.value .. "'", nil, { note(prev, "first defined here") })
        end
        by_ident[node.name.value] = node.name
        m.services[#m.services + 1] = self:service(node, by_string)
    end
end

----------------------------------------------------------------------------

-- Parse and check text (the contents of file); return the model or raise a diagnostic.
function model.load(text, file)
    local tree = parser.parse(lexer.tokenize(text, file))
    local self = setmetatable({
        tree = tree, file = file, consts = {}, errors = {}, structs = {}, struct_nodes = {},
        names = { macro = {}, tag = {}, func = {} },
        m = { file = file, consts = {}, errors = {}, structs = {}, syscalls = {}, retired = {}, services = {} },
    }, Checker)
    self:consts_and_errors()
    self.m.abi = self:abi_block()
    self:structs_pass()
    self:syscalls_pass()
    self:services_pass()
    if #self.m.syscalls == 0 then
        fail(self.abi_kw, "the definition has no syscall", 'add one: syscall 1 NAME() -> i32 { doc "..." }')
    end
    return self.m
end

return model
