-- The ABI lock (abi/abi.lock): one line per released fact a compiled program depends on.
-- --lock refuses a definition that changes one of them incompatibly; --update-lock records new
-- entries (and compatible changes, such as a raised bound). The policy is the table in
-- abi/README.md ("The lock"). Line formats:
--   abi version N | abi trap 0xNN | abi arg_registers R... | abi user_space 0xLOW 0xHIGH
--   abi amc_max_message N | abi amc_name_max N
--   abi pair_order ORDER | abi result_registers R...          (version 2 only)
--   const NAME VALUE                                         (also every flags/enum member, resource special)
--   error NAME NUMBER
--   error-alias NAME TARGET                                  (v2)
--   flags NAME BASE | enum NAME BASE | resource NAME BASE     (v2)
--   syscall N NAME (ARG, ...) -> RET [[RESULT ...]] [noreturn] [returns_twice]
--     ARG: SCALAR | DIR ELEM[#LEN][?] [max M toolong E] | in str[N][?] toolong E | DIR TYPE[?]
--     SCALAR, TYPE, RET: a scalar (i32 ...), or a named type with its base: pid(i32)
--     ELEM: bytes, or the element type of T[COUNT]; [*#LEN] for a value-result length
--     RESULT: NAME:SCALAR (an extra result register, v2)
--   retired N NAME
--   struct NAME SIZE FIELD:TYPE@OFFSET ...
--   service NAME "SERVICE-NAME"
--   message SERVICE N NAME SIZE FIELD:TYPE@OFFSET ... [max M]
--   retired-message SERVICE N NAME
--   call SERVICE N NAME -> REPLY-N REPLY-NAME   (message N of SERVICE is a call answered by REPLY)
-- Bounds (max, str[N], a message's max) are lower limits: raising one is compatible, lowering
-- one is not. Giving a plain scalar a named type with the same base (u32 -> wait_flags(u32),
-- i32 -> pid(i32)) is compatible; so are version 1 -> 2 and result registers appended. Everything
-- else on a line must stay exactly as locked.
local diag = require("diag")
local model_names = require("model_names")
local byte = string.byte

local lock = {}

local ABI_SETTINGS = { "version", "trap", "arg_registers", "user_space", "amc_max_message", "amc_name_max",
                       "pair_order", "result_registers" }
-- Settings a version 1 lock never has (the v1 lock text stays as it was).
local V2_SETTINGS = { pair_order = true, result_registers = true }

----------------------------------------------------------------------------
-- Entries of a model

-- A scalar or pointed-to type as the lock spells it: the base, or NAME(BASE) for a named type.
local function type_text(t, named)
    return named and (named.name .. "(" .. t.name .. ")") or t.name
end

-- A fact's core text -> { core, sig (the core with named types reduced to their bases: what must
-- never change), named (the first named type's name, or nil) }.
local function with_sig(f)
    f.sig = f.core:gsub("[%w_]+%(([%w_]+)%)", "%1")
    f.named = f.core:match("([%w_]+)%([%w_]+%)")
    return f
end

-- An argument as { core, sig, named, bound, toolong }: bound may only grow.
local function arg_fact(a)
    local opt = a.optional and "?" or ""
    if a.kind == "scalar" then return with_sig({ core = type_text(a.type, a.named) }) end
    if a.kind == "bytes" then
        return with_sig({ core = string.format("%s %s[%s#%d]%s", a.dir, a.elem and a.elem.name or "bytes",
            a.len_by_ptr and "*" or "", a.len_arg, opt), bound = a.max and a.max.value, toolong = a.max and a.toolong.name })
    end
    if a.kind == "str" then return with_sig({ core = "in str" .. opt, bound = a.size.value, toolong = a.toolong.name }) end
    return with_sig({ core = a.dir .. " " .. type_text(a.type, a.named) .. opt })
end

local function arg_text(f)
    local str_opt = f.core:match("^in str(%??)$")
    if str_opt then return string.format("in str[%d]%s toolong %s", f.bound, str_opt, f.toolong) end
    if f.bound then return string.format("%s max %d toolong %s", f.core, f.bound, f.toolong) end
    return f.core
end

local function layout(fields, var)
    local parts = {}
    for i, f in ipairs(fields) do
        local t = f.type
        local ty = t.name
        if f == var then
            ty = t.elem.name .. "[" .. f.len_field.name .. "]"
        elseif t.kind == "array" then
            ty = t.elem.name .. "[" .. t.count .. "]"
        end
        parts[i] = f.name .. ":" .. ty .. "@" .. f.offset
    end
    return table.concat(parts, " ")
end

local function setting_text(abi, key)
    local v = abi[key]
    if v == nil then return nil end
    if key == "trap" then return string.format("0x%02X", v) end
    if V2_SETTINGS[key] and abi.version < 2 then return nil end
    if key == "arg_registers" or key == "result_registers" then return table.concat(v, " ") end
    if key == "user_space" then return string.format("0x%08X 0x%08X", abi.user_low, abi.user_high) end
    if type(v) == "table" then return tostring(v.value) end -- a size: number or const
    return tostring(v)
end

-- (arg_text once per fact: a model's syscalls share them.)
local arg_texts = setmetatable({}, { __mode = "k" })

local function syscall_text(d)
    local args, results = {}, {}
    for i, f in ipairs(d.args) do
        local t = arg_texts[f]
        if not t then
            t = arg_text(f)
            arg_texts[f] = t
        end
        args[i] = t
    end
    for i, r in ipairs(d.results) do results[i] = r.name .. ":" .. r.core end
    local attrs = #results > 0 and (" [" .. table.concat(results, " ") .. "]") or ""
    if d.noreturn then attrs = attrs .. " noreturn" end
    if d.returns_twice then attrs = attrs .. " returns_twice" end
    return string.format("syscall %d %s (%s) -> %s%s", d.num, d.name, table.concat(args, ", "), d.ret.core, attrs)
end

local function message_text(d)
    return string.format("message %s %d %s %d %s%s", d.service, d.num, d.name, d.size, d.layout,
        d.max and (" max " .. d.max) or "")
end

-- The lock entries of a model, as { key, text, data, tok, what } in file order.
function lock.entries(m)
    local list = {}
    local function add(key, data, text, tok, what)
        list[#list + 1] = { key = key, data = data, text = text, tok = tok or m.abi.kw, what = what }
    end
    local abi = m.abi
    for _, key in ipairs(ABI_SETTINGS) do
        local v = setting_text(abi, key)
        if v then
            add("abi " .. key, { value = v }, "abi " .. key .. " " .. v, abi.setting_tok and abi.setting_tok[key],
                "abi setting " .. key)
        end
    end
    for _, c in ipairs(m.consts) do
        add("const " .. c.name, { value = c.value }, string.format("const %s %d", c.name, c.value), c.tok,
            "const " .. c.name)
    end
    for _, e in ipairs(m.errors) do
        add("error " .. e.name, { value = e.num }, string.format("error %s %d", e.name, e.num), e.tok,
            "error " .. e.name)
    end
    for _, a in ipairs(m.error_aliases or {}) do
        add("error-alias " .. a.name, { value = a.target.name }, "error-alias " .. a.name .. " " .. a.target.name,
            a.tok, "error alias " .. a.name)
    end
    for _, types in ipairs({ m.flags or {}, m.enums or {}, m.resources or {} }) do
        for _, t in ipairs(types) do
            add(t.kind .. " " .. t.name, {}, t.kind .. " " .. t.name .. " " .. t.base.name, t.tok, t.kind .. " " .. t.name)
        end
    end
    -- An argument's fact, once per argument table (the model shares the tables of the arguments
    -- that are alike, and the facts are read-only).
    -- The same for a result type, once per spelling.
    local facts, rets = {}, {}
    for _, sc in ipairs(m.syscalls) do
        local ret = sc.ret_type and type_text(sc.ret_type.base or sc.ret_type, sc.ret_type.base and sc.ret_type) or
            sc.ret
        local ret_fact = rets[ret]
        if not ret_fact then
            ret_fact = with_sig({ core = ret })
            rets[ret] = ret_fact
        end
        local d = { num = sc.num, name = sc.name, ret = ret_fact, args = {}, results = {},
                    noreturn = sc.attrs.noreturn or false, returns_twice = sc.attrs.returns_twice or false }
        for i, a in ipairs(sc.args) do
            local f = facts[a]
            if not f then
                f = arg_fact(a)
                facts[a] = f
            end
            d.args[i] = f
        end
        for i, r in ipairs(sc.results or {}) do
            d.results[i] = with_sig({ name = r.name, core = type_text(r.named and r.named.base or r.type, r.named) })
        end
        add("syscall " .. sc.num, d, syscall_text(d), model_names.syscall_num_tok(sc), "syscall " .. sc.num .. " " .. sc.name)
    end
    for _, r in ipairs(m.retired) do
        add("retired " .. r.num, { num = r.num, name = r.name }, string.format("retired %d %s", r.num, r.name),
            r.tok, "retired " .. r.num .. " " .. r.name)
    end
    for _, s in ipairs(m.structs) do
        add("struct " .. s.name, {}, string.format("struct %s %d %s", s.name, s.size, layout(s.fields)),
            s.tok, "struct " .. s.name)
    end
    for _, svc in ipairs(m.services) do
        add("service " .. svc.name, {}, string.format("service %s \"%s\"", svc.name, svc.service), svc.tok,
            "service " .. svc.name)
        for _, msg in ipairs(svc.messages) do
            local d = { service = svc.name, num = msg.num, name = msg.name, size = msg.fixed_size,
                        layout = layout(msg.fields, msg.var), max = msg.var_max and msg.var_max.value }
            add("message " .. svc.name .. " " .. msg.num, d, message_text(d), msg.num_tok,
                "message " .. svc.name .. "." .. msg.name)
            if msg.reply then
                add("call " .. svc.name .. " " .. msg.num, { service = svc.name, num = msg.num, name = msg.name },
                    string.format("call %s %d %s -> %d %s", svc.name, msg.num, msg.name, msg.reply.num, msg.reply.name),
                    msg.num_tok, "call " .. svc.name .. "." .. msg.name)
            end
        end
        for _, r in ipairs(svc.retired) do
            add("retired-message " .. svc.name .. " " .. r.num, { service = svc.name, num = r.num, name = r.name },
                string.format("retired-message %s %d %s", svc.name, r.num, r.name), r.tok,
                "retired message " .. svc.name .. " " .. r.num .. " " .. r.name)
        end
    end
    return list
end

function lock.render(m)
    local out = {
        "# The released " .. m.abi.name .. " ABI: written by `make abi-lock` (gen/main.lua --update-lock).",
        "# A locked entry never changes incompatibly: the policy is in abi/README.md (\"The lock\").",
    }
    for _, e in ipairs(lock.entries(m)) do out[#out + 1] = e.text end
    return table.concat(out, "\n") .. "\n"
end

----------------------------------------------------------------------------
-- Reading a lock file

-- A scalar or type as type_text spells it.
local function is_type_text(t)
    return t:match("^[%w_]+$") or t:match("^[%w_]+%([%w_]+%)$")
end

local function parse_arg(text)
    local n, opt, tl = text:match("^in str%[(%d+)%](%??) toolong (%S+)$")
    if n then return with_sig({ core = "in str" .. opt, bound = tonumber(n), toolong = tl }) end
    local core, bound, toolong = text:match("^(%a+ [%w_]+%[%*?#%d+%]%??) max (%d+) toolong (%S+)$")
    if core then return with_sig({ core = core, bound = tonumber(bound), toolong = toolong }) end
    local dir, rest = text:match("^(%a+) (.+)$")
    if is_type_text(text) or (dir and (is_type_text(rest:gsub("%?$", "")) or rest:match("^[%w_]+%[%*?#%d+%]%??$"))) then
        return with_sig({ core = text })
    end
    return nil
end

-- The facts of a lock being parsed, once per spelling (read-only; a lock repeats them).
local arg_facts, ret_facts

local function parse_syscall(line)
    local num, name, args, ret, attrs = line:match("^syscall (%d+) (%S+) %((.-)%) %-> (%S+)(.*)$")
    if not num or not is_type_text(ret) then return nil end
    local ret_fact = ret_facts[ret]
    if not ret_fact then
        ret_fact = with_sig({ core = ret })
        ret_facts[ret] = ret_fact
    end
    local d = { num = tonumber(num), name = name, ret = ret_fact, args = {}, results = {},
                noreturn = false, returns_twice = false }
    local results, rest = attrs:match("^ %[(.-)%](.*)$")
    if results then
        attrs = rest
        for r in results:gmatch("%S+") do
            local rname, core = r:match("^([%w_]+):(.+)$")
            if not rname or not is_type_text(core) then return nil end
            d.results[#d.results + 1] = with_sig({ name = rname, core = core })
        end
        if #d.results == 0 then return nil end
    end
    for word in attrs:gmatch("%S+") do
        if word ~= "noreturn" and word ~= "returns_twice" then return nil end
        d[word] = true
    end
    if args ~= "" then
        for a in (args .. ", "):gmatch("(.-), ") do
            local f = arg_facts[a]
            if f == nil then
                f = parse_arg(a) or false
                arg_facts[a] = f
            end
            if not f then return nil end
            d.args[#d.args + 1] = f
        end
    end
    return "syscall " .. num, d
end

local function parse_message(line)
    local svc, num, name, size, rest = line:match("^message (%S+) (%d+) (%S+) (%d+) ?(.*)$")
    if not svc then return nil end
    local body, max = rest:match("^(.-) max (%d+)$")
    local d = { service = svc, num = tonumber(num), name = name, size = tonumber(size),
                layout = body or rest, max = max and tonumber(max) }
    return "message " .. svc .. " " .. num, d
end

-- What the value of each locked abi setting looks like.
local SETTING_SHAPES = {
    version = "^%d+$", trap = "^0x%x+$", arg_registers = "^e[a-z][a-z][ a-z]*$",
    user_space = "^0x%x+ 0x%x+$", amc_max_message = "^%d+$", amc_name_max = "^%d+$",
    pair_order = "^[a-z]+_[a-z]+$", result_registers = "^eax[ a-z]*$",
}

local function named_type_line(kind, line)
    local name = line:match("^" .. kind .. " ([%w_]+) [%w_]+$")
    if name then return kind .. " " .. name, {} end
end

-- Each parser returns the key and the data of a line, or nil when it is malformed.
local PARSERS = {
    abi = function(line)
        local key, v = line:match("^abi (%S+) (.+)$")
        local shape = SETTING_SHAPES[key]
        if shape and v:match(shape) then return "abi " .. key, { value = v } end
    end,
    const = function(line)
        local name, v = line:match("^const (%S+) (%d+)$")
        if name then return "const " .. name, { value = tonumber(v) } end
    end,
    error = function(line)
        local name, v = line:match("^error (%S+) (%d+)$")
        if name then return "error " .. name, { value = tonumber(v) } end
    end,
    ["error-alias"] = function(line)
        local name, v = line:match("^error%-alias (%S+) (%S+)$")
        if name then return "error-alias " .. name, { value = v } end
    end,
    syscall = parse_syscall,
    retired = function(line)
        local num, name = line:match("^retired (%d+) (%S+)$")
        if num then return "retired " .. num, { num = tonumber(num), name = name } end
    end,
    struct = function(line)
        local name = line:match("^struct (%S+) %d+ .*$")
        if name then return "struct " .. name, {} end
    end,
    service = function(line)
        local name = line:match("^service (%S+) \".*\"$")
        if name then return "service " .. name, {} end
    end,
    flags = function(line) return named_type_line("flags", line) end,
    enum = function(line) return named_type_line("enum", line) end,
    resource = function(line) return named_type_line("resource", line) end,
    message = parse_message,
    call = function(line)
        local svc, num, name = line:match("^call (%S+) (%d+) (%S+) %-> %d+ %S+$")
        if svc then return "call " .. svc .. " " .. num, { service = svc, num = tonumber(num), name = name } end
    end,
    ["retired-message"] = function(line)
        local svc, num, name = line:match("^retired%-message (%S+) (%d+) (%S+)$")
        if svc then return "retired-message " .. svc .. " " .. num, { service = svc, num = tonumber(num), name = name } end
    end,
}

-- Parse lock text into { key -> { text, line, data } } or raise a diagnostic.
function lock.parse(text, file)
    local entries, n = {}, 0
    arg_facts, ret_facts = {}, {}
    -- The lines, each without its CR LF or LF (found with plain searches: a lazy pattern costs a
    -- step per character).
    text = text .. "\n"
    local from = 1
    while true do
        local nl = text:find("\n", from, true)
        if not nl then break end
        local line = text:sub(from, byte(text, nl - 1) == 13 and nl >= from + 1 and nl - 2 or nl - 1)
        from = nl + 1
        n = n + 1
        if line ~= "" and not line:match("^#") then
            local parser = PARSERS[line:match("^(%S+)")]
            local key, data
            if parser then key, data = parser(line) end
            if not key then
                diag.fail({ file = file, line = n }, "malformed lock line: " .. line,
                    "restore the lock from version control (`git checkout abi/abi.lock`); it is written only by `make abi-lock`")
            end
            if entries[key] then
                diag.fail({ file = file, line = n }, "duplicate lock entry '" .. key .. "'", nil,
                    { { pos = { file = file, line = entries[key].line }, msg = "first here" } })
            end
            entries[key] = { text = line, line = n, data = data }
        end
    end
    arg_facts, ret_facts = nil, nil
    return entries
end

----------------------------------------------------------------------------
-- Comparing a definition with the lock

-- A locked type fact and the current one agree: the same base (sig), and the same named type, or
-- a named type where the lock has a plain scalar (u32 -> flags/enum, i32 -> resource).
-- A placeholder for the hint how to retire an entry, in what the *_change functions return.
local RETIRE = "\0retire\0"

local function same_type(was, now)
    return was.sig == now.sig and (was.named == now.named or was.named == nil)
end

-- What changed incompatibly between a locked syscall and the current one, and how to do it
-- compatibly; nil when the change is compatible.
local function syscall_change(was, now, retire)
    if was.name ~= now.name then return "renamed " .. was.name .. " -> " .. now.name, retire end
    if #was.args ~= #now.args then
        return string.format("takes %d arguments, locked %d", #now.args, #was.args), retire
    end
    for i, a in ipairs(was.args) do
        local b = now.args[i]
        if not same_type(a, b) then
            return string.format("argument %d is %s, locked %s", i, b.core, a.core), retire
        end
        if b.bound and (not a.bound or b.bound < a.bound) then
            return string.format("the bound of argument %d is lowered: %s -> %d", i,
                a.bound and tostring(a.bound) or "none", b.bound),
                "bounds may only grow: keep at least " .. (a.bound and tostring(a.bound) or "no bound") ..
                " (a const used as a bound is locked too: use a number or a new const), or " .. retire
        end
        if a.bound and b.bound and a.toolong ~= b.toolong then
            return string.format("argument %d's toolong error is %s, locked %s", i, b.toolong, a.toolong),
                "keep toolong " .. a.toolong .. ", or " .. retire
        end
    end
    for _, attr in ipairs({ "noreturn", "returns_twice" }) do
        if was[attr] ~= now[attr] then
            return (now[attr] and "gained " or "lost ") .. attr, retire
        end
    end
    if not same_type(was.ret, now.ret) then return "returns " .. now.ret.core .. ", locked " .. was.ret.core, retire end
    if #was.results ~= #now.results then
        return string.format("returns %d extra results, locked %d", #now.results, #was.results), retire
    end
    for i, r in ipairs(was.results) do
        local n = now.results[i]
        if r.name ~= n.name or not same_type(r, n) then
            return string.format("result %d is %s:%s, locked %s:%s", i, n.name, n.core, r.name, r.core), retire
        end
    end
    return nil
end

local function message_change(was, now, retire)
    if was.name ~= now.name then return "renamed " .. was.name .. " -> " .. now.name, retire end
    if was.size ~= now.size or was.layout ~= now.layout then
        return "payload layout is " .. now.size .. " " .. now.layout, retire
    end
    if now.max and (not was.max or now.max < was.max) then
        return string.format("the max of its variable array is lowered: %s -> %d",
            was.max and tostring(was.max) or "amc_max_message", now.max),
            "bounds may only grow: keep at least " .. (was.max and tostring(was.max) or "no max") .. ", or " .. retire
    end
    return nil
end

local function words(s)
    local list = {}
    for w in s:gmatch("%S+") do list[#list + 1] = w end
    return list
end

local function setting_change(key, was, now)
    if key == "version" then
        if tonumber(now) < tonumber(was) then
            return "version is " .. now .. ", locked " .. was,
                "a released ABI keeps its language version or moves to a newer one (1 -> 2 is compatible)"
        end
        return nil
    elseif key == "arg_registers" or key == "result_registers" then
        local a, b = words(was), words(now)
        for i = 1, #a do
            if a[i] ~= b[i] then
                return key .. " is " .. now .. ", locked " .. was, key == "arg_registers" and
                    "old programs load their arguments in the locked order: keep it (new registers may only be appended)"
                    or "old programs read their results from the locked registers: keep them (new ones may only be appended)"
            end
        end
        return nil
    elseif key == "user_space" then
        local a, b = words(was), words(now)
        if tonumber(b[1]) > tonumber(a[1]) or tonumber(b[2]) < tonumber(a[2]) then
            return "user_space is [" .. b[1] .. ", " .. b[2] .. "), locked [" .. a[1] .. ", " .. a[2] .. ")",
                "old programs use every address of the locked range: user_space may only grow"
        end
        return nil
    end
    if was ~= now then
        return key .. " is " .. now .. ", locked " .. was,
            "compiled programs depend on " .. key .. ": keep " .. was
    end
    return nil
end

-- Refuse a model that breaks a locked entry. opts.new_lock allows an empty lock for a definition
-- with entries (nothing released yet). Returns the number of entries not locked yet.
function lock.check(m, locked, lock_file, abi_tok, opts)
    opts = opts or {}
    local entries = lock.entries(m)
    local current = {}
    for _, e in ipairs(entries) do current[e.key] = e end
    local function pos(tok) return { file = tok.file, line = tok.line, col = tok.col } end
    local function refuse(tok, msg, hint, entry)
        diag.fail(pos(tok or abi_tok), msg, hint, { { pos = { file = lock_file, line = entry.line },
            msg = "locked here: " .. entry.text } })
    end
    if next(locked) == nil and #entries > 0 and not opts.new_lock then
        diag.fail({ file = lock_file, line = 1 }, string.format("the lock is empty, but %s defines %d entries",
            abi_tok.file, #entries), "if nothing has been released yet, start the lock with --new-lock " ..
            "(`make abi-lock NEW_LOCK=1`); otherwise restore it (`git checkout " .. lock_file .. "`)")
    end
    -- The locked keys in the order of their lines (each line holds one: placed by line number,
    -- not sorted).
    local by_line, last, keys = {}, 0, {}
    for key, entry in pairs(locked) do
        by_line[entry.line] = key
        if entry.line > last then last = entry.line end
    end
    for line = 1, last do
        if by_line[line] then keys[#keys + 1] = by_line[line] end
    end
    -- A released name keeps its number forever, live or retired.
    local names = { syscall = {}, message = {} }
    for _, key in ipairs(keys) do
        local d, kind = locked[key].data, key:match("^(%S+)")
        if kind == "syscall" or kind == "retired" then names.syscall[d.name] = { num = d.num, entry = locked[key] } end
        if kind == "message" or kind == "retired-message" then
            names.message[d.service .. " " .. d.name] = { num = d.num, entry = locked[key] }
        end
    end
    for _, key in ipairs(keys) do
        local entry = locked[key]
        local kind, rest = key:match("^(%S+) (.*)$")
        local now = current[key]
        local d = entry.data
        if kind == "syscall" or kind == "message" then
            local retired_key = (kind == "syscall" and "retired " or "retired-message ") .. rest
            if now then
                -- (The hint how to retire it is spelled only for a change: RETIRE stands for it.)
                local change, hint = (kind == "syscall" and syscall_change or message_change)(d, now.data, RETIRE)
                if change then
                    local retire = kind == "syscall"
                        and string.format("retire it (`retired %d %s \"why\"`) and add the new version as a new " ..
                            "syscall (next free number: %d), then run `make abi-lock`", d.num, d.name, m.table_size)
                        or string.format("retire it inside the service (`retired %d %s \"why\"`) and add a new " ..
                            "message with an unused discriminator, then run `make abi-lock`", d.num, d.name)
                    hint = hint and hint:gsub(RETIRE, function() return retire end)
                    refuse(now.tok, now.what .. " differs from the locked ABI: " .. change ..
                        " (now: " .. now.text .. ")", hint, entry)
                end
            elseif not current[retired_key] then
                refuse(abi_tok, kind .. " " .. rest .. " (" .. d.name .. ") was removed without being retired",
                    string.format("keep it, or add `retired %d %s \"why\"` %s", d.num, d.name,
                        kind == "syscall" and "so the number is never reused" or "inside the service"), entry)
            elseif current[retired_key].data.name ~= d.name then
                local r = current[retired_key]
                refuse(r.tok, r.what .. " retires " .. kind .. " " .. d.num .. " under another name than " .. d.name,
                    "a retired entry keeps its released name: `retired " .. d.num .. " " .. d.name .. " \"why\"`", entry)
            end
        elseif kind == "retired" or kind == "retired-message" then
            local live_key = (kind == "retired" and "syscall " or "message ") .. rest
            local live = current[live_key]
            if live then
                refuse(live.tok, live.what .. " reuses a retired number",
                    "retired numbers are never reused; pick an unused one", entry)
            elseif not now then
                refuse(abi_tok, "retired number " .. rest .. " (" .. d.name .. ") was dropped from the definition",
                    "keep the `retired` line: it stops the number from being reused", entry)
            elseif now.data.name ~= d.name then
                refuse(now.tok, now.what .. " renames the retired entry " .. d.name,
                    "a retired entry keeps its released name (it can never be used again): `retired " ..
                    d.num .. " " .. d.name .. " \"why\"`", entry)
            end
        elseif kind == "call" then
            local live = current["message " .. rest]
            if live and not now then
                refuse(live.tok, live.what .. " is no longer a call, but released clients wait for its reply",
                    "keep `-> " .. entry.text:match("%-> %d+ (%S+)$") .. "`, or retire it inside the service and " ..
                    "add the one-way message under a new discriminator", entry)
            elseif now and now.text ~= entry.text then
                refuse(now.tok, now.what .. " differs from the locked ABI: its reply changed (now: " .. now.text .. ")",
                    "released clients check the reply they get: keep the locked one, or retire the call and " ..
                    "add a new one", entry)
            end
        elseif kind == "struct" or kind == "service" or kind == "flags" or kind == "enum" or kind == "resource" then
            if now and now.text ~= entry.text then
                refuse(now.tok, now.what .. " differs from the locked ABI (now: " .. now.text .. ")",
                    "released " .. kind .. "s never change: add a new " .. kind ..
                    " under a new name, move users to it, then run `make abi-lock`", entry)
            elseif not now then
                refuse(abi_tok, kind .. " " .. rest .. " was removed, but it is part of the released ABI",
                    "keep it", entry)
            end
        elseif kind == "error-alias" then
            if not now then
                refuse(abi_tok, "error alias " .. rest .. " was removed, but compiled programs use it",
                    "keep `error " .. rest .. " = " .. d.value .. "`", entry)
            elseif now.data.value ~= d.value then
                refuse(now.tok, string.format("%s stands for %s, locked %s", now.what, now.data.value, d.value),
                    "compiled programs hold " .. rest .. " = " .. d.value .. ": keep it", entry)
            end
        elseif kind == "const" or kind == "error" then
            local what = kind == "const" and "value" or "number"
            if not now then
                refuse(abi_tok, kind .. " " .. rest .. " was removed, but compiled programs use it",
                    "keep `" .. entry.text .. "`", entry)
            elseif now.data.value ~= d.value then
                refuse(now.tok, string.format("%s: its %s is %d, locked %d", now.what, what, now.data.value, d.value),
                    string.format("compiled programs hold %s = %d: keep it%s", rest, d.value, kind == "const"
                        and " and add a new const for the new value" or " and give a new error a new name and number"),
                    entry)
            end
        elseif kind == "abi" then
            local tok = m.abi.setting_tok and m.abi.setting_tok[rest]
            if not now then
                refuse(abi_tok, "abi setting " .. rest .. " was removed, but it is part of the released ABI",
                    "keep `" .. rest .. " " .. d.value .. "` in the abi block", entry)
            end
            local change, hint = setting_change(rest, d.value, now.data.value)
            if change then refuse(tok, "abi setting " .. change, hint, entry) end
        end
    end
    for _, e in ipairs(entries) do
        local kind = e.key:match("^(%S+)")
        local space = (kind == "syscall" or kind == "retired") and "syscall"
            or (kind == "message" or kind == "retired-message") and "message"
        local was = space and names[space][(e.data.service and e.data.service .. " " or "") .. e.data.name]
        if was and was.num ~= e.data.num then
            refuse(e.tok, string.format("%s: the name %s was released as number %d", e.what, e.data.name, was.num),
                "a released name is never used for another number: pick a new name", was.entry)
        end
    end
    local new = 0
    for key in pairs(current) do
        if not locked[key] then new = new + 1 end
    end
    return new
end

return lock
