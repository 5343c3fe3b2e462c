-- The command line: validate everything and render every output in memory,
-- then write only the files whose content changed (temp file + rename).
local diag = require("diag")
local model = require("model")
local lock = require("lock")

local cli = {}

-- group: the abi setting `outputs` that asks for the file (none: always written).
cli.OUTPUTS = {
    { path = "abi.h", module = "out_abi_h" },
    { path = "kernel/syscall_handlers.h", module = "out_handlers_h", group = "kernel" },
    { path = "kernel/syscall_table.c", module = "out_syscall_table", group = "kernel" },
    { path = "kernel/trace_table.c", module = "out_trace", group = "kernel" },
    { path = "libsys/syscalls.h", module = "out_libsys_h", group = "user" },
    { path = "libsys/syscalls.asm", module = "out_libsys_asm", group = "user" },
    { path = "libsys/amc_services.h", module = "out_amc_h", group = "amc" },
    { path = "libsys/amc_services.c", module = "out_amc_c", group = "amc" },
    { path = "conformance/conformance.c", module = "out_conformance", part = "c", group = "conformance" },
    { path = "conformance/regs.asm", module = "out_conformance", part = "asm", group = "conformance" },
    { path = "fuzz/syscall_fuzzer.c", module = "out_fuzzer", group = "fuzz" },
}

-- The outputs the definition asks for.
function cli.outputs(m)
    local list = {}
    for _, o in ipairs(cli.OUTPUTS) do
        if not o.group or m.abi.outputs[o.group] then list[#list + 1] = o end
    end
    return list
end

local USAGE = [[
usage: lua5.4 gen/main.lua --def FILE [--out DIR] [--docs FILE] [--man DIR] [--lock FILE [--update-lock]]
  --def FILE      the ABI definition (abi/syscalls.def)
  --out DIR       write the generated C, headers and assembly under DIR (build/gen)
  --docs FILE     write the Markdown reference (docs/syscalls.md)
  --man DIR       write a manual page per syscall and amc message (DIR/man2, DIR/man3)
  --lock FILE     refuse changes to entries recorded in the ABI lock (abi/abi.lock)
  --update-lock   record new entries in the lock file]]

local function read_file(path)
    local f, err = io.open(path, "rb")
    if not f then return nil, err end
    local text = f:read("a")
    f:close()
    if not text then return nil, path .. ": cannot read (is it a directory?)" end
    return text
end

local function shell_quote(s)
    return "'" .. s:gsub("'", "'\\''") .. "'"
end

-- Replace path by content unless it already holds exactly that.
-- Returns true when the file was (re)written.
function cli.write_if_changed(path, content)
    if read_file(path) == content then return false end
    local tmp = path .. ".tmp"
    local f = io.open(tmp, "wb")
    if not f then
        local dir = path:match("^(.*)/[^/]*$")
        if dir then os.execute("mkdir -p " .. shell_quote(dir)) end
        f = io.open(tmp, "wb")
    end
    if not f then error({ io_error = "cannot write " .. tmp }, 0) end
    f:write(content)
    f:close()
    local ok, err = os.rename(tmp, path)
    if not ok then error({ io_error = "cannot rename " .. tmp .. ": " .. tostring(err) }, 0) end
    return true
end

-- Render every output of a model: { [relative path] = text }.
function cli.render_all(m)
    local files = {}
    for _, o in ipairs(cli.outputs(m)) do
        files[o.path] = require(o.module).render(m, o.part)
    end
    return files
end

local function parse_args(argv)
    local opts, i = {}, 1
    local takes = { ["--def"] = "def", ["--out"] = "out", ["--docs"] = "docs", ["--lock"] = "lock",
                    ["--man"] = "man" }
    while i <= #argv do
        local a = argv[i]
        if takes[a] then
            if not argv[i + 1] then return nil, a .. " needs a value" end
            opts[takes[a]] = argv[i + 1]
            i = i + 2
        elseif a == "--update-lock" then
            opts.update_lock = true
            i = i + 1
        elseif a == "--help" or a == "-h" then
            return nil, nil
        else
            return nil, "unknown option " .. a
        end
    end
    if not opts.def then return nil, "--def is required" end
    if opts.update_lock and not opts.lock then return nil, "--update-lock needs --lock FILE" end
    return opts
end

local function run(argv, stderr)
    local opts, err = parse_args(argv)
    if not opts then
        if err then stderr:write("error: " .. err .. "\n") end
        stderr:write(USAGE .. "\n")
        return err and 1 or 0
    end
    local text, rerr = read_file(opts.def)
    if not text then
        stderr:write(opts.def .. ": error: cannot read: " .. tostring(rerr) .. "\n")
        return 1
    end
    local m = model.load(text, opts.def)
    local writes, new_entries = {}, 0
    if opts.lock then
        local lock_text = read_file(opts.lock)
        if not lock_text and not opts.update_lock then
            stderr:write(opts.lock .. ": error: cannot read the lock file\n" ..
                "hint: create it with `make abi-lock` (--update-lock)\n")
            return 1
        end
        local locked = lock.parse(lock_text or "", opts.lock)
        new_entries = lock.check(m, locked, opts.lock, m.abi.kw)
        if opts.update_lock then
            writes[#writes + 1] = { path = opts.lock, text = lock.render(m) }
        end
    end
    -- Every input error has been found by now (model.load and lock.check): the output modules
    -- only render. Each output is rendered and written in turn, so only one is in memory at a
    -- time, which keeps large definitions fast (the collector has less to walk).
    for _, wr in ipairs(writes) do
        cli.write_if_changed(wr.path, wr.text)
    end
    if opts.out then
        for _, o in ipairs(cli.outputs(m)) do
            cli.write_if_changed(opts.out .. "/" .. o.path, require(o.module).render(m, o.part))
        end
    end
    if opts.docs then
        cli.write_if_changed(opts.docs, require("out_docs").render(m))
    end
    if opts.man then
        for path, page in pairs(require("out_man").render(m)) do
            cli.write_if_changed(opts.man .. "/" .. path, page)
        end
    end
    if opts.lock and not opts.update_lock and new_entries > 0 then
        stderr:write(string.format("%s: note: %d new entr%s not in %s yet; `make abi-lock` records %s\n",
            opts.def, new_entries, new_entries == 1 and "y is" or "ies are", opts.lock,
            new_entries == 1 and "it" or "them"))
    end
    return 0
end

-- Run the generator; return the exit status (0 ok, 1 bad input, 2 internal error).
function cli.main(argv, stderr)
    stderr = stderr or io.stderr
    local status
    local ok, err = xpcall(function() status = run(argv, stderr) end, function(e)
        if diag.is_diag(e) or (type(e) == "table" and e.io_error) then return e end
        return { internal = tostring(e), trace = debug.traceback() }
    end)
    if ok then return status end
    if diag.is_diag(err) then
        stderr:write(err:format() .. "\n")
        return 1
    elseif err.io_error then
        stderr:write("error: " .. err.io_error .. "\n")
        return 1
    end
    stderr:write("internal error: " .. err.internal .. "\n")
    if os.getenv("GEN_DEBUG") then stderr:write(err.trace .. "\n") end
    return 2
end

return cli
