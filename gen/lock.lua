-- The ABI lock (abi/abi.lock): one line per released entry.  --lock refuses
-- a definition that changes or drops a locked entry; --update-lock records
-- new entries.  Format (abi/README.md):
--   syscall N NAME (ARGTYPE, ...) -> RET
--   retired N NAME
--   struct NAME SIZE FIELD:TYPE@OFFSET ...
--   service NAME "SERVICE-NAME"
--   message SERVICE N NAME SIZE FIELD:TYPE@OFFSET ...
--   retired-message SERVICE N NAME
local diag = require("diag")

local lock = {}

local function arg_type(a)
    if a.kind == "scalar" then return a.type.name end
    if a.kind == "bytes" then return a.dir .. " bytes[#" .. a.len_arg .. "]" end
    if a.kind == "str" then return "in str" end
    return a.dir .. " " .. a.type.name .. (a.optional and "?" or "")
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

-- The lock entries of a model, as { key, text, pos, what, name } in file order.
function lock.entries(m)
    local list = {}
    local function add(key, text, tok, what)
        list[#list + 1] = { key = key, text = text, tok = tok, what = what }
    end
    for _, sc in ipairs(m.syscalls) do
        local args = {}
        for i, a in ipairs(sc.args) do args[i] = arg_type(a) end
        add("syscall " .. sc.num, string.format("syscall %d %s (%s) -> %s", sc.num, sc.name,
            table.concat(args, ", "), sc.ret), sc.num_tok, "syscall " .. sc.num .. " " .. sc.name)
    end
    for _, r in ipairs(m.retired) do
        add("retired " .. r.num, string.format("retired %d %s", r.num, r.name), r.tok, "retired " .. r.num)
    end
    for _, s in ipairs(m.structs) do
        add("struct " .. s.name, string.format("struct %s %d %s", s.name, s.size, layout(s.fields)),
            s.tok, "struct " .. s.name)
    end
    for _, svc in ipairs(m.services) do
        add("service " .. svc.name, string.format("service %s \"%s\"", svc.name, svc.service), svc.tok,
            "service " .. svc.name)
        for _, msg in ipairs(svc.messages) do
            add("message " .. svc.name .. " " .. msg.num, string.format("message %s %d %s %d %s", svc.name,
                msg.num, msg.name, msg.fixed_size, layout(msg.fields, msg.var)), msg.num_tok,
                "message " .. svc.name .. "." .. msg.name)
        end
        for _, r in ipairs(svc.retired) do
            add("retired-message " .. svc.name .. " " .. r.num,
                string.format("retired-message %s %d %s", svc.name, r.num, r.name), r.tok,
                "retired message " .. svc.name .. " " .. r.num)
        end
    end
    return list
end

function lock.render(m)
    local out = {
        "# The released " .. m.abi.name .. " ABI: written by `make abi-lock` (gen/main.lua --update-lock).",
        "# A locked entry never changes: retire it and add a new number instead (abi/README.md).",
    }
    for _, e in ipairs(lock.entries(m)) do out[#out + 1] = e.text end
    return table.concat(out, "\n") .. "\n"
end

local KEY_PATTERNS = {
    syscall = "^(syscall %d+) %S+ %(.*%) %-> %S+$",
    retired = "^(retired %d+) %S+$",
    struct = "^(struct %S+) %d+ .*$",
    service = "^(service %S+) \".*\"$",
    message = "^(message %S+ %d+) %S+ %d+ .*$",
    ["retired-message"] = "^(retired%-message %S+ %d+) %S+$",
}

-- Parse lock text into { key -> { text, line } } or raise a diagnostic.
function lock.parse(text, file)
    local entries, n = {}, 0
    for line in (text .. "\n"):gmatch("(.-)\r?\n") do
        n = n + 1
        if line ~= "" and not line:match("^#") then
            local kind = line:match("^(%S+)")
            local pat = KEY_PATTERNS[kind]
            local key = pat and line:match(pat)
            if not key then
                diag.fail({ file = file, line = n }, "malformed lock line: " .. line,
                    "regenerate the lock with `make abi-lock` from a good abi/syscalls.def")
            end
            if entries[key] then
                diag.fail({ file = file, line = n }, "duplicate lock entry '" .. key .. "'", nil,
                    { { pos = { file = file, line = entries[key].line }, msg = "first here" } })
            end
            entries[key] = { text = line, line = n }
        end
    end
    return entries
end

local function next_free(m)
    return m.table_size
end

-- Refuse a model that breaks a locked entry.  Returns the number of entries
-- that are new (not locked yet).
function lock.check(m, locked, lock_file, abi_tok)
    local current = {}
    for _, e in ipairs(lock.entries(m)) do current[e.key] = e end
    local function pos(tok) return { file = tok.file, line = tok.line, col = tok.col } end
    local function refuse(tok, msg, hint, entry)
        diag.fail(pos(tok), msg, hint, { { pos = { file = lock_file, line = entry.line },
            msg = "locked here: " .. entry.text } })
    end
    local keys = {}
    for key in pairs(locked) do keys[#keys + 1] = key end
    table.sort(keys, function(a, b) return locked[a].line < locked[b].line end)
    for _, key in ipairs(keys) do
        local entry = locked[key]
        local kind, rest = key:match("^(%S+) (.*)$")
        local now = current[key]
        local name = entry.text:match("^retired%-message %S+ %d+ (%S+)") or entry.text:match("^message %S+ %d+ (%S+)")
            or entry.text:match("^%S+ %S+ (%S+)")
        if kind == "syscall" or kind == "message" then
            local retired_key = (kind == "syscall" and "retired " or "retired-message ") .. rest
            local num = rest:match("(%d+)$")
            local how = kind == "syscall"
                and string.format("to change it, retire it (`retired %s %s \"why\"`) and add the new version " ..
                    "as a new syscall (next free number: %d), then run `make abi-lock`", num, name, next_free(m))
                or string.format("to change it, retire it inside the service (`retired %s %s \"why\"`) and add " ..
                    "a new message with an unused discriminator, then run `make abi-lock`", num, name)
            if now and now.text ~= entry.text then
                refuse(now.tok, now.what .. " differs from the locked ABI (now: " .. now.text .. ")", how, entry)
            elseif not now and not current[retired_key] then
                refuse(abi_tok, kind .. " " .. rest .. " (" .. name .. ") was removed without being retired",
                    string.format("keep it, or add `retired %s %s \"why\"` %s", num, name,
                        kind == "syscall" and "so the number is never reused" or "inside the service"), entry)
            end
        elseif kind == "retired" or kind == "retired-message" then
            local live_key = (kind == "retired" and "syscall " or "message ") .. rest
            local live = current[live_key]
            if live then
                refuse(live.tok, live.what .. " reuses a retired number",
                    "retired numbers are never reused; pick an unused one", entry)
            elseif not now then
                refuse(abi_tok, "retired number " .. rest .. " (" .. name .. ") was dropped from the definition",
                    "keep the `retired` line: it stops the number from being reused", entry)
            end
        elseif kind == "struct" or kind == "service" then
            if now and now.text ~= entry.text then
                refuse(now.tok, now.what .. " differs from the locked ABI (now: " .. now.text .. ")",
                    "released " .. kind .. "s never change: add a new " .. kind ..
                    " under a new name, move users to it, then run `make abi-lock`", entry)
            elseif not now then
                refuse(abi_tok, kind .. " " .. rest .. " was removed, but it is part of the released ABI",
                    "keep it", entry)
            end
        end
    end
    local new = 0
    for key in pairs(current) do
        if not locked[key] then new = new + 1 end
    end
    return new
end

return lock
