-- Host tests of the ABI generator (gen/).  Prints `ok NAME` / `FAIL NAME: why`
-- per test and exits non-zero on any failure.
--   lua5.4 tests/gen/run.lua           run everything
--   lua5.4 tests/gen/run.lua --bless   rewrite tests/gen/golden from the fixtures
--   lua5.4 tests/gen/run.lua --part core|accepted   one half only: `make test` runs the
--       "accepted means builds" compiles (tests/gen/accepted.lua, the longest part) as a job of
--       their own, beside the rest, so the two halves share the machine's cores
-- weight: 10
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
local HERE = (arg[0]:match("^(.*)/[^/]*$") or ".")
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
package.path = ROOT .. "/gen/?.lua;" .. ROOT .. "/tests/lib/?.lua;" .. HERE .. "/?.lua;" .. package.path

local model = require("model")
local diag = require("diag")
local lock = require("lock")
local cli = require("cli")

local BLESS = arg[1] == "--bless"
local PART = arg[1] == "--part" and arg[2] or "all"
assert(PART == "all" or PART == "core" or PART == "accepted", "--part core|accepted")
local CORE, ACCEPTED = PART ~= "accepted", PART ~= "core"
local BLESS_CMD = "lua5.4 tests/gen/run.lua --bless"
local CROSS_FLAGS = "-std=c11 -ffreestanding -fno-pie -fno-stack-protector -O2 -Wall -Wextra -Werror"





local S = require("hostsuite")
local report, read, write, sh = S.report, S.read, S.write, S.sh

local TMP = (function()
    local _, out = sh("mktemp -d -t gen-tests.XXXXXX")
    return out:gsub("%s+$", "")
end)()

local function load_def(path)
    return model.load(assert(read(ROOT .. "/" .. path), path), path)
end

-- Outputs of a definition, keyed by path, including docs and lock.
local function outputs(m)
    local files = cli.render_all(m)
    files["syscalls.md"] = require("out_docs").render(m)
    files["abi.lock"] = lock.render(m)
    return files
end

local FIXTURES = { "full", "minimal" }

----------------------------------------------------------------------------
local function test_golden()
    for _, fx in ipairs(FIXTURES) do
        local m = load_def("tests/gen/fixtures/" .. fx .. ".def")
        local files = outputs(m)
        local paths = {}
        for p in pairs(files) do paths[#paths + 1] = p end
        table.sort(paths)
        for _, p in ipairs(paths) do
            local golden = ROOT .. "/tests/gen/golden/" .. fx .. "/" .. p
            local name = "gen_golden_" .. fx .. "_" .. p:gsub("[/.]", "_")
            if BLESS then
                write(golden, files[p])
                report(name, true)
            else
                local want = read(golden)
                if want == files[p] then
                    report(name, true)
                else
                    local actual = TMP .. "/golden/" .. fx .. "/" .. p
                    write(actual, files[p])
                    local _, diff = sh("diff -u '" .. golden .. "' '" .. actual .. "' | head -40")
                    report(name, false, "output differs from " .. golden:gsub("^.*/tests/", "tests/") ..
                        "; if the change is intended, re-bless with: " .. BLESS_CMD, diff)
                end
            end
        end
    end
end

----------------------------------------------------------------------------
-- Every tests/gen/bad/*.def starts (after a byte order mark, if the case is about one) with
-- `# expect: LINE:COL: message`, optionally followed by `# hint: text`. Cases too big or too
-- binary for a file are built by tests/gen/bad/generated.lua. m_* cases are the model's
-- checks, o_* the outputs'; all others the lexer's and parser's.
local function check_bad(name, text, file, want, hint)
    local ok, err = pcall(model.load, text, "bad/" .. file)
    if ok then
        report(name, false, "accepted, expected: " .. want)
    elseif not diag.is_diag(err) then
        report(name, false, "internal error: " .. tostring(err))
    else
        local got = string.format("%d:%d: %s", err.pos.line, err.pos.col, err.msg)
        -- One line for the error, one per note and for the hint, each without control bytes.
        local shown = err:format()
        local _, lines = shown:gsub("\n", "")
        local raw = shown:match("[%z\1-\9\11-\31\127]")
        if raw or lines ~= #err.notes + (err.hint and 1 or 0) then
            report(name, false, "diagnostic not one line per item, or with a raw control byte", shown)
        elseif got == want and hint and err.hint ~= hint then
            report(name, false, "hint `" .. tostring(err.hint) .. "`, expected `" .. hint .. "`")
        else
            report(name, got == want, "got `" .. got .. "`, expected `" .. want .. "`")
        end
    end
end

local function test_bad_corpus()
    local _, list = sh("ls " .. ROOT .. "/tests/gen/bad/*.def")
    local count = 0
    for path in list:gmatch("[^\n]+") do
        count = count + 1
        local text = read(path)
        local file = path:match("([^/]+)$")
        local name = "gen_bad_" .. file:gsub("%.def$", "")
        local want, hint = text:match("^\xEF?\xBB?\xBF?# expect: ([^\r\n]*)\r?\n# hint: ([^\r\n]*)")
        want = want or text:match("^\xEF?\xBB?\xBF?# expect: ([^\r\n]*)")
        if not want then
            report(name, false, "first line lacks `# expect: LINE:COL: message`")
        else
            check_bad(name, text, file, want, hint)
        end
    end
    for _, case in ipairs(dofile(ROOT .. "/tests/gen/bad/generated.lua")) do
        count = count + 1
        check_bad("gen_bad_" .. case.name, case.text, case.file or case.name .. ".def", case.expect, case.hint)
    end
    report("gen_bad_corpus_size", count >= 200, count .. " malformed definitions, want >= 200")
end

----------------------------------------------------------------------------
local function test_cli()
    local out = TMP .. "/cli-out"
    local rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. ROOT ..
        "/tests/gen/bad/duplicate_syscall_number.def --out " .. out)
    report("gen_cli_bad_input_exit_1", rc == 1 and text:match(":%d+:%d+: error: ") ~= nil, "rc " .. tostring(rc), text)
    report("gen_cli_bad_input_writes_nothing", read(out .. "/abi.h") == nil and not text:match("traceback"))
    local def = ROOT .. "/tests/gen/fixtures/full.def"
    rc, text = sh("cd " .. TMP .. " && lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
    report("gen_cli_ok_exit_0", rc == 0 and read(out .. "/kernel/syscall_table.c") ~= nil, "rc " .. tostring(rc), text)
    -- A second run must leave every file alone (same inode and mtime).
    local _, before = sh("ls -li --time-style=full-iso " .. out .. "/abi.h " .. out .. "/libsys/syscalls.asm")
    sh("sleep 0.01")
    sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
    local _, after = sh("ls -li --time-style=full-iso " .. out .. "/abi.h " .. out .. "/libsys/syscalls.asm")
    report("gen_cli_unchanged_not_rewritten", before == after, "files were rewritten", before .. after)
    local _, tmps = sh("find " .. out .. " -name '*.tmp'")
    report("gen_cli_no_temp_left", tmps == "", tmps)
    -- A changed file is replaced.
    write(out .. "/abi.h", "stale\n")
    sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
    report("gen_cli_stale_rewritten", (read(out .. "/abi.h") or ""):match("^/%* Generated") ~= nil)
    -- A file that matches the new text up to some point is rewritten from there, whether the
    -- difference falls in a text written whole or in one written as its pieces (the shims and
    -- the table of kernel/syscall_table.c: cgen.takes_pieces), and the result is the text a run
    -- into an empty directory writes.
    local fresh = TMP .. "/cli-fresh"
    sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. fresh)
    local bad_rewrites = {}
    for _, f in ipairs({ "kernel/syscall_table.c", "kernel/syscall_handlers.h", "abi.h" }) do
        local want = read(fresh .. "/" .. f) or ""
        local half = #want // 2
        for _, edit in ipairs({ { "prefix", want:sub(1, half) }, { "changed", want:sub(1, half) .. "#" .. want:sub(half + 2) },
                                { "longer", want .. "tail\n" } }) do
            write(out .. "/" .. f, edit[2])
            sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
            if read(out .. "/" .. f) ~= want then bad_rewrites[#bad_rewrites + 1] = f .. " (" .. edit[1] .. ")" end
        end
    end
    local _, left_tmps = sh("find " .. out .. " -name '*.tmp'")
    report("gen_cli_rewrites_from_first_difference", left_tmps == "" and #bad_rewrites == 0,
        "differs from a fresh run: " .. table.concat(bad_rewrites, ", ") .. "; temp files: " .. left_tmps)
    -- A temp file left behind, here a link to another file, is replaced, never written through.
    local victim = TMP .. "/cli-victim"
    write(victim, "keep\n")
    write(out .. "/kernel/syscall_table.c", "stale\n")
    sh("ln -sf " .. victim .. " " .. out .. "/kernel/syscall_table.c.tmp")
    rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
    report("gen_cli_leftover_temp_not_followed", rc == 0 and read(victim) == "keep\n"
        and read(out .. "/kernel/syscall_table.c") == read(fresh .. "/kernel/syscall_table.c"),
        "rc " .. tostring(rc) .. "; the link's target now holds " .. #(read(victim) or "") .. " bytes", text)
    -- A write that fails (here past the file size limit, as on a full disk) fails the run and
    -- changes nothing: the old text differs from the first byte on, so the output is written.
    write(out .. "/kernel/syscall_table.c", "stale\n")
    local listing = "cd " .. out .. " && find . | sort | xargs md5sum 2>&1"
    local _, before_full = sh(listing)
    rc, text = sh("trap '' XFSZ; ulimit -f 4; lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. out)
    local _, after_full = sh(listing)
    report("gen_cli_write_error_changes_nothing", rc == 1
        and text:match("^error: cannot write [^\n]*syscall_table%.c%.tmp: ") ~= nil and before_full == after_full,
        "rc " .. tostring(rc),
        text .. (before_full == after_full and "" or "\nbefore:\n" .. before_full .. "\nafter:\n" .. after_full))
    -- All or nothing: one output that cannot be replaced (a directory in its place, or a file
    -- where its directory should be) leaves every output and the lock as they were, and no
    -- temp file behind.
    local minimal = ROOT .. "/tests/gen/fixtures/minimal.def"
    for _, case in ipairs({ { "rename_fails", "rm -f DIR/libsys/amc_services.c && mkdir DIR/libsys/amc_services.c" },
                            { "temp_fails", "rm -rf DIR/fuzz && touch DIR/fuzz" },
                            { "first_fails", "rm -f DIR/abi.h && mkdir DIR/abi.h" } }) do
        local dir = TMP .. "/atomic-" .. case[1]
        local lk = dir .. ".lock"
        sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. minimal .. " --out " .. dir)
        write(lk, lock.render(model.load(read(def), def)):gsub("\nsyscall 12 [^\n]*", ""))
        sh(case[2]:gsub("DIR", dir))
        local list = "cd " .. dir .. " && find . " .. lk .. " | sort | xargs md5sum 2>&1; ls -a " .. dir .. "/.."
        local _, state = sh(list)
        rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --out " .. dir .. " --docs " .. dir ..
            ".md --lock " .. lk .. " --update-lock")
        local _, now = sh(list)
        local _, left = sh("find " .. TMP .. " -name '*.tmp'")
        report("gen_cli_atomic_" .. case[1], rc == 1 and text:match("^error: cannot ") ~= nil and
            state == now and left == "" and read(dir .. ".md") == nil, "rc " .. tostring(rc) .. "; temp files: " ..
            left, text .. (state == now and "" or "\nbefore:\n" .. state .. "\nafter:\n" .. now))
    end
    rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --bogus")
    report("gen_cli_usage_error", rc == 1 and text:match("usage:") ~= nil, "rc " .. tostring(rc), text)
    rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def /nonexistent.def")
    report("gen_cli_unreadable_def", rc == 1 and text:match("cannot read") ~= nil, "rc " .. tostring(rc), text)
    -- An internal error: exit 2, one line, no traceback.
    local lines = {}
    local sink = { write = function(_, s) lines[#lines + 1] = s end }
    local real = package.loaded["out_abi_h"].render
    package.loaded["out_abi_h"].render = function() error("boom") end
    local status = cli.main({ "--def", def, "--out", TMP .. "/crash" }, sink)
    package.loaded["out_abi_h"].render = real
    local msg = table.concat(lines)
    report("gen_cli_internal_error_exit_2", status == 2 and msg:match("^internal error: .*boom") ~= nil
        and not msg:match("traceback") and read(TMP .. "/crash/abi.h") == nil, "status " .. status, msg)
    -- A render that fails after others were staged: still nothing written, no temp file left.
    local real_fuzzer = package.loaded["out_fuzzer"] or require("out_fuzzer")
    local real_render = real_fuzzer.render
    real_fuzzer.render = function() error("late boom") end
    lines = {}
    status = cli.main({ "--def", def, "--out", TMP .. "/crash-late" }, sink)
    real_fuzzer.render = real_render
    local _, left = sh("find " .. TMP .. "/crash-late -type f 2>/dev/null")
    report("gen_cli_internal_error_late_writes_nothing", status == 2 and left == "", "status " .. status .. ", left: " ..
        left, table.concat(lines))
end

----------------------------------------------------------------------------
-- Lock refusals: a mutation of the full fixture against its own lock.
local LOCK_CASES = {
    { "renumber", "syscall 0 nop()", "syscall 11 nop()", "syscall 0 (nop) was removed without being retired" },
    { "changed_arg_type", "brk(to: uptr)", "brk(to: u32)", "syscall 7 brk differs from the locked ABI" },
    { "changed_arg_count", "quit(code: i32)", "quit(code: i32, more: i32)", "syscall 8 quit differs from the locked ABI" },
    { "changed_return", "brk(to: uptr) -> uptr", "brk(to: uptr) -> u32", "syscall 7 brk differs from the locked ABI" },
    { "renamed", "syscall 7 brk(", "syscall 7 sbrk(", "syscall 7 sbrk differs from the locked ABI" },
    { "optional_dropped", "q: out point optional", "q: out point", "syscall 5 structs differs from the locked ABI" },
    { "removed_unretired", "syscall 1 scalars(", "syscall 11 scalars(", "syscall 1 (scalars) was removed without being retired" },
    { "retired_dropped", 'retired 9 old_quit "replaced by quit (8)"', "", "retired number 9 (old_quit) was dropped" },
    { "struct_layout", "    y: i32 \"y coordinate\"", "    y: i16 \"y coordinate\"\n    y2: i16",
      "struct point differs from the locked ABI" },
    { "struct_removed", 'struct spare "Unused by syscalls." {', 'struct spare2 "Unused by syscalls." {',
      "struct spare was removed" },
    { "message_layout", "message 1 echo_request \"Ask for text to be echoed.\" { flags: u32",
      "message 1 echo_request \"Ask for text to be echoed.\" { flags: u16  more: u16",
      "message echo.echo_request differs from the locked ABI" },
    { "message_removed", "    message 2 get \"Fixed-size only.\" { key: char[8] }\n", "",
      "message store 2 (get) was removed without being retired" },
    { "service_renamed", 'service echo "echo"', 'service echo "echo2"', "service echo differs from the locked ABI" },
    { "retired_message_reused", '    retired 3 old_put "replaced by put"',
      '    message 3 old_put "back" { x: u32 }', "message store.old_put reuses a retired number" },
    -- Errors and consts: a compiled program holds their numbers.
    { "error_number", 'error EFAULT 14 "Bad address"', 'error EFAULT 15 "Bad address"',
      "error EFAULT: its number is 15, locked 14" },
    { "error_removed", 'error EPERM 1 "Operation not permitted"\n', "", "error EPERM was removed" },
    { "const_value", 'const BIG 0xFFFFFFFF', 'const BIG 0xFFFFFFFE', "const BIG: its value is 4294967294, locked 4294967295" },
    { "const_removed", 'const BIG 0xFFFFFFFF "A constant above INT32_MAX."\n', "", "const BIG was removed" },
    { "const_bound_lowered", "const PATH_MAX 0x3f", "const PATH_MAX 0x3e", "const PATH_MAX: its value is 62, locked 63" },
    -- abi settings.
    { "trap", "trap 0x80", "trap 0x81", "abi setting trap is 0x81, locked 0x80" },
    { "arg_registers_order", "arg_registers ebx ecx edx esi edi", "arg_registers ecx ebx edx esi edi",
      "abi setting arg_registers is ecx ebx edx esi edi, locked ebx ecx edx esi edi" },
    { "user_space_top_lowered", "user_space 0x00400000 0xC0000000", "user_space 0x00400000 0xBFFFF000",
      "abi setting user_space is [0x00400000, 0xBFFFF000), locked [0x00400000, 0xC0000000)" },
    { "user_space_bottom_raised", "user_space 0x00400000 0xC0000000", "user_space 0x00401000 0xC0000000",
      "abi setting user_space is [0x00401000, 0xC0000000)" },
    { "amc_max_message", "amc_max_message MSG_MAX", "amc_max_message 300", "abi setting amc_max_message is 300, locked 256" },
    { "amc_name_max", "amc_name_max NAME_MAX", "amc_name_max 14", "abi setting amc_name_max is 14, locked 15" },
    -- Bounds may only grow; toolong errors stay.
    { "max_lowered", "max 1000, n8", "max 999, n8", "the bound of argument 1 is lowered: 1000 -> 999" },
    { "max_added", "dst: out bytes[m]", "dst: out bytes[m] max 100", "the bound of argument 3 is lowered: none -> 100" },
    { "str_lowered", "alias: in str[7]", "alias: in str[6]", "the bound of argument 2 is lowered: 7 -> 6" },
    { "str_lowered_through_const", "path: in str[PATH_MAX]", "path: in str[NAME_MAX]",
      "the bound of argument 1 is lowered: 63 -> 15" },
    { "toolong_changed", "toolong ERANGE, n: u32", "toolong EINVAL, n: u32",
      "argument 1's toolong error is EINVAL, locked ERANGE" },
    { "toolong_default", "alias: in str[7] toolong ERANGE", "alias: in str[7]",
      "argument 2's toolong error is ENAMETOOLONG, locked ERANGE" },
    { "message_max_lowered", "val: char[n] max 64", "val: char[n] max 63",
      "the max of its variable array is lowered: 64 -> 63" },
    { "message_max_added", "{ flags: u32  len: u32  text: u8[len] }", "{ flags: u32  len: u32  text: u8[len] max 100 }",
      "the max of its variable array is lowered: amc_max_message -> 100" },
    -- Attributes a compiled caller depends on.
    { "noreturn_lost", { { "quit(code: i32) -> void", "quit(code: i32) -> i32" },
      { "attrs noreturn blocking", "attrs blocking" } }, nil, "syscall 8 quit differs from the locked ABI: lost noreturn" },
    { "returns_twice_lost", "    attrs returns_twice\n", "", "syscall 12 split differs from the locked ABI: lost returns_twice" },
    { "returns_twice_gained", '    doc "Do nothing."\n', '    doc "Do nothing."\n    attrs returns_twice\n',
      "syscall 0 nop differs from the locked ABI: gained returns_twice" },
    -- Retired entries keep their names, and a released name keeps its number.
    { "retired_renamed", 'retired 9 old_quit "replaced by quit (8)"', 'retired 9 old_exit "replaced by quit (8)"',
      "retired 9 old_exit renames the retired entry old_quit" },
    { "retired_renamed_name_reused", { { 'retired 9 old_quit "replaced by quit (8)"', 'retired 9 old_exit "gone"' },
      { "retired 6 old_stat", 'syscall 13 old_quit() -> i32 {\n    doc "Back."\n}\nretired 6 old_stat' } }, nil,
      "retired 9 old_exit renames the retired entry old_quit" },
    { "retired_under_new_name", { { "syscall 7 brk(to: uptr) -> uptr {\n    doc \"Return a pointer-sized value.\"\n}",
      'retired 7 brk_old "gone"\nsyscall 13 brk(to: uptr) -> uptr {\n    doc "Again."\n}' } }, nil,
      "retired 7 brk_old retires syscall 7 under another name than brk" },
    { "retired_message_renamed", 'retired 3 old_put "replaced by put"', 'retired 3 older_put "replaced by put"',
      "retired message store 3 older_put renames the retired entry old_put" },
    { "message_name_moved", { { '    message 2 get "Fixed-size only." { key: char[8] }',
      '    retired 2 get_old "gone"\n    message 12 get "Again." { key: char[8] }' } }, nil,
      "retired message store 2 get_old retires message 2 under another name than get" },
    { "retired_message_renamed_name_reused", { { 'retired 3 old_put "replaced by put"', 'retired 3 old_put2 "x"' },
      { '    message 9 tiny', '    message 13 old_put "Back." { x: u32 }\n    message 9 tiny' } }, nil,
      "retired message store 3 old_put2 renames the retired entry old_put" },
}

-- Compatible changes: accepted by the lock, and recorded by --update-lock where they show in it.
local LOCK_ALLOWED = {
    { "doc", 'doc "Do nothing."', 'doc "Nothing at all."' },
    { "error_text", '"Bad address"', '"Bad user address"' },
    { "const_doc", '"A constant above INT32_MAX."', '"Big."' },
    { "argument_name", "brk(to: uptr)", "brk(addr: uptr)" },
    { "file_order", { { "syscall 0 nop() -> i32 {\n    doc \"Do nothing.\"\n}\n", "" },
      { "retired 6 old_stat", 'syscall 0 nop() -> i32 {\n    doc "Do nothing."\n}\nretired 6 old_stat' } } },
    { "new_entries", "retired 6 old_stat", 'const NEWC 5 "New."\nerror ENEW 99 "New error"\n' ..
      'syscall 13 fresh(p: in point) -> i32 {\n    doc "New."\n    errors ENEW\n}\nretired 6 old_stat' },
    { "new_message", '    message 2 get "Fixed-size only." { key: char[8] }',
      '    message 2 get "Fixed-size only." { key: char[8] }\n    message 11 more "New." { x: u32 }' },
    { "max_raised", "max 1000, n8", "max 2000, n8", "narrow (inout bytes[#2] max 2000 toolong E2BIG, u8)" },
    { "max_dropped", "b: inout bytes[n8] max 1000, n8", "b: inout bytes[n8], n8", "narrow (inout bytes[#2], u8)" },
    { "str_raised", "alias: in str[7]", "alias: in str[8]", "in str[8] toolong ERANGE" },
    { "message_max_raised", "val: char[n] max 64", "val: char[n] max 65", "val:char[n]@28 max 65" },
    { "errors_list", "    errors EINVAL\n    fuzz a", "    errors EINVAL EPERM ENOENT\n    fuzz a" },
    { "blocking_dropped", "    attrs blocking\n    fuzz isolate", "    fuzz isolate" },
    { "blocking_added", 'doc "Do nothing."', 'doc "Do nothing."\n    attrs blocking' },
    { "fuzz_hints", "fuzz a max 100", "fuzz a max 50" },
    { "register_appended", "arg_registers ebx ecx edx esi edi", "arg_registers ebx ecx edx esi edi ebp",
      "abi arg_registers ebx ecx edx esi edi ebp" },
    { "user_space_grown", "user_space 0x00400000 0xC0000000", "user_space 0x00300000 0xC0001000",
      "abi user_space 0x00300000 0xC0001000" },
}

-- The fixture with one case's replacements applied, or nil and the text that was not found.
local function mutate(base, from, to)
    local pairs_ = type(from) == "table" and from or { { from, to } }
    local text = base
    for _, r in ipairs(pairs_) do
        local s, e = text:find(r[1], 1, true)
        if not s then return nil, r[1] end
        text = text:sub(1, s - 1) .. r[2] .. text:sub(e + 1)
    end
    return text
end

local function test_lock()
    local path = "tests/gen/fixtures/full.def"
    local base = read(ROOT .. "/" .. path)
    local m = model.load(base, path)
    local lock_text = lock.render(m)
    local locked = lock.parse(lock_text, "abi.lock")
    local ok, new = pcall(lock.check, m, locked, "abi.lock", m.abi.kw)
    report("gen_lock_accepts_itself", ok and new == 0, tostring(new))
    for _, case in ipairs(LOCK_CASES) do
        local name, want = case[1], case[4]
        local text, missing = mutate(base, case[2], case[3])
        if not text then
            report("gen_lock_refuses_" .. name, false, "fixture lacks `" .. missing .. "`")
        else
            local good, err = pcall(function()
                local m2 = model.load(text, path)
                return lock.check(m2, locked, "abi.lock", m2.abi.kw)
            end)
            if good then
                report("gen_lock_refuses_" .. name, false, "change accepted")
            elseif not diag.is_diag(err) then
                report("gen_lock_refuses_" .. name, false, "error: " .. tostring(err))
            else
                local f = err:format()
                local both = f:match("^" .. path:gsub("%p", "%%%0") .. ":%d+:%d+: error: ") and
                    f:match("\nabi%.lock:%d+: note: locked here") and f:match("\nhint: ")
                report("gen_lock_refuses_" .. name, both and f:find(want, 1, true) ~= nil,
                    "want `" .. want .. "` with both locations and a hint", f)
            end
        end
    end
    for _, case in ipairs(LOCK_ALLOWED) do
        local name, want = "gen_lock_allows_" .. case[1], case[4]
        local text, missing = mutate(base, case[2], case[3])
        if not text then
            report(name, false, "fixture lacks `" .. missing .. "`")
        else
            local good, err = pcall(function()
                local m2 = model.load(text, path)
                lock.check(m2, locked, "abi.lock", m2.abi.kw)
                -- What --update-lock would write holds too, and shows the change.
                local again = lock.render(m2)
                lock.check(m2, lock.parse(again, "abi.lock"), "abi.lock", m2.abi.kw)
                return again
            end)
            report(name, good and (not want or err:find(want, 1, true) ~= nil),
                good and ("the new lock lacks `" .. tostring(want) .. "`") or
                (diag.is_diag(err) and err:format() or tostring(err)))
        end
    end
    -- Facts only the lock file can change (the generator knows one language version): the
    -- locked version, a setting the definition no longer has.
    local function refuses_lock(name, edit, want)
        local lk = lock_text:gsub(edit[1], edit[2])
        local good, err = pcall(function() return lock.check(m, lock.parse(lk, "abi.lock"), "abi.lock", m.abi.kw) end)
        local f = (not good and diag.is_diag(err)) and err:format() or tostring(err)
        report("gen_lock_refuses_" .. name, not good and f:find(want, 1, true) ~= nil and
            f:match("\nabi%.lock:%d+: note: locked here") ~= nil, "want `" .. want .. "`", f)
    end
    refuses_lock("version", { "\nabi version 1\n", "\nabi version 2\n" }, "abi setting version is 1, locked 2")
    refuses_lock("trap_in_lock", { "\nabi trap 0x80\n", "\nabi trap 0x30\n" }, "abi setting trap is 0x80, locked 0x30")
    do
        local mini = model.load(read(ROOT .. "/tests/gen/fixtures/minimal.def"), "minimal.def")
        local lk = lock.render(mini) .. "abi amc_max_message 64\n"
        local good, err = pcall(lock.check, mini, lock.parse(lk, "abi.lock"), "abi.lock", mini.abi.kw)
        local f = (not good and diag.is_diag(err)) and err:format() or tostring(err)
        report("gen_lock_refuses_setting_removed_from_def", not good and
            f:find("abi setting amc_max_message was removed", 1, true) ~= nil, f)
    end
    -- An empty lock is not "nothing released" unless asked for.
    for _, empty in ipairs({ "", "# only a comment\n" }) do
        local good, err = pcall(lock.check, m, lock.parse(empty, "abi.lock"), "abi.lock", m.abi.kw)
        local f = (not good and diag.is_diag(err)) and err:format() or tostring(err)
        report("gen_lock_refuses_empty" .. (empty == "" and "" or "_comment_only"), not good and
            f:match("^abi%.lock:1: error: the lock is empty, but .* defines %d+ entries") ~= nil and
            f:find("--new-lock", 1, true) ~= nil, f)
    end
    report("gen_lock_new_lock_accepts_empty", (pcall(lock.check, m, lock.parse("", "abi.lock"), "abi.lock", m.abi.kw,
        { new_lock = true })))
    -- A hand-edited lock never crashes the generator: every line of the real lock, cut short,
    -- with a word dropped or doubled, or a number made a word, ends in success or a diagnostic.
    do
        local real_text = read(ROOT .. "/abi/abi.lock")
        local real_m = load_def("abi/syscalls.def")
        local crashes, cases = {}, 0
        local lines = {}
        for line in real_text:gmatch("[^\n]+") do lines[#lines + 1] = line end
        for i, line in ipairs(lines) do
            local words = {}
            for w in line:gmatch("%S+") do words[#words + 1] = w end
            local variants = { line:sub(1, #line // 2), (line:gsub("%d+", "x", 1)), (line:gsub("%d+", "99999", 1)) }
            for k = 1, #words do
                local a, b = {}, {}
                for j, w in ipairs(words) do
                    if j ~= k then a[#a + 1] = w end
                    b[#b + 1] = w
                    if j == k then b[#b + 1] = w end
                end
                variants[#variants + 1] = table.concat(a, " ")
                variants[#variants + 1] = table.concat(b, " ")
            end
            for _, v in ipairs(variants) do
                cases = cases + 1
                local copy = { table.unpack(lines) }
                copy[i] = v
                local fine, err = pcall(function()
                    return lock.check(real_m, lock.parse(table.concat(copy, "\n"), "abi.lock"), "abi.lock", real_m.abi.kw)
                end)
                if not fine and not diag.is_diag(err) then crashes[#crashes + 1] = v .. ": " .. tostring(err) end
            end
        end
        report("gen_lock_edited_lines_never_crash", #crashes == 0 and cases > 500, cases .. " cases, " .. #crashes ..
            " crashes", table.concat(crashes, "\n", 1, math.min(#crashes, 5)))
    end
    -- Retiring a locked syscall and adding new ones is allowed.
    local retire = base:gsub("syscall 1 scalars%(.-\n}\n", 'retired 1 scalars "gone"\n')
    retire = retire .. '\nsyscall 20 fresh() -> i32 {\n    doc "New."\n}\n'
    local good, new2 = pcall(function()
        local m2 = model.load(retire, path)
        return lock.check(m2, locked, "abi.lock", m2.abi.kw)
    end)
    report("gen_lock_allows_retire_and_add", good and new2 == 2, tostring(new2))
    -- --update-lock records the addition; a plain --lock run then stays quiet.
    local def, lk = TMP .. "/lock.def", TMP .. "/abi.lock"
    write(def, retire)
    write(lk, lock_text)
    local main = "lua5.4 " .. ROOT .. "/gen/main.lua --def " .. def .. " --lock " .. lk
    local rc1, t1 = sh(main)
    local rc2 = sh(main .. " --update-lock")
    local rc3, t3 = sh(main)
    report("gen_lock_update_records", rc1 == 0 and t1:match("2 new entries") and rc2 == 0 and rc3 == 0 and t3 == ""
        and (read(lk) or ""):match("\nsyscall 20 fresh %(%) %-> i32\n") and (read(lk) or ""):match("\nretired 1 scalars\n"),
        "", t1 .. t3)
    -- Bringing scalars back under its retired number is refused.
    write(def, retire:gsub('retired 1 scalars "gone"\n', "") .. base:match("\n(syscall 1 scalars%(.-\n}\n)"))
    local rc4, t4 = sh(main)
    report("gen_lock_cli_refusal", rc4 == 1 and t4:match("error: syscall 1 scalars reuses a retired number")
        and t4:match("abi%.lock:%d+: note: locked here"), "rc " .. tostring(rc4), t4)
    write(TMP .. "/bad.lock", "syscall x\n")
    local rc5, t5 = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. ROOT .. "/" .. path .. " --lock " .. TMP .. "/bad.lock")
    report("gen_lock_malformed", rc5 == 1 and t5:match("bad%.lock:1: error: malformed lock line"), t5)
    -- --update-lock never records an incompatible change: the lock stays as it was, no temp file.
    write(lk, lock_text)
    write(def, (base:gsub("max 1000, n8", "max 999, n8")))
    local rc6, t6 = sh(main .. " --update-lock")
    local _, tmp6 = sh("ls -a " .. TMP .. " | grep '%.tmp$' || true")
    report("gen_lock_update_refuses_incompatible", rc6 == 1 and t6:match("is lowered: 1000 %-> 999") and
        read(lk) == lock_text and tmp6 == "", "rc " .. tostring(rc6) .. " " .. tmp6, t6)
    -- A compatible change (a raised bound) is recorded.
    write(def, (base:gsub("max 1000, n8", "max 2000, n8")))
    local rc7, t7 = sh(main .. " --update-lock")
    report("gen_lock_update_records_raised_bound", rc7 == 0 and (read(lk) or ""):find("max 2000 toolong E2BIG", 1, true)
        ~= nil, "rc " .. tostring(rc7), t7)
    -- A missing or empty lock needs --new-lock.
    write(def, base)
    os.remove(lk)
    local rc8, t8 = sh(main)
    local rc9, t9 = sh(main .. " --update-lock")
    report("gen_lock_missing_refused", rc8 == 1 and rc9 == 1 and t8:match("cannot read the lock file") and
        t9:match("%-%-new%-lock") and read(lk) == nil, "rc " .. tostring(rc8) .. "/" .. tostring(rc9), t8 .. t9)
    write(lk, "")
    local rc10, t10 = sh(main .. " --update-lock")
    report("gen_lock_empty_refused_by_cli", rc10 == 1 and t10:match("error: the lock is empty") and read(lk) == "",
        "rc " .. tostring(rc10), t10)
    local rc11, t11 = sh(main .. " --update-lock --new-lock")
    report("gen_lock_new_lock_starts_lock", rc11 == 0 and read(lk) == lock_text, "rc " .. tostring(rc11), t11)
    -- The committed lock matches the committed definition.
    local real = load_def("abi/syscalls.def")
    local ok2, err2 = pcall(lock.check, real, lock.parse(read(ROOT .. "/abi/abi.lock"), "abi/abi.lock"),
        "abi/abi.lock", real.abi.kw)
    report("gen_lock_committed_holds", ok2, diag.is_diag(err2) and err2:format() or tostring(err2))
end

----------------------------------------------------------------------------
-- Compile every generated file with the cross compiler and nasm.
local function handler_stubs(m)
    local cgen = require("cgen")
    local lines = { '#include "syscall_handlers.h"', "#pragma GCC diagnostic ignored \"-Wunused-parameter\"",
        "int syscall_trace_enabled;",
        "void syscall_trace_enter(const struct trap_frame *tf, uint32_t nr) { (void)tf; (void)nr; }",
        "void syscall_trace_exit(const struct trap_frame *tf, uint32_t nr, uint32_t r) { (void)tf; (void)nr; (void)r; }",
        "int copy_from_user(void *d, uint32_t u, uint32_t n) { return 0; }",
        "int copy_to_user(uint32_t u, const void *s, uint32_t n) { return 0; }",
        "int copy_str_from_user(char *d, uint32_t u, uint32_t max) { return 0; }",
        "int user_probe(uint32_t u, uint32_t n, int w) { return 0; }",
        "void *memset(void *d, int c, unsigned n) { char *p = d; while (n--) *p++ = (char)c; return d; }",
        "void _start(void) { struct trap_frame tf = { 0 }; syscall_dispatch(&tf); }" }
    for _, sc in ipairs(m.syscalls) do
        lines[#lines + 1] = cgen.kernel_prototype(sc) .. " { return 0; }"
    end
    return table.concat(lines, "\n") .. "\n"
end

local function test_compile()
    local defs = { real = "abi/syscalls.def" }
    for _, fx in ipairs(FIXTURES) do defs[fx] = "tests/gen/fixtures/" .. fx .. ".def" end
    -- The test stand-ins for trap.h and uaccess.h come first, then the real kernel headers.
    local stub = ROOT .. "/tests/gen/stub -I" .. ROOT .. "/kernel"
    for _, key in ipairs({ "real", "full", "minimal" }) do
        local m = load_def(defs[key])
        local dir = TMP .. "/cc-" .. key
        for p, text in pairs(cli.render_all(m)) do write(dir .. "/" .. p, text) end
        local cc = "cd " .. dir .. " && i686-linux-gnu-gcc " .. CROSS_FLAGS
        local rc, out = sh(cc .. " -I" .. stub .. " -c kernel/syscall_table.c -o table.o")
        report("gen_compile_" .. key .. "_kernel", rc == 0, "kernel side does not compile", out)
        rc, out = sh(cc .. " -iquote " .. ROOT .. "/libsys/include -c libsys/amc_services.c -o amc.o")
        report("gen_compile_" .. key .. "_user", rc == 0, "user side does not compile", out)
        write(dir .. "/user.c", '#include "libsys/syscalls.h"\n#include "libsys/amc_services.h"\nint main_(void);\n')
        rc, out = sh(cc .. " -iquote " .. ROOT .. "/libsys/include -c user.c -o user.o") -- amc_runtime.h
        report("gen_compile_" .. key .. "_headers", rc == 0, "headers do not compile together", out)
        rc, out = sh("cd " .. dir .. " && nasm -f elf32 -Werror libsys/syscalls.asm -o asm.o")
        report("gen_compile_" .. key .. "_asm", rc == 0, "nasm failed", out)
        rc, out = sh("cd " .. dir .. " && nasm -f elf32 -Werror -I " .. ROOT ..
            "/tests/conformance/ conformance/regs.asm -o conf.o")
        report("gen_compile_" .. key .. "_conformance_asm", rc == 0, "nasm failed on conformance/regs.asm", out)
        if key == "full" then
            write(dir .. "/handlers.c", handler_stubs(m))
            local link = cc .. " -Wno-error -I" .. stub .. " -Ikernel -c handlers.c -o handlers.o && " ..
                "i686-linux-gnu-ld -o k.elf table.o handlers.o"
            rc, out = sh(link)
            report("gen_compile_links_with_all_handlers", rc == 0, "link failed", out)
            write(dir .. "/handlers.c", handler_stubs(m):gsub("int32_t sys_nop%(void%) { return 0; }\n", ""))
            rc, out = sh(link)
            report("gen_compile_missing_handler_link_error", rc ~= 0 and out:match("undefined reference to `sys_nop'") ~= nil,
                "link did not fail on the missing handler", out)
            write(dir .. "/wrong.c", '#include "syscall_handlers.h"\nint32_t sys_nop(int32_t x) { return x; }\n')
            rc, out = sh(cc .. " -I" .. stub .. " -Ikernel -c wrong.c -o wrong.o")
            report("gen_compile_wrong_signature_error", rc ~= 0 and out:match("conflicting types") ~= nil,
                "a mismatched handler compiled", out)
            -- The hot path: count the instructions of the dispatcher and the null shim.
            local _, dis = sh("cd " .. dir .. " && i686-linux-gnu-objdump -d --no-show-raw-insn table.o")
            local function count(fn)
                local body = dis:match("<" .. fn .. ">:\n(.-)\n\n") or ""
                local n = 0
                for _ in body:gmatch("\n?%s+%x+:%s") do n = n + 1 end
                return n
            end
            local nd, ns = count("syscall_dispatch"), count("shim_nop")
            print(string.format("  hot path: syscall_dispatch %d instructions (all paths), shim_nop %d", nd, ns))
            report("gen_hot_path_short", nd > 0 and nd <= 20 and ns <= 4, string.format("dispatch %d, shim %d", nd, ns))
        end
    end
end

----------------------------------------------------------------------------
-- C emission: text and numbers from the .def reach C meaning what the .def means. Trigraphs in
-- docs and error texts, a --def path holding `*/` and `??/`, numbers spelled with leading
-- zeros; every output must build under -std=c11 -Werror, and a host program reads the values.
local EDGE_ADDITIONS = [[
const OCTAL_LOOKING 010 "Ten, not eight ??/ (a trigraph in a doc) */ and a comment end."
const PADDED_HEX 0x00ff "Two hundred and fifty-five."
const ZEROS 000042 "Forty-two."
error ETRIGRAPH 99 "Trigraphs ??/ ??= ??' ???/ and a question? stay as written"
syscall 14 odd_docs(x: u32) -> i32 {
    doc "A doc that ends in a trigraph ??/"
    errors ETRIGRAPH
    long """
    A long doc line that ends in a backslash trigraph ??/
    and */ a comment end, /* a comment start.
    """
}
]]

local function test_emission()
    local cgen = require("cgen")
    local checks = {
        { cgen.cstring("a??/b"), '"a?\\?/b"' },
        { cgen.cstring("???="), '"?\\?\\?="' },
        { cgen.cstring('q"\\?'), '"q\\"\\\\?"' },
        { cgen.comment("x */ y /* z ??/\nw"), "x * / y / * z ?\\?/ w" },
        { cgen.literal(10, "010"), "10" },
        { cgen.literal(255, "0x00ff"), "0xFF" },
        { cgen.literal(0xFFFFFFFF, "4294967295"), "4294967295u" },
        { cgen.literal(0x80000000, "0X80000000"), "0x80000000u" },
        { cgen.value({ value = 31, expr = "AMC_NAME_MAX" }), "AMC_NAME_MAX" },
        { cgen.value({ value = 8, expr = "0008" }), "8" },
    }
    for i, c in ipairs(checks) do
        report("gen_emit_spelling_" .. i, c[1] == c[2], "got " .. c[1] .. ", want " .. c[2])
    end
    for _, bad in ipairs({ -1, 0x100000000, 1.5 }) do
        report("gen_emit_refuses_" .. tostring(bad), not pcall(cgen.literal, bad, nil), "emitted " .. tostring(bad))
    end
    -- The edge definition through the CLI, from a directory whose name would end a comment.
    local dir = TMP .. "/we */ird ??/ dir"
    local def = dir .. "/edge.def"
    write(def, read(ROOT .. "/tests/gen/fixtures/full.def") .. EDGE_ADDITIONS)
    local out = TMP .. "/edge-out"
    local q = S.shq
    local rc, text = sh("lua5.4 " .. ROOT .. "/gen/main.lua --def " .. q(def) .. " --out " .. out)
    report("gen_emit_edge_generates", rc == 0, "rc " .. tostring(rc), text)
    if rc ~= 0 then return end
    local cc = "cd " .. out .. " && i686-linux-gnu-gcc " .. CROSS_FLAGS .. " -Wtrigraphs"
    write(out .. "/user.c", '#include "libsys/syscalls.h"\n#include "libsys/amc_services.h"\nint main_(void);\n')
    local builds = {
        kernel = " -I" .. ROOT .. "/tests/gen/stub -I" .. ROOT .. "/kernel -c kernel/syscall_table.c -o table.o",
        amc = " -iquote " .. ROOT .. "/libsys/include -c libsys/amc_services.c -o amc.o",
        headers = " -c user.c -o user.o",
        fuzzer = " -I. -I" .. ROOT .. "/tests/fuzz -c fuzz/syscall_fuzzer.c -o fuzzer.o",
    }
    for _, k in ipairs({ "kernel", "amc", "headers", "fuzzer" }) do
        local brc, bout = sh(cc .. builds[k])
        report("gen_emit_edge_builds_" .. k, brc == 0, "does not build under -std=c11 -Werror", bout)
    end
    for _, asm in ipairs({ "libsys/syscalls.asm", "abi.inc", "conformance/regs.asm" }) do
        local arc, aout = sh("cd " .. out .. " && nasm -f elf32 -Werror -I " .. ROOT .. "/tests/conformance/ " .. asm ..
            " -o /dev/null")
        report("gen_emit_edge_nasm_" .. asm:gsub("%W", "_"), arc == 0, "nasm failed", aout)
    end
    -- What C reads is what the .def says.
    write(out .. "/read.c", table.concat({
        '#include <stdio.h>', '#include "abi.h"',
        '#define SHOW(name, num, text) printf("%s %d %s\\n", #name, num, text);',
        'int main(void) {',
        '    printf("%d %d %d\\n", OCTAL_LOOKING, PADDED_HEX, ZEROS);',
        '    ABI_ERRORS(SHOW)', '    return 0;', '}', '' }, "\n"))
    local hrc, hout = sh("cd " .. out .. " && gcc -std=c11 -Wall -Werror read.c -o read && ./read")
    report("gen_emit_edge_numbers_read_back", hrc == 0 and hout:match("^10 255 42\n") ~= nil, "C read other values", hout)
    report("gen_emit_edge_texts_read_back", hout:find("\nETRIGRAPH 99 Trigraphs ??/ ??= ??' ???/ and a question? " ..
        "stay as written\n", 1, true) ~= nil and hout:find("\nERANGE 34 Out of range: \"quoted\" \\ backslash\n", 1, true)
        ~= nil, "C read other texts", hout)
    local banner = (read(out .. "/abi.h") or ""):match("^[^\n]*")
    report("gen_emit_banner_one_comment", banner:match("^/%*.*%*/$") ~= nil and not banner:sub(3, -3):find("*/", 1, true),
        "banner: " .. banner)
end

----------------------------------------------------------------------------
local function test_behaviour()
    local m = load_def("tests/gen/fixtures/full.def")
    local dir = TMP .. "/host"
    for p, text in pairs(cli.render_all(m)) do write(dir .. "/" .. p, text) end
    local rc, out = sh("cd " .. dir .. " && gcc -std=c11 -Wall -Wextra -Werror -I" .. ROOT ..
        "/tests/gen/stub -I" .. ROOT .. "/kernel -I. -Ikernel -Ilibsys -iquote " .. ROOT .. "/libsys/include " ..
        ROOT .. "/tests/gen/harness/behaviour.c kernel/syscall_table.c libsys/amc_services.c " .. ROOT ..
        "/libsys/amc_runtime.c -o behaviour")
    if rc ~= 0 then
        report("gen_behaviour_build", false, "host harness does not build", out)
        return
    end
    rc, out = sh(dir .. "/behaviour")
    S.relay(out)
    report("gen_behaviour_exit", rc == 0, "harness exit " .. tostring(rc))
end

----------------------------------------------------------------------------
-- No ABI fact hand-kept outside the .def (tests/gen/facts.lua): none in the tree, and a planted
-- copy of each kind is found (so the scan can fail).
local function test_no_hand_kept_facts()
    local facts = require("facts")
    local m = load_def("abi/syscalls.def")
    local hits = facts.scan(ROOT, m)
    local kinds = { ["the trap vector"] = {}, ["the argument registers in order"] = {}, ["the error range"] = {},
                    ["error texts"] = {} }
    for _, h in ipairs(hits) do
        local k = h.what:match("^error text") and "error texts" or h.what
        kinds[k] = kinds[k] or {}
        table.insert(kinds[k], string.format("%s:%d: %s: %s", h.file, h.line, h.what, h.text))
    end
    for _, k in ipairs({ "the trap vector", "the argument registers in order", "the error range", "error texts" }) do
        report("gen_facts_only_in_def_" .. k:gsub("%W+", "_"), #kinds[k] == 0,
            "hand-kept outside abi/syscalls.def (take it from the generated abi.h / abi.inc)",
            table.concat(kinds[k], "\n"))
    end
    local dir = TMP .. "/planted"
    write(dir .. "/kernel/copy.c", "/* int 0x80 in a comment is prose */\n" ..
        "static const char *t = \"" .. m.errors[1].text .. "\";\n" ..
        "#define GATE 0x80\nint ok(unsigned r) { return r < 0xFFFFF001u; }\n" ..
        "static unsigned a(struct f *tf, int i) { return i == 0 ? tf->ebx : i == 1 ? tf->ecx : i == 2 ? tf->edx :\n" ..
        "    i == 3 ? tf->esi : tf->edi; }\n")
    local found = {}
    for _, h in ipairs(facts.scan(dir, m)) do found[h.what:match("^error text") and "text" or h.what] = h.line end
    report("gen_facts_scan_finds_planted_copies", found["the trap vector"] == 3 and found.text == 2 and
        found["the error range"] == 4 and found["the argument registers in order"] == 5, "found: " ..
        tostring(found["the trap vector"]) .. " " .. tostring(found.text) .. " " .. tostring(found["the error range"]) ..
        " " .. tostring(found["the argument registers in order"]))
end

----------------------------------------------------------------------------
-- The frozen releases under tests/abi-compat/ are copies of released ABIs: every number their
-- abi.h defines is the one the lock has (so the compat boot really runs old programs), and a
-- released copy is never rewritten.
local function test_abi_compat_fixtures()
    local locked = lock.parse(read(ROOT .. "/abi/abi.lock"), "abi/abi.lock")
    local _, dirs = sh("ls -d " .. ROOT .. "/tests/abi-compat/v*/")
    local count = 0
    for dir in dirs:gmatch("[^\n]+") do
        count = count + 1
        local release = dir:match("(v%d+)/?$")
        local h = read(dir .. "/abi.h") or ""
        local bad, n = {}, 0
        for name, num in h:gmatch("\n#define SYS_([%w_]+) (%d+)") do
            if name ~= "TABLE_SIZE" then
                n = n + 1
                local e = locked["syscall " .. num] or locked["retired " .. num]
                if not e or e.data.name ~= name then bad[#bad + 1] = "SYS_" .. name .. " " .. num end
            end
        end
        for name, num in h:gmatch("\n#define (E[%u%d]+) (%d+) /%*") do
            n = n + 1
            local e = locked["error " .. name]
            if not e or e.data.value ~= tonumber(num) then bad[#bad + 1] = name .. " " .. num end
        end
        report("gen_abi_compat_" .. release .. "_matches_lock", n > 20 and #bad == 0,
            n .. " numbers; not as locked: " .. table.concat(bad, ", "))
    end
    report("gen_abi_compat_has_releases", count >= 1, "no tests/abi-compat/vN")
    local rc, out = sh("cd " .. ROOT .. " && make -s NO_DEPS=1 abi-compat-freeze RELEASE=v1")
    report("gen_abi_compat_freeze_refuses_released", rc ~= 0 and out:find("a released copy never changes", 1, true)
        ~= nil, "rc " .. tostring(rc), out)
end

----------------------------------------------------------------------------
local function test_docs_fresh()
    local m = load_def("abi/syscalls.def")
    local want = require("out_docs").render(m)
    local have = read(ROOT .. "/docs/syscalls.md")
    report("gen_docs_not_stale", want == have,
        "docs/syscalls.md is stale; regenerate it with `make docs`")
end

-- The CLI's collector policy switches modes for real: lua5.4 starts its collector generational,
-- and a switch to the mode already in force does nothing (no full collection, no old model; the
-- 50,000-syscall bench then walked the model in 8 major collections instead of 1).
local function test_collector_policy()
    local gc = cli.gc
    collectgarbage("generational") -- as the standalone interpreter leaves it
    gc.start()
    local stopped_in = collectgarbage("incremental") -- (returns the mode it was in)
    local stopped = not collectgarbage("isrunning")
    local budget = gc.budget
    gc.budget = 0
    gc.check()
    gc.budget = budget
    local switched_to = collectgarbage("incremental")
    local running = collectgarbage("isrunning")
    gc.finish()
    report("gen_cli_collector_switches_mode",
        stopped_in == "incremental" and stopped and switched_to == "generational" and running and gc.running,
        string.format("after start: %s, stopped %s; after the budget: %s, running %s",
            stopped_in, tostring(stopped), switched_to, tostring(running)))
end

-- The synthetic definitions `make bench` times (tests/bench/synth_def.lua): 5,000 syscalls of
-- mixed argument shapes with every output (the bench times them; this proves they go through), and
-- 500 with only the kernel, libsys and amc ones (the `outputs` setting holds at size: nothing else made).
local function test_big()
    package.path = ROOT .. "/tests/bench/?.lua;" .. package.path
    local synth = require("synth_def")
    for _, variant in ipairs({ { n = 5000, what = "all outputs", name = "gen_big_5000_syscalls" },
                               { n = 500, outputs = "kernel user amc", what = "kernel, libsys and amc outputs",
                                 name = "gen_big_500_syscalls_core" } }) do
        local text = synth.text(variant.n, variant.outputs)
        -- Under the CLI's collector policy (gen/cli.lua cli.gc: stopped while the heap is small),
        -- as `make bench` times it: 5,000 syscalls never need a collection.
        cli.gc.start()
        local t0 = os.clock()
        local m = model.load(text, "big.def")
        local files = outputs(m)
        local dt = os.clock() - t0
        cli.gc.finish()
        local bytes = 0
        for _, f in pairs(files) do bytes = bytes + #f end
        print(string.format("  %d syscalls, %s: parsed, checked and rendered in %.3f s (%d KiB of output)",
            variant.n, variant.what, dt, bytes // 1024))
        -- Tests never assert timings (the figure is reported here and measured by `make bench`);
        -- this checks that the file goes through, yields all its syscalls and only the outputs asked for.
        local only_asked = not variant.outputs
            or (files["conformance/conformance.c"] == nil and files["fuzz/syscall_fuzzer.c"] == nil)
        report(variant.name, #m.syscalls == variant.n and #files["kernel/syscall_table.c"] > 0 and only_asked,
            string.format("%d syscalls in the model; conformance or fuzzer output made: %s", #m.syscalls,
                tostring(not only_asked)))
    end
end

-- GEN_TIMES=1: a `# time` line per part, with the CPU seconds of this process and of the
-- commands it ran (/proc/self/stat's utime+stime and cutime+cstime), to see where the time goes.
local function cpu()
    local f = io.open("/proc/self/stat", "r")
    local stat = f and f:read("l") or ""
    if f then f:close() end
    local fields = {}
    for x in stat:gsub("^.*%) ", ""):gmatch("%S+") do fields[#fields + 1] = x end -- from field 3, state
    if #fields < 15 then return 0, 0 end
    return (fields[12] + fields[13]) / 100, (fields[14] + fields[15]) / 100
end
local function part(name, fn, ...)
    if not os.getenv("GEN_TIMES") then return fn(...) end
    local s0, c0 = cpu()
    fn(...)
    local s1, c1 = cpu()
    print(string.format("# time %-28s %5.2f s self, %5.2f s commands", name, s1 - s0, c1 - c0))
end

if CORE then part("golden", test_golden) end
if not BLESS and CORE then
    part("bad_corpus", test_bad_corpus)
    part("cli", test_cli)
    part("lock", test_lock)
    part("compile", test_compile)
    part("emission", test_emission)
end
if not BLESS and ACCEPTED then part("accepted", require("accepted").run, ROOT, report, TMP) end
if not BLESS and CORE then
    part("behaviour", test_behaviour)
    part("docs_fresh", test_docs_fresh)
    part("no_hand_kept_facts", test_no_hand_kept_facts)
    part("abi_compat_fixtures", test_abi_compat_fixtures)
    part("collector_policy", test_collector_policy)
    part("big", test_big)
    part("model_test", require("model_test"), report, { tmp = TMP, root = ROOT, read = read, write = write, sh = sh,
                                    render_all = cli.render_all })
    part("lock_test", require("lock_test"), report, { root = ROOT, read = read })
    part("json_test", require("json_test"), report, { root = ROOT, read = read })
    part("shape_test", require("shape_test"), report, { root = ROOT, tmp = TMP })
    part("man_test", require("man_test"), report)
end
os.execute("rm -rf '" .. TMP .. "'")
S.finish()
