-- build/gen/kernel/contracts.c: the error contract of every syscall, for the test kernels'
-- check in kernel/syscall.c (types in kernel/contracts.h). A syscall may fail only with the
-- errors its `errors` line declares plus those its generated entry checks return (sc.implied:
-- EFAULT for a bad pointer, the toolong error of a bound, ...). Only results that can carry an
-- error are checked (i32 and uptr; not void, u32 or 64-bit results). A syscall with
-- `attrs relays_errors` passes on another process's status (amc_call: the server's reply), so
-- every error of the .def is allowed for it. The table is compiled only into kernels built with
-- KERNEL_CONTRACTS.
local cgen = require("cgen")

local out = {}

local CHECKED = { i32 = true, uptr = true }
local concat = table.concat

-- "A, B, C": the names of list a, then of list b (after the first na of a).
local function names_text(a, b, na)
    if not b and #a == 1 then return a[1].name end
    local parts = {}
    for i, e in ipairs(a) do parts[i] = e.name end
    if b then
        for i, e in ipairs(b) do parts[na + i] = e.name end
    end
    return concat(parts, ", ")
end

-- The error list of a relays_errors syscall: its own, then every other error of the .def.
local function with_every_error(text, errors, implied, all, declared)
    local seen, parts = {}, {}
    for _, list in ipairs({ errors, implied }) do
        for _, e in ipairs(list) do seen[e.name] = true end
    end
    for _, e in ipairs(all) do
        if not seen[e.name] then parts[#parts + 1] = e.name end
    end
    if #parts == 0 then return text, declared end
    local rest = concat(parts, ", ")
    return text and (text .. ", " .. rest) or rest, declared + #parts
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"contracts.h\"")
    w("")
    w("#ifdef KERNEL_CONTRACTS")
    local rows, nrows, shared = {}, 0, {}
    for _, sc in ipairs(m.syscalls) do
        if CHECKED[sc.ret] then
            -- sc.errors and sc.implied never share an error (the model adds an implied error only
            -- when it is not listed); every error of the .def follows for relays_errors.
            local errors, implied = sc.errors, sc.implied
            local declared = #errors + #implied -- the errors make test expects some test to observe
            local text
            if declared == 0 then
                text = nil
            elseif #implied == 0 then
                text = names_text(errors, nil, 0)
            elseif #errors == 0 then
                text = names_text(implied, nil, 0)
            else
                text = names_text(errors, implied, #errors)
            end
            local count = declared
            if sc.attrs.relays_errors then text, count = with_every_error(text, errors, implied, m.errors, declared) end
            local ident = "0"
            if text then -- syscalls with the same errors share one array, named for the first
                ident = shared[text]
                if not ident then
                    ident = "errors_" .. sc.name
                    shared[text] = ident
                    w("static const uint16_t " .. ident .. "[] = {" .. text .. "};")
                end
            end
            nrows = nrows + 1
            rows[nrows] = "    [" .. sc.num .. "] = {1, " .. count .. ", " .. declared .. ", " .. ident .. "}, /* " ..
                sc.name .. " */"
        end
    end
    w("")
    w("const struct syscall_contract syscall_contracts[SYS_TABLE_SIZE] = {")
    if #rows == 0 then rows[1] = "    {0, 0, 0, 0}, /* no syscall returns an error word */" end
    for _, r in ipairs(rows) do w(r) end
    w("};")
    w("#endif")
    return w()
end

return out
