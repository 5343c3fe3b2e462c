-- The model's amc services: messages, their payload layouts, discriminators, and the names each
-- service and message claims.
local base = require("model_names")
local types = require("model_types")
local names = require("names")

local M = { methods = {} }
local Checker = M.methods
local fail, note, check_ident = base.fail, base.note, base.check_ident
local SCALARS, CHAR, UNSIGNED_LEN = types.SCALARS, types.CHAR, types.UNSIGNED_LEN
local place = types.place

function Checker:message(svc, node)
    local msg = { num = node.num.value, name = node.name.value, doc = node.doc, tok = node.name,
                  num_tok = node.num, service = svc, kind = node.kw.value, replies_to = {} }
    local owner = msg.kind .. " " .. svc.name .. "." .. msg.name
    if msg.kind == "call" then self:need_v2(node.kw, "a call (a message with a reply)") end
    msg.fields = self:field_list(node.fields, { tok = node.name, what = owner })
    local by_name = {}
    for i, f in ipairs(msg.fields) do
        if f.name == "event" then
            fail(f.tok, "field name 'event' is reserved: it is the implicit discriminator at offset 0")
        end
        if f.name == "dest" or f.name:match("^amc_") then
            fail(f.tok, "field name '" .. f.name .. "' is reserved in payloads: the send helpers use dest and amc_*")
        end
        local fnode = f.node
        local count = fnode.type.count
        local len_field = count and count.kind == "ident" and by_name[count.value]
        if not len_field and count and count.kind == "ident" and not self.consts[count.value] then
            for j = i + 1, #msg.fields do
                if msg.fields[j].name == count.value then
                    fail(count, "length field '" .. count.value .. "' must come before '" .. f.name .. "'")
                end
            end
        end
        if len_field then
            if i ~= #msg.fields then
                fail(f.tok, "variable-length array '" .. f.name .. "' must be the last field of " .. owner,
                    "a payload has at most one variable-length array, at its end")
            end
            local et = fnode.type.name.value
            if et ~= "u8" and et ~= "char" then
                fail(fnode.type.name, "variable-length array '" .. f.name .. "' must hold u8 or char, not " .. et)
            end
            if len_field.type.kind ~= "scalar" or not UNSIGNED_LEN[len_field.type.name] then
                fail(count, "length field '" .. count.value .. "' must be an unsigned integer field (u8, u16 or u32)")
            end
            f.type = { kind = "vararray", elem = et == "u8" and SCALARS.u8 or CHAR, size = 0, align = 1 }
            f.len_field = len_field
            len_field.is_length = true
            msg.var = f
            if fnode.max then
                msg.var_max = self:resolve(fnode.max, "the max of " .. f.name)
            end
        else
            if fnode.max then
                fail(fnode.max_kw, "'max' applies only to the variable-length array of a message")
            end
            f.type = self:field_type(fnode, owner)
        end
        by_name[f.name] = f
    end
    local all = { { name = "event", type = SCALARS.u32, tok = node.name } }
    for _, f in ipairs(msg.fields) do all[#all + 1] = f end
    local fixed, align = place(all, 0, owner)
    msg.fixed_size, msg.all_fields = fixed, all
    if not msg.var and fixed % align ~= 0 then
        fail(node.name, string.format("payload of %s is %d bytes, not a multiple of its alignment %d",
            owner, fixed, align), string.format("add %d bytes of explicit padding at the end", align - fixed % align))
    end
    local limit = self.m.abi.amc_max_message
    local biggest = fixed + (msg.var and (msg.var_max and msg.var_max.value or 0) or 0)
    if biggest > limit.value then
        fail(node.name, string.format("payload of %s can be %d bytes, more than amc_max_message %d",
            owner, biggest, limit.value), "shrink the fields or the max of the variable array")
    end
    msg.max_size = msg.var and (msg.var_max and biggest or limit.value) or fixed
    return msg
end

-- The identifiers the amc outputs spell for a service (gen/names.lua), in the registry; each
-- says which one it is, so that a clash between two services names both.
function Checker:claim_service(svc)
    if not self.m.abi.outputs.amc then return end
    local what = "service " .. svc.name
    local function claim(space, name, spelled)
        self:claim_free(space, name, "user", { kind = "service", name = svc.name, what = what .. " (" .. spelled .. ")",
                                          tok = svc.tok })
    end
    claim("tag", names.handlers(svc), "struct " .. names.handlers(svc))
    claim("tag", names.event_enum(svc), "enum " .. names.event_enum(svc))
    claim("ordinary", names.dispatch(svc), names.dispatch(svc))
    claim("macro", names.service_macro(svc), names.service_macro(svc))
    claim("tag", names.server(svc), "struct " .. names.server(svc))
    claim("tag", names.stats(svc), "struct " .. names.stats(svc))
    claim("ordinary", names.handle(svc), names.handle(svc))
    claim("ordinary", names.serve(svc), names.serve(svc))
end

-- The service-wide counters of the server loop (struct SVC_stats), beside one per message.
local STATS_FIELDS = { bad_event = true, lost_replies = true }

function Checker:claim_message(svc, mnode)
    if not self.m.abi.outputs.amc then return end
    local msg = { name = mnode.name.value }
    local what = "message " .. svc.name .. "." .. msg.name
    local own = { [names.handlers(svc)] = true, [names.event_enum(svc)] = true, [names.dispatch(svc)] = true,
                  [names.service_macro(svc)] = true, [names.server(svc)] = true, [names.stats(svc)] = true,
                  [names.handle(svc)] = true, [names.serve(svc)] = true }
    local function claim(space, name, spelled)
        if own[name] then -- one of the service's own names
            fail(mnode.name, "message '" .. msg.name .. "' would generate " .. name ..
                ", which the generated code already defines", "pick another message name")
        end
        self:claim_free(space, name, "user", { kind = "message", name = msg.name, what = what .. " (" .. spelled .. ")",
                                          tok = mnode.name })
    end
    local tag = names.msg_tag(svc, msg)
    claim("tag", tag, "struct " .. tag)
    claim("ordinary", names.msg_enum(svc, msg), names.msg_enum(svc, msg))
    claim("macro", names.msg_size(svc, msg), names.msg_size(svc, msg))
    claim("macro", names.msg_max_size(svc, msg), names.msg_max_size(svc, msg))
    claim("ordinary", names.send(svc, msg), names.send(svc, msg))
    if STATS_FIELDS[msg.name] then
        fail(mnode.name, "message name '" .. msg.name .. "' is reserved: it is a counter of struct " ..
            names.stats(svc), "pick another message name")
    end
    -- Claimed for every message: whether it becomes a call or a reply is known only once the
    -- whole service is read, and a name that is free now stays free when a message turns into one.
    claim("ordinary", names.call(svc, msg), names.call(svc, msg))
    claim("tag", names.msg_room(svc, msg), "union " .. names.msg_room(svc, msg))
    claim("ordinary", names.reply_check(svc, msg), names.reply_check(svc, msg))
end

-- Each call names its reply: a plain message of the same service (a call's answer is not a
-- request that waits for an answer of its own).
function Checker:resolve_replies(svc, node, retired_nums)
    local by_name, retired_names = {}, {}
    for _, msg in ipairs(svc.messages) do by_name[msg.name] = msg end
    for _, name in pairs(retired_nums) do retired_names[name] = true end
    for i, msg in ipairs(svc.messages) do
        local rtok = node.messages[i].reply
        if rtok then
            local reply = by_name[rtok.value]
            local owner = "call " .. svc.name .. "." .. msg.name
            if not reply then
                fail(rtok, "the reply '" .. rtok.value .. "' of " .. owner .. " is not a message of service " ..
                    svc.name, retired_names[rtok.value] and "that message was retired: declare a new one"
                    or "declare it in the service: message N " .. rtok.value .. ' "doc" { fields }')
            end
            if reply.kind == "call" then
                fail(rtok, "the reply of " .. owner .. " must be a message, not call " .. reply.name,
                    "a reply is answered by no one: declare it with `message`", { note(reply.tok, "declared here") })
            end
            msg.reply = reply
            reply.replies_to[#reply.replies_to + 1] = msg
        end
    end
end

function Checker:service(node, by_string)
    local m = self.m
    local name = node.name.value
    check_ident(node.name, "service")
    self:not_macro(node.name, "service")
    local svc = { name = name, service = node.service.value, doc = node.doc, long = node.long,
                  tok = node.name, messages = {}, retired = {} }
    if not node.doc then
        fail(node.name, "service " .. name .. " has no doc line", 'add doc "what it does" to its body')
    end
    local sname = svc.service
    if not sname:match("^[%w_.%-]+$") then
        fail(node.service, "service name \"" .. sname .. "\" must be non-empty letters, digits, '_', '.' or '-'")
    end
    local name_max = m.abi.amc_name_max
    if name_max and #sname > name_max.value then
        fail(node.service, "service name \"" .. sname .. "\" is longer than amc_name_max " .. name_max.value)
    end
    if by_string[sname] then
        fail(node.service, "service name \"" .. sname .. "\" is already used", nil,
            { note(by_string[sname], "first used here") })
    end
    by_string[sname] = node.service
    self:claim_service(svc)
    local nums, msg_names, retired_nums = {}, {}, {}
    for _, r in ipairs(node.retired) do
        check_ident(r.name, "retired message")
        if nums[r.num.value] then
            fail(r.num, "discriminator " .. r.num.value .. " is used twice in service " .. name, nil,
                { note(nums[r.num.value], "first used here") })
        end
        nums[r.num.value], msg_names[r.name.value] = r.num, r.name
        retired_nums[r.num.value] = r.name.value
        svc.retired[#svc.retired + 1] = { num = r.num.value, name = r.name.value, why = r.why, tok = r.num }
    end
    for _, mnode in ipairs(node.messages) do
        local mname = mnode.name.value
        check_ident(mnode.name, "message")
        self:not_macro(mnode.name, "message")
        local prev = nums[mnode.num.value]
        if prev and retired_nums[mnode.num.value] then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " of service " .. name .. " was retired (" ..
                retired_nums[mnode.num.value] .. "): retired numbers are never reused",
                "give " .. mnode.name.value .. " a new number", { note(prev, "retired here") })
        end
        if prev then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " is used twice in service " .. name,
                "discriminators are unique within a service and never reused", { note(prev, "first used here") })
        end
        if msg_names[mname] then
            fail(mnode.name, "message name '" .. mname .. "' is used twice in service " .. name, nil,
                { note(msg_names[mname], "first used here") })
        end
        if mnode.num.value > 0x7FFFFFFF then
            fail(mnode.num, "discriminator " .. mnode.num.value .. " is larger than 2147483647 (it must fit a C enum)")
        end
        nums[mnode.num.value], msg_names[mname] = mnode.num, mnode.name
        self:claim_message(svc, mnode)
        svc.messages[#svc.messages + 1] = self:message(svc, mnode)
    end
    if #svc.messages == 0 then fail(node.name, "service " .. name .. " has no messages") end
    self:resolve_replies(svc, node, retired_nums)
    table.sort(svc.messages, function(a, b) return a.num < b.num end)
    table.sort(svc.retired, function(a, b) return a.num < b.num end)
    return svc
end

-- The syscalls a service with calls is generated on (the kernel's amc call ABI), found by name
-- and checked for the shape the stubs and loops use; m.amc_calls = { call, call_buf, reply_wait,
-- words } (words: the u32s a register call carries each way, discriminator included).
local CALL_SHAPES = {
    amc_call = "amc_call(h, disc: u32, w0: u32, ..., timeout_ms: u32) -> i32, reply_w0: u32, ... (a result per word after disc)",
    amc_call_buf = "amc_call_buf(h, msg: inout bytes[cap], len: u32, cap: u32, timeout_ms: u32) -> i32",
    amc_reply_wait = "amc_reply_wait(badge: u32, buf: inout bytes[cap], len: u32, cap: u32) -> i32, caller: u32, pid: i32",
}

local function scalar_args(sc, from, to)
    for i = from, to do
        if not sc.args[i] or sc.args[i].kind ~= "scalar" then return false end
    end
    return true
end

local function inout_buffer(sc, i, len_index)
    local a = sc.args[i]
    return a and a.kind == "bytes" and a.dir == "inout" and a.len_arg == len_index
end

local CALL_CHECKS = {
    amc_call = function(sc)
        local n = #sc.args
        return n >= 4 and scalar_args(sc, 1, n) and #(sc.results or {}) == n - 3
    end,
    amc_call_buf = function(sc)
        return #sc.args == 5 and scalar_args(sc, 1, 1) and inout_buffer(sc, 2, 4) and scalar_args(sc, 3, 5)
    end,
    amc_reply_wait = function(sc)
        return #sc.args == 4 and scalar_args(sc, 1, 1) and inout_buffer(sc, 2, 4) and scalar_args(sc, 3, 4)
            and #(sc.results or {}) == 2
    end,
}

function Checker:call_syscalls(first_call)
    local found = {}
    for _, sc in ipairs(self.m.syscalls) do
        if CALL_CHECKS[sc.name] then found[sc.name] = sc end
    end
    for _, name in ipairs({ "amc_call", "amc_call_buf", "amc_reply_wait" }) do
        local sc = found[name]
        if not sc or not CALL_CHECKS[name](sc) then
            fail(first_call, "calls need the syscall " .. CALL_SHAPES[name], nil,
                sc and { note(base.syscall_tok(sc), "declared here with another shape") } or nil)
        end
    end
    for _, e in ipairs({ "ESRCH", "EMSGSIZE" }) do
        self:need_error(e, first_call, "the amc server loops")
    end
    local header = self.structs.amc_header
    local fields = {}
    for _, f in ipairs(header and header.fields or {}) do fields[f.name] = f end
    if not (fields.source and fields.source.type.kind == "array" and fields.len and fields.len.type.kind == "scalar") then
        fail(first_call, "calls need struct amc_header { source: char[N] ... len: u32 }",
            "the server loops read a plain request's header (amc_reply_wait writes it as amc_message_await does)")
    end
    self.m.amc_calls = { call = found.amc_call, call_buf = found.amc_call_buf, reply_wait = found.amc_reply_wait,
                         words = #found.amc_call.args - 2 }
end

function Checker:services_pass()
    local m = self.m
    local services = self.tree.services
    if #services == 0 then return end
    local first = services[1].kw
    if not m.abi.amc_max_message then
        fail(first, "services need the abi setting amc_max_message", "add `amc_max_message N` to the abi block")
    end
    local send
    for _, s in ipairs(m.syscalls) do
        if s.name == "amc_message_send" then send = s end
    end
    if not send or #send.args ~= 3 or send.args[1].kind ~= "str" or send.args[2].kind ~= "bytes"
        or send.args[2].dir ~= "in" or send.args[3].kind ~= "scalar" then
        fail(first, "services need the syscall amc_message_send(dest: in str[N], buf: in bytes[len], len: u32)")
    end
    for _, e in ipairs({ "EPROTO", "EBADMSG", "EMSGSIZE", "EINVAL" }) do
        self:need_error(e, first, "the amc send helpers and dispatchers")
    end
    local by_ident, by_string = {}, {}
    for _, node in ipairs(services) do
        local prev = by_ident[node.name.value]
        if prev then
            fail(node.name, "duplicate service '" .. node.name.value .. "'", nil, { note(prev, "first defined here") })
        end
        by_ident[node.name.value] = node.name
        m.services[#m.services + 1] = self:service(node, by_string)
    end
    for _, node in ipairs(services) do
        for _, mnode in ipairs(node.messages) do
            if mnode.reply then return self:call_syscalls(mnode.kw) end
        end
    end
end

return M
