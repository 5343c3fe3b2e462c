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

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"contracts.h\"")
    w("")
    w("#ifdef KERNEL_CONTRACTS")
    local rows, nrows, shared = {}, 0, {}
    for _, sc in ipairs(m.syscalls) do
        if CHECKED[sc.ret] then
            local list, seen = {}, {}
            local function add(errors)
                for _, e in ipairs(errors) do
                    local name = e.name
                    if not seen[name] then
                        seen[name] = true
                        list[#list + 1] = name
                    end
                end
            end
            add(sc.errors)
            add(sc.implied)
            local declared = #list -- the errors make test expects some test to observe
            if sc.attrs.relays_errors then add(m.errors) end
            local ident = "0"
            if #list > 0 then -- syscalls with the same errors share one array, named for the first
                local text = concat(list, ", ")
                ident = shared[text]
                if not ident then
                    ident = "errors_" .. sc.name
                    shared[text] = ident
                    w("static const uint16_t " .. ident .. "[] = {" .. text .. "};")
                end
            end
            nrows = nrows + 1
            rows[nrows] = "    [" .. sc.num .. "] = {1, " .. #list .. ", " .. declared .. ", " .. ident .. "}, /* " ..
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
