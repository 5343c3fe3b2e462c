-- Parser: tokens -> syntax tree.  It checks only the shape of each
-- construct; names, types and numbers are checked by model.lua.
--
-- The current token lives in locals of parser.parse (kind, value, line, col), not in a table:
-- a token becomes a table { kind, value, line, col [, text, raw] } (file from a shared
-- metatable) only when the tree keeps it. Punctuation and keywords never do.
local diag = require("diag")

local parser = {}

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

-- The lifecycle errors of a resource argument: `invalid E`, `reaped E`, `foreign E`.
local LIFECYCLE = { invalid = true, reaped = true, foreign = true }
parser.LIFECYCLE = { "invalid", "reaped", "foreign" }

parser.TOP = {
    abi = "abi_block", const = "const", error = "error", struct = "struct_def",
    syscall = "syscall_def", retired = "retired_def", service = "service_def",
    flags = "named_type_def", enum = "named_type_def", resource = "named_type_def",
}
local TOP = parser.TOP

local BODY_HINT = "a body holds doc \"...\", long \"\"\"...\"\"\", errors E..., attrs A..., fuzz HINT"
local SYSCALL_BODY = { doc = true, long = true, errors = true, attrs = true }
local SERVICE_ITEMS = { message = true, call = true, retired = true, doc = true, long = true }
local SERVICE_BODY = { doc = true, long = true }
local DIRS = { ["in"] = true, out = true, inout = true }
-- The lists most syscalls leave empty (fuzz hints, extra results) share this one.
local NONE = setmetatable({}, { __newindex = error })

-- Parse the tokens of file (next_token() returns each in turn, as lexer.stream does) into
-- { abis, consts, errors, aliases, structs, named_types (flags, enums and resources, in file
-- order), syscalls, retired, services }; into, if given, is that table (its lists may take each
-- definition as it is parsed).
--   fast, if given, is tried at each top-level `syscall` keyword (the current token is then the
-- keyword, the lexer just after it): fast(token_mt) returns true when it took the whole
-- declaration from the text and moved the lexer past it, nil to leave it to this parser.
function parser.parse(next_token, into, file, fast)
    local token_mt = { __index = { file = file } }
    local setmt = setmetatable
    -- The current token, and the one after it once peeked (have1).
    local K, V, L, C, T, R = next_token()
    local have1, K1, V1, L1, C1, T1, R1 = false, nil, nil, nil, nil, nil, nil
    -- The open blocks, innermost last: the kind, line and column of the opening token, and what
    -- the block belongs to ("struct " .. "point": spelled only for a message).
    local nblocks, b_kind, b_line, b_col, b_what, b_name = 0, {}, {}, {}, {}, {}
    local more -- the words that start the next item of the enclosing block (for the unclosed-block hint)

    -- The current token as a table (a new one each call: take it once).
    local function tok()
        if K == "number" then
            return setmt({ kind = K, value = V, line = L, col = C, text = T, raw = R }, token_mt)
        end
        return setmt({ kind = K, value = V, line = L, col = C }, token_mt)
    end

    local function advance()
        if K == "eof" then return end
        if have1 then
            K, V, L, C, T, R = K1, V1, L1, C1, T1, R1
            have1 = false
        else
            K, V, L, C, T, R = next_token()
        end
    end

    local function take()
        local t = tok()
        advance()
        return t
    end

    -- The kind of the token after the current one ("eof" past the end).
    local function peek1()
        if not have1 then
            if K == "eof" then return "eof" end
            K1, V1, L1, C1, T1, R1 = next_token()
            have1 = true
        end
        return K1
    end

    -- True if the current token begins the next definition, or the next item of the block that
    -- encloses the current one (more: `message` inside a service), rather than a field: a field
    -- may have such a name, but then a ':' follows it (`syscall: u32`).
    local function starts_next()
        return K == "ident" and (TOP[V] or more and more[V]) and peek1() ~= ":"
    end

    -- Fail at t. Inside an open block, running into the end of the file or into the keyword of a
    -- next definition most likely means a missing '}' or ')': say where that block was opened.
    -- current: t is the current token (so starts_next() is about it).
    local function fail_at(t, msg, hint, current)
        if nblocks > 0 then
            local kind, line, col = b_kind[nblocks], b_line[nblocks], b_col[nblocks]
            local what = b_what[nblocks] .. b_name[nblocks]
            local closer = kind == "{" and "}" or ")"
            local opened = string.format("'%s' of %s opened at %d:%d", kind, what, line, col)
            if t.kind == "eof" then
                diag.fail({ file = file, line = line, col = col }, "unterminated block: this '" .. kind ..
                    "' is never closed", "add the missing '" .. closer .. "' of " .. what)
            end
            if current and starts_next() then
                hint = "is a '" .. closer .. "' missing? the " .. opened .. " is still open"
            end
        end
        diag.fail(pos_of(t), msg, hint)
    end

    -- Fail at the current token.
    local function fail_here(msg, hint)
        fail_at(tok(), msg, hint, true)
    end

    local function got()
        return describe(tok())
    end

    -- Consume a token of the given kind or fail; expect returns it as a table, skip nothing,
    -- expect_value its value.
    local function expect(kind, what, hint)
        if K ~= kind then fail_here("expected " .. what .. ", got " .. got(), hint) end
        if K == "number" then return take() end
        -- take() spelled out: this is the parser's hottest path (every name and type).
        local t = setmt({ kind = K, value = V, line = L, col = C }, token_mt)
        if have1 then
            K, V, L, C, T, R = K1, V1, L1, C1, T1, R1
            have1 = false
        else
            K, V, L, C, T, R = next_token()
        end
        return t
    end
    local function skip(kind, what, hint)
        if K ~= kind then fail_here("expected " .. what .. ", got " .. got(), hint) end
        advance()
    end
    local function expect_value(kind, what, hint)
        if K ~= kind then fail_here("expected " .. what .. ", got " .. got(), hint) end
        local v = V
        advance()
        return v
    end

    local function expect_word(word, hint)
        if K ~= "ident" or V ~= word then
            fail_here("expected '" .. word .. "', got " .. got(), hint)
        end
        return take()
    end

    -- Open a block; what .. name names its owner for the unclosed-block hint ("struct point").
    local function open(kind, what, name)
        if K ~= kind then fail_here("expected '" .. kind .. "', got " .. got()) end
        local n = nblocks + 1
        b_kind[n], b_line[n], b_col[n], b_what[n], b_name[n] = K, L, C, what, name or ""
        nblocks = n
        advance()
    end

    local function close(kind, what)
        skip(kind, what)
        nblocks = nblocks - 1
    end

    -- A size is a number or the name of a const (resolved later).
    local function size(what)
        if K ~= "number" and K ~= "ident" then
            fail_here("expected " .. what .. " (a number or a const name), got " .. got())
        end
        return take()
    end

    -- Identifiers that follow the current token, a keyword, on its line (`errors A B`, `attrs x`),
    -- appended to words.
    local function line_words(words)
        local keyword, line = V, L
        advance()
        local n = #words
        while K == "ident" and L == line do
            words[#words + 1] = take()
        end
        if #words == n then
            fail_here("expected at least one name after '" .. keyword ..
                "' on the same line, got " .. got())
        end
    end

    -- type := NAME | NAME '[' size ']'
    local function type_ref()
        local ty = { name = expect("ident", "a type") }
        if K == "[" then
            advance()
            ty.count = size("an array length")
            skip("]", "']' after the array length")
        end
        return ty
    end

    -- In a block of fields or settings, the keyword of what comes next means a missing '}'.
    local function not_a_definition(what)
        if starts_next() then
            fail_here("expected " .. what .. ", got " .. got())
        end
    end

    -- field := NAME ':' type ['max' size] [STRING]
    local function field()
        not_a_definition("a field name or '}'")
        local name = expect("ident", "a field name or '}'")
        skip(":", "':' after field name '" .. name.value .. "'",
            "fields are written `name: type`")
        local f = { name = name, type = type_ref() }
        -- `max` is a keyword only where a bound can follow; `max: u32` starts the next field.
        if peek1() ~= ":" and K == "ident" and V == "max" then
            f.max_kw = take()
            f.max = size("a maximum length after 'max'")
        end
        if K == "string" then
            f.doc = V
            advance()
        end
        return f
    end

    local function fields(what, name, next_words)
        open("{", what, name)
        local list = {}
        more = next_words
        while K ~= "}" do
            list[#list + 1] = field()
        end
        close("}", "'}'")
        more = nil
        return list
    end

    local function abi_block(kw)
        local node = { kw = kw, name = expect("ident", "the ABI name after 'abi'"), settings = {} }
        open("{", "abi ", node.name.value)
        while K ~= "}" do
            not_a_definition("a setting name or '}'")
            local key = expect("ident", "a setting name or '}'")
            local values = {}
            while L == key.line and K ~= "}" and K ~= "eof" do
                if K ~= "number" and K ~= "ident" and K ~= "string" then
                    fail_here("expected a setting value (number, name or string), got " .. got())
                end
                values[#values + 1] = take()
            end
            node.settings[#node.settings + 1] = { key = key, values = values }
        end
        close("}", "'}'")
        return node
    end

    local function named_value(kw, what)
        local name = expect("ident", "a name after '" .. kw.value .. "'")
        if what == "error" and K == "=" then -- v2: error ALIAS = TARGET ["doc"]
            local eq = take()
            local target = expect("ident", "the error it stands for after '='", "error EWOULDBLOCK = EAGAIN")
            local doc
            if K == "string" then
                doc = V
                advance()
            end
            return { kw = kw, name = name, alias = eq, target = target, doc = doc }
        end
        local value = expect("number", "a number after " .. what .. " name '" .. name.value .. "'")
        local doc = expect_value("string", 'a "doc string" after ' .. name.value .. " " .. value.text)
        return { kw = kw, name = name, value = value, doc = doc }
    end

    -- A number with an optional '-' (v2 resource specials): the number token, and the sign's.
    local function signed_number(what)
        local minus = K == "-" and take() or nil
        return expect("number", what), minus
    end

    -- flags NAME ':' BASE "doc" { MEMBER VALUE "doc" ... }, the same for enum;
    -- resource NAME ':' BASE "doc" { special NAME [-]VALUE "doc" ... }
    local function named_type_def(kw)
        local what = kw.value
        local name = expect("ident", "a type name after '" .. what .. "'")
        skip(":", "':' and the base type after " .. what .. " name '" .. name.value .. "'",
            what .. " " .. name.value .. " : u32 \"doc\" { ... }")
        local base = expect("ident", "the base type (a scalar) after ':'")
        local doc = expect_value("string", 'a "doc string" after the base type of ' .. name.value)
        local node = { kw = kw, name = name, base = base, doc = doc, items = {} }
        open("{", what .. " ", name.value)
        while K ~= "}" do
            not_a_definition("a member or '}'")
            local item = {}
            if what == "resource" then
                item.kw = expect_word("special", "a resource block holds `special NAME VALUE \"doc\"` lines")
            end
            item.name = expect("ident", what == "resource" and "a name after 'special'" or "a member name or '}'")
            item.value, item.minus = signed_number("a value after " .. item.name.value)
            item.doc = expect_value("string", 'a "doc string" after ' .. item.name.value .. " " ..
                (item.minus and "-" or "") .. item.value.text)
            node.items[#node.items + 1] = item
        end
        close("}", "'}'")
        return node
    end

    local function struct_def(kw)
        local name = expect("ident", "a struct name after 'struct'")
        local doc = expect_value("string", 'a "doc string" after struct name \'' .. name.value .. "'")
        local list = fields("struct ", name.value)
        return { kw = kw, name = name, doc = doc, fields = list }
    end

    -- The options after an argument's type: max N, toolong E, optional, invalid/reaped/foreign E.
    local function arg_options(a)
        while K == "ident" do
            local w = V
            if w == "max" then
                a.max_kw = take()
                a.max = size("a maximum length after 'max'")
            elseif w == "toolong" then
                a.toolong_kw = take()
                a.toolong = expect("ident", "an error name after 'toolong'")
            elseif w == "optional" then
                a.optional = take()
            elseif LIFECYCLE[w] then
                local kw = take()
                a.lifecycle = a.lifecycle or {}
                if a.lifecycle[w] then fail_at(kw, "duplicate '" .. w .. "'") end
                a.lifecycle[w] = { kw = kw, err = expect("ident", "an error name after '" .. w .. "'") }
            else
                fail_here(unexpected(tok()) .. " in the type of argument '" .. a.name.value .. "'",
                    "argument options are max N, toolong ERROR, optional, and for a resource invalid/reaped/foreign ERROR")
            end
        end
    end

    -- arg := NAME ':' argtype
    local function arg()
        local name = expect("ident", "an argument name")
        skip(":", "':' after argument name '" .. name.value .. "'",
            "arguments are written `name: type`")
        local a = { name = name }
        if K == "ident" and DIRS[V] then
            a.dir = take()
            local what = expect("ident", "'bytes', 'str' or a type after '" .. a.dir.value .. "'")
            if what.value == "bytes" then
                a.kind = "bytes"
                skip("[", "'[' after 'bytes'", "write bytes[LENARG], naming the length argument")
                a.len_by_ptr = K == "*" and take() or nil
                a.len = expect("ident", "the name of the length argument")
                skip("]", "']' after the length argument")
            elseif what.value == "str" then
                a.kind = "str"
                skip("[", "'[' after 'str'", "write str[N], N the longest length without the NUL")
                a.size = size("the longest string length")
                skip("]", "']' after the string length")
            else
                a.kind = "ptr"
                a.type = { name = what }
                if K == "[" then -- v2: T[COUNT], an array by element count
                    a.kind, a.elem, a.array = "bytes", a.type, take()
                    a.type = nil
                    a.len = size("the element-count argument")
                    skip("]", "']' after the element-count argument")
                end
            end
            a.kind_tok = what
        else
            a.kind = "scalar"
            a.type = { name = expect("ident", "an argument type") }
        end
        if K == "ident" then arg_options(a) end
        return a
    end

    local function doc_items(node, w, allowed)
        if w == "doc" and allowed.doc then
            if node.doc then fail_here("duplicate 'doc'") end
            advance()
            node.doc = expect_value("string", 'a one-line "doc string" after \'doc\'',
                'long documentation goes in long """..."""')
            return true
        elseif w == "long" and allowed.long then
            if node.long then fail_here("duplicate 'long'") end
            advance()
            if K ~= "long" and K ~= "string" then
                fail_here('expected a """long doc""" after \'long\', got ' .. got())
            end
            node.long = V
            advance()
            return true
        elseif w == "errors" and allowed.errors then
            line_words(node.errors)
            return true
        elseif w == "attrs" and allowed.attrs then
            line_words(node.attrs)
            return true
        end
        return false
    end

    -- `fuzz WORD...`: a hint for the generated syscall fuzzer; names and numbers on the same line.
    local function fuzz_hint(kw)
        local words = {}
        while (K == "ident" or K == "number") and L == kw.line do
            words[#words + 1] = take()
        end
        if #words == 0 then
            fail_here("expected a hint after 'fuzz' on the same line, got " .. got(),
                "fuzz isolate, fuzz ARG own_child, fuzz ARG max N or fuzz ARG avoid N...")
        end
        return { kw = kw, words = words }
    end

    -- (The syscall keyword's own token is not kept: nothing reports at it.)
    local function syscall_def()
        if K ~= "number" then
            fail_here("expected a syscall number after 'syscall', got " .. got(),
                "syscall numbers are explicit: syscall 7 name(...) -> i32 { ... }")
        end
        -- The number token keeps no spelling: messages about a syscall number print its value.
        local num = setmt({ kind = K, value = V, line = L, col = C }, token_mt)
        advance()
        local name = expect("ident", "a syscall name after the number")
        local node = { num = num, name = name, args = {}, errors = {}, attrs = {}, fuzz = NONE, ret = nil,
                       results = NONE, doc = nil, long = nil }
        open("(", "syscall ", name.value)
        if K ~= ")" then
            local args = node.args
            repeat
                args[#args + 1] = arg()
                local comma = K == ","
                if comma then advance() end
            until not comma
        end
        close(")", "',' or ')' in the argument list")
        skip("->", "'->' and a return type after the argument list", "for example: -> i32")
        node.ret = expect("ident", "a return type after '->'")
        -- v2: -> T, NAME: T, NAME: T (the extra result registers)
        while K == "," do
            local comma = take()
            local rname = expect("ident", "a result name after ','", "extra results are written `-> i32, w0: u32`")
            skip(":", "':' after result name '" .. rname.value .. "'")
            if node.results == NONE then node.results = {} end
            node.results[#node.results + 1] = { comma = comma, name = rname, type = expect("ident", "a result type") }
        end
        open("{", "syscall ", name.value)
        while K ~= "}" do
            if K == "ident" and V == "fuzz" then
                if node.fuzz == NONE then node.fuzz = {} end
                node.fuzz[#node.fuzz + 1] = fuzz_hint(take())
            elseif K ~= "ident" or not doc_items(node, V, SYSCALL_BODY) then
                fail_here(unexpected(tok()) .. " in the body of syscall " .. name.value, BODY_HINT)
            end
        end
        close("}", "'}'")
        return node
    end

    local function retired_def(kw)
        local num = expect("number", "the retired number after 'retired'")
        local name = expect("ident", "the retired name after the number")
        local why = expect_value("string", 'a "reason" after the retired name',
            'retired N name "why it was removed"')
        return { kw = kw, num = num, name = name, why = why }
    end

    -- `message N name "doc" { fields }`, or `call N name "doc" { fields } -> reply` (kw says which):
    -- a call is a request answered by the service's message `reply`.
    local function message_def(kw)
        local what = kw.value
        local num = expect("number", "a discriminator number after '" .. what .. "'")
        local name = expect("ident", "a " .. what .. " name after the number")
        local doc = expect_value("string", 'a "doc string" after ' .. what .. " name '" .. name.value .. "'")
        local list = fields(what .. " ", name.value, SERVICE_ITEMS)
        local node = { kw = kw, num = num, name = name, doc = doc, fields = list }
        if what == "call" then
            skip("->", "'->' and the reply message after the fields of call " .. name.value,
                "call 2 get \"doc\" { key: char[32] } -> reply")
            node.reply = expect("ident", "the name of the reply message after '->'")
        end
        return node
    end

    local function service_def(kw)
        local name = expect("ident", "a service identifier after 'service'")
        local str = expect("string", 'the service name string after \'' .. name.value .. "'",
            'service echo "echo" { ... }')
        local node = { kw = kw, name = name, service = str, messages = {}, retired = {} }
        open("{", "service ", name.value)
        while K ~= "}" do
            if K == "ident" and (V == "message" or V == "call") then
                node.messages[#node.messages + 1] = message_def(take())
            elseif K == "ident" and V == "retired" then
                node.retired[#node.retired + 1] = retired_def(take())
            elseif K ~= "ident" or not doc_items(node, V, SERVICE_BODY) then
                fail_here(unexpected(tok()) .. " in service " .. name.value,
                    "a service holds doc, long, message, call and retired entries")
            end
        end
        close("}", "'}'")
        return node
    end

    local tree = into or { abis = {}, consts = {}, errors = {}, structs = {}, syscalls = {},
                           retired = {}, services = {} }
    tree.named_types, tree.aliases = tree.named_types or {}, tree.aliases or {}
    if K == "eof" then
        diag.fail(pos_of(tok()), "file is empty: it defines nothing",
            "start with an `abi NAME { ... }` block (see abi/README.md)")
    end
    while K ~= "eof" do
        local what = K == "ident" and TOP[V]
        if not what then
            fail_here("expected a definition, got " .. got(),
                "definitions start with abi, const, error, struct, flags, enum, resource, syscall, retired or service")
        end
        if what == "syscall_def" then
            if fast and not have1 and fast(token_mt) then
                K, V, L, C, T, R = next_token()
            else
                advance()
                tree.syscalls[#tree.syscalls + 1] = syscall_def()
            end
        else
            local kw = take()
            if what == "abi_block" then
                tree.abis[#tree.abis + 1] = abi_block(kw)
            elseif what == "const" then
                tree.consts[#tree.consts + 1] = named_value(kw, "const")
            elseif what == "error" then
                local e = named_value(kw, "error")
                local list = e.alias and tree.aliases or tree.errors
                list[#list + 1] = e
            elseif what == "named_type_def" then
                tree.named_types[#tree.named_types + 1] = named_type_def(kw)
            elseif what == "struct_def" then
                tree.structs[#tree.structs + 1] = struct_def(kw)
            elseif what == "retired_def" then
                tree.retired[#tree.retired + 1] = retired_def(kw)
            else
                tree.services[#tree.services + 1] = service_def(kw)
            end
        end
    end
    return tree
end

return parser
