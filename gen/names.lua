-- The names registry: the one place that spells every identifier an output generates, and the
-- table of names the model claims them in, so that a definition whose names would collide - with
-- each other, with C, with the C library libsys declares, or with the hand-written runtime the
-- generated files are compiled with - is refused where it is written instead of failing to build.
--
-- Identifiers live in C's name spaces: "macro" (a macro replaces every later token of its name,
-- so it collides with everything), "ordinary" (functions, objects, typedefs, enumerators), "tag"
-- (struct, union and enum tags), plus "case" (the names of conformance cases, strings that must
-- still be unique). A name also has a domain: "all" (abi.h, which every program and the kernel
-- include), "kernel" (the kernel's translation units) or "user" (libsys and everything built on
-- it: amc helpers, conformance cases, the fuzzer). Two names collide when they are equal, their
-- spaces meet (the same space, or either is a macro) and their domains meet.
local names = {}

----------------------------------------------------------------------------
-- Spellings. Every backend builds identifiers through these, never by hand.

-- syscalls (sc.name; sc.cname, the C spelling, where a C keyword names one), with the abi's libsys prefix for the user wrapper
-- (SYS_MACRO, HANDLER and SHIM: what comes before the name, for an output that puts the name's
-- pieces into a row, where making the name would make a string a syscall)
names.SYS_MACRO, names.HANDLER, names.SHIM = "SYS_", "sys_", "shim_"
function names.sys_macro(sc) return "SYS_" .. sc.name end
function names.handler(sc) return "sys_" .. (sc.cname or sc.name) end
function names.shim(sc) return "shim_" .. (sc.cname or sc.name) end
do
    local sc = { name = "x" }
    assert(names.sys_macro(sc) == names.SYS_MACRO .. "x" and names.handler(sc) == names.HANDLER .. "x" and
        names.shim(sc) == names.SHIM .. "x", "names.SYS_MACRO, HANDLER and SHIM are what comes before the name")
end
function names.wrapper(abi, sc) return abi.prefix .. (sc.cname or sc.name) end
function names.wrapper_prefix(abi) return abi.prefix end -- (names.wrapper's pieces: this, then the C name)
assert(names.wrapper({ prefix = "p_" }, { name = "x" }) == names.wrapper_prefix({ prefix = "p_" }) .. "x",
    "names.wrapper is names.wrapper_prefix and the C name")
function names.results(sc) return "sys_" .. (sc.cname or sc.name) .. "_results" end -- struct tag of extra results
function names.named_type(t) return t.name .. "_t" end -- abi.h's typedef of a flags, enum or resource type

-- the syscall tracer (kernel/trace_table.c): the static list of the values of a flags or enum
-- type, and of a struct field or syscall argument that consts' docs give values ("S.f: ...")
function names.trace_type_values(t) return "values_" .. t.name end
function names.trace_values(owner) return "values_" .. (owner:gsub("%.", "_")) end
function names.trace_fields(s) return "fields_" .. s.name end -- a struct's field list, for the tracer
function names.trace_struct(s) return "trace_struct_" .. s.name end -- a struct's description, for the tracer

-- the syscall contracts (kernel/contracts.c): the errors a syscall may return, one static array
-- per distinct list, named for the first syscall that has it
function names.contract_errors(sc) return "errors_" .. sc.name end

-- conformance cases: their names are strings (conf_cases[].name), unique among all cases: the
-- stem of an argument's cases and a suffix, or a syscall's register case
function names.conf_case(sc, a, suffix) return "conf_" .. sc.name .. "_" .. a.name .. "_" .. suffix end
function names.conf_stem(sc, a) return "conf_" .. sc.name .. "_" .. a.name .. "_" end
function names.conf_regs_case(sc) return "conf_" .. sc.name .. "_regs" end
-- The pieces of a stem and of a register case's name around the syscall's and the argument's
-- names, for an output that puts them into a row (where making the name would make a string):
-- CONF .. S .. CONF_SEP .. A .. CONF_SEP is conf_stem, CONF .. S .. CONF_REGS conf_regs_case.
names.CONF, names.CONF_SEP, names.CONF_REGS = "conf_", "_", "_regs"
do
    local sc, a = { name = "s" }, { name = "a" }
    assert(names.conf_stem(sc, a) == names.CONF .. "s" .. names.CONF_SEP .. "a" .. names.CONF_SEP and
        names.conf_regs_case(sc) == names.CONF .. "s" .. names.CONF_REGS, "names.CONF pieces spell the case names")
end
function names.conf_nosys_case(num, why) return string.format("conf_nosys_%d_%s", num, why) end
function names.conf_retired_why(r) return "retired_" .. r.name end
-- The numbers without a syscall that the conformance cases try (each with its case name's
-- `why`): every retired number, the first four unused ones, the table's end, numbers that agree
-- with the first syscall's in the low byte or half, and the extremes. { {num, why, retired}, ... }
function names.conf_nosys_numbers(m)
    local used, list, seen = {}, {}, {}
    for _, sc in ipairs(m.syscalls) do used[sc.num] = true end
    local retired = {}
    for _, r in ipairs(m.retired) do retired[r.num] = r end
    local function add(num, why, r)
        if not seen[num] and not used[num] then
            seen[num] = true
            list[#list + 1] = { num = num, why = why, retired = r }
        end
    end
    local unused = 0
    for nr = 0, m.table_size - 1 do
        if retired[nr] then
            add(nr, names.conf_retired_why(retired[nr]), retired[nr])
        elseif not used[nr] and unused < 4 then
            unused = unused + 1
            add(nr, "unused")
        end
    end
    add(m.table_size, "past_end")
    local first = m.syscalls[1].num -- the model refuses a definition without syscalls
    if 0x100 + first >= m.table_size then add(0x100 + first, "low_byte_" .. first) end
    add(0x10000 + first, "low_half_" .. first)
    add(0x7FFFFFFF, "int_max")
    add(0x80000000, "int_min")
    add(0xFFFFFFFF, "minus_one")
    return list
end
-- the suffixes of the pointer cases of an argument (names.conf_case)
names.CONF_POINTER_CASES = { "null", "kernel", "unmapped", "wrap", "partly_mapped" }
names.CONF_STRING_CASES = { "at_limit", "too_long" }
names.CONF_MAX_CASE = "over_max"

-- amc services (svc.name) and their messages (msg.name)
function names.service_macro(svc) return svc.name:upper() .. "_SERVICE_NAME" end
function names.event_enum(svc) return svc.name .. "_event" end
function names.handlers(svc) return svc.name .. "_handlers" end
function names.dispatch(svc) return svc.name .. "_dispatch" end
function names.msg_tag(svc, msg) return svc.name .. "_" .. msg.name end
function names.msg_enum(svc, msg) return (svc.name .. "_" .. msg.name):upper() end
function names.msg_size(svc, msg) return names.msg_enum(svc, msg) .. "_SIZE" end
function names.msg_max_size(svc, msg) return names.msg_enum(svc, msg) .. "_MAX_SIZE" end
function names.send(svc, msg) return svc.name .. "_send_" .. msg.name end
function names.call(svc, msg) return svc.name .. "_" .. msg.name end -- a call's client stub
function names.msg_room(svc, msg) return svc.name .. "_" .. msg.name .. "_room" end -- reply buffer union
function names.reply_check(svc, msg) return svc.name .. "_check_" .. msg.name end -- static, in amc_services.c
function names.server(svc) return svc.name .. "_server" end
function names.stats(svc) return svc.name .. "_stats" end
function names.handle(svc) return svc.name .. "_handle" end
function names.serve(svc) return svc.name .. "_serve" end

-- header guards of the generated headers
names.GUARD = {
    abi_h = "ABI_H",
    abi_base_h = "ABI_BASE_H",
    handlers_h = "KERNEL_SYSCALL_HANDLERS_H",
    libsys_h = "LIBSYS_SYSCALLS_H",
    amc_h = "LIBSYS_AMC_SERVICES_H",
}

----------------------------------------------------------------------------
-- Fixed names: what the outputs spell without taking it from the definition. The group is the
-- abi setting `outputs` that asks for the file (nil: abi.h, always written).

-- { group, domain, space, names... } per generated file
names.FIXED = {
    { file = "abi_base.h", domain = "all", space = "macro", words = [[ABI_BASE_H ABI_NAME ABI_VERSION ABI_TRAP
        ABI_TRAP_ASM ABI_MAX_ARGS ABI_USER_LOW ABI_USER_HIGH ABI_AMC_MAX_MESSAGE ABI_AMC_NAME_MAX ABI_ERRNO_MAX
        ABI_ARG_REGISTERS ABI_ERRORS]] },
    { file = "abi.h", domain = "all", space = "macro", words = "ABI_H SYS_TABLE_SIZE" },
    -- abi.inc (NASM) also defines ABI_ARG1.. ABI_ARGn, one per argument register: ABI_ is reserved.
    { file = "abi.inc", domain = "all", space = "macro", words = "ABI_INC ABI_TRAP ABI_MAX_ARGS" },
    { file = "kernel/syscall_handlers.h", group = "kernel", domain = "kernel", space = "macro",
      words = "KERNEL_SYSCALL_HANDLERS_H" },
    -- The descriptor types, the dispatcher and the shims' helper are hand-written kernel C
    -- (kernel/syscall_desc.h, kernel/syscall_shim.h): the runtime scan finds their names.
    { file = "kernel/syscall_table.c", group = "kernel", domain = "kernel", space = "ordinary",
      words = "syscall_table syscall_entries" },
    { file = "libsys/syscalls.h", group = "user", domain = "user", space = "macro",
      words = "LIBSYS_SYSCALLS_H" },
    { file = "libsys/amc_services.h", group = "amc", domain = "user", space = "macro",
      words = "LIBSYS_AMC_SERVICES_H" },
    { file = "conformance/conformance.c", group = "conformance", domain = "user", space = "ordinary",
      words = "conf_kernel_addr conf_error_name conf_error_lists conf_syscalls conf_cases conf_case_count" },
    { file = "fuzz/syscall_fuzzer.c", group = "fuzz", domain = "user", space = "ordinary",
      words = [[fuzz_str_slot fuzz_scratch_need fuzz_error_lists fuzz_values fuzz_args fuzz_syscalls
        fuzz_unused fuzz_unused_count fuzz_syscall_count fuzz_syscall_names fuzz_trap]] },
}

-- The C11 keywords.
names.C_KEYWORDS = {}
for w in ([[auto break case char const continue default do double else enum extern float for goto
    if inline int long register restrict return short signed sizeof static struct switch typedef
    union unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary
    _Noreturn _Static_assert _Thread_local]]):gmatch("%S+") do
    names.C_KEYWORDS[w] = true
end

-- What the freestanding headers the generated code includes define (<stddef.h> <stdint.h>, and
-- <limits.h> <stdarg.h> <stdbool.h> <stdnoreturn.h> which libsys and the kernel use beside
-- them): C11 7.17-7.20 and 7.23. tests/gen/run.lua proves the list against the compiler's headers.
names.STD_MACROS = {}
for w in ([[NULL offsetof
    INT8_MIN INT16_MIN INT32_MIN INT64_MIN INT8_MAX INT16_MAX INT32_MAX INT64_MAX UINT8_MAX
    UINT16_MAX UINT32_MAX UINT64_MAX INT_LEAST8_MIN INT_LEAST16_MIN INT_LEAST32_MIN
    INT_LEAST64_MIN INT_LEAST8_MAX INT_LEAST16_MAX INT_LEAST32_MAX INT_LEAST64_MAX
    UINT_LEAST8_MAX UINT_LEAST16_MAX UINT_LEAST32_MAX UINT_LEAST64_MAX INT_FAST8_MIN
    INT_FAST16_MIN INT_FAST32_MIN INT_FAST64_MIN INT_FAST8_MAX INT_FAST16_MAX INT_FAST32_MAX
    INT_FAST64_MAX UINT_FAST8_MAX UINT_FAST16_MAX UINT_FAST32_MAX UINT_FAST64_MAX INTPTR_MIN
    INTPTR_MAX UINTPTR_MAX INTMAX_MIN INTMAX_MAX UINTMAX_MAX PTRDIFF_MIN PTRDIFF_MAX
    SIG_ATOMIC_MIN SIG_ATOMIC_MAX SIZE_MAX WCHAR_MIN WCHAR_MAX WINT_MIN WINT_MAX
    INT8_C INT16_C INT32_C INT64_C UINT8_C UINT16_C UINT32_C UINT64_C INTMAX_C UINTMAX_C
    CHAR_BIT SCHAR_MIN SCHAR_MAX UCHAR_MAX CHAR_MIN CHAR_MAX MB_LEN_MAX SHRT_MIN SHRT_MAX
    USHRT_MAX INT_MIN INT_MAX UINT_MAX LONG_MIN LONG_MAX ULONG_MAX LLONG_MIN LLONG_MAX ULLONG_MAX
    va_start va_arg va_end va_copy bool true false noreturn]]):gmatch("%S+") do
    names.STD_MACROS[w] = true
end
names.STD_TYPES = {}
for w in ([[size_t ptrdiff_t wchar_t max_align_t va_list
    int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t int_least8_t int_least16_t
    int_least32_t int_least64_t uint_least8_t uint_least16_t uint_least32_t uint_least64_t
    int_fast8_t int_fast16_t int_fast32_t int_fast64_t uint_fast8_t uint_fast16_t uint_fast32_t
    uint_fast64_t intptr_t uintptr_t intmax_t uintmax_t]]):gmatch("%S+") do
    names.STD_TYPES[w] = true
end

----------------------------------------------------------------------------
-- The hand-written runtime: names declared at file scope by the headers the generated files are
-- compiled with, read from the headers themselves so that the list cannot drift.

local GEN_DIR = (debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$")) or "."
names.ROOT = GEN_DIR .. "/.."

-- Directories of headers, the domain of their names.
names.RUNTIME_DIRS = {
    { dir = "kernel", domain = "kernel" },
    { dir = "libsys/include", domain = "user" },
    { dir = "user", domain = "user" },
    { dir = "tests/fuzz", domain = "user" },
    { dir = "tests/conformance", domain = "user" },
    { dir = "include", domain = "all" },
}

-- (Plain searches, not a pattern: a lazy `.-` costs a pattern step per character of the text.)
local function strip_comments(text)
    -- A block comment becomes its body's length of blanks, keeping its newlines so that line
    -- numbers stay right.
    local parts, i = {}, 1
    while true do
        local open = text:find("/*", i, true)
        local close = open and text:find("*/", open + 2, true)
        if not close then break end
        local body = text:sub(open + 2, close - 1)
        parts[#parts + 1] = text:sub(i, open - 1)
        parts[#parts + 1] = body:find("\n", 1, true) and body:gsub("[^\n]", " ") or (" "):rep(#body)
        i = close + 2
    end
    parts[#parts + 1] = text:sub(i)
    return (table.concat(parts):gsub("//[^\n]*", ""))
end

-- The text strip_comments leaves, as far as its words go: a comment is one blank, or nothing if
-- it was empty (strip_comments joins the words beside an empty one), and no character is
-- visited by a pattern (for the word sets of every header, scanned or not).
local function code_of(text)
    local find, sub = string.find, string.sub
    local parts, i = {}, 1
    while true do
        local open = find(text, "/*", i, true)
        local close = open and find(text, "*/", open + 2, true)
        if not close then break end
        parts[#parts + 1] = sub(text, i, open - 1)
        parts[#parts + 1] = close > open + 2 and " " or ""
        i = close + 2
    end
    parts[#parts + 1] = sub(text, i)
    local code = table.concat(parts)
    parts, i = {}, 1
    while true do
        local s = find(code, "//", i, true)
        if not s then break end
        parts[#parts + 1] = sub(code, i, s - 1)
        i = find(code, "\n", s, true) or #code + 1
    end
    parts[#parts + 1] = sub(code, i)
    return table.concat(parts)
end

-- A line inside braces (not an enum's) declares nothing at file scope unless it opens or closes
-- a brace or names a struct, union or enum: then only its parentheses count. The scan skips such
-- lines with a few searches instead of visiting every word (most lines of inline functions).
-- Returns the change of the parenthesis depth, or nil if the line needs the full scan.
local function paren_change_of_plain_line(l)
    if l:find("[{}]") or l:find("[su][tn][ri][uo][cn]") or l:find("enum", 1, true) then return nil end
    if not l:find("[()]") then return 0 end
    return select(2, l:gsub("%(", "")) - select(2, l:gsub("%)", ""))
end

-- File-scope names of one header: macros, tags, enumerators, and the functions, objects and
-- typedefs it declares. A light scanner, not a C parser: it needs to find names, not meanings.
function names.scan_header(text, file, domain, out)
    text = strip_comments(text) .. "\n"
    local line = 1
    local function add(name, space, at)
        if names.C_KEYWORDS[name] or name:match("^__") then return end
        out[#out + 1] = { name = name, space = space, domain = domain,
                          pos = { file = file, line = line, col = at } }
    end
    local depth, paren, in_enum, enum_depth = 0, 0, false, 0
    local pending_tag
    local continued = false -- the line goes on a preprocessor line (a macro's body): no declarations
    local from = 1
    while true do
        local nl = text:find("\n", from, true)
        if not nl then break end
        local l = text:sub(from, nl - 1)
        from = nl + 1
        local d = not continued and l:match("^%s*#%s*define%s+()[%a_]")
        local directive = continued or l:match("^%s*#")
        continued = directive and l:match("\\%s*$") ~= nil
        local change = not directive and depth > 0 and not in_enum and paren_change_of_plain_line(l)
        if change then
            paren = paren + change
        elseif not directive and not l:find("[%a_{}();,%[=]") then -- nothing the scan would see
            goto next_line
        elseif d then
            add(l:match("^[%w_]+", d), "macro", d)
        elseif not directive then
            local pos, p = 1, nil
            while true do
                -- The next word, and the first character after it and its blanks ("" at the end).
                local s, word, e, next_char = l:match("()([%a_][%w_]*)()%s*(.?)", pos)
                -- The next punctuation at or after pos (found again only once pos is past it).
                if not p or p < pos then p = l:find("[{}();,%[=]", pos) or #l + 1 end
                if p <= #l and (not s or p < s) then
                    local c = l:sub(p, p)
                    if c == "{" then
                        depth = depth + 1
                        if pending_tag == "enum" then in_enum, enum_depth = true, depth end
                        pending_tag = nil
                    elseif c == "}" then
                        if in_enum and depth == enum_depth then in_enum = false end
                        depth = depth - 1
                    elseif c == "(" then
                        paren = paren + 1
                    elseif c == ")" then
                        paren = paren - 1
                    end
                    pos = p + 1
                elseif s then
                    if word == "struct" or word == "union" or word == "enum" then
                        local ts, tag, te = l:match("^%s*()([%a_][%w_]*)()", e)
                        if tag then
                            local next_c = l:match("^%s*(.)", te)
                            if next_c == "{" or (next_c == nil and depth == 0) then add(tag, "tag", ts) end
                            e = te
                        end
                        pending_tag = word
                    elseif in_enum and depth == enum_depth and paren == 0 then
                        local before = l:sub(1, s - 1):match("(%S)%s*$")
                        if not before or before == "," or before == "{" then add(word, "ordinary", s) end
                    elseif depth == 0 and (paren == 0 or paren == 1) then
                        local after = next_char
                        if paren == 0 and (after == "(" or after == ";" or after == "[" or after == "=" or
                            after == ",") then
                            add(word, "ordinary", s)
                        elseif paren == 1 and after == ")" and l:sub(1, s - 1):match("%(%s*%*%s*$") then
                            add(word, "ordinary", s) -- typedef int (*name)(...)
                        end
                    end
                    pos = e
                else
                    break
                end
            end
        end
        ::next_line::
        line = line + 1
    end
    return out
end

-- The words of the headers of list (below): per header its words and macros, and over all of
-- them the words, the macros, the rests of family names (PREFIX .. rest) and whether a word is
-- stem-like (Registry.implicit: the registry then takes no stem implicitly).
local function words_of(list)
    local per = {}
    for i, h in ipairs(list) do
        local words, macros, code = {}, {}, code_of(h.text)
        for w in code:gmatch("[%a_][%w_]*") do words[w] = true end
        -- (Every word after a `define`: more than the scan takes for a macro, never less.)
        local at = code:find("define", 1, true)
        while at do
            local w = code:match("^define%s+([%a_][%w_]*)", at)
            if w then macros[w] = true end
            at = code:find("define", at + 6, true)
        end
        per[i] = { words, macros }
    end
    local words, macros, family_words = {}, {}, {}
    for _, wm in ipairs(per) do
        for w in pairs(wm[1]) do words[w] = true end
        for w in pairs(wm[2]) do macros[w] = true end
    end
    local by_start = {}
    for _, family in ipairs(names.FAMILIES) do
        local prefix = family[1]
        by_start[prefix:sub(1, 4)] = by_start[prefix:sub(1, 4)] or {}
        table.insert(by_start[prefix:sub(1, 4)], prefix)
    end
    local stem_words = false
    for w in pairs(words) do
        for _, prefix in ipairs(by_start[w:sub(1, 4)] or {}) do
            if w:sub(1, #prefix) == prefix then family_words[w:sub(#prefix + 1)] = true end
        end
        stem_words = stem_words or names.stem_like(w)
    end
    return per, words, macros, family_words, stem_words
end
names.words_of = words_of -- (tests/gen/model_test.lua proves the cached words against it)

-- words_of's results as a Lua chunk that returns them.
local function words_chunk(per, ...)
    local function set(t)
        local out = {}
        for w in pairs(t) do out[#out + 1] = string.format("[%q]=true", w) end
        table.sort(out)
        return "{" .. table.concat(out, ",") .. "}"
    end
    local parts = {}
    for i, wm in ipairs(per) do parts[i] = "{" .. set(wm[1]) .. "," .. set(wm[2]) .. "}" end
    local words, macros, family_words, stem_words = ...
    return "return {" .. table.concat(parts, ",\n") .. "},\n" .. set(words) .. ",\n" .. set(macros) .. ",\n" ..
        set(family_words) .. ",\n" .. tostring(stem_words)
end

-- The runtime headers, read once per process: { file (as notes name it), domain, text, words,
-- macros } in the order the registry takes their names (RUNTIME_DIRS, then by name). words is the
-- set of identifiers the text spells outside comments: a name that is none of them is declared
-- by no header, whatever a scan would find; macros, those that follow a #define. And what every
-- registry asks before it looks a name up: list.words and list.macros (some header's), and
-- list.family_words and list.stem_words (words_of). Finding the words visits every character of
-- the headers (a sixth of a run on the real definition): so they come from gen/cache.lua's
-- build/luac/headers.luac while it was computed from the very same files and texts.
local headers_cache
function names.headers()
    if headers_cache then return headers_cache end
    local list = {}
    -- One ls for every directory (a process each would cost more than reading the headers).
    local globs = {}
    for i, d in ipairs(names.RUNTIME_DIRS) do globs[i] = names.ROOT .. "/" .. d.dir .. "/*.h" end
    local p = io.popen("ls -d " .. table.concat(globs, " ") .. " 2>/dev/null")
    local paths = p and p:read("a") or ""
    if p then p:close() end
    local by_dir = {}
    for path in paths:gmatch("[^\n]+") do
        local dir = path:sub(#names.ROOT + 2):match("^(.*)/[^/]*$")
        by_dir[dir] = by_dir[dir] or {}
        table.insert(by_dir[dir], path)
    end
    local key = { "layercake header words 1\n" }
    for _, d in ipairs(names.RUNTIME_DIRS) do
        for _, path in ipairs(by_dir[d.dir] or {}) do
            local f = io.open(path, "rb")
            if f then
                local text = f:read("a")
                f:close()
                local h = { file = d.dir .. "/" .. path:match("([^/]+)$"), domain = d.domain, text = text }
                list[#list + 1] = h
                key[#key + 1] = h.file .. " " .. h.domain .. " " .. #text .. "\n" .. text
            end
        end
    end
    key = table.concat(key)
    local cache = require("cache")
    local path = cache.dir(names.ROOT) .. "/headers.luac"
    local bytecode = cache.get(path, key)
    local chunk = bytecode and load(bytecode, "=(header words)", "b")
    local per, words, macros, family_words, stem_words
    if chunk then
        per, words, macros, family_words, stem_words = chunk()
    else
        per, words, macros, family_words, stem_words = words_of(list)
        cache.put(path, key, string.dump(assert(load(words_chunk(per, words, macros, family_words, stem_words)))))
    end
    for i, h in ipairs(list) do h.words, h.macros = per[i][1], per[i][2] end
    list.words, list.macros, list.family_words, list.stem_words = words, macros, family_words, stem_words
    headers_cache = list
    return list
end

-- The names one header declares, by name: { [name] = { declaration, ... } } in the order of the
-- header (scan_header's { name, space, domain, pos }). Scanned the first time they are asked for,
-- or taken from gen/cache.lua's build/luac/decls@FILE.luac while it holds the same text (a scan
-- tries patterns on every line: 9 headers are a seventh of a run on the real definition).
local function scan_declarations(h)
    local decls = {}
    for _, rt in ipairs(names.scan_header(h.text, h.file, h.domain, {})) do
        local list = decls[rt.name]
        if not list then
            list = {}
            decls[rt.name] = list
        end
        list[#list + 1] = rt
    end
    return decls
end

-- scan_declarations's result as a Lua chunk that returns it.
local function declarations_chunk(h, decls)
    local parts, fmt = {}, string.format
    for name, list in pairs(decls) do
        local items = {}
        for i, rt in ipairs(list) do
            items[i] = fmt("{name=%q,space=%q,domain=D,pos={file=F,line=%d,col=%d}}", rt.name, rt.space, rt.pos.line,
                rt.pos.col)
        end
        parts[#parts + 1] = fmt("[%q]={%s}", name, table.concat(items, ","))
    end
    table.sort(parts)
    return fmt("local F, D = %q, %q\nreturn {%s}", h.file, h.domain, table.concat(parts, ",\n"))
end

local function declarations(h)
    if not h.decls then
        local cache = require("cache")
        local key = "layercake header declarations 1\n" .. h.file .. " " .. h.domain .. " " .. #h.text .. "\n" .. h.text
        local path = cache.dir(names.ROOT) .. "/decls@" .. h.file:gsub("[^%w%-]", "_") .. ".luac"
        local bytecode = cache.get(path, key)
        local chunk = bytecode and load(bytecode, "=(header declarations)", "b")
        if chunk then
            h.decls = chunk()
        else
            h.decls = scan_declarations(h)
            cache.put(path, key, string.dump(assert(load(declarations_chunk(h, h.decls)))))
        end
    end
    return h.decls
end
-- (tests/gen/model_test.lua proves the cached declarations against a scan)
names.declarations, names.scan_declarations = declarations, scan_declarations

-- Every runtime name: { name, space, domain, pos }, in the registry's order.
function names.runtime()
    local out = {}
    for _, h in ipairs(names.headers()) do names.scan_header(h.text, h.file, h.domain, out) end
    return out
end

----------------------------------------------------------------------------
-- The registry the model claims names in.

local Registry = {}
Registry.__index = Registry
local byte, sub = string.byte, string.sub

-- Names made of a fixed prefix and a syscall's name: { prefix, space, domain, output group }.
-- Two names of one family differ when the syscalls' names do, and two families' prefixes differ.
-- A stored name that starts with a family prefix is indexed by the rest (Registry.family_rest),
-- so a syscall whose name is not there needs no lookup per family.
names.FAMILIES = {
    { "SYS_", "macro", "all" },
    { "sys_", "ordinary", "kernel", "kernel" }, { "shim_", "ordinary", "kernel", "kernel" },
    { "errors_", "ordinary", "kernel", "kernel" },
}
local PREFIXES_BY_START = {}
for _, family in ipairs(names.FAMILIES) do
    local prefix = family[1]
    local start = prefix:sub(1, 4)
    PREFIXES_BY_START[start] = PREFIXES_BY_START[start] or {}
    table.insert(PREFIXES_BY_START[start], prefix)
end

-- Note in family_rest what name leaves after each family prefix it starts with.
local function index_family(self, name)
    local prefixes = PREFIXES_BY_START[name:sub(1, 4)]
    if not prefixes then return end
    for _, prefix in ipairs(prefixes) do
        if name:sub(1, #prefix) == prefix then self.family_rest[name:sub(#prefix + 1)] = true end
    end
end

-- True if some stored name is PREFIX .. rest for a family prefix: only then can a family name of
-- a syscall named rest collide with anything.
function Registry:family_may_clash(rest)
    return self.family_rest[rest] ~= nil or self.headers.family_words[rest] ~= nil
end

-- The runtime's names are taken lazily, name by name: the first time the registry is asked about
-- a name that some header spells, every declaration of it is taken from the headers
-- that spell it, in the order an eager registry would have taken them (after the fixed and C
-- library names, before any name of the definition, which always asks first). So only headers
-- that spell a name the definition uses are ever scanned (once a process).
function Registry:load(name)
    self.loaded[name] = true
    local headers = self.headers
    for i = 1, #headers do
        local h = headers[i]
        if h.words[name] then
            local list = declarations(h)[name]
            for j = 1, list and #list or 0 do
                local rt = list[j]
                -- A hand-written header may declare what a generated file defines (fuzz.h declares
                -- fuzz_syscall_count): the fixed name keeps its owner.
                if not self:find(rt.space, rt.name, rt.domain) then
                    self:claim(rt.space, rt.name, rt.domain, { what = "the declaration in " .. rt.pos.file,
                        pos = rt.pos, libc = rt.pos.file:match("^libsys/") ~= nil })
                end
            end
        end
    end
end

-- A claim's space and domain in one small integer, so that a name costs one slot in each of two
-- tables however it is claimed (none in code for the usual one): code = 4 * space + domain.
local SPACE = { macro = 0, ordinary = 1, tag = 2, case = 3 }
local DOMAIN = { all = 1, kernel = 2, user = 3 }
local MACRO_LAST = 3 -- macros have the codes 1 (all), 2 (kernel) and 3 (user)
-- The code of most claims (a syscall's wrapper): not stored, code[name] is nil for it.
local USUAL_CODE = 4 * SPACE.ordinary + DOMAIN.user

-- meets[code][query code]: the claim with code collides with a query (space, domain). Spaces
-- meet when equal or either is a macro; domains when equal or either is "all".
local meets = {}
for s1 = 0, 3 do
    for d1 = 1, 3 do
        local row = {}
        for s2 = 0, 3 do
            for d2 = 1, 3 do
                row[4 * s2 + d2] = (s1 == s2 or s1 == 0 or s2 == 0) and (d1 == d2 or d1 == 1 or d2 == 1)
            end
        end
        meets[4 * s1 + d1] = row
    end
end

-- Among several claims of one name that meet a query, the one reported: the first of the
-- domains a query of its domain meets (all, kernel, user), then of the spaces (the query's own,
-- then macro, ordinary, tag, case): the order the registry has always answered in.
local function rank(code, space)
    local s, d = code // 4, code % 4
    return d * 8 + (s == space and 0 or s + 1)
end

-- Conformance stems by construction. A definition's argument cases are named for a stem,
-- "conf_" .. syscall .. "_" .. argument .. "_" (names.conf_stem): the fast path of
-- gen/model_fast.lua claims none of these as a string (a large definition has one or two per
-- syscall), but proves its stems unlike any other (it takes a syscall only while no stored name
-- and no header word is stem-like, and none of its stems can equal another syscall's) and sets
-- registry.implicit, which answers "whose stem is this name?" (an owner, or nil). The registry
-- asks it the first time it is asked about a stem-like name nobody has claimed, and stores the
-- answer as the claim the stem would have been: so every answer is the one it gave when every
-- stem was claimed as it came.
local CASE_CODE = 4 * SPACE.case + DOMAIN.user

-- True if name could be a stem: it starts with "conf_" and ends with "_". (first: its first byte,
-- if the caller has it.)
local function stem_like(name, first)
    return (first or byte(name)) == 99 and byte(name, -1) == 95 and sub(name, 1, 5) == "conf_"
end
names.stem_like = stem_like

-- The implicit stem name, claimed now (see above), or nil.
local function implicit_stem(self, name)
    local owner = self.implicit(name)
    if owner then
        self.owner[name], self.code[name], self.stem_like_taken = owner, CASE_CODE, true
    end
    return owner
end

-- The owner of a name that collides with name in (space, domain), or nil. One table lookup for
-- a name nobody has claimed, which is almost every name a large definition asks about.
function Registry:find(space, name, domain)
    if self.headers.words[name] and self.loaded and not self.loaded[name] then self:load(name) end
    local owner = self.owner[name]
    if owner == nil then
        if not self.implicit or not stem_like(name) then return nil end
        owner = implicit_stem(self, name)
        if owner == nil then return nil end
    end
    local q = 4 * SPACE[space] + DOMAIN[domain]
    local more = self.more[name]
    if not more then
        if meets[self.code[name] or USUAL_CODE][q] then return owner end
        return nil
    end
    local best, best_rank
    for i = 1, #more, 2 do
        local code = more[i]
        if meets[code][q] and (not best or rank(code, SPACE[space]) < best_rank) then
            best, best_rank = more[i + 1], rank(code, SPACE[space])
        end
    end
    return best
end

-- Take name for owner. Returns the owner it collides with, or nil. The same owner may claim a
-- name twice. (One slot per name in each of two tables: a large definition claims hundreds of
-- thousands; a name claimed again in a space and domain that do not meet the first gets a list.)
function Registry:claim(space, name, domain, owner)
    local prev = self:find(space, name, domain) -- (which takes the runtime's claims of name first)
    if prev then
        if prev ~= owner then return prev end
        return nil
    end
    local code = 4 * SPACE[space] + DOMAIN[domain]
    if self.owner[name] == nil then
        if not self.stem_like_taken and stem_like(name) then self.stem_like_taken = true end
        self.owner[name] = owner
        if code ~= USUAL_CODE then self.code[name] = code end
        index_family(self, name)
        return nil
    end
    local more = self.more[name]
    if not more then
        more = { self.code[name] or USUAL_CODE, self.owner[name] }
        self.more[name] = more
    end
    more[#more + 1], more[#more + 2] = code, owner
    return nil
end

-- True if nobody has claimed name, in any space or domain (first: its first byte, if the caller
-- has it).
function Registry:unclaimed(name, first)
    if self.headers.words[name] and self.loaded and not self.loaded[name] then self:load(name) end
    if self.owner[name] ~= nil then return false end
    return not (self.implicit and (first or byte(name)) == 99 and stem_like(name, first) and implicit_stem(self, name))
end

-- Claim a name that is unclaimed (Registry:unclaimed), starts with no family prefix and, unless
-- it is a "case", is not stem-like (the fast path's claims, checked before): no lookup, no index.
function Registry:claim_new(space, name, domain, owner)
    self.owner[name] = owner
    if space == "case" then self.stem_like_taken = true end
    local code = 4 * SPACE[space] + DOMAIN[domain]
    if code ~= USUAL_CODE then self.code[name] = code end
end

-- The owner of a macro of any domain named name (fields and arguments meet every macro), or nil.
function Registry:macro(name)
    -- (A name no header #defines has no macro among the runtime's claims, and the definition's
    -- claims of it are already in: they asked first.)
    local headers = self.headers
    if headers.macros[name] and headers.words[name] and self.loaded and not self.loaded[name] then self:load(name) end
    local owner = self.owner[name]
    if owner == nil then return nil end
    local more = self.more[name]
    if not more then
        return (self.code[name] or USUAL_CODE) <= MACRO_LAST and owner or nil
    end
    local best
    for i = 1, #more, 2 do
        if more[i] <= MACRO_LAST and (not best or more[i] < best) then best = more[i] end
    end
    for i = 1, #more, 2 do
        if more[i] == best then return more[i + 1] end
    end
    return nil
end

-- Line of gen/names.lua that lists a fixed name, for the note that names it.
local function fixed_pos(word)
    local f = io.open(GEN_DIR .. "/names.lua", "rb")
    local text = f and f:read("a") or ""
    if f then f:close() end
    local at = text:find("%f[%w_]" .. word .. "%f[^%w_]")
    local line = 1
    if at then
        for _ in text:sub(1, at):gmatch("\n") do line = line + 1 end
    end
    return { file = "gen/names.lua", line = line }
end

-- The fixed and C library names of the outputs asked for (groups: the abi's outputs set), in a
-- registry that every registry of the same groups starts as a copy of (a process that loads
-- many small definitions, the tests, would claim them again for each).
local starts = {}
local function start(groups)
    local key = {}
    for i, fx in ipairs(names.FIXED) do key[i] = (not fx.group or groups[fx.group]) and "1" or "0" end
    key = table.concat(key)
    if starts[key] then return starts[key] end
    -- (loaded is nil: no lazy loading yet, a header's declaration of one of these names must
    -- find it in.)
    local r = setmetatable({ owner = {}, code = {}, more = {}, family_rest = {}, loaded = nil,
                             headers = names.headers() }, Registry)
    for _, fx in ipairs(names.FIXED) do
        if not fx.group or groups[fx.group] then
            for w in fx.words:gmatch("%S+") do
                local owner = { what = "the generated " .. fx.file, fixed = w }
                r:claim(fx.space, w, fx.domain, owner)
            end
        end
    end
    local std = { what = "<stdint.h>, <stddef.h> and <limits.h>", std = true, libc = true }
    for w in pairs(names.STD_MACROS) do r:claim("macro", w, "all", std) end
    for w in pairs(names.STD_TYPES) do r:claim("ordinary", w, "all", std) end
    starts[key] = r
    return r
end

local function copy(t)
    local c = {}
    for k, v in pairs(t) do c[k] = v end
    return c
end

-- A registry holding what every definition meets: the fixed names of the outputs asked for
-- (groups: the abi's outputs set), the C library's and the runtime's names (these when asked for).
function names.registry(groups)
    local s = start(groups)
    local more = {}
    for name, list in pairs(s.more) do more[name] = copy(list) end
    return setmetatable({ owner = copy(s.owner), code = copy(s.code), more = more, family_rest = copy(s.family_rest),
                          loaded = {}, headers = s.headers, implicit = nil,
                          stem_like_taken = s.stem_like_taken or s.headers.stem_words }, Registry)
end

-- Where the note about owner points: its position, or the registry line of a fixed name.
function names.owner_pos(owner)
    if owner.pos then return owner.pos end
    if owner.fixed then return fixed_pos(owner.fixed) end
    return nil
end

return names
