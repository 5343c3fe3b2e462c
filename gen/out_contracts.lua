-- build/gen/kernel/contracts.c: the error contract of every syscall, for the test kernels'
-- check in kernel/syscall.c (types in kernel/contracts.h). A syscall may fail only with the
-- errors its `errors` line declares plus those its generated entry checks return (sc.implied:
-- EFAULT for a bad pointer, the toolong error of a bound, ...). Only results that can carry an
-- error are checked (i32 and uptr; not void, u32 or 64-bit results). A syscall with
-- `attrs relays_errors` passes on another process's status (amc_call: the server's reply), so
-- every error of the .def is allowed for it. The table is compiled only into kernels built with
-- KERNEL_CONTRACTS.
local cgen = require("cgen")
local names = require("names")

local out = {}

local CHECKED = { i32 = true, uptr = true }
local concat = table.concat

-- The errors other than those of lists a and b, for a relays_errors syscall: every other error
-- of the .def, in its order.
local function every_other_error(a, b, all)
    local seen, rest = {}, {}
    for _, e in ipairs(a) do seen[e.name] = true end
    for _, e in ipairs(b) do seen[e.name] = true end
    for _, e in ipairs(all) do
        if not seen[e.name] then rest[#rest + 1] = e end
    end
    return rest
end

-- "A, B, C": the names of the errors of lists a, b and c (c may be nil), through one table.
local spelled = {}

local function errors_text(a, b, c)
    if not c then return cgen.join_lists(cgen.NAME, a, b, ", ") end
    local k = 0
    for i = 1, #a do spelled[k + i] = a[i].name end
    k = k + #a
    for i = 1, #b do spelled[k + i] = b[i].name end
    k = k + #b
    for i = 1, #c do spelled[k + i] = c[i].name end
    return concat(spelled, ", ", 1, k + #c)
end

local JOIN, put_rows = cgen.JOIN, cgen.put_rows

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"contracts.h\"")
    w("")
    w("#ifdef KERNEL_CONTRACTS")
    -- First the arrays (as the first syscall of each list is met), then the rows that name them;
    -- syscalls with the same errors share one array, named for the first (shared: text -> name).
    local shared, idents, counts, nums = {}, {}, {}, cgen.num
    local p, n = {}, 0
    local syscalls = m.syscalls
    for k = 1, #syscalls do
        local sc = syscalls[k]
        if CHECKED[sc.ret] then
            -- sc.errors and sc.implied never share an error (the model adds an implied error only
            -- when it is not listed); every error of the .def follows for relays_errors.
            local errors, implied = sc.errors, sc.implied
            local rest = sc.attrs.relays_errors and every_other_error(errors, implied, m.errors)
            local count = #errors + #implied + (rest and #rest or 0)
            local ident = "0"
            if count > 0 then
                local text = errors_text(errors, implied, rest)
                ident = shared[text]
                if not ident then
                    ident = names.contract_errors(sc)
                    shared[text] = ident
                    -- (each row one chain of .., handed on JOIN rows at a time)
                    p[n + 1], p[n + 2], p[n + 3], p[n + 4], p[n + 5], n = "static const uint16_t ", ident, "[] = {", text,
                        "};\n", n + 5
                    if n >= JOIN then n = put_rows(w, p, n) end
                end
            end
            idents[k] = ident
            if rest then counts[k] = count end -- (else it is the declared count)
        end
    end
    put_rows(w, p, n)
    w("")
    w("const struct syscall_contract syscall_contracts[SYS_TABLE_SIZE] = {")
    local any = false
    n = 0
    for k = 1, #syscalls do
        local ident = idents[k]
        if ident then
            local sc = syscalls[k]
            -- declared: the errors make test expects some test to observe
            local declared = #sc.errors + #sc.implied
            p[n + 1], n = "    [" .. nums[sc.num] .. "] = {1, " .. nums[counts[k] or declared] .. ", " .. nums[declared] ..
                ", " .. ident .. "}, /* " .. sc.name .. " */\n", n + 1
            any = true
            if n >= JOIN then n = put_rows(w, p, n) end
        end
    end
    put_rows(w, p, n)
    if not any then w("    {0, 0, 0, 0}, /* no syscall returns an error word */") end
    w("};")
    w("#endif")
    return w()
end

return out
