-- The error contracts' list for make test: which declared errors no boot ever observed.
--
-- Every boot of a test kernel prints, when QEMU exits, one line per syscall that may fail
-- (kernel/syscall.c, contracts_report): `contracts: NAME +ERR -ERR ...`, + for an error the boot
-- saw the syscall return, - for one it did not. An error is unobserved when no log shows it with
-- +. This is a list for the reader, never a failure: an error that no test provokes is a
-- missing test, not a broken kernel (an undeclared error panics the boot instead).
local C = {}

-- { [syscall] = { [error] = seen } } of one log's text, and whether it had any contracts line.
function C.parse(text)
    local t, any = {}, false
    for line in text:gmatch("[^\r\n]+") do
        local name, rest = line:match("^contracts: (%S+)(.*)$")
        if name then
            any = true
            t[name] = t[name] or {}
            for sign, err in rest:gmatch("([+-])(%S+)") do
                t[name][err] = t[name][err] or sign == "+"
            end
        end
    end
    return t, any
end

-- Adds parsed into acc (same shape): an error is seen when any log saw it.
function C.merge(acc, parsed)
    for name, errs in pairs(parsed) do
        acc[name] = acc[name] or {}
        for err, seen in pairs(errs) do acc[name][err] = acc[name][err] or seen end
    end
    return acc
end

-- Sorted "syscall ERR" strings of the errors no log saw.
function C.unobserved(acc)
    local list = {}
    for name, errs in pairs(acc) do
        for err, seen in pairs(errs) do
            if not seen then list[#list + 1] = name .. " " .. err end
        end
    end
    table.sort(list)
    return list
end

-- The notes make test prints (tests/run.lua, reporter.note): how many boots reported, then the unobserved errors grouped by
-- syscall (`write EFAULT E2BIG; read EBADF`), or nothing when no boot ran a test kernel.
function C.summary(logdir)
    local acc, boots = {}, 0
    local p = io.popen("ls " .. "'" .. logdir:gsub("'", "'\\''") .. "'" .. "/*.log 2>/dev/null")
    for path in p:lines() do
        local f = io.open(path, "rb")
        if f then
            local parsed, any = C.parse(f:read("a"))
            f:close()
            if any then
                boots = boots + 1
                C.merge(acc, parsed)
            end
        end
    end
    p:close()
    if boots == 0 then return {} end
    local list = C.unobserved(acc)
    local groups, order = {}, {}
    for _, item in ipairs(list) do
        local name, err = item:match("^(%S+) (%S+)$")
        if not groups[name] then
            groups[name] = {}
            order[#order + 1] = name
        end
        table.insert(groups[name], err)
    end
    local parts = {}
    for _, name in ipairs(order) do parts[#parts + 1] = name .. " " .. table.concat(groups[name], " ") end
    return { string.format("error contracts (%d boots): %d declared errors no boot observed%s", boots, #list,
        #list > 0 and (": " .. table.concat(parts, "; ")) or "") }
end

return C
