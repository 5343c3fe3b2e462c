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

-- The parsed contracts of every log in dir, and how many logs had any.
local function read_dir(dir)
    local acc, boots = {}, 0
    local p = io.popen("ls " .. "'" .. dir:gsub("'", "'\\''") .. "'" .. "/*.log 2>/dev/null")
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
    return acc, boots
end

-- "write EFAULT E2BIG; read EBADF" of a sorted "syscall ERR" list.
local function grouped(list)
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
    return table.concat(parts, "; ")
end

-- The notes make test prints (tests/run.lua, reporter.note): how many boots reported, then the
-- unobserved errors grouped by syscall (`write EFAULT E2BIG; read EBADF`), or nothing when no
-- boot ran a test kernel. elsewhere (optional): { dir = DIR, what = TEXT }, the logs of other boots
-- (make coverage's, on the coverage kernel, whose errors such as kcov's EBUSY no test kernel can
-- return): an error they saw is listed apart as seen there, not as unobserved.
function C.summary(logdir, elsewhere)
    local acc, boots = read_dir(logdir)
    if boots == 0 then return {} end
    local list, there = C.unobserved(acc), {}
    local other, other_boots = {}, 0
    if elsewhere then other, other_boots = read_dir(elsewhere.dir) end
    if other_boots > 0 then
        local still = {}
        for _, item in ipairs(list) do
            local name, err = item:match("^(%S+) (%S+)$")
            if other[name] and other[name][err] then there[#there + 1] = item else still[#still + 1] = item end
        end
        list = still
    end
    local line = string.format("error contracts (%d boots): %d declared errors no boot observed%s", boots, #list,
        #list > 0 and (": " .. grouped(list)) or "")
    if #there > 0 then
        line = line .. string.format("; %d more seen only by %s's boots (%d logs in %s): %s", #there, elsewhere.what,
            other_boots, elsewhere.dir, grouped(there))
    elseif elsewhere and other_boots == 0 and #list > 0 then
        line = line .. string.format(" (no logs of %s in %s tell which only its boots see)", elsewhere.what,
            elsewhere.dir)
    end
    return { line }
end

return C
