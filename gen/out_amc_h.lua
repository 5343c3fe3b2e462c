-- build/gen/libsys/amc_services.h: per service, the discriminator enum, the
-- payload structs (layout pinned by _Static_assert), the send helpers and
-- the handler table of the receive dispatcher.
local cgen = require("cgen")
local names = require("names")
local abi_h = require("out_abi_h")

local out = {}

out.tag, out.macro = names.msg_tag, names.msg_enum

-- Parameters of a send helper: every field but event and the length of the
-- variable array, which travels with the array as (data, len).
function out.send_params(msg)
    local params = { "const char *dest" }
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
    return table.concat(params, ", ")
end

function out.send_prototype(svc, msg)
    return string.format("int %s(%s)", names.send(svc, msg), out.send_params(msg))
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
    w("")
    w("/*")
    w(" * Every payload starts with its u32 discriminator `event`. Send helpers")
    w(" * return amc_message_send's result, or -EINVAL (a string field too long),")
    w(" * or -EMSGSIZE (a variable array too long). A dispatcher checks the")
    w(" * discriminator (-EPROTO) and the exact length (-EBADMSG) before it calls")
    w(" * the handler, and returns the handler's result.")
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
        w("")
        w("/* Handlers of service %s; a NULL handler rejects its message with -EPROTO. */", svc.name)
        w("struct %s {", names.handlers(svc))
        for _, msg in ipairs(svc.messages) do
            w("    int (*%s)(void *ctx, const struct amc_header *hdr, const struct %s *msg);",
                msg.name, out.tag(svc, msg))
        end
        w("};")
        w("%s;", out.dispatch_prototype(svc))
    end
    w("")
    w("#endif /* %s */", names.GUARD.amc_h)
    return w()
end

return out
