-- One fuzz-cov batch: boots the kernel under QEMU (-icount shift=0: one tick per guest
-- instruction, so a replay takes the same path) with the executor (tests/fuzzcov/exec.c) as the
-- program init runs, its programs written into its image, and reads back what each call
-- returned, the kernel PCs it reached and whether the boot panicked or hung.
local B = {}

-- The boot modules of a batch (the reproducers' boots, tests/qemu/fuzz_boots.lua, take the same):
-- init, the executor second (programs may spawn it: it exits at once), malformed images.
function B.modules(build)
    local modules = {
        { path = build .. "/user/init.elf", name = "init" },
        { path = build .. "/fuzzcov/fuzzcov.elf", name = "fuzzcov" },
    }
    for _, bad in ipairs({ "bad-truncated", "bad-magic", "bad-entry" }) do
        modules[#modules + 1] = { path = build .. "/tests/" .. bad .. ".elf", name = bad }
    end
    return modules
end

-- config: { qemu, kernel, modules = { {path, name}... }, dir, timeout }
function B.config(env)
    local build = env.build or "build"
    local modules = B.modules(build)
    return {
        qemu = env.qemu or "qemu-system-i386",
        kernel = env.kernel or (build .. "/kernel/kernel.elf"),
        modules = modules,
        dir = env.dir or (build .. "/fuzzcov/run"),
        timeout = env.timeout or 60,
        memory = env.memory or 64,
        objcopy = env.objcopy or os.getenv("OBJCOPY") or ((os.getenv("CROSS") or "i686-linux-gnu-") .. "objcopy"),
    }
end

-- The names worth passing to string arguments: the programs (boot modules) and service names.
function B.names(cfg, D)
    local names = {}
    for _, m in ipairs(cfg.modules) do names[#names + 1] = m.name end
    for _, s in ipairs(D.services or {}) do names[#names + 1] = s end
    for _, s in ipairs({ "fz-a", "fz-b", "x" }) do names[#names + 1] = s end
    return names
end

local function shq(s)
    return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function write_file(path, data)
    local f = assert(io.open(path, "wb"))
    f:write(data)
    f:close()
end

local function read_file(path)
    local f = io.open(path, "rb")
    if not f then return "" end
    local s = f:read("a")
    f:close()
    return s
end

function B.command(cfg, log)
    local initrd = {}
    for _, m in ipairs(cfg.modules) do initrd[#initrd + 1] = m.path:gsub(",", ",,") .. " " .. m.name end
    return table.concat({
        "timeout -k 2", tostring(cfg.timeout), shq(cfg.qemu), "-display none -no-reboot -nic none -monitor none",
        "-m", tostring(cfg.memory), "-device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio",
        "-icount shift=0,sleep=off -kernel", shq(cfg.kernel),
        "-append", shq('init=fuzzcov args="exec" exit=qemu'), "-initrd", shq(table.concat(initrd, ",")),
        "</dev/null >", shq(log), "2>&1",
    }, " ")
end

-- The PCs of one line's words (the first in full, the others as distances).
local function pcs_of(words, from, into)
    local prev = 0
    for i = from, #words do
        local d = tonumber(words[i], 16)
        if not d then return end
        prev = prev + d
        into[#into + 1] = prev
    end
end

-- Parses a batch's log into { programs = { [id] = { rets = {}, pcs = { [k] = {...} }, ended,
-- how, leak, guard = the first call k that changed a guard, guard_kind = "buf" | "cap",
-- guards = { [k] = kind }, vr = { [k] = { { cap, len }... } } } },
-- done = bool, panic = line | nil, last_started = id | nil, log = text }.
function B.parse(log)
    local res = { programs = {}, log = log }
    local function prog(id)
        local p = res.programs[id]
        if not p then
            p = { rets = {}, pcs = {} }
            res.programs[id] = p
        end
        return p
    end
    for line in log:gmatch("[^\n]+") do
        line = line:gsub("\r", "")
        local words = {}
        for w in line:gmatch("%S+") do words[#words + 1] = w end
        local kind, id = words[1], tonumber(words[2] or "", 16)
        if kind == "fc-start" and id then
            prog(id).started = true
            res.last_started = id
        elseif (kind == "fc-call" or kind == "fc-pcs") and id and tonumber(words[3] or "", 16) then
            local p, k = prog(id), tonumber(words[3], 16) + 1
            local from = 4
            if kind == "fc-call" then
                p.rets[k] = tonumber(words[4] or "", 16)
                from = 5
            end
            p.pcs[k] = p.pcs[k] or {}
            if words[from] ~= "-" then pcs_of(words, from, p.pcs[k]) end
        elseif kind == "fc-end" and id then
            local p = prog(id)
            p.ended = true
            p.how = table.concat(words, " ", 3)
        elseif kind == "fc-guard" and id and tonumber(words[3] or "", 16) then
            local p, k = prog(id), tonumber(words[3], 16) + 1
            if not p.guard then p.guard, p.guard_kind = k, words[4] end
            p.guards = p.guards or {}
            p.guards[k] = words[4] or "buf"
        elseif kind == "fc-vr" and id and tonumber(words[3] or "", 16) and tonumber(words[5] or "", 16) then
            local p, k = prog(id), tonumber(words[3], 16) + 1
            p.vr = p.vr or {}
            p.vr[k] = p.vr[k] or {}
            table.insert(p.vr[k], { cap = tonumber(words[4], 16), len = tonumber(words[5], 16) })
        elseif kind == "fc-leak" and id then
            prog(id).leak = table.concat(words, " ", 3)
        elseif kind == "fc-orphan" and id then
            prog(id).orphans = tonumber(words[3] or "")
        elseif kind == "fc-batch" then
            res.done = true
        elseif line:find("PANIC:", 1, true) and not res.panic then
            res.panic = line:match("PANIC:.*")
        elseif res.panic and not res.panic_in and line:match("^%s+#0%s") then
            res.panic_in = line:match("#0%s+%S+%s+(%S+)")
            res.panic = res.panic .. (res.panic_in and (" in " .. res.panic_in) or "")
        elseif kind == "fc-error" then
            res.error = line
        end
    end
    return res
end

-- Size of section name in the ELF image text (0 when it has none).
local function section_size(image, name)
    local shoff = string.unpack("<I4", image, 33)
    local shentsize, shnum, shstrndx = string.unpack("<I2I2I2", image, 47)
    local function header(i) return string.unpack("<I4I4I4I4I4I4", image, shoff + i * shentsize + 1) end
    local _, _, _, _, stroff = header(shstrndx)
    for i = 0, shnum - 1 do
        local nameoff, _, _, _, _, size = header(i)
        if image:sub(stroff + nameoff + 1, stroff + nameoff + #name + 1) == name .. "\0" then return size end
    end
    return 0
end

-- Runs programs (a list, each encoded by prog.lua's P.encode under its position as id) in one
-- boot; returns the parsed result plus status (QEMU's exit status: 1 success, 124 timed out).
-- The batch goes into the executor's .fcbatch section (tests/fuzzcov/exec.c) of a copy of its
-- image, which boots as the module "fuzzcov".
function B.run(cfg, encoded, tag)
    os.execute("mkdir -p " .. shq(cfg.dir))
    local base = cfg.dir .. "/" .. (tag or "batch")
    local exec = cfg.modules[2]
    local size = cfg.batch_size or section_size(read_file(exec.path), ".fcbatch")
    cfg.batch_size = size
    local text = table.concat(encoded) .. "E\n"
    if #text >= size then error(string.format("fuzz-cov: a batch of %d bytes does not fit the executor's %d", #text, size), 0) end
    write_file(base .. ".in", text .. string.rep("\0", size - #text))
    local image = base .. ".elf"
    assert(os.execute(string.format("%s --update-section .fcbatch=%s %s %s", shq(cfg.objcopy), shq(base .. ".in"),
        shq(exec.path), shq(image))), "objcopy failed")
    local run = {}
    for k, v in pairs(cfg) do run[k] = v end
    run.modules = { cfg.modules[1], { path = image, name = exec.name } }
    for i = 3, #cfg.modules do run.modules[i] = cfg.modules[i] end
    local ok, _, status = os.execute(B.command(run, base .. ".log"))
    local res = B.parse(read_file(base .. ".log"))
    res.status = ok and 0 or status
    res.hung = res.status == 124 or res.status == 137
    res.log_path = base .. ".log"
    return res
end

return B
