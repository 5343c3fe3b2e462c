-- build/gen/libsys/amc_services.c: send helpers and receive dispatchers. The fixed helpers they
-- call are hand-written: libsys/include/amc_runtime.h, libsys/amc_runtime.c.
local cgen = require("cgen")
local names = require("names")
local amc_h = require("out_amc_h")

local out = {}

local TYPE_MAX = { u8 = 0xFF, u16 = 0xFFFF, u32 = 0xFFFFFFFF }

local function send(w, m, svc, msg)
    local size_m, max_m = names.msg_size(svc, msg), names.msg_max_size(svc, msg)
    w("%s", amc_h.send_prototype(svc, msg))
    w("{")
    local var = msg.var
    if var then
        local len = var.len_field.name
        local cap = msg.max_size - msg.fixed_size
        local type_max = TYPE_MAX[var.len_field.type.name]
        w("    union {")
        w("        struct %s m;", amc_h.tag(svc, msg))
        w("        uint8_t raw[%s];", max_m)
        w("    } amc_buf;")
        if type_max > cap then
            w("    if (%s > %s - %s)", len, max_m, size_m)
            w("        return -EMSGSIZE;")
        end
        w("    struct %s *const amc_msg = &amc_buf.m;", amc_h.tag(svc, msg))
    else
        w("    struct %s amc_buf;", amc_h.tag(svc, msg))
        w("    struct %s *const amc_msg = &amc_buf;", amc_h.tag(svc, msg))
    end
    w("    amc_msg->event = %s;", amc_h.macro(svc, msg))
    for _, f in ipairs(msg.fields) do
        local t = f.type
        if f == var then
            w("    __builtin_memcpy(amc_msg->%s, %s, %s);", f.name, f.name, var.len_field.name)
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
    local size = var and (size_m .. " + " .. var.len_field.name) or size_m
    w("    return %s(dest, amc_msg, %s);", names.wrapper(m.abi, { name = "amc_message_send" }), size)
    w("}")
    w("")
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
        local macro, size_m, max_m = amc_h.macro(svc, msg), names.msg_size(svc, msg), names.msg_max_size(svc, msg)
        w("    case %s: {", macro)
        w("        const struct %s *msg = payload;", amc_h.tag(svc, msg))
        if msg.var then
            local n = "msg->" .. msg.var.len_field.name
            local cap = msg.max_size - msg.fixed_size
            local extra = ""
            if TYPE_MAX[msg.var.len_field.type.name] > cap then
                extra = string.format(" || %s > %s - %s", n, max_m, size_m)
            end
            w("        if (len < %s || len - %s != %s%s)", size_m, size_m, n, extra)
        else
            w("        if (len != %s)", size_m)
        end
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
    end
    return w()
end

return out
