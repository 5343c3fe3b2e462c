-- Host tests of the ABI generator (gen/).  Prints `ok NAME` / `FAIL NAME: why`
-- per test and exits non-zero on any failure.
--   lua5.4 tests/gen/run.lua           run everything
--   lua5.4 tests/gen/run.lua --bless   rewrite tests/gen/golden from the fixtures
-- weight: 15
local HERE = (arg[0]:match("^(.*)/[^/]*$") or ".")
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
package.path = ROOT .. "/gen/?.lua;" .. ROOT .. "/tests/lib/?.lua;" .. HERE .. "/?.lua;" .. package.path

local model = require("model")
local diag = require("diag")
local lock = require("lock")
local cli = require("cli")

local BLESS = arg[1] == "--bless"
local BLESS_CMD = "lua5.4 tests/gen/run.lua --bless"
local CROSS_FLAGS = "-std=c11 -ffreestanding -fno-pie -fno-stack-protector -O2 -Wall -Wextra -Werror"





local S = require("hostsuite")
local report, read, write, sh = S.report, S.read, S.write, S.sh

local TMP = (function()
    local _, out = sh("mktemp -d /tmp/gen-tests.XXXXXX")
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
}

local function test_lock()
    local path = "tests/gen/fixtures/full.def"
    local base = read(ROOT .. "/" .. path)
    local m = model.load(base, path)
    local lock_text = lock.render(m)
    local locked = lock.parse(lock_text, "abi.lock")
    local ok, new = pcall(lock.check, m, locked, "abi.lock", m.abi.kw)
    report("gen_lock_accepts_itself", ok and new == 0, tostring(new))
    for _, case in ipairs(LOCK_CASES) do
        local name, from, to, want = case[1], case[2], case[3], case[4]
        local s, e = base:find(from, 1, true)
        if not s then
            report("gen_lock_refuses_" .. name, false, "fixture lacks `" .. from .. "`")
        else
            local text = base:sub(1, s - 1) .. to .. base:sub(e + 1)
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
        rc, out = sh(cc .. " -c libsys/amc_services.c -o amc.o")
        report("gen_compile_" .. key .. "_user", rc == 0, "user side does not compile", out)
        write(dir .. "/user.c", '#include "libsys/syscalls.h"\n#include "libsys/amc_services.h"\nint main_(void);\n')
        rc, out = sh(cc .. " -c user.c -o user.o")
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
local function test_behaviour()
    local m = load_def("tests/gen/fixtures/full.def")
    local dir = TMP .. "/host"
    for p, text in pairs(cli.render_all(m)) do write(dir .. "/" .. p, text) end
    local rc, out = sh("cd " .. dir .. " && gcc -std=c11 -Wall -Wextra -Werror -I" .. ROOT ..
        "/tests/gen/stub -I" .. ROOT .. "/kernel -I. -Ikernel -Ilibsys "
        .. ROOT .. "/tests/gen/harness/behaviour.c kernel/syscall_table.c libsys/amc_services.c -o behaviour")
    if rc ~= 0 then
        report("gen_behaviour_build", false, "host harness does not build", out)
        return
    end
    rc, out = sh(dir .. "/behaviour")
    S.relay(out)
    report("gen_behaviour_exit", rc == 0, "harness exit " .. tostring(rc))
end

----------------------------------------------------------------------------
local function test_docs_fresh()
    local m = load_def("abi/syscalls.def")
    local want = require("out_docs").render(m)
    local have = read(ROOT .. "/docs/syscalls.md")
    report("gen_docs_not_stale", want == have,
        "docs/syscalls.md is stale; regenerate it with `make docs`")
end

-- The synthetic definitions `make bench` times (tests/bench/synth_def.lua): 5,000 syscalls of
-- mixed argument shapes, with every output and with only the kernel, libsys and amc ones.
local function test_big()
    package.path = ROOT .. "/tests/bench/?.lua;" .. package.path
    local synth = require("synth_def")
    for _, variant in ipairs({ { outputs = nil, what = "all outputs" },
                               { outputs = "kernel user amc", what = "kernel, libsys and amc outputs" } }) do
        local text = synth.text(5000, variant.outputs)
        local t0 = os.clock()
        local m = model.load(text, "big.def")
        local files = outputs(m)
        local dt = os.clock() - t0
        local bytes = 0
        for _, f in pairs(files) do bytes = bytes + #f end
        print(string.format("  5000 syscalls, %s: parsed, checked and rendered in %.3f s (%d KiB of output)",
            variant.what, dt, bytes // 1024))
        -- Tests never assert timings (the figure is reported here and measured by `make bench`);
        -- this checks that a file of 5,000 syscalls goes through and yields all of them.
        report("gen_big_5000_syscalls" .. (variant.outputs and "_core" or ""),
            #m.syscalls == 5000 and #files["kernel/syscall_table.c"] > 0,
            string.format("%d syscalls in the model", #m.syscalls))
    end
end

test_golden()
if not BLESS then
    test_bad_corpus()
    test_cli()
    test_lock()
    test_compile()
    require("accepted").run(ROOT, report, TMP)
    test_behaviour()
    test_docs_fresh()
    test_big()
    require("model_test")(report, { tmp = TMP, root = ROOT, read = read, write = write, sh = sh,
                                    render_all = cli.render_all })
end
os.execute("rm -rf '" .. TMP .. "'")
S.finish()
