-- build/gen/libsys/amc_services.h: per service, the discriminator enum, the
-- payload structs (layout pinned by _Static_assert), the send helpers, the
-- handler table of the receive dispatcher, the typed client stubs of its
-- calls and the server loop with its handlers and counters.
local cgen = require("cgen")
local names = require("names")
local abi_h = require("out_abi_h")

local out = {}

out.tag, out.macro = names.msg_tag, names.msg_enum

-- Parameters of a send helper (after `first`) or a call stub: every field but
-- event and the length of the variable array, which travels with the array as
-- (data, len).
function out.field_params(msg, first)
    local params = { first }
    for _, f in ipairs(msg.fields) do
        local t = f.type
        if f == msg.var then
            params[#params + 1] = "const void *" .. f.name
            params[#params + 1] = f.len_field.type.ctype .. " " .. f.len_field.name
        elseif msg.var and msg.var.len_field == f then -- luacheck: ignore 542
            -- the length travels with the array, above
        elseif t.kind == "scalar" then
            params[#params + 1] = t.ctype .. " " .. f.name
        elseif t.kind == "struct" then
            params[#params + 1] = "const struct " .. t.name .. " *" .. f.name
        elseif t.elem.name == "char" then
            params[#params + 1] = "const char *" .. f.name
        else
            params[#params + 1] = "const " .. cgen.pointee(t.elem) .. " *" .. f.name
        end
    end
    return params
end

function out.send_prototype(svc, msg)
    return string.format("int %s(%s)", names.send(svc, msg),
        table.concat(out.field_params(msg, "const char *dest"), ", "))
end

-- What a reply is received into: the struct itself, or for a message with a variable array a
-- union with room for its largest payload.
function out.reply_type(svc, msg)
    if msg.var then return "union " .. names.msg_room(svc, msg) end
    return "struct " .. out.tag(svc, msg)
end

-- The C type of a scalar argument or result, as the wrappers spell it (a named type's typedef).
function out.ctype(a)
    return a.named and names.named_type(a.named) or a.type.ctype
end

-- The C type of a handle: what amc_call_buf takes.
function out.handle_ctype(m)
    return out.ctype(m.amc_calls.call_buf.args[1])
end

-- The client stub of a call: the handle, the request's fields, the reply and the timeout.
function out.call_prototype(m, svc, msg)
    local params = out.field_params(msg, out.handle_ctype(m) .. " amc_to")
    params[#params + 1] = out.reply_type(svc, msg.reply) .. " *amc_reply"
    params[#params + 1] = "uint32_t amc_timeout_ms"
    return string.format("int %s(%s)", names.call(svc, msg), table.concat(params, ", "))
end

function out.handle_prototype(svc)
    return string.format("int %s(const struct %s *s, void *ctx, struct %s *st, const struct amc_request *rq, " ..
        "void *answer)", names.handle(svc), names.server(svc), names.stats(svc))
end

function out.serve_prototype(svc)
    return string.format("int %s(const struct %s *s, void *ctx, struct %s *st, " ..
        "void (*refused)(void *ctx, const struct amc_request *rq, int err))", names.serve(svc), names.server(svc),
        names.stats(svc))
end

-- The server side of a service: typed handlers, counters, the loop.
local function server(w, svc)
    w("/*")
    w(" * Server of service %s. %s() serves forever (it returns only a -E error of", svc.name, names.serve(svc))
    w(" * amc_reply_wait): each request's discriminator and size are checked, counted in st")
    w(" * and handed to its handler (%s() does that for one request; refused, if not", names.handle(svc))
    w(" * NULL, hears of each request refused). A call's handler fills the reply (its event")
    w(" * is set for it) and returns 0, or a -E error that refuses the call: the caller's")
    w(" * stub returns it. A NULL handler refuses with -EPROTO, so does a one-way message")
    w(" * sent as a call. The process must own the service's name (amc_register_service).")
    w(" */")
    w("struct %s {", names.server(svc))
    for _, msg in ipairs(svc.messages) do
        if msg.reply then
            w("    int (*%s)(void *ctx, const struct amc_request *rq, const struct %s *req, %s *reply);",
                msg.name, out.tag(svc, msg), out.reply_type(svc, msg.reply))
        else
            w("    int (*%s)(void *ctx, const struct amc_request *rq, const struct %s *msg);", msg.name,
                out.tag(svc, msg))
        end
    end
    w("};")
    w("struct %s {", names.stats(svc))
    w("    uint32_t bad_event;    /* requests without a known discriminator */")
    w("    uint32_t lost_replies; /* answers the kernel refused: the caller was gone or had no room */")
    for _, msg in ipairs(svc.messages) do
        w("    struct amc_counters %s;", msg.name)
    end
    w("};")
    w("%s;", out.handle_prototype(svc))
    w("%s;", out.serve_prototype(svc))
end

function out.dispatch_prototype(svc)
    return string.format("int %s(const struct %s *h, void *ctx, " ..
        "const struct amc_header *hdr, const void *payload, uint32_t len)", names.dispatch(svc), names.handlers(svc))
end

local function payload(w, svc, msg)
    local tag, macro = out.tag(svc, msg), out.macro(svc, msg)
    w("/* %s.%s: %s */", svc.name, msg.name, cgen.comment(msg.doc))
    w("struct %s {", tag)
    w("    uint32_t event; /* %s */", macro)
    for _, f in ipairs(msg.fields) do
        local doc = f.doc
        if f == msg.var then doc = (doc and doc .. "; " or "") .. f.len_field.name .. " bytes" end
        w("    %s;%s", cgen.field_decl(f), doc and (" /* " .. cgen.comment(doc) .. " */") or "")
    end
    w("};")
    w("#define %s %du /* %s */", names.msg_size(svc, msg), cgen.u32(msg.fixed_size),
        msg.var and ("fixed part, before " .. msg.var.name) or "exact payload size")
    w("#define %s %du", names.msg_max_size(svc, msg), cgen.u32(msg.max_size))
    -- all_fields holds the variable array too: its offset is the fixed part's size.
    abi_h.layout_asserts(w, "struct " .. tag, msg.all_fields, not msg.var and msg.fixed_size or nil)
    if msg.var and #msg.replies_to > 0 then
        w("union %s { /* room for the largest %s.%s */", names.msg_room(svc, msg), svc.name, msg.name)
        w("    struct %s m;", tag)
        w("    uint8_t raw[%s];", names.msg_max_size(svc, msg))
        w("};")
    end
    w("")
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#ifndef %s", names.GUARD.amc_h)
    w("#define %s", names.GUARD.amc_h)
    w("")
    w("#include <stddef.h>")
    w("#include <stdint.h>")
    w("#include \"../abi.h\"")
    if m.amc_calls then
        w("#include \"amc_runtime.h\" /* libsys/include: struct amc_request, struct amc_counters */")
    end
    w("")
    w("/*")
    w(" * Every payload starts with its u32 discriminator `event`. Send helpers")
    w(" * return amc_message_send's result, or -EINVAL (a string field too long),")
    w(" * or -EMSGSIZE (a variable array too long). A dispatcher checks the")
    w(" * discriminator (-EPROTO) and the exact length (-EBADMSG) before it calls")
    w(" * the handler, and returns the handler's result.")
    if m.amc_calls then
        w(" *")
        w(" * A call's stub (SERVICE_CALL(handle, fields..., reply, timeout_ms)) sends")
        w(" * the request, waits at most timeout_ms for the reply and checks it as a")
        w(" * dispatcher does. It returns 0 with *reply filled, or a -E error: -EINVAL")
        w(" * or -EMSGSIZE (as a send helper), the call's (EBADF, ESTALE, EPIPE,")
        w(" * ETIMEDOUT...), the server's refusal, or -EPROTO / -EBADMSG for a reply")
        w(" * that is not the declared message.")
    end
    w(" */")
    w("struct amc_header; /* what the kernel writes in front of a received payload */")
    for _, svc in ipairs(m.services) do
        w("")
        w("/* Service %s: %s */", svc.name, cgen.comment(svc.doc))
        w("#define %s %s", names.service_macro(svc), cgen.cstring(svc.service))
        w("")
        w("enum %s {", names.event_enum(svc))
        for _, msg in ipairs(svc.messages) do
            w("    %s = %d,", out.macro(svc, msg), cgen.u32(msg.num))
        end
        w("};")
        for _, r in ipairs(svc.retired) do
            w("/* %d: retired %s: %s */", r.num, r.name, cgen.comment(r.why))
        end
        w("")
        for _, msg in ipairs(svc.messages) do payload(w, svc, msg) end
        for _, msg in ipairs(svc.messages) do
            w("%s;", out.send_prototype(svc, msg))
        end
        for _, msg in ipairs(svc.messages) do
            if msg.reply then w("%s;", out.call_prototype(m, svc, msg)) end
        end
        w("")
        w("/* Handlers of service %s; a NULL handler rejects its message with -EPROTO. */", svc.name)
        w("struct %s {", names.handlers(svc))
        for _, msg in ipairs(svc.messages) do
            w("    int (*%s)(void *ctx, const struct amc_header *hdr, const struct %s *msg);",
                msg.name, out.tag(svc, msg))
        end
        w("};")
        w("%s;", out.dispatch_prototype(svc))
        if m.amc_calls then
            w("")
            server(w, svc)
        end
    end
    w("")
    w("#endif /* %s */", names.GUARD.amc_h)
    return w()
end

return out
