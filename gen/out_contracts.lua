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

-- "A, B, C": the names of list a, then of list b.
local function names_text(a, b)
    local parts, na = {}, #a
    for i = 1, na do parts[i] = a[i].name end
    if b then
        for i = 1, #b do parts[na + i] = b[i].name end
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

-- The error text of a syscall: its errors, then its implied ones ("A, B, C"), or nil.
local pairs_text = setmetatable({}, { __mode = "k" }) -- error -> implied error -> "E, I"

local function errors_text(errors, implied)
    local ne, ni = #errors, #implied
    if ne + ni == 0 then return nil end
    if ni == 0 then return ne == 1 and errors[1].name or names_text(errors) end
    if ne == 0 then return ni == 1 and implied[1].name or names_text(implied) end
    if ne == 1 and ni == 1 then -- the commonest pair: spelled once per pair
        local e, i = errors[1], implied[1]
        local by_implied = pairs_text[e]
        if not by_implied then
            by_implied = setmetatable({}, { __mode = "k" })
            pairs_text[e] = by_implied
        end
        local text = by_implied[i]
        if not text then
            text = e.name .. ", " .. i.name
            by_implied[i] = text
        end
        return text
    end
    return names_text(errors, implied)
end

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m))
    w("#include \"contracts.h\"")
    w("")
    w("#ifdef KERNEL_CONTRACTS")
    local rows, nrows, shared, nums = {}, 0, {}, cgen.num
    local syscalls = m.syscalls
    for k = 1, #syscalls do
        local sc = syscalls[k]
        if CHECKED[sc.ret] then
            -- sc.errors and sc.implied never share an error (the model adds an implied error only
            -- when it is not listed); every error of the .def follows for relays_errors.
            local errors, implied = sc.errors, sc.implied
            local declared = #errors + #implied -- the errors make test expects some test to observe
            local text, count = errors_text(errors, implied), declared
            if sc.attrs.relays_errors then text, count = with_every_error(text, errors, implied, m.errors, declared) end
            local ident = "0"
            if text then -- syscalls with the same errors share one array, named for the first
                ident = shared[text]
                if not ident then
                    ident = names.contract_errors(sc)
                    shared[text] = ident
                    w("static const uint16_t " .. ident .. "[] = {" .. text .. "};")
                end
            end
            nrows = nrows + 1
            rows[nrows] = "    [" .. nums[sc.num] .. "] = {1, " .. nums[count] .. ", " .. nums[declared] .. ", " ..
                ident .. "}, /* " .. sc.name .. " */"
        end
    end
    w("")
    w("const struct syscall_contract syscall_contracts[SYS_TABLE_SIZE] = {")
    if #rows == 0 then rows[1] = "    {0, 0, 0, 0}, /* no syscall returns an error word */" end
    for i = 1, #rows do w(rows[i]) end
    w("};")
    w("#endif")
    return w()
end

return out
