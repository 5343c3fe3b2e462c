-- build/gen/libsys/amc_services.c: send helpers, receive dispatchers, call stubs and server
-- loops. The fixed helpers they call are hand-written: libsys/include/amc_runtime.h,
-- libsys/amc_runtime.c (amc_put_str, amc_call_raw, amc_serve_next).
local cgen = require("cgen")
local names = require("names")
local amc_h = require("out_amc_h")

local out = {}

local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

-- Does the length field's type allow more than the variable array's room? Then the length must
-- be checked against it (else the check could never fail and GCC would warn).
local function len_can_overflow(msg)
    return TYPE_MAX[msg.var.len_field.type.name] > msg.max_size - msg.fixed_size
end

-- Store the discriminator and the parameters (out.field_params) in *amc_msg.
local function put_fields(w, svc, msg)
    w("    amc_msg->event = %s;", amc_h.macro(svc, msg))
    for _, f in ipairs(msg.fields) do
        local t = f.type
        if f == msg.var then
            w("    __builtin_memcpy(amc_msg->%s, %s, %s);", f.name, f.name, msg.var.len_field.name)
        elseif t.kind == "scalar" then
            w("    amc_msg->%s = %s;", f.name, f.name)
        elseif t.kind == "array" and t.elem.name == "char" then
            w("    if (amc_put_str(amc_msg->%s, sizeof amc_msg->%s, %s) < 0)", f.name, f.name, f.name)
            w("        return -EINVAL;")
        else
            w("    __builtin_memcpy(%samc_msg->%s, %s, sizeof amc_msg->%s);", t.kind == "struct" and "&" or "",
                f.name, f.name, f.name)
        end
    end
end

-- Build msg's payload from the parameters (out.field_params) in a local amc_msg (a too-long
-- string returns -EINVAL, a too-long array -EMSGSIZE), inside a local amc_buf whose raw[room]
-- holds more (room: a C size; nil for just the payload). Returns the C expression of its size.
local function pack(w, svc, msg, room)
    local size_m, max_m = names.msg_size(svc, msg), names.msg_max_size(svc, msg)
    local var = msg.var
    room = room or (var and max_m)
    if room then
        w("    union {")
        w("        struct %s m;", amc_h.tag(svc, msg))
        w("        uint8_t raw[%s];", room)
        w("    } amc_buf;")
        if var and len_can_overflow(msg) then
            w("    if (%s > %s - %s)", var.len_field.name, max_m, size_m)
            w("        return -EMSGSIZE;")
        end
        w("    struct %s *const amc_msg = &amc_buf.m;", amc_h.tag(svc, msg))
    else
        w("    struct %s amc_buf;", amc_h.tag(svc, msg))
        w("    struct %s *const amc_msg = &amc_buf;", amc_h.tag(svc, msg))
    end
    put_fields(w, svc, msg)
    return var and (size_m .. " + " .. var.len_field.name) or size_m
end

local function send(w, m, svc, msg)
    w("%s", amc_h.send_prototype(svc, msg))
    w("{")
    local size = pack(w, svc, msg)
    w("    return %s(dest, amc_msg, %s);", names.wrapper(m.abi, { name = "amc_message_send" }), size)
    w("}")
    w("")
end

-- The size check of msg's payload (a pointer `msg`, its length `len`), as a C condition that
-- is true when the size is wrong.
local function bad_size(svc, msg, p, len)
    local size_m, max_m = names.msg_size(svc, msg), names.msg_max_size(svc, msg)
    if not msg.var then return string.format("%s != %s", len, size_m) end
    local n = p .. "->" .. msg.var.len_field.name
    local extra = len_can_overflow(msg) and string.format(" || %s > %s - %s", n, max_m, size_m) or ""
    return string.format("%s < %s || %s - %s != %s%s", len, size_m, len, size_m, n, extra)
end

local function dispatch(w, svc)
    w("%s", amc_h.dispatch_prototype(svc))
    w("{")
    w("    uint32_t event;")
    w("    if (len < sizeof event)")
    w("        return -EBADMSG;")
    w("    __builtin_memcpy(&event, payload, sizeof event);")
    w("    switch (event) {")
    for _, msg in ipairs(svc.messages) do
        w("    case %s: {", amc_h.macro(svc, msg))
        w("        const struct %s *msg = payload;", amc_h.tag(svc, msg))
        w("        if (%s)", bad_size(svc, msg, "msg", "len"))
        w("            return -EBADMSG;")
        w("        return h->%s ? h->%s(ctx, hdr, msg) : -EPROTO;", msg.name, msg.name)
        w("    }")
    end
    w("    default:")
    w("        return -EPROTO;")
    w("    }")
    w("}")
    w("")
end

-- A reply as a stub receives it: len bytes at p must be exactly a msg.
local function reply_check(w, svc, msg)
    w("static int %s(const void *p, uint32_t len)", names.reply_check(svc, msg))
    w("{")
    w("    const struct %s *msg = p;", amc_h.tag(svc, msg))
    w("    if (len < sizeof msg->event)")
    w("        return -EBADMSG;")
    w("    if (msg->event != %s)", amc_h.macro(svc, msg))
    w("        return -EPROTO;")
    w("    return %s ? -EBADMSG : 0;", bad_size(svc, msg, "msg", "len"))
    w("}")
    w("")
end

-- Does a call travel in registers both ways? When its request and its reply are fixed-size and
-- fit the register call's words (the kernel's fast path); else it goes through a buffer.
local function in_registers(m, msg)
    local bytes = 4 * m.amc_calls.words
    return not msg.var and not msg.reply.var and msg.fixed_size <= bytes and msg.reply.fixed_size <= bytes
end

local function call_in_registers(w, m, svc, msg)
    local words, reply = m.amc_calls.words, msg.reply
    w("    union {")
    w("        struct %s m;", amc_h.tag(svc, msg))
    w("        uint32_t w[%d];", words)
    w("    } amc_buf;")
    w("    __builtin_memset(&amc_buf, 0, sizeof amc_buf); /* the words past the request are sent as 0 */")
    w("    struct %s *const amc_msg = &amc_buf.m;", amc_h.tag(svc, msg))
    put_fields(w, svc, msg)
    w("    union {")
    w("        struct %s m;", amc_h.tag(svc, reply))
    w("        uint32_t w[%d];", words)
    w("    } amc_in;")
    local args, outs = { "amc_to" }, {}
    for i = 1, words do args[#args + 1] = "amc_buf.w[" .. (i - 1) .. "]" end
    for i = 2, words do outs[#outs + 1] = "&amc_in.w[" .. (i - 1) .. "]" end
    args[#args + 1] = "amc_timeout_ms"
    w("    int32_t amc_r = %s(%s, %s);", names.wrapper(m.abi, m.amc_calls.call), table.concat(args, ", "),
        table.concat(outs, ", "))
    w("    if (amc_r < 0)")
    w("        return amc_r;")
    w("    amc_in.w[0] = (uint32_t)amc_r; /* the reply's discriminator */")
    w("    if (amc_in.m.event != %s)", amc_h.macro(svc, reply))
    w("        return -EPROTO;")
    w("    *amc_reply = amc_in.m;")
    w("    return 0;")
end

local function call(w, m, svc, msg)
    w("%s", amc_h.call_prototype(m, svc, msg))
    w("{")
    if in_registers(m, msg) then
        call_in_registers(w, m, svc, msg)
    else
        -- One buffer holds the request and then the reply: room for the larger of the two.
        local req_max, reply_max = names.msg_max_size(svc, msg), names.msg_max_size(svc, msg.reply)
        local room = msg.max_size >= msg.reply.max_size and req_max or reply_max
        local size = pack(w, svc, msg, room)
        w("    int32_t amc_n = %s(amc_to, amc_msg, %s, sizeof amc_buf, amc_timeout_ms);",
            names.wrapper(m.abi, m.amc_calls.call_buf), size)
        w("    if (amc_n < 0)")
        w("        return amc_n;")
        w("    int amc_r = %s(&amc_buf, (uint32_t)amc_n);", names.reply_check(svc, msg.reply))
        w("    if (amc_r == 0)")
        w("        __builtin_memcpy(amc_reply, &amc_buf, (uint32_t)amc_n);")
        w("    return amc_r;")
    end
    w("}")
    w("")
end

-- One case of the server's switch: count, check the size, call the handler; for a call, stamp
-- and measure the reply it wrote into answer. A register call pads a short request with zero
-- words, so a call of a smaller fixed-size message may also arrive with the register size.
local function handle_case(w, m, svc, msg)
    local c = "st->" .. msg.name
    w("    case %s: {", amc_h.macro(svc, msg))
    w("        const struct %s *req = (const void *)rq->payload;", amc_h.tag(svc, msg))
    w("        %s.requests++;", c)
    local wrong = bad_size(svc, msg, "req", "rq->len")
    local reg_bytes = 4 * m.amc_calls.words
    if msg.reply and not msg.var and msg.fixed_size < reg_bytes then
        wrong = string.format("%s && !(rq->badge && rq->len == %d)", wrong, reg_bytes)
    end
    w("        if (%s) {", wrong)
    w("            %s.bad_size++;", c)
    w("            return -EBADMSG;")
    w("        }")
    -- A one-way message sent as a call would leave its caller waiting for nothing: refused.
    w("        if (!s->%s%s) {", msg.name, msg.reply and "" or " || rq->badge")
    w("            %s.refused++;", c)
    w("            return -EPROTO;")
    w("        }")
    local reply = msg.reply
    if not reply then
        w("        int r = s->%s(ctx, rq, req);", msg.name)
        w("        if (r < 0)")
        w("            %s.refused++;", c)
        w("        return r < 0 ? r : 0;")
        w("    }")
        return
    end
    local m_ = reply.var and "reply->m." or "reply->"
    w("        %s *reply = answer;", amc_h.reply_type(svc, reply))
    w("        __builtin_memset(reply, 0, %s);", names.msg_size(svc, reply))
    w("        int r = s->%s(ctx, rq, req, reply);", msg.name)
    w("        %sevent = %s;", m_, amc_h.macro(svc, reply))
    local size = names.msg_size(svc, reply)
    if reply.var then
        local n = m_ .. reply.var.len_field.name
        if len_can_overflow(reply) then
            w("        if (r >= 0 && %s > %s - %s)", n, names.msg_max_size(svc, reply), size)
            w("            r = -EMSGSIZE;")
        end
        size = size .. " + " .. n
    end
    w("        if (r < 0) {")
    w("            %s.refused++;", c)
    w("            return r;")
    w("        }")
    w("        %s.replies++;", c)
    w("        return (int)(%s);", size)
    w("    }")
end

local function handle(w, m, svc)
    w("%s", amc_h.handle_prototype(svc))
    w("{")
    w("    uint32_t event;")
    w("    if (rq->len < sizeof event) {")
    w("        st->bad_event++;")
    w("        return -EBADMSG;")
    w("    }")
    w("    __builtin_memcpy(&event, rq->payload, sizeof event);")
    w("    switch (event) {")
    for _, msg in ipairs(svc.messages) do handle_case(w, m, svc, msg) end
    w("    default:")
    w("        st->bad_event++;")
    w("        return -EPROTO;")
    w("    }")
    w("}")
    w("")
end

-- The loop: amc_reply_wait answers the request before (badge, answer in buf[a]) and receives
-- the next one into the same buffer; the handler reads it there and writes its answer into the
-- other buffer, which the next turn sends. A plain message (badge 0) comes with its amc_header
-- and is answered, if at all, by a message to its sender's name.
local function serve(w, m, svc)
    local largest = svc.messages[1]
    for _, msg in ipairs(svc.messages) do
        if msg.max_size > largest.max_size then largest = msg end
    end
    local wait, send_ = names.wrapper(m.abi, m.amc_calls.reply_wait), names.wrapper(m.abi, { name = "amc_message_send" })
    w("%s", amc_h.serve_prototype(svc))
    w("{")
    w("    /* The service's declared maximum: a larger request is refused when it is sent. */")
    w("    enum { amc_cap = sizeof(struct amc_header) + %s };", names.msg_max_size(svc, largest))
    w("    static union {")
    w("        uint8_t raw[amc_cap];")
    w("        uint64_t align;")
    w("    } buf[2];")
    w("    struct amc_request rq;")
    w("    %s badge = 0; /* whom buf[a] answers: nobody yet */", amc_h.ctype(m.amc_calls.reply_wait.args[1]))
    w("    int n = 0;          /* the answer's size */")
    w("    unsigned a = 0;")
    local results = m.amc_calls.reply_wait.results
    w("    for (;;) {")
    w("        %s got;", amc_h.ctype(results[1]))
    w("        %s pid;", amc_h.ctype(results[2]))
    w("        int32_t r = %s(badge, &buf[a], (uint32_t)n, amc_cap, &got, &pid);", wait)
    w("        if (r < 0 && badge && (r == -ESRCH || r == -EMSGSIZE)) {")
    w("            st->lost_replies++; /* the caller gave up, or has no room: nothing was received */")
    w("            badge = 0;")
    w("            n = 0;")
    w("            continue;")
    w("        }")
    w("        if (r < 0)")
    w("            return r;")
    w("        rq.badge = got;")
    w("        rq.pid = pid;")
    w("        rq.hdr = got ? 0 : (const struct amc_header *)(const void *)&buf[a];")
    w("        rq.payload = buf[a].raw + (got ? 0 : sizeof(struct amc_header));")
    w("        rq.len = got ? (uint32_t)r : rq.hdr->len;")
    w("        n = %s(s, ctx, st, &rq, &buf[1 - a]);", names.handle(svc))
    w("        if (n < 0 && refused)")
    w("            refused(ctx, &rq, n);")
    w("        a = 1 - a;")
    w("        badge = got;")
    w("        if (!got) {")
    w("            if (n > 0 && rq.hdr->source[0] && %s(rq.hdr->source, &buf[a], (uint32_t)n) < 0)", send_)
    w("                st->lost_replies++;")
    w("            n = 0;")
    w("        } else if (n < 0) {")
    w("            int32_t status = n; /* a refusal: one negative word, which the caller's stub returns */")
    w("            __builtin_memcpy(&buf[a], &status, sizeof status);")
    w("            n = sizeof status;")
    w("        }")
    w("    }")
    w("}")
    w("")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"amc_runtime.h\" /* libsys/include: the fixed helpers (amc_put_str) */")
    w("#include \"amc_services.h\"")
    w("#include \"syscalls.h\"")
    w("")
    for _, svc in ipairs(m.services) do
        w("/* Service %s */", svc.name)
        w("")
        for _, msg in ipairs(svc.messages) do send(w, m, svc, msg) end
        dispatch(w, svc)
        for _, msg in ipairs(svc.messages) do
            local through_buffer = false
            for _, c in ipairs(msg.replies_to) do through_buffer = through_buffer or not in_registers(m, c) end
            if through_buffer then reply_check(w, svc, msg) end
        end
        for _, msg in ipairs(svc.messages) do
            if msg.reply then call(w, m, svc, msg) end
        end
        if m.amc_calls then
            handle(w, m, svc)
            serve(w, m, svc)
        end
    end
    return w()
end

return out
