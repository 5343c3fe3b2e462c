-- The fast path of the syscall checks: a whole `syscall` declaration of a common, well-formed
-- shape read from the text with a few anchored matches, checked and turned into the model's
-- tables at once, without tokens or a syntax tree (a large definition is mostly syscalls, and
-- token by token they cost four times as much).
--
-- It is an optimisation only. It takes a declaration when every check passes, and builds the
-- very tables the parser and Checker:syscall would (tests/gen/model_fast_test.lua proves the
-- whole model equal both ways, and every diagnostic); anything else - another shape (fuzz hints,
-- comments, T[COUNT] arrays, a declaration whose header spans lines, a long doc before the
-- attrs...), anything wrong, any name that might clash - it leaves, untouched, to the parser and
-- the checks, so that every diagnostic is theirs.
--
-- Shapes taken:  syscall N name(ARG, ...) -> RET[, NAME: T...] {   the header on one line
--                    doc "..."                       the doc on the next line, then attrs and
--                    attrs A...                      errors lines, a long """...""" last; or
--                    errors E...                     doc, attrs and errors in any order and
--                    long """..."""                  layout
--                }
--   ARG:  name: SCALAR-or-NAMED [invalid|reaped|foreign E...] | name: DIR bytes[[*]LEN] [max N]
--         [toolong E] [optional] | name: in str[N] [toolong E] [optional]
--         | name: DIR SCALAR-NAMED-or-laid-out-STRUCT [optional]   (N a number or a const)
-- Argument spellings, body tails and numbers are read once per distinct text (a definition
-- repeats them; whole signatures rarely).
local base = require("model_names")
local sys = require("model_syscalls")
local types = require("model_types")
local fuzz = require("model_fuzz")
local names = require("names")
local lexer = require("lexer")

local M = { methods = {} }
local Checker = M.methods

local match, byte, find, sub = string.match, string.byte, string.find, string.sub
local SCALARS, TYPE_WORDS, UNSIGNED_LEN = types.SCALARS, types.TYPE_WORDS, types.UNSIGNED_LEN
local RETURN_TYPES, ATTRS, V2_ATTRS = sys.RETURN_TYPES, sys.ATTRS, sys.V2_ATTRS
local RETURN_TYPES_64 = { i64 = true, u64 = true }
local MAX_SYSCALL, U32_MAX = sys.MAX_SYSCALL, sys.U32_MAX
local NO_RESULTS, NO_ATTRS, NO_HINTS = sys.NO_RESULTS, sys.NO_ATTRS, fuzz.NO_HINTS
local C_KEYWORDS, RESERVED = names.C_KEYWORDS, base.RESERVED
local DIRS = { ["in"] = true, out = true, inout = true }
local BLANK = { [32] = true, [9] = true }
local LIFECYCLE = require("parser").LIFECYCLE -- invalid reaped foreign
local LIFECYCLE_WORD = { invalid = true, reaped = true, foreign = true }
-- First bytes of the family prefixes (model_names.FAMILIES_BY_START): a wrapper starting with
-- one is left to the slow path's family check.
local FAMILY_FIRST = {}
for start in pairs(base.FAMILIES_BY_START) do FAMILY_FIRST[byte(start)] = true end

-- A syscall's header up to '{': its number, name, argument list "(...)" and return type.
-- (What stands between the return type and '{': blanks, or extra results `, NAME: T`.)
local HEADER = "^[ \t]*()([1-9]%d?%d?%d?%d?)[ \t]+()([%a_][%w_]*)[ \t]*()%b()()[ \t]*%->[ \t]*([%a_][%w_]*)()([^{\n]*){()"
-- The same with the start of the usual body's doc on the line after '{' (the doc is
-- plain_string's; its tail follows, up to the '}').
local USUAL = HEADER .. '[ \t]*\n[ \t]*doc[ \t]+"()'
-- The control characters the lexer refuses in a string (a tab it takes).
local BAD_CONTROL_SET = lexer.BAD_CONTROL_SET

-- The plain string the lexer reads in one match (no escapes, no newline, no control character)
-- whose text starts at at, just after its '"': its value and the position after its closing
-- '"', or nil. Found with plain searches (a pattern's set would cost a dozen tests per
-- character): the next '"', the line's end, and the next backslash, which the fast path's
-- state remembers (so a file with few backslashes is searched for them once, not per string).
-- A file with any control character the lexer refuses has them looked for in the string.
local function plain_string(self, text, at)
    local close = find(text, '"', at, true)
    if not close then return nil end
    local nl = find(text, "\n", at, true)
    if nl and nl < close then return nil end
    local bs = self.fast_bs
    if at < self.fast_bs_from or bs < at then
        bs = find(text, "\\", at, true) or math.huge
        self.fast_bs, self.fast_bs_from = bs, at
    end
    if bs < close then return nil end
    local s = sub(text, at, close - 1)
    if self.fast_controls and find(s, BAD_CONTROL_SET) then return nil end
    return s, close + 1
end

-- The fast path's state for text (the cleaned definition), made at its first declaration.
local function fast_state(self, text, token_mt, controls)
    self.fast_spellings, self.fast_tails, self.fast_values, self.token_mt = {}, {}, {}, token_mt
    self.fast_alist, self.fast_by_name, self.fast_n = {}, {}, 0
    self.fast_ents, self.fast_src, self.fast_slots = {}, text, {}
    self.fast_cases = {} -- [argument table] = sys.has_cases(it)
    self.fast_stack = {} -- [argument table] = the bytes its copy takes on the kernel stack
    -- The syscalls whose conformance stems are implicit, by name; the names a later syscall's
    -- stems could clash with theirs under (fast_syscall); the prefixes of each argument table's
    -- name that end before a '_' (false: none); scratch.
    self.fast_stem_sc, self.fast_stem_longer, self.fast_arg_prefixes, self.fast_longer = {}, {}, {}, {}
    local stem_sc, cases = self.fast_stem_sc, self.fast_cases
    self.registry.implicit = function(name) -- "conf_" .. S .. "_" .. A .. "_": the owner, or nil
        local at = find(name, "_", 6, true)
        while at do
            local sc = stem_sc[sub(name, 6, at - 1)]
            if sc then
                local arg_name = sub(name, at + 1, -2)
                for _, a in ipairs(sc.args) do
                    if a.name == arg_name and cases[a] then return { arg = a, syscall = sc } end
                end
            end
            at = find(name, "_", at + 1, true)
        end
        return nil
    end
    self.fast_bs, self.fast_bs_from, self.fast_comma, self.fast_comma_from = 0, math.huge, 0, math.huge
    self.fast_controls = controls -- (the lexer's cursor.controls)
end


-- A number or const word as the checks resolve it: { value, expr }, or nil (for anything the
-- lexer would read another way, or a const not defined above).
local function parse_value(self, word)
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

-- The same, a fresh table each time (the model's tables are never shared where the checks make
-- new ones), the word read once per distinct word (a const once found stays).
local function value_of(self, word)
    local values = self.fast_values
    local v = values[word]
    if v == nil then
        v = parse_value(self, word) or false
        if v then values[word] = v end
    end
    return v and { value = v.value, expr = v.expr }
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
                local star
                a.kind, a.tname, star, a.len, q2 = "bytes", nil,
                    match(text, "^[ \t]*%[[ \t]*(%*?)[ \t]*([%a_][%w_]*)[ \t]*%]()", q3)
                a.len_by_ptr = star == "*" or nil
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
            elseif LIFECYCLE_WORD[o] then
                a[o], q2 = match(text, "^[ \t]+([%a_][%w_]*)()", q3)
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
local function body(self, text, p, line, line_start)
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
                local at = match(text, '^[ \t]+"()', q)
                if not at then return nil end
                doc, p = plain_string(self, text, at)
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

-- A tail that ends with a long doc: the tail before it, the doc as the lexer reads it and the
-- newlines from that tail's end on; nil if it is not that (or holds what the lexer refuses:
-- controls, true if the file has a control character a string may not).
local function long_doc(tail, controls)
    -- `long` and its blanks before the first """, found backwards from it (a pattern searching
    -- forwards would try every character of the tail).
    -- (byte(tail, 0) would be the first byte: s stays above 0.)
    local open = find(tail, '"""', 1, true)
    local s = open - 1
    local b = s > 0 and byte(tail, s)
    while b == 32 or b == 9 do
        s = s - 1
        b = s > 0 and byte(tail, s)
    end
    if s == open - 1 or sub(tail, s - 3, s) ~= "long" then return nil end
    s = s - 4
    b = s > 0 and byte(tail, s)
    while b == 32 or b == 9 do
        s = s - 1
        b = s > 0 and byte(tail, s)
    end
    if b ~= 10 then return nil end
    local e = open + 2
    local close = find(tail, '"""', e + 1, true)
    if not close or find(tail, "[^ \t]", close + 3) then return nil end
    local text = sub(tail, e + 1, close - 1)
    -- Its control characters: newlines, counted, and tabs; any other is the lexer's to refuse.
    if controls and find(text, BAD_CONTROL_SET) then return nil end
    local lines, at = 1, find(text, "\n", 1, true) -- (the first newline: the one before `long`)
    while at do
        lines = lines + 1
        at = find(text, "\n", at + 1, true)
    end
    return sub(tail, 1, s - 1), lexer.dedent(text), lines
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

-- True if len (header_args's entry of the argument a bytes argument a names) can be its length.
local function len_fits(a, len, v2)
    if a.len_by_ptr then return v2 and len.kind == "ptr" and len.dir == "inout" and len.tname == "u32" end
    return len.kind == "scalar" and UNSIGNED_LEN[len.tname] ~= nil
end

-- The model's argument of a (header_args's), or nil. by_name: the index of each of the header's
-- arguments by name, alist: them by index.
function Checker:fast_arg(a, index, by_name, alist)
    local kind, errors, v2 = a.kind, self.errors, self.m.abi.version >= 2
    if kind == "scalar" then
        local t = a.tname
        if a.max or a.toolong or a.optional or self.struct_nodes[t] then return nil end
        local nt = self.named_types[t]
        local scalar
        if nt then
            scalar = nt.base
        else
            scalar = not TYPE_WORDS[t] and SCALARS[t]
            if not scalar then return nil end
        end
        if scalar.size > 4 and not v2 then return nil end
        local arg = { name = a.name, index = index, kind = kind, toolong_explicit = false, type = scalar,
                      reg = nil, named = nt }
        local resource = nt and nt.kind == "resource"
        if a.invalid or a.reaped or a.foreign then
            if not resource then return nil end
            local lc = {}
            for _, why in ipairs(LIFECYCLE) do
                if a[why] then
                    lc[why] = errors[a[why]]
                    if not lc[why] then return nil end
                end
            end
            arg.lifecycle = lc
        elseif resource then
            arg.lifecycle = {}
        end
        if nt and not resource then
            arg.einval = errors.EINVAL
            if not arg.einval then return nil end
        end
        return arg
    end
    if a.invalid or a.reaped or a.foreign then return nil end
    local efault = errors.EFAULT
    if not efault then return nil end
    local optional = nil
    if a.optional and kind ~= "ptr" then
        if not v2 then return nil end
        optional = true
    end
    if kind == "bytes" then
        local len_index = by_name[a.len]
        local len = len_index and alist[len_index]
        if not len or not len_fits(a, len, v2) then return nil end
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
        return { name = a.name, index = index, kind = kind, dir = a.dir,
                 toolong_explicit = a.toolong ~= nil, efault = efault, reg = nil, optional = optional, toolong = toolong,
                 max = max, len_arg = len_index, len_name = a.len, len_by_ptr = a.len_by_ptr == true, elem = nil,
                 elem_size = 1 }
    end
    if a.max then return nil end
    local arg = { name = a.name, index = index, kind = kind, dir = a.dir,
                  toolong_explicit = a.toolong ~= nil, efault = efault, reg = nil, optional = optional, toolong = nil,
                  type = nil, named = nil, size = nil }
    if kind == "str" then
        if a.dir ~= "in" then return nil end
        local size = value_of(self, a.size)
        if not size or size.value == 0 or size.value > 65535 or not errors.ENAMETOOLONG then return nil end
        arg.size = size
        arg.toolong = errors[a.toolong or "ENAMETOOLONG"]
        if not arg.toolong then return nil end
        return arg
    end
    local t = a.tname
    if a.toolong or TYPE_WORDS[t] then return nil end
    local ty, nt = SCALARS[t], nil
    if not ty then
        nt = self.named_types[t]
        if nt then
            ty = nt.base
        else
            ty = self.structs[t]
            if not ty or ty.busy then return nil end -- a struct not laid out yet: the slow path lays it out
        end
    end
    arg.type, arg.named, arg.optional = ty, nt, a.optional == true
    return arg
end

-- One argument as the text spells it between '(' or ',' and the next ',' or ')', parsed once
-- per distinct spelling (a definition repeats them: `len: u32`, `fd: i32`, whole signatures
-- rarely): { a (header_args's entry), slots (the model's arguments made of it, fast_syscall's) },
-- or false. Its name's checks hold for good (a lower-case name can only meet the runtime's
-- macros); the rest depends on the other arguments and is fast_arg's, once per slot.
function Checker:arg_spelling(piece)
    local wrapped = "(" .. piece .. ")"
    local list, p = header_args(wrapped, 2)
    if not list or #list ~= 1 or p ~= #wrapped + 1 then return false end
    local a = list[1]
    if not plain_name(self, a.name) then return false end
    -- Spellings that read alike (they differ in blanks) share their slots: two of the model's
    -- arguments the fast path makes are then alike exactly when they are one table.
    local canon = a.name .. " " .. a.kind .. " " .. (a.tname or "") .. " " .. (a.dir or "") .. " " .. (a.len or "") ..
        " " .. (a.len_by_ptr and "*" or "") .. " " .. (a.size or "") .. " " .. (a.max or "") .. " " ..
        (a.toolong or "") .. " " .. (a.optional and "?" or "") .. " " .. (a.invalid or "") .. " " ..
        (a.reaped or "") .. " " .. (a.foreign or "")
    local slots = self.fast_slots[canon]
    if not slots then
        slots = {}
        self.fast_slots[canon] = slots
    end
    return { a = a, slots = slots }
end

-- Extra results (v2) `, NAME: T, ...` (extra: the header's text between the return type and
-- '{', at column col0 + 1 of line): Checker:return_type's sc.results, or nil. first: the index in
-- result_registers of the first one. (Their names are checked against the arguments' later.)
function Checker:fast_results(extra, first, line, col0, token_mt)
    local abi = self.m.abi
    if abi.version < 2 then return nil end
    local rregs, results, p = abi.result_registers, {}, 1
    while p <= #extra do
        local at, rname, rtype, q = match(extra, "^[ \t]*,[ \t]*()([%a_][%w_]*)[ \t]*:[ \t]*([%a_][%w_]*)[ \t]*()", p)
        if not at or not plain_name(self, rname) then return nil end
        local i = #results + 1
        local reg = rregs[first + i - 1]
        local named = self.named_types[rtype]
        local rt = named and named.base or SCALARS[rtype]
        if not reg or not rt or rt.size ~= 4 then return nil end
        for j = 1, i - 1 do
            if results[j].name == rname then return nil end
        end
        results[i] = { name = rname, type = named or rt, named = named, reg = reg,
                       tok = setmetatable({ kind = "ident", value = rname, line = line, col = col0 + at }, token_mt) }
        p = q
    end
    return results
end

-- The token of argument a of syscall sc. The fast path's arguments have none (one table serves
-- every syscall that spells the argument alike): their header is read again from the text.
function Checker:arg_tok(a, sc)
    if a.tok then return a.tok end
    local where = self.arg_where[sc.num]
    local list_pos, line_start = where >> 32, where & 0xFFFFFFFF
    for _, e in ipairs(header_args(self.fast_src, list_pos + 1)) do
        if e.name == a.name then
            return setmetatable({ kind = "ident", value = a.name, line = sc.at >> 32, col = e.pos - line_start + 1 },
                self.token_mt)
        end
    end
    error("no argument " .. a.name .. " in the header of " .. sc.name)
end

-- The errors of an `errors` list (its words, or nil for none), each declared or an alias of one
-- and listed once, and the set of their names; nil when a word fails either, for the parser to
-- report.
function Checker:fast_errors(error_words)
    local errs, seen = {}, {}
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
    return errs, seen
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
    local errs, seen = self:fast_errors(error_words)
    if not errs then return false end
    return { newlines = newlines, attrs = attrs, errors = sys.shared_errors(self.error_lists, errs, #errs, true),
             seen = seen }
end

-- Try the declaration whose number starts at or after pos (just after the `syscall` keyword) on
-- line `line` (starting at line_start). On success the syscall is checked, claimed and in the
-- model, and the result is the position, line and line start after its '}'; otherwise nil, and
-- nothing has changed. (controls: the lexer's cursor.controls.)
function Checker:fast_syscall(text, pos, line, line_start, token_mt, controls)
    -- The header, and the usual body: its doc on the line after '{', then attrs and errors lines
    -- (its tail, the same in many syscalls), and '}' opening the last line; or the header alone.
    local num_pos, num_s, name_pos, name, list_pos, list_end, ret, extra_pos, extra, p, doc_at =
        match(text, USUAL, pos)
    if not self.fast_src then fast_state(self, text, token_mt, controls) end
    local key, close, doc, tail_at
    if doc_at then doc, tail_at = plain_string(self, text, doc_at) end
    if doc then
        -- The first '}' after the doc ends the body (neither attrs, errors nor a long doc without
        -- braces holds one), and must open its line.
        close = find(text, "}", tail_at, true)
        if close and byte(text, close - 1) == 10 then
            key, close = sub(text, tail_at, close - 2), close + 1
        else
            doc = nil
        end
    end
    if not num_pos then
        num_pos, num_s, name_pos, name, list_pos, list_end, ret, extra_pos, extra, p = match(text, HEADER, pos)
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
    local name_free = registry:unclaimed(name, b)
    if not name_free and registry:macro(name) then return nil end
    -- The result (Checker:return_type): a scalar, a named type's base, or a 64-bit pair (v2).
    local ret_name, ret_type, ret_regs = ret, SCALARS[ret], nil
    local nt = self.named_types[ret]
    if nt then
        ret_name, ret_type = nt.base.name, nt
    elseif RETURN_TYPES_64[ret] then
        if self.m.abi.version < 2 or self.m.abi.result_registers[2] ~= "edx" then return nil end
        ret_regs = true
    elseif not RETURN_TYPES[ret] then
        return nil
    end
    local results = NO_RESULTS
    if extra ~= " " and extra ~= "" and find(extra, "[^ \t]") then
        results = self:fast_results(extra, ret_regs and 3 or 2, line, extra_pos - line_start, token_mt)
        if not results then return nil end
    end
    local spellings = self.fast_spellings
    -- The arguments' spellings, each parsed once.
    -- (Scratch lists, the same for every syscall: by_name is emptied of the last one's names.)
    local alist, by_name, n = self.fast_alist, self.fast_by_name, 0
    local ents = self.fast_ents
    for i = 1, self.fast_n do by_name[alist[i].name] = nil end
    self.fast_n = 0
    -- The list between '(' at list_pos and ')' before list_end, unless it is blank. Its commas
    -- are found in the text: the next one after the list is remembered, so that a file with few
    -- commas is searched for them once, not per syscall.
    local last, first = list_end - 1, byte(text, list_pos + 1)
    if first ~= 41 and not (BLANK[first] and find(text, "[^ \t]", list_pos + 1) == last) then
        local from = list_pos + 1
        local next_comma = self.fast_comma
        while true do
            if next_comma < from or from < self.fast_comma_from then
                next_comma = find(text, ",", from, true) or math.huge
                self.fast_comma, self.fast_comma_from = next_comma, from
            end
            local comma = next_comma < last and next_comma or nil
            local piece = sub(text, from, (comma or last) - 1)
            local e = spellings[piece]
            if e == nil then
                e = self:arg_spelling(piece)
                spellings[piece] = e
            end
            if not e then return nil end
            local a = e.a
            if by_name[a.name] then return nil end
            n = n + 1
            alist[n], ents[n], by_name[a.name] = a, e, n
            self.fast_n = n
            if not comma then break end
            from = comma + 1
        end
    end
    local abi = self.m.abi
    local regs = abi.arg_registers
    if n > #regs then return nil end
    local args, cases, fast_cases, fast_stack = {}, false, self.fast_cases, self.fast_stack
    local budget, total, kernel = abi.kernel_stack_budget, 0, abi.outputs.kernel
    local word, low_first, v2 = 1, abi.pair_order == "low_high", abi.version >= 2
    for i = 1, n do
        -- One table per argument spelling (up to blanks) at one index and register word (and,
        -- for bytes, with its length argument at one index): the syscalls that spell it alike
        -- share it.
        local a = alist[i]
        local slots, slot = ents[i].slots, i * 16 + word
        if a.kind == "bytes" then
            local li = by_name[a.len]
            if not li or not len_fits(a, alist[li], v2) then return nil end
            local by_len = slots[slot]
            if not by_len then
                by_len = {}
                slots[slot] = by_len
            end
            slots, slot = by_len, li
        end
        local arg = slots[slot]
        if arg then
            word = word + (arg.regs and 2 or 1) -- (a register pair: a 64-bit scalar's, below)
        else
            arg = self:fast_arg(a, i, by_name, alist)
            if not arg then return nil end
            if arg.kind == "scalar" and arg.type.size > 4 then -- a register pair (v2): which word goes where
                if word + 1 > #regs then return nil end
                local lo, hi = regs[word + (low_first and 0 or 1)], regs[word + (low_first and 1 or 0)]
                arg.lo_reg, arg.hi_reg, arg.regs, arg.reg, word = lo, hi, { lo, hi }, lo, word + 2
            else
                if word > #regs then return nil end
                arg.reg, word = regs[word], word + 1
            end
            slots[slot] = arg
            fast_cases[arg] = sys.has_cases(arg)
            fast_stack[arg] = arg.kind == "str" and arg.size.value + 1 or arg.kind == "ptr" and arg.type.size or 0
        end
        if kernel then
            total = total + fast_stack[arg]
            if total > budget then return nil end
        end
        if fast_cases[arg] then cases = true end
        args[i] = arg
    end
    for i = 1, #results do
        if by_name[results[i].name] then return nil end -- a result named like an argument
    end
    local tail, long, long_lines
    if doc then
        -- A long doc ends the tail: `long """..."""` on the last line(s) before '}'.
        if find(key, '"""', 1, true) then
            key, long, long_lines = long_doc(key, self.fast_controls)
            if not key then return nil end
        end
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
        after, end_line, end_start = close, line + tail.newlines + 2 + (long_lines or 0), close - 1
        errs = tail.errors
    else
        local attr_words, error_words
        doc, attr_words, error_words, after, end_line, end_start = body(self, text, p, line, line_start)
        if not doc then return nil end
        attrs = self:fast_attrs(attr_words, self.m.abi.version >= 2)
        if not attrs then return nil end
        errs, seen = self:fast_errors(error_words)
        if not errs then return nil end
        errs = sys.shared_errors(self.error_lists, errs, #errs, true)
    end
    if (ret_name == "void") ~= (attrs.noreturn == true) or (attrs.noreturn and attrs.returns_twice)
        or (attrs.fails_only and (attrs.noreturn or attrs.returns_twice or ret_name ~= "i32" or #results > 0)) then
        return nil
    end
    -- The names it claims (Checker:claim_syscall): all free, or the slow path decides.
    local prefix = abi.prefix
    local wrapper = name
    if prefix ~= "" then
        wrapper = prefix .. name
        name_free = registry:unclaimed(wrapper)
    end
    -- (A wrapper that starts with "conf_" may be stem-like: claim_new takes none, the slow path does.)
    local wb = byte(wrapper)
    if not name_free or registry:family_may_clash(name)
        or (FAMILY_FIRST[wb] and base.FAMILIES_BY_START[sub(wrapper, 1, 4)])
        or (wb == 99 and sub(wrapper, 1, 5) == "conf_") or (prefix ~= "" and C_KEYWORDS[wrapper]) then
        return nil
    end
    -- Its conformance stems (names.conf_stem). While no stored name and no header word is
    -- stem-like, they are taken by construction (gen/names.lua, registry.implicit). Two stems of
    -- syscalls S and T, "conf_S_A_" and "conf_T_B_", are equal only if (S the shorter name)
    -- T = S .. "_" .. Y and A = Y .. "_" .. B: so A has a '_', and T is S, '_' and a prefix of A
    -- that ends before a '_' of A. Such a name T is noted (fast_stem_longer) for each argument
    -- with cases of each syscall S taken; a syscall is left to the slow path when its name is
    -- one, or when one of its own is the name of a syscall taken before. Otherwise (something
    -- stem-like is claimed) each stem is a string, claimed in the registry.
    local stems, longer, nl = nil, nil, 0
    if cases and abi.outputs.conformance then
        if registry.stem_like_taken then
            stems = {}
            for i = 1, n do
                local a = args[i]
                if fast_cases[a] then
                    local stem = "conf_" .. name .. "_" .. a.name .. "_"
                    if not registry:unclaimed(stem) then return nil end
                    stems[i] = stem
                end
            end
        else
            if self.fast_stem_longer[name] then return nil end
            local stem_sc, arg_prefixes = self.fast_stem_sc, self.fast_arg_prefixes
            longer = self.fast_longer
            for i = 1, n do
                local a = args[i]
                if fast_cases[a] then
                    local pres = arg_prefixes[a]
                    if pres == nil then
                        pres = false
                        local at = find(a.name, "_", 2, true)
                        while at do
                            pres = pres or {}
                            pres[#pres + 1] = sub(a.name, 1, at - 1)
                            at = find(a.name, "_", at + 1, true)
                        end
                        arg_prefixes[a] = pres
                    end
                    for j = 1, pres and #pres or 0 do
                        local t = name .. "_" .. pres[j]
                        if stem_sc[t] then return nil end
                        nl = nl + 1
                        longer[nl] = t
                    end
                end
            end
        end
    end
    -- Every check passed: the syscall goes in. The errors its arguments' checks add
    -- (Checker:syscall's implied), in the same order.
    local implied = sys.implied_errors(args, seen, self.error_lists)
    local sc = { num = num, name = name,
                 at = line << 32 | (name_pos - line_start + 1), num_at = line << 32 | (num_pos - line_start + 1),
                 token_mt = token_mt,
                 cname = name, doc = doc, long = long, args = args, attrs = attrs, errors = errs,
                 results = results, fuzz = NO_HINTS, implied = implied, ret = ret_name, ret_type = ret_type }
    if ret_regs then sc.ret_regs = { "eax", "edx" } end
    if nt and nt.kind == "resource" then
        sc.produces = nt
        nt.producers[#nt.producers + 1] = sc
    end
    registry:claim_new("ordinary", wrapper, "user", sc)
    if stems then
        for i = 1, n do
            local stem = stems[i]
            -- (The owner names the syscall: the argument's table is shared, Checker:fast_args.)
            if stem then registry:claim_new("case", stem, "user", { arg = args[i], syscall = sc }) end
        end
    elseif longer then
        self.fast_stem_sc[name] = sc
        local stem_longer = self.fast_stem_longer
        for i = 1, nl do stem_longer[longer[i]] = true end
    end
    for i = 1, n do
        local a = args[i]
        local named = a.named
        if named and named.kind == "resource" then
            local c = named.consumers
            c[#c + 1] = { syscall = sc, arg = a }
        end
    end
    if n > 0 then self.arg_where[num] = list_pos << 32 | line_start end
    local m = self.m
    m.syscalls[#m.syscalls + 1] = sc
    self.sc_by_num[num], self.sc_by_name[name] = sc, sc
    return after, end_line, end_start
end

return M
