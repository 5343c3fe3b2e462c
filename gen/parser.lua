-- Parser: tokens -> syntax tree.  It checks only the shape of each
-- construct; names, types and numbers are checked by model.lua.
local diag = require("diag")

local parser = {}

local P = {}
P.__index = P

local function describe(tok)
    if tok.kind == "ident" then return "'" .. tok.value .. "'" end
    if tok.kind == "number" then return "number " .. (tok.raw or tok.text) end
    if tok.kind == "string" then return "a string" end
    if tok.kind == "long" then return 'a """long doc"""' end
    if tok.kind == "eof" then return "end of file" end
    return "'" .. tok.kind .. "'"
end

-- "unexpected 'x'", "unexpected string" (describe's article dropped).
local function unexpected(tok)
    return "unexpected " .. (describe(tok):gsub("^a ", ""))
end

local function pos_of(tok)
    return { file = tok.file, line = tok.line, col = tok.col }
end
parser.pos_of = pos_of

-- The current token, or with k the k-th after it (nil past the end). Tokens come from
-- self.next_token as the parser reaches them: the current one in self.tok, those peeked past it
-- in self.ahead.
function P:peek(k)
    if not k then return self.tok end
    local ahead = self.ahead
    while #ahead < k do
        local tok = self.next_token()
        if not tok then return nil end
        ahead[#ahead + 1] = tok
    end
    return ahead[k]
end

function P:advance()
    local tok = self.tok
    if tok.kind ~= "eof" then
        local ahead = self.ahead
        if ahead[1] then
            self.tok = table.remove(ahead, 1)
        else
            self.tok = self.next_token()
        end
    end
    return tok
end

-- True if tok (the current token) begins the next definition, or the next item of the block
-- that encloses the current one (self.more: `message` inside a service), rather than a field:
-- a field may have such a name, but then a ':' follows it (`syscall: u32`).
function P:starts_next(tok)
    return tok.kind == "ident" and (parser.TOP[tok.value] or self.more and self.more[tok.value]) and
        (self:peek(1) or tok).kind ~= ":"
end

-- Fail at tok. Inside an open block, running into the end of the file or into the keyword of a
-- next definition most likely means a missing '}' or ')': say where that block was opened.
function P:fail_at(tok, msg, hint)
    local open = self.blocks[#self.blocks]
    if open then
        local closer = open.tok.kind == "{" and "}" or ")"
        local opened = string.format("'%s' of %s opened at %d:%d", open.tok.kind, open.what, open.tok.line, open.tok.col)
        if tok.kind == "eof" then
            diag.fail(pos_of(open.tok), "unterminated block: this '" .. open.tok.kind .. "' is never closed",
                "add the missing '" .. closer .. "' of " .. open.what)
        end
        if self:starts_next(tok) then
            hint = "is a '" .. closer .. "' missing? the " .. opened .. " is still open"
        end
    end
    diag.fail(pos_of(tok), msg, hint)
end

-- Consume a token of the given kind (and value, for keywords) or fail.
function P:expect(kind, what, hint)
    local tok = self:peek()
    if tok.kind ~= kind then
        self:fail_at(tok, "expected " .. what .. ", got " .. describe(tok), hint)
    end
    return self:advance()
end

function P:expect_word(word, hint)
    local tok = self:peek()
    if tok.kind ~= "ident" or tok.value ~= word then
        self:fail_at(tok, "expected '" .. word .. "', got " .. describe(tok), hint)
    end
    return self:advance()
end

function P:accept_word(word)
    local tok = self:peek()
    if tok.kind == "ident" and tok.value == word then
        return self:advance()
    end
end

-- Open a block; what names its owner for the unclosed-block hint ("struct point").
function P:open(kind, what)
    local tok = self:expect(kind, "'" .. kind .. "'")
    self.blocks[#self.blocks + 1] = { tok = tok, what = what }
    return tok
end

function P:close(kind, what)
    self:expect(kind, what)
    table.remove(self.blocks)
end

-- A size is a number or the name of a const (resolved later).
function P:size(what)
    local tok = self:peek()
    if tok.kind ~= "number" and tok.kind ~= "ident" then
        self:fail_at(tok, "expected " .. what .. " (a number or a const name), got " .. describe(tok))
    end
    return self:advance()
end

-- Identifiers that follow a keyword on the same line: `errors A B`, `attrs x`.
function P:line_words(keyword)
    local words = {}
    while self:peek().kind == "ident" and self:peek().line == keyword.line do
        words[#words + 1] = self:advance()
    end
    if #words == 0 then
        self:fail_at(self:peek(), "expected at least one name after '" .. keyword.value ..
            "' on the same line, got " .. describe(self:peek()))
    end
    return words
end

-- type := NAME | NAME '[' size ']'
function P:type_ref()
    local name = self:expect("ident", "a type")
    local ty = { name = name }
    if self:peek().kind == "[" then
        self:advance()
        ty.count = self:size("an array length")
        self:expect("]", "']' after the array length")
    end
    return ty
end

-- In a block of fields or settings, the keyword of what comes next means a missing '}'.
function P:not_a_definition(what)
    if self:starts_next(self:peek()) then
        self:fail_at(self:peek(), "expected " .. what .. ", got " .. describe(self:peek()))
    end
end

-- field := NAME ':' type ['max' size] [STRING]
function P:field()
    self:not_a_definition("a field name or '}'")
    local name = self:expect("ident", "a field name or '}'")
    self:expect(":", "':' after field name '" .. name.value .. "'",
        "fields are written `name: type`")
    local f = { name = name, type = self:type_ref() }
    -- `max` is a keyword only where a bound can follow; `max: u32` starts the next field.
    local kw = (self:peek(1) or self:peek()).kind ~= ":" and self:accept_word("max")
    if kw then
        f.max_kw, f.max = kw, self:size("a maximum length after 'max'")
    end
    if self:peek().kind == "string" then
        f.doc = self:advance().value
    end
    return f
end

-- more: the words that start the next item of the enclosing block (for the unclosed-block hint).
function P:fields(what, more)
    local open = self:open("{", what)
    local fields = {}
    self.more = more
    while self:peek().kind ~= "}" do
        fields[#fields + 1] = self:field()
    end
    self:close("}", "'}'")
    self.more = nil
    return fields, open
end

function P:abi_block(kw)
    local node = { kw = kw, name = self:expect("ident", "the ABI name after 'abi'"), settings = {} }
    self:open("{", "abi " .. node.name.value)
    while self:peek().kind ~= "}" do
        self:not_a_definition("a setting name or '}'")
        local key = self:expect("ident", "a setting name or '}'")
        local values = {}
        while self:peek().line == key.line and self:peek().kind ~= "}" and self:peek().kind ~= "eof" do
            local v = self:peek()
            if v.kind ~= "number" and v.kind ~= "ident" and v.kind ~= "string" then
                self:fail_at(v, "expected a setting value (number, name or string), got " .. describe(v))
            end
            values[#values + 1] = self:advance()
        end
        node.settings[#node.settings + 1] = { key = key, values = values }
    end
    self:close("}", "'}'")
    return node
end

function P:named_value(kw, what)
    local name = self:expect("ident", "a name after '" .. kw.value .. "'")
    if what == "error" and self:peek().kind == "=" then -- v2: error ALIAS = TARGET ["doc"]
        local eq = self:advance()
        local target = self:expect("ident", "the error it stands for after '='", "error EWOULDBLOCK = EAGAIN")
        local doc = self:peek().kind == "string" and self:advance().value or nil
        return { kw = kw, name = name, alias = eq, target = target, doc = doc }
    end
    local value = self:expect("number", "a number after " .. what .. " name '" .. name.value .. "'")
    local doc = self:expect("string", 'a "doc string" after ' .. name.value .. " " .. value.text)
    return { kw = kw, name = name, value = value, doc = doc.value }
end

-- A number with an optional '-' (v2 resource specials): the number token, and the sign's.
function P:signed_number(what)
    local minus = self:peek().kind == "-" and self:advance() or nil
    return self:expect("number", what), minus
end

-- flags NAME ':' BASE "doc" { MEMBER VALUE "doc" ... }, the same for enum;
-- resource NAME ':' BASE "doc" { special NAME [-]VALUE "doc" ... }
function P:named_type_def(kw)
    local what = kw.value
    local name = self:expect("ident", "a type name after '" .. what .. "'")
    self:expect(":", "':' and the base type after " .. what .. " name '" .. name.value .. "'",
        what .. " " .. name.value .. " : u32 \"doc\" { ... }")
    local base = self:expect("ident", "the base type (a scalar) after ':'")
    local doc = self:expect("string", 'a "doc string" after the base type of ' .. name.value)
    local node = { kw = kw, name = name, base = base, doc = doc.value, items = {} }
    self:open("{", what .. " " .. name.value)
    while self:peek().kind ~= "}" do
        self:not_a_definition("a member or '}'")
        local item = {}
        if what == "resource" then
            item.kw = self:expect_word("special", "a resource block holds `special NAME VALUE \"doc\"` lines")
        end
        item.name = self:expect("ident", what == "resource" and "a name after 'special'" or "a member name or '}'")
        item.value, item.minus = self:signed_number("a value after " .. item.name.value)
        item.doc = self:expect("string", 'a "doc string" after ' .. item.name.value .. " " ..
            (item.minus and "-" or "") .. item.value.text).value
        node.items[#node.items + 1] = item
    end
    self:close("}", "'}'")
    return node
end

function P:struct_def(kw)
    local name = self:expect("ident", "a struct name after 'struct'")
    local doc = self:expect("string", 'a "doc string" after struct name \'' .. name.value .. "'")
    local fields = self:fields("struct " .. name.value)
    return { kw = kw, name = name, doc = doc.value, fields = fields }
end

-- The lifecycle errors of a resource argument: `invalid E`, `reaped E`, `foreign E`.
local LIFECYCLE = { invalid = true, reaped = true, foreign = true }
parser.LIFECYCLE = { "invalid", "reaped", "foreign" }

-- arg := NAME ':' argtype
function P:arg()
    local name = self:expect("ident", "an argument name")
    self:expect(":", "':' after argument name '" .. name.value .. "'",
        "arguments are written `name: type`")
    local a = { name = name }
    local first = self:peek()
    if first.kind == "ident" and (first.value == "in" or first.value == "out" or first.value == "inout") then
        a.dir = self:advance()
        local what = self:expect("ident", "'bytes', 'str' or a type after '" .. a.dir.value .. "'")
        if what.value == "bytes" then
            a.kind = "bytes"
            self:expect("[", "'[' after 'bytes'", "write bytes[LENARG], naming the length argument")
            a.len_by_ptr = self:peek().kind == "*" and self:advance() or nil
            a.len = self:expect("ident", "the name of the length argument")
            self:expect("]", "']' after the length argument")
        elseif what.value == "str" then
            a.kind = "str"
            self:expect("[", "'[' after 'str'", "write str[N], N the longest length without the NUL")
            a.size = self:size("the longest string length")
            self:expect("]", "']' after the string length")
        else
            a.kind = "ptr"
            a.type = { name = what }
            if self:peek().kind == "[" then -- v2: T[COUNT], an array by element count
                a.kind, a.elem, a.array = "bytes", a.type, self:advance()
                a.type = nil
                a.len = self:size("the element-count argument")
                self:expect("]", "']' after the element-count argument")
            end
        end
        a.kind_tok = what
    else
        a.kind = "scalar"
        a.type = { name = self:expect("ident", "an argument type") }
    end
    while true do
        local kw = self:peek()
        if kw.kind ~= "ident" then break end
        if kw.value == "max" then
            self:advance()
            a.max_kw, a.max = kw, self:size("a maximum length after 'max'")
        elseif kw.value == "toolong" then
            self:advance()
            a.toolong_kw, a.toolong = kw, self:expect("ident", "an error name after 'toolong'")
        elseif kw.value == "optional" then
            a.optional = self:advance()
        elseif LIFECYCLE[kw.value] then
            self:advance()
            a.lifecycle = a.lifecycle or {}
            if a.lifecycle[kw.value] then self:fail_at(kw, "duplicate '" .. kw.value .. "'") end
            a.lifecycle[kw.value] = { kw = kw, err = self:expect("ident", "an error name after '" .. kw.value .. "'") }
        else
            self:fail_at(kw, unexpected(kw) .. " in the type of argument '" .. a.name.value .. "'",
                "argument options are max N, toolong ERROR, optional, and for a resource invalid/reaped/foreign ERROR")
        end
    end
    return a
end

local BODY_HINT = "a body holds doc \"...\", long \"\"\"...\"\"\", errors E..., attrs A..., fuzz HINT"

function P:doc_items(node, tok, allowed)
    if tok.value == "doc" and allowed.doc then
        if node.doc then self:fail_at(tok, "duplicate 'doc'") end
        self:advance()
        node.doc_kw = tok
        node.doc = self:expect("string", 'a one-line "doc string" after \'doc\'',
            'long documentation goes in long """..."""').value
        return true
    elseif tok.value == "long" and allowed.long then
        if node.long then self:fail_at(tok, "duplicate 'long'") end
        self:advance()
        local body = self:peek()
        if body.kind ~= "long" and body.kind ~= "string" then
            self:fail_at(body, 'expected a """long doc""" after \'long\', got ' .. describe(body))
        end
        node.long = self:advance().value
        return true
    elseif tok.value == "errors" and allowed.errors then
        self:advance()
        for _, w in ipairs(self:line_words(tok)) do node.errors[#node.errors + 1] = w end
        return true
    elseif tok.value == "attrs" and allowed.attrs then
        self:advance()
        for _, w in ipairs(self:line_words(tok)) do node.attrs[#node.attrs + 1] = w end
        return true
    end
    return false
end

local SYSCALL_BODY = { doc = true, long = true, errors = true, attrs = true }

-- `fuzz WORD...`: a hint for the generated syscall fuzzer; names and numbers on the same line.
function P:fuzz_hint(kw)
    local words = {}
    while (self:peek().kind == "ident" or self:peek().kind == "number") and self:peek().line == kw.line do
        words[#words + 1] = self:advance()
    end
    if #words == 0 then
        self:fail_at(self:peek(), "expected a hint after 'fuzz' on the same line, got " .. describe(self:peek()),
            "fuzz isolate, fuzz ARG own_child, fuzz ARG max N or fuzz ARG avoid N...")
    end
    return { kw = kw, words = words }
end

function P:syscall_def(kw)
    local num = self:expect("number", "a syscall number after 'syscall'",
        "syscall numbers are explicit: syscall 7 name(...) -> i32 { ... }")
    local name = self:expect("ident", "a syscall name after the number")
    local node = { kw = kw, num = num, name = name, args = {}, errors = {}, attrs = {}, fuzz = {} }
    local paren = self:open("(", "syscall " .. name.value)
    node.paren = paren
    if self:peek().kind ~= ")" then
        repeat
            node.args[#node.args + 1] = self:arg()
        until not (self:peek().kind == "," and self:advance())
    end
    self:close(")", "',' or ')' in the argument list")
    self:expect("->", "'->' and a return type after the argument list", "for example: -> i32")
    node.ret = self:expect("ident", "a return type after '->'")
    node.results = {} -- v2: -> T, NAME: T, NAME: T (the extra result registers)
    while self:peek().kind == "," do
        local comma = self:advance()
        local rname = self:expect("ident", "a result name after ','", "extra results are written `-> i32, w0: u32`")
        self:expect(":", "':' after result name '" .. rname.value .. "'")
        node.results[#node.results + 1] = { comma = comma, name = rname, type = self:expect("ident", "a result type") }
    end
    node.open = self:open("{", "syscall " .. name.value)
    while self:peek().kind ~= "}" do
        local tok = self:peek()
        if tok.kind == "ident" and tok.value == "fuzz" then
            node.fuzz[#node.fuzz + 1] = self:fuzz_hint(self:advance())
        elseif tok.kind ~= "ident" or not self:doc_items(node, tok, SYSCALL_BODY) then
            self:fail_at(tok, unexpected(tok) .. " in the body of syscall " .. name.value, BODY_HINT)
        end
    end
    self:close("}", "'}'")
    return node
end

function P:retired_def(kw)
    local num = self:expect("number", "the retired number after 'retired'")
    local name = self:expect("ident", "the retired name after the number")
    local why = self:expect("string", 'a "reason" after the retired name',
        'retired N name "why it was removed"')
    return { kw = kw, num = num, name = name, why = why.value }
end

local SERVICE_ITEMS = { message = true, call = true, retired = true, doc = true, long = true }

-- `message N name "doc" { fields }`, or `call N name "doc" { fields } -> reply` (kw says which):
-- a call is a request answered by the service's message `reply`.
function P:message_def(kw)
    local what = kw.value
    local num = self:expect("number", "a discriminator number after '" .. what .. "'")
    local name = self:expect("ident", "a " .. what .. " name after the number")
    local doc = self:expect("string", 'a "doc string" after ' .. what .. " name '" .. name.value .. "'")
    local fields, open = self:fields(what .. " " .. name.value, SERVICE_ITEMS)
    local node = { kw = kw, num = num, name = name, doc = doc.value, fields = fields, open = open }
    if what == "call" then
        self:expect("->", "'->' and the reply message after the fields of call " .. name.value,
            "call 2 get \"doc\" { key: char[32] } -> reply")
        node.reply = self:expect("ident", "the name of the reply message after '->'")
    end
    return node
end

local SERVICE_BODY = { doc = true, long = true }

function P:service_def(kw)
    local name = self:expect("ident", "a service identifier after 'service'")
    local str = self:expect("string", 'the service name string after \'' .. name.value .. "'",
        'service echo "echo" { ... }')
    local node = { kw = kw, name = name, service = str, messages = {}, retired = {} }
    node.open = self:open("{", "service " .. name.value)
    while self:peek().kind ~= "}" do
        local tok = self:peek()
        if tok.kind == "ident" and (tok.value == "message" or tok.value == "call") then
            node.messages[#node.messages + 1] = self:message_def(self:advance())
        elseif tok.kind == "ident" and tok.value == "retired" then
            node.retired[#node.retired + 1] = self:retired_def(self:advance())
        elseif tok.kind ~= "ident" or not self:doc_items(node, tok, SERVICE_BODY) then
            self:fail_at(tok, unexpected(tok) .. " in service " .. name.value,
                "a service holds doc, long, message, call and retired entries")
        end
    end
    self:close("}", "'}'")
    return node
end

parser.TOP = {
    abi = "abi_block", const = "const", error = "error", struct = "struct_def",
    syscall = "syscall_def", retired = "retired_def", service = "service_def",
    flags = "named_type_def", enum = "named_type_def", resource = "named_type_def",
}

-- Parse tokens (next_token() returns each in turn, as lexer.stream does) into { abis, consts,
-- errors, aliases, structs, named_types (flags, enums and resources, in file order), syscalls,
-- retired, services }; into, if given, is that table (its lists may take each definition as it
-- is parsed).
function parser.parse(next_token, into)
    local self = setmetatable({ next_token = next_token, tok = next_token(), ahead = {}, blocks = {} }, P)
    local tree = into or { abis = {}, consts = {}, errors = {}, structs = {}, syscalls = {},
                           retired = {}, services = {} }
    tree.named_types, tree.aliases = tree.named_types or {}, tree.aliases or {}
    if self.tok.kind == "eof" then
        diag.fail(pos_of(self.tok), "file is empty: it defines nothing",
            "start with an `abi NAME { ... }` block (see abi/README.md)")
    end
    while self:peek().kind ~= "eof" do
        local kw = self:peek()
        local what = kw.kind == "ident" and parser.TOP[kw.value]
        if not what then
            self:fail_at(kw, "expected a definition, got " .. describe(kw),
                "definitions start with abi, const, error, struct, flags, enum, resource, syscall, retired or service")
        end
        self:advance()
        if what == "abi_block" then
            tree.abis[#tree.abis + 1] = self:abi_block(kw)
        elseif what == "const" then
            tree.consts[#tree.consts + 1] = self:named_value(kw, "const")
        elseif what == "error" then
            local e = self:named_value(kw, "error")
            local list = e.alias and tree.aliases or tree.errors
            list[#list + 1] = e
        elseif what == "named_type_def" then
            tree.named_types[#tree.named_types + 1] = self:named_type_def(kw)
        elseif what == "struct_def" then
            tree.structs[#tree.structs + 1] = self:struct_def(kw)
        elseif what == "syscall_def" then
            tree.syscalls[#tree.syscalls + 1] = self:syscall_def(kw)
        elseif what == "retired_def" then
            tree.retired[#tree.retired + 1] = self:retired_def(kw)
        else
            tree.services[#tree.services + 1] = self:service_def(kw)
        end
    end
    return tree
end

return parser
