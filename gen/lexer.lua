-- Lexer for the ABI definition language (abi/README.md).
-- Tokens: ident, number, string ("..."), long (""" ... """), and the
-- punctuation { } ( ) [ ] : , ->.  Comments run from # to the end of a line.
-- Newlines are not tokens; constructs that end at the end of a line (abi
-- settings, `errors`, `attrs`) compare token line numbers instead.
local diag = require("diag")

local lexer = {}

local PUNCT = {}
for c in ("{}()[]:,"):gmatch(".") do PUNCT[c:byte()] = c end
local IDENT_START = { [95] = true } -- _
for b = 65, 90 do IDENT_START[b], IDENT_START[b + 32] = true, true end
local ESCAPES = { ["\\"] = "\\", ['"'] = '"', n = "\n", t = "\t" }
local MAX_NUMBER = 0xFFFFFFFF

-- Strip the indentation common to all non-blank lines of a long doc, and the
-- blank first and last lines that the """ delimiters leave behind.
local function dedent(text)
    local lines = {}
    for line in (text .. "\n"):gmatch("(.-)\n") do
        lines[#lines + 1] = line:gsub("%s+$", "")
    end
    while #lines > 0 and lines[1] == "" do table.remove(lines, 1) end
    while #lines > 0 and lines[#lines] == "" do table.remove(lines) end
    local indent
    for _, line in ipairs(lines) do
        if line ~= "" then
            local lead = #line:match("^[ \t]*")
            if not indent or lead < indent then indent = lead end
        end
    end
    for i, line in ipairs(lines) do
        lines[i] = line:sub((indent or 0) + 1)
    end
    return table.concat(lines, "\n")
end

-- Return the list of tokens of text, or raise a diagnostic. sink, if given, receives the tokens
-- instead of a new list (tokens[n] = token, in order), e.g. to hand them on as they come.
function lexer.tokenize(text, file, sink)
    local tokens = sink or {}
    local pos, line, line_start = 1, 1, 1
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
    local n = 0 -- #tokens, kept by hand: the loop below runs for every token
    local function push(kind, value, at)
        n = n + 1
        tokens[n] = setmt({ kind = kind, value = value, line = line, col = at - line_start + 1 }, token_mt)
    end

    local bad = select(2, utf8.len(text))
    if bad then
        -- Count lines up to the bad byte so the error points at it.
        local before = text:sub(1, bad - 1)
        local _, nl = before:gsub("\n", "")
        local last = before:match(".*\n()") or 1
        diag.fail({ file = file, line = nl + 1, col = bad - last + 1 },
            string.format("file is not UTF-8 text (byte 0x%02X)", text:byte(bad)))
    end

    local find, byte, sub, match = string.find, string.byte, string.sub, string.match
    while pos <= len do
        local b = byte(text, pos)
        local c
        if b == 10 then -- newline, and the indentation after it
            line, line_start = line + 1, pos + 1
            pos = (find(text, "[^ \t\r]", pos + 1) or len + 1)
        elseif b == 32 or b == 9 or b == 13 then
            pos = (find(text, "[^ \t\r]", pos) or len + 1)
        elseif b == 35 then -- #
            pos = (find(text, "\n", pos, true) or len + 1)
        elseif IDENT_START[b] then
            local after = match(text, "^[%w_]*()", pos + 1)
            n = n + 1
            tokens[n] = setmt({ kind = "ident", value = sub(text, pos, after - 1), line = line,
                                col = pos - line_start + 1 }, token_mt)
            pos = after
            if byte(text, pos) == 32 then pos = pos + 1 end -- the usual single space: no extra turn
        elseif PUNCT[b] then
            c = PUNCT[b]
            n = n + 1
            tokens[n] = setmt({ kind = c, value = c, line = line, col = pos - line_start + 1 }, token_mt)
            pos = pos + 1
            if byte(text, pos) == 32 then pos = pos + 1 end
        elseif b >= 48 and b <= 57 then
            local s, e = text:find("^[%w_]+", pos)
            local word = text:sub(s, e)
            local value
            if word:match("^0[xX]%x+$") then
                value = #word <= 10 and tonumber(word:sub(3), 16) or math.huge
            elseif word:match("^%d+$") then
                value = #word <= 10 and tonumber(word) or math.huge
            else
                fail(pos, "malformed number '" .. word .. "'",
                    "numbers are decimal (42) or hexadecimal (0x2a)")
            end
            if value > MAX_NUMBER then
                fail(pos, "number " .. word .. " is too large (the largest is 4294967295)")
            end
            push("number", value, pos)
            tokens[n].text = word
            pos = e + 1
        elseif b == 34 and sub(text, pos, pos + 2) == '"""' then
            local close = text:find('"""', pos + 3, true)
            if not close then
                fail(pos, 'unterminated long doc: no closing """')
            end
            local body = text:sub(pos + 3, close - 1)
            local ctl = body:find("[\0\1-\8\11-\31\127]")
            if ctl then
                fail(pos, "control character in long doc")
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
                    local esc = text:sub(e + 1, e + 1)
                    if not ESCAPES[esc] then
                        fail(e, "unknown escape '\\" .. esc .. "' in string",
                            'known escapes: \\\\ \\" \\n \\t')
                    end
                    parts[#parts + 1] = ESCAPES[esc]
                    i = e + 2
                elseif stop == "\n" or stop == "" then
                    fail(pos, "unterminated string: no closing '\"' on this line")
                else
                    fail(e, "control character in string")
                end
                assert(s)
            end
            push("string", table.concat(parts), pos)
            pos = i + 1
        elseif text:sub(pos, pos + 1) == "->" then
            push("->", "->", pos)
            pos = pos + 2
        else
            c = sub(text, pos, pos)
            local shown = c:match("[%g]") and ("'" .. c .. "'") or string.format("byte 0x%02X", c:byte())
            if c:byte() >= 0x80 then
                shown = "'" .. text:match("^[\xC2-\xF4][\x80-\xBF]*", pos) .. "'"
            end
            fail(pos, "unexpected character " .. shown)
        end
    end
    push("eof", "end of file", pos)
    return tokens
end

return lexer
