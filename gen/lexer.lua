-- Lexer for the ABI definition language (abi/README.md).
-- Tokens: ident, number, string ("..."), long (""" ... """), and the
-- punctuation { } ( ) [ ] : , = * - ->.  Comments run from # to the end of a line.
-- Newlines are not tokens; constructs that end at the end of a line (abi
-- settings, `errors`, `attrs`) compare token line numbers instead.
local diag = require("diag")

local lexer = {}

local PUNCT = {}
for c in ("{}()[]:,=*"):gmatch(".") do PUNCT[c:byte()] = c end
local IDENT_START = { [95] = true } -- _
for b = 65, 90 do IDENT_START[b], IDENT_START[b + 32] = true, true end
local ESCAPES = { ["\\"] = "\\", ['"'] = '"', n = "\n", t = "\t" }
local MAX_NUMBER = 0xFFFFFFFF

-- The character at pos as a message shows it: printable ASCII quoted, other bytes by number,
-- and other characters quoted with their code point (many are invisible or look like ASCII).
local function shown_char(text, pos)
    local b = text:byte(pos)
    if b < 0x80 then
        return b > 32 and b < 127 and ("'" .. string.char(b) .. "'") or string.format("byte 0x%02X", b)
    end
    local ch = text:match("^[\xC2-\xF4][\x80-\xBF]*", pos)
    return string.format("'%s' (U+%04X)", ch, utf8.codepoint(ch))
end

-- The value of a number and its spelling for C, or nil for a malformed one. Leading zeros are
-- ignored (000042 is 42, and 010 is ten, never octal), so the C spelling drops them.
local function number(word)
    local hex = word:match("^0[xX](%x+)$")
    local digits = hex or word:match("^%d+$")
    if not digits then return nil end
    digits = digits:match("^0*(%x-%x)$")
    if #digits > 10 then return math.huge end
    if hex then return tonumber(digits, 16), word end
    return tonumber(digits), digits
end

local BLANK = { [32] = true, [9] = true }

-- Strip the indentation common to all non-blank lines of a long doc, and the
-- blank first and last lines that the """ delimiters leave behind. Each line is looked at with
-- plain searches and a search for its first non-blank (which also tells a blank line), and cut
-- out only once, without its indentation (starts, ends: scratch, each line's span less its
-- trailing blanks).
local starts, ends = {}, {}
local function dedent(text)
    local find, byte, sub = string.find, string.byte, string.sub
    local n, at, stop_all = 0, 1, #text + 1
    local first, last, indent
    while true do
        local nl = find(text, "\n", at, true)
        local stop = nl or stop_all
        local nb = find(text, "[^ \t]", at) -- (a newline stops it: linear in the line)
        n = n + 1
        if nb and nb < stop then
            -- Trailing blanks off, from the end: the pattern "%s+$" would retry at every blank of
            -- a long run of them, quadratic in its length.
            local e = stop - 1
            while BLANK[byte(text, e)] do e = e - 1 end
            starts[n], ends[n] = at, e
            first, last = first or n, n
            if not indent or nb - at < indent then indent = nb - at end
        else
            starts[n], ends[n] = at, at - 1
        end
        if not nl then break end
        at = nl + 1
    end
    if not first then return "" end
    local out = {}
    for i = first, last do
        local s, e = starts[i], ends[i]
        out[#out + 1] = e >= s and sub(text, s + indent, e) or ""
    end
    return table.concat(out, "\n")
end

-- Line and column (columns count bytes from 1) of byte at, found in one pass over text:
-- a diagnostic found before the token loop runs must not rescan the text per character.
local function line_col(text, at, first)
    local line, line_start, p = 1, first or 1, 1
    while true do
        local nl = text:find("\n", p, true)
        if not nl or nl >= at then break end
        line, line_start, p = line + 1, nl + 1, nl + 1
    end
    return line, at - line_start + 1
end

lexer.dedent = dedent -- (gen/model_fast.lua reads long docs itself)

local BOM = "\xEF\xBB\xBF"

-- The control characters a string may not hold (a tab it may; the cleaned text has no CR).
local BAD_CONTROLS = {}
for c = 0, 31 do
    if c ~= 9 and c ~= 10 then BAD_CONTROLS[#BAD_CONTROLS + 1] = string.char(c) end
end
BAD_CONTROLS[#BAD_CONTROLS + 1] = "\127"
lexer.BAD_CONTROL_SET = "[%z\1-\8\11-\31\127]"

-- True if text holds one of the strings of list: one plain search each (a pattern would test
-- every character against a set).
local function holds_any(text, list)
    for i = 1, #list do
        if string.find(text, list[i], 1, true) then return true end
    end
    return false
end

-- A text with no byte above 0x7F is UTF-8 without decoding it: a plain search per byte value (in
-- a text of ASCII_SEARCH bytes or more, 128 of them cost less than utf8.len's decoding of every
-- character). The most common first (a lead byte of Latin letters and of punctuation, then the
-- continuation bytes), so that a file with one is told at once.
local ASCII_SEARCH = 65536
local HIGH = { "\xC3", "\xE2" }
for b = 0x80, 0xFF do
    if b ~= 0xC3 and b ~= 0xE2 then HIGH[#HIGH + 1] = string.char(b) end
end

-- Checks of the whole file before tokens: UTF-8, and line ends. A CR counts only as part of a
-- CRLF line end; a bare CR would be a line break to some editors and a space to others, so it is
-- refused. CRLF becomes LF, which moves no byte of any line and so keeps every column.
local function clean(text, file, first)
    local function fail_at(at, msg, hint)
        local line, col = line_col(text, at, first)
        diag.fail({ file = file, line = line, col = col }, msg, hint)
    end
    local bad = not (#text >= ASCII_SEARCH and not holds_any(text, HIGH)) and select(2, utf8.len(text))
    if bad then
        fail_at(bad, string.format("file is not UTF-8 text (byte 0x%02X)", text:byte(bad)))
    end
    local bom = text:find(BOM, first, true)
    if bom then
        fail_at(bom, "unexpected byte order mark (U+FEFF)", "a byte order mark may only open the file")
    end
    if not text:find("\r", first, true) then return text end -- the usual case: one quick search
    local cr = text:find("\r[^\n]", first) or (text:byte(-1) == 13 and #text)
    if cr then
        fail_at(cr, "carriage return without a line feed (a bare CR)",
            "lines end with LF or CRLF; a lone CR is neither a space nor a line end")
    end
    return (text:gsub("\r\n", "\n"))
end

-- The tokens of text, one per call of the function returned, in order: each call returns the
-- token's kind, value, line and column (columns count bytes from 1), and for a number also its C
-- spelling and the word as written; the last token is "eof", and nil follows it. No table is made
-- per token: the parser keeps in tables only the tokens its tree holds (punctuation, about half
-- of a definition's tokens, never). A malformed token raises a diagnostic when it is reached, and
-- tokens are made as the parser asks for them (50,000 syscalls are 1.4 million tokens). The
-- second result is the stream's cursor (cursor.at, cursor.seek, cursor.text, and cursor.controls:
-- whether the text holds a control character a string may not).
function lexer.stream(text, file)
    -- A UTF-8 byte order mark opening the file is skipped; columns on line 1 count after it.
    local first = text:sub(1, 3) == BOM and 4 or 1
    text = clean(text, file, first)
    local pos, line, line_start = first, 1, first
    local len = #text

    local function fail(at, msg, hint)
        diag.fail({ file = file, line = line, col = at - line_start + 1 }, msg, hint)
    end

    local find, byte, sub, match = string.find, string.byte, string.sub, string.match
    local done
    -- Where the next token starts its search, for a reader that takes a whole declaration from
    -- the text itself (model.lua's fast path): the cleaned text, the position and its line.
    local controls = holds_any(text, BAD_CONTROLS)
    local cursor = { text = text, controls = controls }
    -- The usual string is found with plain searches (its closing '"', the line's end, and the
    -- next backslash, remembered: a file with few is searched for them once, not per string).
    local next_bs, bs_from = 0, math.huge
    function cursor.at() return pos, line, line_start end
    function cursor.seek(p, l, ls) pos, line, line_start = p, l, ls end
    return function()
        while true do
            local b = byte(text, pos)
            if IDENT_START[b] then
                -- The word and the usual single space after it, in one match: no extra turn.
                local word, after = match(text, "^([%w_]+) ?()", pos)
                local col = pos - line_start + 1
                pos = after
                return "ident", word, line, col
            elseif PUNCT[b] then
                local c, col = PUNCT[b], pos - line_start + 1
                pos = pos + 1
                if byte(text, pos) == 32 then pos = pos + 1 end
                return c, c, line, col
            elseif b == 10 then -- newline, and the indentation after it
                line, line_start = line + 1, pos + 1
                pos = (find(text, "[^ \t]", pos + 1) or len + 1)
            elseif b == 32 or b == 9 then
                pos = (find(text, "[^ \t]", pos) or len + 1)
            elseif b == 35 then -- #
                pos = (find(text, "\n", pos, true) or len + 1)
            elseif b == nil then
                if done then return nil end
                done = true
                return "eof", "end of file", line, pos - line_start + 1
            elseif b >= 48 and b <= 57 then
                -- The usual number: decimal, no leading zero, at most 9 digits (so below 2^32).
                local digits, after = match(text, "^([1-9]%d?%d?%d?%d?%d?%d?%d?%d?)()[^%w_]", pos)
                if digits then
                    local col = pos - line_start + 1
                    pos = after
                    return "number", digits + 0, line, col, digits, digits
                end
                local word, word_end = match(text, "^([%w_]+)()", pos)
                local value, spelling = number(word)
                if not value then
                    fail(pos, "malformed number '" .. word .. "'",
                        "numbers are decimal (42) or hexadecimal (0x2a)")
                elseif value > MAX_NUMBER then
                    fail(pos, "number " .. word .. " is too large (the largest is 4294967295)")
                end
                local col = pos - line_start + 1
                pos = word_end
                return "number", value, line, col, spelling, word
            elseif b == 34 and sub(text, pos, pos + 2) == '"""' then
                local close = text:find('"""', pos + 3, true)
                if not close then
                    fail(pos, 'unterminated long doc: no closing """')
                end
                local body = text:sub(pos + 3, close - 1)
                local ctl = body:find("[%z\1-\8\11-\31\127]")
                if ctl then
                    local dl, dc = line_col(body, ctl)
                    diag.fail({ file = file, line = line + dl - 1, col = dl == 1 and pos + 3 + ctl - line_start or dc },
                        string.format("control character (byte 0x%02X) in long doc", body:byte(ctl)))
                end
                local tline, col = line, pos - line_start + 1
                for nl in body:gmatch("()\n") do
                    line, line_start = line + 1, pos + 3 + nl
                end
                pos = close + 3
                return "long", dedent(body), tline, col
            elseif b == 34 then
                -- The usual string, without escapes or control characters; the loop below handles
                -- the rest.
                local close = find(text, '"', pos + 1, true)
                local nl = close and find(text, "\n", pos + 1, true)
                if close and (not nl or nl > close) then
                    if pos + 1 < bs_from or next_bs <= pos then
                        next_bs, bs_from = find(text, "\\", pos + 1, true) or math.huge, pos + 1
                    end
                    local plain = next_bs > close and sub(text, pos + 1, close - 1)
                    if plain and not (controls and find(plain, lexer.BAD_CONTROL_SET)) then
                        local col = pos - line_start + 1
                        pos = close + 1
                        return "string", plain, line, col
                    end
                end
                local parts, i = {}, pos + 1
                while true do
                    local s, e, chunk, stop = text:find('^([^"\\\n\0\1-\8\11-\31\127]*)(.?)', i)
                    parts[#parts + 1] = chunk
                    i = e
                    if stop == '"' then
                        break
                    elseif stop == "\\" then
                        local esc = text:match("^[\xC2-\xF4][\x80-\xBF]*", e + 1) or text:sub(e + 1, e + 1)
                        if esc == "\n" or esc == "" then
                            fail(e, "backslash at the end of the line in a string",
                                'a string ends on its own line; write \\\\ for a backslash, or use long """..."""')
                        elseif not ESCAPES[esc] then
                            fail(e, "unknown escape " .. (byte(esc) > 32 and "'\\" .. esc .. "'" or
                                string.format("'\\' followed by byte 0x%02X", byte(esc))) .. " in string",
                                'known escapes: \\\\ \\" \\n \\t')
                        end
                        parts[#parts + 1] = ESCAPES[esc]
                        i = e + 2
                    elseif stop == "\n" or stop == "" then
                        fail(pos, "unterminated string: no closing '\"' on this line")
                    else
                        fail(e, string.format("control character (byte 0x%02X) in string", byte(stop)))
                    end
                    assert(s)
                end
                local col = pos - line_start + 1
                pos = i + 1
                return "string", #parts == 1 and parts[1] or table.concat(parts), line, col
            elseif b == 45 then -- '-': the arrow, or the sign of a negative value (language v2)
                local col = pos - line_start + 1
                if byte(text, pos + 1) == 62 then
                    pos = pos + 2
                    return "->", "->", line, col
                end
                pos = pos + 1
                return "-", "-", line, col
            else
                fail(pos, "unexpected character " .. shown_char(text, pos))
            end
        end
    end, cursor
end

return lexer
