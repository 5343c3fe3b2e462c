-- The fast path of the syscall checks: a whole `syscall` declaration of a common, well-formed
-- shape read from the text with a few anchored matches, checked and turned into the model's
-- tables at once, without tokens or a syntax tree (a large definition is mostly syscalls, and
-- token by token they cost four times as much).
--
-- It is an optimisation only. It takes a declaration when every check passes, and builds the
-- very tables the parser and Checker:syscall would (tests/gen/model_test.lua proves the whole
-- model equal both ways); anything else - another shape (long docs, fuzz hints, comments,
-- named types, 64-bit scalars, extra results, a declaration over several lines...), anything
-- wrong, any name that might clash - it leaves, untouched, to the parser and the checks, so
-- that every diagnostic is theirs.
--
-- Shapes taken:  syscall N name(ARG, ...) -> RET {      N decimal, the header on one line
--                    doc "..."                          one line each, in any order, or all
--                    attrs A...                         on the header's line before `}`
--                    errors E...
--                }
--   ARG:  name: SCALAR | name: DIR bytes[LEN] [max N] [toolong E] | name: in str[N] [toolong E]
--         | name: DIR SCALAR-or-laid-out-STRUCT [optional]   (N a number or a const)
local base = require("model_names")
local sys = require("model_syscalls")
local types = require("model_types")
local fuzz = require("model_fuzz")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods

local match, byte, find, sub = string.match, string.byte, string.find, string.sub
local SCALARS, TYPE_WORDS, UNSIGNED_LEN = types.SCALARS, types.TYPE_WORDS, types.UNSIGNED_LEN
local RETURN_TYPES, ATTRS, V2_ATTRS = sys.RETURN_TYPES, sys.ATTRS, sys.V2_ATTRS
local MAX_SYSCALL, U32_MAX = sys.MAX_SYSCALL, sys.U32_MAX
local NO_RESULTS, NO_ERRORS, NO_ATTRS, NO_HINTS = sys.NO_RESULTS, sys.NO_ERRORS, sys.NO_ATTRS, fuzz.NO_HINTS
local C_KEYWORDS, RESERVED = names.C_KEYWORDS, base.RESERVED
local DIRS = { ["in"] = true, out = true, inout = true }
-- First bytes of the family prefixes (model_names.FAMILIES_BY_START): a wrapper starting with
-- one is left to the slow path's family check.
local FAMILY_FIRST = {}
for start in pairs(base.FAMILIES_BY_START) do FAMILY_FIRST[byte(start)] = true end

-- A syscall's header up to '{': its number, name, argument list "(...)" and return type.
local HEADER = "^[ \t]*()([1-9]%d?%d?%d?%d?)[ \t]+()([%a_][%w_]*)[ \t]*()(%b())[ \t]*%->[ \t]*([%a_][%w_]*)[ \t]*{()"
-- The same with the usual body: the doc line, the tail up to the '\n}' that closes it.
local USUAL = HEADER .. '[ \t]*\n[ \t]*doc[ \t]+"([^"\\\n\0\1-\8\11-\31\127]*)"([^}]*)\n}()'
-- The plain string the lexer reads in one match: no escapes, no control characters.
local DOC = '^[ \t]+"([^"\\\n\0\1-\8\11-\31\127]*)"()'


-- A number or const word as the checks resolve it: { value, expr }, or nil (for anything the
-- lexer would read another way, or a const not defined above).
local function value_of(self, word)
    local b = byte(word)
    if b >= 48 and b <= 57 then
        if match(word, "^[1-9]%d?%d?%d?%d?%d?%d?%d?%d?$") or word == "0" then
            return { value = word + 0, expr = word }
        end
        local hex = match(word, "^0[xX](%x%x?%x?%x?%x?%x?%x?%x?)$")
        if hex then return { value = tonumber(hex, 16), expr = word } end
        return nil
    end
    local c = self.consts[word]
    return c and { value = c.value, expr = c.name }
end

-- True if name passes check_ident and not_macro as an identifier starting with a lower-case letter.
local function plain_name(self, name)
    local b = byte(name)
    if b < 97 or b > 122 or C_KEYWORDS[name] or RESERVED[name] or self.consts[name] or self.errors[name] then
        return false
    end
    return not self.registry:macro(name)
end

-- The arguments of the header from p (just after '('): a list of { name, col, kind, dir, type
-- word, len, size, max, toolong, optional } and the position after ')', or nil.
local function header_args(text, p)
    local list = {}
    p = match(text, "^[ \t]*()", p)
    if byte(text, p) == 41 then return list, p + 1 end
    while true do
        local apos, aname, q = match(text, "^()([%a_][%w_]*)[ \t]*:[ \t]*()", p)
        if not apos then return nil end
        local w, q2 = match(text, "^([%a_][%w_]*)()", q)
        if not w then return nil end
        local a = { name = aname, pos = apos, kind = "scalar", tname = w }
        if DIRS[w] then
            local w2, q3 = match(text, "^[ \t]+([%a_][%w_]*)()", q2)
            if not w2 then return nil end
            a.dir = w
            if w2 == "bytes" then
                a.kind, a.tname, a.len, q2 = "bytes", nil, match(text, "^[ \t]*%[[ \t]*([%a_][%w_]*)[ \t]*%]()", q3)
            elseif w2 == "str" then
                a.kind, a.tname, a.size, q2 = "str", nil, match(text, "^[ \t]*%[[ \t]*([%w_]+)[ \t]*%]()", q3)
            else
                a.kind, a.tname, q2 = "ptr", w2, q3
                if match(text, "^[ \t]*%[", q3) then return nil end -- v2 T[COUNT]
            end
            if not q2 then return nil end
        end
        while true do
            local o, q3 = match(text, "^[ \t]+([%a_][%w_]*)()", q2)
            if not o then break end
            if a[o] ~= nil then return nil end -- an option twice: left to the parser
            if o == "max" then
                a.max, q2 = match(text, "^[ \t]+([%w_]+)()", q3)
            elseif o == "toolong" then
                a.toolong, q2 = match(text, "^[ \t]+([%a_][%w_]*)()", q3)
            elseif o == "optional" then
                a.optional, q2 = true, q3
            else
                return nil
            end
            if not q2 then return nil end
        end
        list[#list + 1] = a
        p = match(text, "^[ \t]*()", q2)
        local c = byte(text, p)
        if c == 41 then return list, p + 1 end
        if c ~= 44 then return nil end
        p = match(text, "^[ \t]*()", p + 1)
    end
end

-- The body from p (just after '{'): doc, attrs words, errors words, and the position, line and
-- line start after '}', or nil.
local function body(text, p, line, line_start)
    local doc, attrs, errors
    while true do
        local c = byte(text, p)
        if c == 32 or c == 9 then
            p = find(text, "[^ \t]", p) or #text + 1
        elseif c == 10 then
            line, line_start, p = line + 1, p + 1, p + 1
        elseif c == 125 then
            return doc, attrs, errors, p + 1, line, line_start
        else
            local w, q = match(text, "^([%a_][%w_]*)()", p)
            if w == "doc" then
                if doc then return nil end
                doc, p = match(text, DOC, q)
                if not doc then return nil end
            elseif w == "attrs" or w == "errors" then
                local list = w == "attrs" and (attrs or {}) or (errors or {})
                local n = #list
                while true do
                    local x, q2 = match(text, "^[ \t]+([%a_][%w_]*)()", q)
                    if not x then break end
                    list[#list + 1], q = x, q2
                end
                if #list == n then return nil end
                if w == "attrs" then attrs = list else errors = list end
                p = q
            else
                return nil
            end
        end
    end
end

-- The attribute set of words (Checker:attr_set's), or nil if an attribute is wrong.
function Checker:fast_attrs(words, v2)
    if not words then return NO_ATTRS end
    if #words == 1 then
        local w = words[1]
        if not ATTRS[w] or (V2_ATTRS[w] and not v2) then return nil end
        local set = self.attr_sets[w]
        if not set then
            set = { [w] = true }
            self.attr_sets[w] = set
        end
        return set
    end
    local toks = {}
    for i, w in ipairs(words) do
        if not ATTRS[w] or (V2_ATTRS[w] and not v2) then return nil end
        for j = 1, i - 1 do
            if words[j] == w then return nil end
        end
        toks[i] = { value = w }
    end
    return self:attr_set(toks, v2)
end

-- The model's argument of a (header_args's), or nil. by_name: the header's arguments by name.
function Checker:fast_arg(a, index, by_name, tok)
    local kind, errors = a.kind, self.errors
    if kind == "scalar" then
        local t = a.tname
        if a.max or a.toolong or a.optional or self.struct_nodes[t] or self.named_types[t] or TYPE_WORDS[t] then
            return nil
        end
        local scalar = SCALARS[t]
        if not scalar or scalar.size > 4 then return nil end
        return { name = a.name, index = index, kind = kind, tok = tok, toolong_explicit = false, type = scalar,
                 reg = nil, named = nil }
    end
    local efault = errors.EFAULT
    if not efault then return nil end
    if kind == "bytes" then
        if a.optional then return nil end
        local len = by_name[a.len]
        if not len or len.kind ~= "scalar" or not UNSIGNED_LEN[len.tname] then return nil end
        local max, toolong
        if a.max then
            max = value_of(self, a.max)
            if not max or max.value > U32_MAX or max.value > self.m.abi.user_high - self.m.abi.user_low then
                return nil
            end
            toolong = errors[a.toolong or "E2BIG"]
            if not toolong then return nil end
        elseif a.toolong then
            return nil
        end
        return { name = a.name, index = index, kind = kind, dir = a.dir, tok = tok,
                 toolong_explicit = a.toolong ~= nil, efault = efault, reg = nil, optional = nil, toolong = toolong,
                 max = max, len_arg = len.index, len_name = a.len, len_by_ptr = false, elem = nil, elem_size = 1 }
    end
    if a.max then return nil end
    local arg = { name = a.name, index = index, kind = kind, dir = a.dir, tok = tok,
                  toolong_explicit = a.toolong ~= nil, efault = efault, reg = nil, optional = nil, toolong = nil,
                  type = nil, named = nil, size = nil }
    if kind == "str" then
        if a.dir ~= "in" or a.optional then return nil end
        local size = value_of(self, a.size)
        if not size or size.value == 0 or size.value > 65535 or not errors.ENAMETOOLONG then return nil end
        arg.size = size
        arg.toolong = errors[a.toolong or "ENAMETOOLONG"]
        if not arg.toolong then return nil end
        return arg
    end
    local t = a.tname
    if a.toolong or TYPE_WORDS[t] then return nil end
    local ty = SCALARS[t]
    if not ty then
        ty = not self.named_types[t] and self.structs[t]
        if not ty or ty.busy then return nil end -- a struct not laid out yet: the slow path lays it out
    end
    arg.type, arg.optional = ty, a.optional == true
    return arg
end

-- The arguments of an argument list "(...)" as the syscall checks make them, once per distinct
-- list (a definition repeats few): templates that fast_syscall copies, or false. A list once
-- accepted stays so: every lookup its checks make gives the same answer later in the file
-- (definitions are only ever added, and a name a later one could take is refused here).
function Checker:arg_templates(list_text)
    if find(list_text, "\n", 1, true) then return false end
    local list, p = header_args(list_text, 2)
    if not list or p ~= #list_text + 1 then return false end
    local abi = self.m.abi
    local regs = abi.arg_registers
    if #list > #regs then return false end
    local by_name = {}
    for i = 1, #list do
        local a = list[i]
        if by_name[a.name] or not plain_name(self, a.name) then return false end
        by_name[a.name], a.index = a, i
    end
    local templates = { pointers = false }
    local budget, total, kernel = abi.kernel_stack_budget, 0, abi.outputs.kernel
    for i = 1, #list do
        local a = list[i]
        local arg = self:fast_arg(a, i, by_name, nil)
        if not arg then return false end
        arg.reg, arg.off = regs[i], a.pos - 1
        if kernel then
            total = total + (arg.kind == "str" and arg.size.value + 1 or arg.kind == "ptr" and arg.type.size or 0)
            if total > budget then return false end
        end
        if arg.kind ~= "scalar" then templates.pointers = true end
        templates[i] = arg
    end
    return templates
end

-- A fresh argument like template t (the slow path's tables: each field in its constructor). Its
-- tok is a number, line << 32 | col, until Checker:arg_tok needs the token: most never do.
local function arg_from(t, tok)
    local kind = t.kind
    if kind == "scalar" then
        return { name = t.name, index = t.index, kind = kind, tok = tok, toolong_explicit = false, type = t.type,
                 reg = t.reg, named = nil }
    end
    if kind == "bytes" then
        local max = t.max
        return { name = t.name, index = t.index, kind = kind, dir = t.dir, tok = tok,
                 toolong_explicit = t.toolong_explicit, efault = t.efault, reg = t.reg, optional = nil,
                 toolong = t.toolong, max = max and { value = max.value, expr = max.expr }, len_arg = t.len_arg,
                 len_name = t.len_name, len_by_ptr = false, elem = nil, elem_size = 1 }
    end
    local size = t.size
    return { name = t.name, index = t.index, kind = kind, dir = t.dir, tok = tok,
             toolong_explicit = t.toolong_explicit, efault = t.efault, reg = t.reg, optional = t.optional,
             toolong = t.toolong, type = t.type, named = nil, size = size and { value = size.value, expr = size.expr } }
end

-- The token of argument a (a number, from the fast path, becomes one).
function Checker:arg_tok(a)
    local t = a.tok
    if type(t) == "number" then
        t = setmetatable({ kind = "ident", value = a.name, line = t >> 32, col = t & 0xFFFFFFFF }, self.token_mt)
        a.tok = t
    end
    return t
end

-- The tail of a body: what follows its doc line up to the '\n' before the closing '}', as
-- `attrs` and `errors` lines, once per distinct tail: { newlines, attrs = set, errors = list,
-- seen = { [error name] = true } }, or false.
function Checker:body_tail(tail)
    local attr_words, error_words, newlines, p = nil, nil, 0, 1
    while true do
        local blank_to, nl = match(tail, "^[ \t]*()(\n?)", p)
        if blank_to > #tail then break end
        if nl == "\n" then
            newlines, p = newlines + 1, blank_to + 1
        else
            local w, q = match(tail, "^([%a_][%w_]*)()", blank_to)
            if w ~= "attrs" and w ~= "errors" then return false end
            local list = w == "attrs" and (attr_words or {}) or (error_words or {})
            local n = #list
            while true do
                local x, q2 = match(tail, "^[ \t]+([%a_][%w_]*)()", q)
                if not x then break end
                list[#list + 1], q = x, q2
            end
            if #list == n then return false end
            if w == "attrs" then attr_words = list else error_words = list end
            q = match(tail, "^[ \t]*()", q)
            if q <= #tail and byte(tail, q) ~= 10 then return false end
            p = q
        end
    end
    local attrs = self:fast_attrs(attr_words, self.m.abi.version >= 2)
    if not attrs then return false end
    local errs, seen = {}, {}
    if error_words then
        local errors, aliases = self.errors, self.aliases
        for i = 1, #error_words do
            local w = error_words[i]
            local err = errors[w] or (aliases[w] and aliases[w].target)
            if not err or seen[err.name] then return false end
            seen[err.name] = true
            errs[i] = err
        end
    end
    return { newlines = newlines, attrs = attrs, errors = errs, seen = seen }
end

-- Try the declaration whose number starts at or after pos (just after the `syscall` keyword) on
-- line `line` (starting at line_start). On success the syscall is checked, claimed and in the
-- model, and the result is the position, line and line start after its '}'; otherwise nil, and
-- nothing has changed.
function Checker:fast_syscall(text, pos, line, line_start, token_mt)
    -- The header, and the usual body: its doc on the line after '{', then attrs and errors lines
    -- (its tail, the same in many syscalls), and '}' opening the last line; or the header alone.
    local num_pos, num_s, name_pos, name, list_pos, list_text, ret, p, doc, key, close = match(text, USUAL, pos)
    if not num_pos then
        num_pos, num_s, name_pos, name, list_pos, list_text, ret, p = match(text, HEADER, pos)
        if not num_pos then return nil end
    end
    local num = num_s + 0
    local b = byte(name)
    if num > MAX_SYSCALL or b < 97 or b > 122 or C_KEYWORDS[name] or RESERVED[name] or self.consts[name]
        or self.errors[name] or self.sc_by_num[num] or self.sc_by_name[name] or self.retired_by_num[num]
        or self.retired_by_name[name] then
        return nil
    end
    local registry = self.registry
    local name_free = registry:unclaimed(name)
    if not name_free and registry:macro(name) then return nil end
    if not RETURN_TYPES[ret] or self.named_types[ret] then return nil end
    local cache = self.fast_args
    if not cache then
        cache = {}
        self.fast_args, self.fast_tails, self.token_mt = cache, {}, token_mt
    end
    local templates = cache[list_text]
    if templates == nil then
        templates = self:arg_templates(list_text)
        if templates then cache[list_text] = templates end
    end
    if not templates then return nil end
    local tail
    if doc then
        local tails = self.fast_tails
        tail = tails[key]
        if tail == nil then
            tail = self:body_tail(key)
            tails[key] = tail -- (a tail refused for an undefined error stays refused: the slow path says why)
        end
        if not tail then return nil end
    end
    local after, end_line, end_start, attrs, errs, seen
    if doc then
        attrs, seen = tail.attrs, tail.seen
        after, end_line, end_start = close, line + tail.newlines + 2, close - 1
        local list = tail.errors
        local n = #list
        if n == 1 then
            errs = { list[1] }
        else
            errs = {}
            for i = 1, n do errs[i] = list[i] end
        end
    else
        local attr_words, error_words
        doc, attr_words, error_words, after, end_line, end_start = body(text, p, line, line_start)
        if not doc then return nil end
        attrs = self:fast_attrs(attr_words, self.m.abi.version >= 2)
        if not attrs then return nil end
        errs, seen = {}, {}
        if error_words then
            local errors, aliases = self.errors, self.aliases
            for i = 1, #error_words do
                local w = error_words[i]
                local err = errors[w] or (aliases[w] and aliases[w].target)
                if not err or seen[err.name] then return nil end
                seen[err.name] = true
                errs[i] = err
            end
        end
    end
    if (ret == "void") ~= (attrs.noreturn == true) or (attrs.noreturn and attrs.returns_twice)
        or (attrs.fails_only and (attrs.noreturn or attrs.returns_twice or ret ~= "i32")) then
        return nil
    end
    -- The names it claims (Checker:claim_syscall): all free, or the slow path decides.
    local abi = self.m.abi
    local prefix = abi.prefix
    local wrapper = name
    if prefix ~= "" then
        wrapper = prefix .. name
        name_free = registry:unclaimed(wrapper)
    end
    if not name_free or registry:family_may_clash(name)
        or (FAMILY_FIRST[byte(wrapper)] and base.FAMILIES_BY_START[sub(wrapper, 1, 4)])
        or (prefix ~= "" and C_KEYWORDS[wrapper]) then
        return nil
    end
    local n = #templates
    local stems
    if templates.pointers and abi.outputs.conformance then
        stems = {}
        for i = 1, n do
            local t = templates[i]
            if t.kind ~= "scalar" then
                local stem = "conf_" .. name .. "_" .. t.name .. "_"
                if not registry:unclaimed(stem) then return nil end
                stems[i] = stem
            end
        end
    end
    -- Every check passed: the syscall goes in.
    local args, list_col = {}, list_pos - line_start + 1
    for i = 1, n do
        local t = templates[i]
        args[i] = arg_from(t, line << 32 | (list_col + t.off))
    end
    -- The errors its arguments' checks add (Checker:syscall's implied), the same for every syscall
    -- with these arguments and this tail: found once, a fresh list each time.
    local implied = NO_ERRORS
    local known = tail and templates.implied and templates.implied[tail]
    if not known then
        known = {}
        local added = {}
        for i = 1, n do
            local t = templates[i]
            for _, e in ipairs({ t.efault or false, t.toolong or false }) do
                if e and not seen[e.name] and not added[e.name] then
                    added[e.name] = true
                    known[#known + 1] = e
                end
            end
        end
        if tail then
            templates.implied = templates.implied or {}
            templates.implied[tail] = known
        end
    end
    if #known > 0 then
        implied = {}
        for i = 1, #known do implied[i] = known[i] end
    end
    local sc = { num = num, name = name,
                 tok = setmetatable({ kind = "ident", value = name, line = line, col = name_pos - line_start + 1 },
                     token_mt),
                 num_tok = setmetatable({ kind = "number", value = num, line = line, col = num_pos - line_start + 1 },
                     token_mt),
                 cname = name, doc = doc, long = nil, args = args, attrs = attrs, errors = errs,
                 results = NO_RESULTS, fuzz = NO_HINTS, implied = implied, ret = ret, ret_type = SCALARS[ret] }
    registry:claim_new("ordinary", wrapper, "user", sc)
    if stems then
        local arg_syscall = self.arg_syscall
        for i = 1, n do
            local stem = stems[i]
            if stem then
                local a = args[i]
                arg_syscall[a] = sc
                registry:claim_new("case", stem, "user", a)
            end
        end
    end
    local m = self.m
    m.syscalls[#m.syscalls + 1] = sc
    self.sc_by_num[num], self.sc_by_name[name] = sc, sc
    return after, end_line, end_start
end

return M
