-- The command line: validate everything, render every output into a temp file beside it (only
-- the files whose content changes), then rename them all into place: all or nothing.
local cgen = require("cgen")
local diag = require("diag")
local model = require("model")
-- (gen/lock.lua is required only with --lock: compiling a module costs about as much as checking
-- a few hundred syscalls, and most runs do not use it.)

local cli = {}

local concat, unpack = table.concat, table.unpack

-- group: the abi setting `outputs` that asks for the file (none: always written).
cli.OUTPUTS = {
    { path = "abi_base.h", module = "out_abi_h", part = "base" },
    { path = "abi.h", module = "out_abi_h" },
    { path = "abi.inc", module = "out_abi_inc" },
    { path = "abi.json", module = "out_json", group = "json" },
    { path = "kernel/syscall_handlers.h", module = "out_handlers_h", group = "kernel" },
    { path = "kernel/syscall_table.c", module = "out_syscall_table", group = "kernel" },
    { path = "kernel/trace_table.c", module = "out_trace", group = "kernel" },
    { path = "kernel/contracts.c", module = "out_contracts", group = "kernel" },
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

local USAGE = [==[
usage: lua5.4 gen/main.lua --def FILE [--out DIR] [--docs FILE] [--man DIR] [--lock FILE [--update-lock] [--new-lock]]
       lua5.4 gen/main.lua --list-outputs
  --def FILE      the ABI definition (abi/syscalls.def)
  --out DIR       write the generated C, headers and assembly under DIR (build/gen)
  --docs FILE     write the Markdown reference (docs/syscalls.md)
  --man DIR       write a manual page per syscall and amc message (DIR/man2, DIR/man3)
  --lock FILE     refuse incompatible changes to what the ABI lock records (abi/abi.lock)
  --update-lock   record new entries and compatible changes in the lock file
  --new-lock      accept an empty or missing lock: nothing of this ABI is released yet
  --list-outputs  print the path of every file --out can write, one a line, and exit]==]

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

local function io_fail(msg) error({ io_error = msg }, 0) end
local EISDIR = 21 -- (Linux's errno for a read of a directory)

-- A set of file replacements that happen all together or not at all. writer(path) returns
-- put(s): the text of path comes in pieces, put(nil) ends it. While the pieces match what path
-- already holds nothing is written; from the first difference on they go to path.tmp (after the
-- part that matched). commit() renames every temp file over its path, keeping each replaced file
-- as path.old.tmp until all are in place. Any failure removes the temp files, puts back what
-- commit() had already replaced and raises an I/O error, so the outputs are either all new or all
-- as they were. No output is ever held in memory whole, neither the new text nor the old.
-- put(cgen.RESTART) drops what came so far (cgen.render_to's second try). put also takes a text
-- as its pieces (cgen.takes_pieces).
local PIECE = 65536

-- The collector policy. A run's garbage is the syntax and scratch tables of the load and the
-- lines and chunks of the outputs; its live heap is the model. Most definitions allocate less
-- than BUDGET in all (5,000 syscalls: about 40 MB with every --out output), so the collector
-- stays stopped: freeing nothing costs nothing, and the process exits without a sweep. Past
-- BUDGET (looked at every 1,024 syscalls of the load, every chunk an output writes and before
-- each output) the generational collector takes over: switching to it is a full collection,
-- which frees what the load left and makes the model old, and its minor collections then free
-- the young garbage without walking the model.
--   The switch must really happen. lua5.4, the standalone interpreter, starts its collector in
-- generational mode, and asking for the mode it is already in does nothing: the model was
-- never made old, the collector's estimate of the live heap stayed that of an empty state, and
-- every few minor collections became a full walk of the model (at 50,000 syscalls: 36 minor,
-- 8 major and 2 "bad" collections, 1.3 of 5 CPU s). So start() puts it in incremental mode
-- before it stops it.
--   The parameters: a minor collection after the heap grows by GEN_MINOR % and a major one
-- only past GEN_MAJOR % (a render's garbage that outlived two minor collections is all the
-- growth there is). Measured at 50,000 syscalls with every --out output (user+sys CPU s and
-- max RSS, best of 4 interleaved runs; minor/major collections):
--     generational (20, 100) as the switch that never was     5.45 s  180 MB  36/8 (+2 bad)
--     generational (20, 100)                                    4.88 s  170 MB  19/1
--     generational (30, 300)                                    4.45 s  173 MB
--     generational (50, 300)                                    3.92 s  182 MB   9/1
--     generational (100, 300)                                   4.27 s  196 MB
--     generational (200, 300)                                   4.40 s  271 MB
-- A minor collection costs what it frees, not how often it runs. Once freed chunks went back to
-- malloc's per-size caches (gen/gen.mk GEN_ENV) and the conformance cases stopped waiting in
-- memory, more frequent ones only kept the heap smaller, and fresh pages cost more than the
-- collections (median of 8 interleaved runs, max RSS, callgrind instructions):
--     generational (50, 300)                                    3.65 s  166 MB  11,450 M
--     generational (25, 300)                                    3.42 s  146 MB
--     generational (15, 300), taken                             3.38 s  138 MB  11,438 M
-- (Memory stays linear: past BUDGET the heap is the model, about 1 KB a syscall, and what
-- the generational collector lets grow beside it.)
-- Full collections at the points above instead (at 1.5 or 2 times the heap the last one left)
-- cost more: each walks the whole model (0.17 s at 50,000 syscalls) and an output may allocate
-- 100 MB before its first chunk (conformance.c), so they run often and still overshoot; the
-- incremental collector walks the model as often and overshoots as well.
local BUDGET = 100 * 1024 -- KB of Lua heap
local GEN_MINOR, GEN_MAJOR = 15, 300
local gc = { running = false, budget = BUDGET } -- (budget: KB; a test lowers it)
cli.gc = gc
function gc.start()
    collectgarbage("incremental")
    collectgarbage("stop")
    gc.running = false
end
function gc.check()
    if not gc.running and collectgarbage("count") > gc.budget then
        gc.running = true
        collectgarbage("generational", GEN_MINOR, GEN_MAJOR)
        collectgarbage("restart")
    end
end
-- The collector as a caller of cli.main in the same process (the tests) expects it: running.
function gc.finish()
    model.tick = nil
    collectgarbage("restart")
end

function cli.transaction()
    local staged, dirs = {}, {}
    local tx = {}
    local function cleanup()
        for _, s in ipairs(staged) do
            os.remove(s.tmp)
            if s.kept then os.remove(s.kept) end
        end
        for i = #dirs, 1, -1 do os.remove(dirs[i]) end -- only the (still empty) ones we made
    end
    -- The directories of paths that are missing, made with one process (one a directory would
    -- cost more than writing the files).
    local function mkdirs(...)
        local missing = {}
        for _, path in ipairs({ ... }) do
            local dir = path:match("^(.*)/[^/]*$")
            local d = dir and io.open(dir, "rb") -- (a directory opens, a missing one does not)
            if d then
                d:close()
            elseif dir then
                missing[#missing + 1] = shell_quote(dir)
            end
        end
        if #missing == 0 then return end
        local p = io.popen("LC_ALL=C mkdir -pv -- " .. concat(missing, " ") .. " 2>/dev/null")
        for line in p:lines() do
            local made = line:match("^mkdir: created directory '(.*)'$")
            if made then dirs[#dirs + 1] = made end
        end
        p:close()
    end
    local function fail_write(tmp, err)
        cleanup()
        io_fail("cannot write " .. tmp .. (err and (": " .. tostring(err)) or ""))
    end
    -- The temp file of path, holding the first `same` bytes of old (they matched). One left
    -- behind (a killed run) is removed first: opened, a link would be written through. (Not a
    -- directory: that is no file of ours, and the open below fails on it.)
    local function open_tmp(path, tmp, old, same)
        local left = io.open(tmp, "rb")
        local is_dir = left and select(3, left:read(0)) == EISDIR
        if left then left:close() end
        if not is_dir then os.remove(tmp) end
        local f = io.open(tmp, "wb")
        if not f then
            mkdirs(path)
            f = io.open(tmp, "wb")
        end
        if not f then fail_write(tmp, "cannot create it") end
        staged[#staged + 1] = { path = path, tmp = tmp, replaces = old ~= nil }
        if same > 0 then
            old:seek("set", 0)
            while same > 0 do
                local piece = old:read(math.min(same, PIECE))
                local ok, err = f:write(piece)
                if not ok then fail_write(tmp, err) end
                same = same - #piece
            end
        end
        return f
    end
    function tx.writer(path)
        local tmp = path .. ".tmp"
        -- The file now at path, if it is one that can be read (a directory is not).
        local old = io.open(path, "rb")
        if old then
            local _, err = old:read(1)
            if err then
                old:close()
                old = nil
            else
                old:seek("set", 0)
            end
        end
        local out, same = nil, 0
        -- Text to the temp file; a failed write fails the transaction.
        local function write(...)
            local ok, err = out:write(...)
            if not ok then
                out:close()
                fail_write(tmp, err)
            end
        end
        local function put(s)
            if s == cgen.RESTART then -- forget what came so far: the text starts again
                if out then
                    out:close()
                    os.remove(tmp)
                    for i = #staged, 1, -1 do
                        if staged[i].tmp == tmp then table.remove(staged, i) break end
                    end
                    out = nil
                end
                same = 0
                if old then old:seek("set", 0) end
                return
            end
            if s == nil then
                if not out and (not old or old:read(1) ~= nil) then out = open_tmp(path, tmp, old, same) end
                if old then old:close() end
                if not out then return false end
                local ok, err = out:close()
                if not ok then fail_write(tmp, err) end
                return true
            end
            if not gc.running then gc.check() end -- (a call a piece less once it runs)
            if not out then
                local have = old and old:read(#s)
                if have == s or (have == nil and s == "") then
                    same = same + #s
                    return
                end
                out = open_tmp(path, tmp, old, same)
            end
            write(s)
        end
        -- A text as its pieces (cgen.takes_pieces): while it may still match the file, joined and
        -- compared as put(text) does; once written, each piece goes to the file as it is.
        return cgen.takes_pieces(put, function(p, n)
            if not out then return put(concat(p, "", 1, n)) end
            if not gc.running then gc.check() end
            write(unpack(p, 1, n))
        end)
    end
    -- Make the missing directories of paths now, at once (else each is made when its first file
    -- is written).
    tx.mkdirs = mkdirs
    function tx.stage(path, text)
        local put = tx.writer(path)
        put(text)
        return put(nil)
    end
    function tx.commit()
        for i, s in ipairs(staged) do
            if s.replaces then
                s.kept = s.path .. ".old.tmp"
                if not os.rename(s.path, s.kept) then s.kept = nil end
            end
            local ok, err = os.rename(s.tmp, s.path)
            if not ok then
                if s.kept then os.rename(s.kept, s.path) s.kept = nil end
                for j = i - 1, 1, -1 do -- undo the replacements already made
                    local d = staged[j]
                    if d.kept then
                        os.rename(d.kept, d.path)
                        d.kept = nil
                    else
                        os.remove(d.path)
                    end
                end
                cleanup()
                io_fail("cannot replace " .. s.path .. ": " .. tostring(err) ..
                    " (no output was changed)")
            end
        end
        for _, s in ipairs(staged) do
            if s.kept then os.remove(s.kept) end
        end
        return #staged
    end
    tx.abort = cleanup
    return tx
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
    local flags = { ["--update-lock"] = "update_lock", ["--new-lock"] = "new_lock",
                    ["--list-outputs"] = "list_outputs" }
    while i <= #argv do
        local a = argv[i]
        if takes[a] then
            if not argv[i + 1] then return nil, a .. " needs a value" end
            opts[takes[a]] = argv[i + 1]
            i = i + 2
        elseif flags[a] then
            opts[flags[a]] = true
            i = i + 1
        elseif a == "--help" or a == "-h" then
            return nil, nil
        else
            return nil, "unknown option " .. a
        end
    end
    if opts.list_outputs then return opts end
    if not opts.def then return nil, "--def is required" end
    if opts.update_lock and not opts.lock then return nil, "--update-lock needs --lock FILE" end
    if opts.new_lock and not opts.lock then return nil, "--new-lock needs --lock FILE" end
    return opts
end

local function run(argv, stderr, stdout)
    local opts, err = parse_args(argv)
    if not opts then
        if err then stderr:write("error: " .. err .. "\n") end
        stderr:write(USAGE .. "\n")
        return err and 1 or 0
    end
    if opts.list_outputs then
        for _, o in ipairs(cli.OUTPUTS) do stdout:write(o.path, "\n") end
        return 0
    end
    local text, rerr = read_file(opts.def)
    if not text then
        stderr:write(opts.def .. ": error: cannot read: " .. tostring(rerr) .. "\n")
        return 1
    end
    gc.start()
    model.tick = gc.check
    local m = model.load(text, opts.def)
    text = nil -- luacheck: ignore 311 (the definition's text, 7 MB for 50,000 syscalls, is not needed again)
    local new_entries = 0
    if opts.lock then
        local lock_text = read_file(opts.lock)
        if not lock_text and not opts.new_lock then
            stderr:write(opts.lock .. ": error: cannot read the lock file\n" ..
                "hint: restore it (`git checkout " .. opts.lock .. "`); for an ABI with nothing released yet, " ..
                "start one with --new-lock (`make abi-lock NEW_LOCK=1`)\n")
            return 1
        end
        local lock = require("lock")
        local locked = lock.parse(lock_text or "", opts.lock)
        new_entries = lock.check(m, locked, opts.lock, m.abi.kw, { new_lock = opts.new_lock })
    end
    -- Every input error has been found by now (model.load and lock.check): the output modules
    -- only render. Each output streams into its temp file as its buffer fills (cgen.render_to),
    -- so no output is ever in memory whole: the heap is the model and a few chunks, and the
    -- lines and chunks die young, where the generational collector frees them cheaply. The temp
    -- files replace the outputs only when all of them have been written.
    --   The model lives to the end, the lines and chunks of the outputs die young: a
    -- generational collector leaves the model alone and frees them cheaply. One full collection
    -- frees what building the model left; after that a full collection (a walk of the whole
    -- model) runs only when an output has left the heap half as large again as the model (its
    -- garbage grew old before it died: a table the render kept to its end).
    local tx = cli.transaction()
    local ok, e = pcall(function()
        if opts.update_lock then
            gc.check()
            tx.stage(opts.lock, require("lock").render(m))
        end
        if opts.out then
            local paths = {}
            for i, o in ipairs(cli.outputs(m)) do paths[i] = opts.out .. "/" .. o.path end
            tx.mkdirs(unpack(paths))
            for _, o in ipairs(cli.outputs(m)) do
                gc.check()
                local put = tx.writer(opts.out .. "/" .. o.path)
                cgen.render_to(put, require(o.module).render, m, o.part)
                put(nil)
            end
        end
        if opts.docs then
            gc.check()
            tx.stage(opts.docs, require("out_docs").render(m))
        end
        if opts.man then
            gc.check()
            local pages, dirs = require("out_man").render(m), {}
            for path in pairs(pages) do dirs[path:match("^(.*)/") or ""] = opts.man .. "/" .. path end
            local one = {}
            for _, path in pairs(dirs) do one[#one + 1] = path end
            tx.mkdirs(unpack(one))
            for path, page in pairs(pages) do tx.stage(opts.man .. "/" .. path, page) end
        end
    end)
    if not ok then
        tx.abort()
        error(e, 0)
    end
    tx.commit()
    if opts.lock and not opts.update_lock and new_entries > 0 then
        stderr:write(string.format("%s: note: %d new entr%s not in %s yet; `make abi-lock` records %s\n",
            opts.def, new_entries, new_entries == 1 and "y is" or "ies are", opts.lock,
            new_entries == 1 and "it" or "them"))
    end
    return 0
end

-- Run the generator; return the exit status (0 ok, 1 bad input, 2 internal error).
function cli.main(argv, stderr, stdout)
    stderr = stderr or io.stderr
    local status
    local ok, err = xpcall(function() status = run(argv, stderr, stdout or io.stdout) end, function(e)
        if diag.is_diag(e) or (type(e) == "table" and e.io_error) then return e end
        return { internal = tostring(e), trace = debug.traceback() }
    end)
    gc.finish()
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
