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
-- blank first and last lines that the """ delimiters leave behind.
local function dedent(text)
    local lines = {}
    for line in (text .. "\n"):gmatch("(.-)\n") do
        -- Trailing blanks off, from the end: the pattern "%s+$" would retry at every blank of
        -- a long run of them, quadratic in its length.
        local e = #line
        while e > 0 and BLANK[line:byte(e)] do e = e - 1 end
        lines[#lines + 1] = line:sub(1, e)
    end
    -- The first and last non-blank lines (found, not removed one by one: that would be
    -- quadratic in a doc of many blank lines).
    local first, last = 1, #lines
    while first <= last and lines[first] == "" do first = first + 1 end
    while last >= first and lines[last] == "" do last = last - 1 end
    local indent
    for i = first, last do
        local line = lines[i]
        if line ~= "" then
            local lead = #line:match("^[ \t]*")
            if not indent or lead < indent then indent = lead end
        end
    end
    local out = {}
    for i = first, last do
        out[#out + 1] = lines[i]:sub((indent or 0) + 1)
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

local BOM = "\xEF\xBB\xBF"

-- Checks of the whole file before tokens: UTF-8, and line ends. A CR counts only as part of a
-- CRLF line end; a bare CR would be a line break to some editors and a space to others, so it is
-- refused. CRLF becomes LF, which moves no byte of any line and so keeps every column.
local function clean(text, file, first)
    local function fail_at(at, msg, hint)
        local line, col = line_col(text, at, first)
        diag.fail({ file = file, line = line, col = col }, msg, hint)
    end
    local bad = select(2, utf8.len(text))
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

-- The tokens of text, one per call of the function returned, in order: the last is the "eof"
-- token, and nil follows it. A malformed token raises a diagnostic when it is reached. Tokens are
-- made as the parser asks for them, so a large definition never has all of them at once (50,000
-- syscalls are 1.4 million tokens).
function lexer.stream(text, file)
    -- A UTF-8 byte order mark opening the file is skipped; columns on line 1 count after it.
    local first = text:sub(1, 3) == BOM and 4 or 1
    text = clean(text, file, first)
    local pos, line, line_start = first, 1, first
    local len = #text

    local function here(at)
        return { file = file, line = line, col = at - line_start + 1 }
    end
    local function fail(at, msg, hint)
        diag.fail(here(at), msg, hint)
    end
    -- Every token has kind, value, line and col; file comes from the shared metatable, which
    -- keeps each token at four fields (half the memory, and much faster to make, than five).
    local token_mt = { __index = { file = file } }
    local setmt = setmetatable
    local tok -- the token the loop below has just made
    local function push(kind, value, at)
        tok = setmt({ kind = kind, value = value, line = line, col = at - line_start + 1 }, token_mt)
    end

    local find, byte, sub, match = string.find, string.byte, string.sub, string.match
    local eof
    return function()
        tok = nil
        while pos <= len do
            local b = byte(text, pos)
            local c
            if b == 10 then -- newline, and the indentation after it
                line, line_start = line + 1, pos + 1
                pos = (find(text, "[^ \t]", pos + 1) or len + 1)
            elseif b == 32 or b == 9 then
                pos = (find(text, "[^ \t]", pos) or len + 1)
            elseif b == 35 then -- #
                pos = (find(text, "\n", pos, true) or len + 1)
            elseif IDENT_START[b] then
                -- The word and the usual single space after it, in one match: no extra turn.
                local word, after = match(text, "^([%w_]+) ?()", pos)
                tok = setmt({ kind = "ident", value = word, line = line, col = pos - line_start + 1 }, token_mt)
                pos = after
            elseif PUNCT[b] then
                c = PUNCT[b]
                tok = setmt({ kind = c, value = c, line = line, col = pos - line_start + 1 }, token_mt)
                pos = pos + 1
                if byte(text, pos) == 32 then pos = pos + 1 end
            elseif b >= 48 and b <= 57 then
                local word, after = match(text, "^([%w_]+)()", pos)
                local e = after - 1
                local value, spelling = number(word)
                if not value then
                    fail(pos, "malformed number '" .. word .. "'",
                        "numbers are decimal (42) or hexadecimal (0x2a)")
                elseif value > MAX_NUMBER then
                    fail(pos, "number " .. word .. " is too large (the largest is 4294967295)")
                end
                push("number", value, pos)
                tok.text, tok.raw = spelling, word
                pos = e + 1
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
                push("long", dedent(body), pos)
                for nl in body:gmatch("()\n") do
                    line, line_start = line + 1, pos + 3 + nl
                end
                pos = close + 3
            elseif b == 34 then
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
                push("string", table.concat(parts), pos)
                pos = i + 1
            elseif b == 45 then -- '-': the arrow, or the sign of a negative value (language v2)
                local arrow = byte(text, pos + 1) == 62
                push(arrow and "->" or "-", arrow and "->" or "-", pos)
                pos = pos + (arrow and 2 or 1)
            else
                fail(pos, "unexpected character " .. shown_char(text, pos))
            end
            if tok then return tok end
        end
        if eof then return nil end
        push("eof", "end of file", pos)
        eof = tok
        return eof
    end
end

return lexer
