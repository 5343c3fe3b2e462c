-- Host tests for amc (tests/run.lua runs every tests/AREA/suite.lua). Prints `ok NAME` /
-- `FAIL NAME: why` per test; exits non-zero on any failure.
--
-- "A new message added to a service in the .def appears in the generated enum and dispatcher
-- with no other edit than its handler": a copy of abi/syscalls.def gets one more echo message,
-- the generator (and its lock check) runs on it, and tests/amc/new_message.c, which defines
-- only that message's handler, is compiled against the output and run.
-- weight: 1
-- needs: none (reads nothing of build/: tests/run.lua starts it beside the build)
local HERE = arg[0]:match("^(.*)/[^/]*$") or "."
local ROOT = io.popen("cd '" .. HERE .. "/../..' && pwd"):read("l")
local LUA = os.getenv("LUA") or "lua5.4"
local HOST_CC = os.getenv("HOST_CC") or "cc"
package.path = HERE .. "/../lib/?.lua;" .. package.path
local S = require("hostsuite")
local report, sh, shq, read, write = S.report, S.sh, S.shq, S.read, S.write
local BLESS = arg[1] == "--bless" -- rewrite tests/amc/golden from tests/amc/calls.def







local NEW_MESSAGE = [[
    message 3 shout "Added by tests/amc/suite.lua." { volume: u32  len: u32  text: u8[len] }
]]

-- The definition with NEW_MESSAGE as the last line of the echo service's block.
local function with_new_message(def)
    local head, body_start = def:find('\nservice echo "echo" {\n', 1, true)
    if not head then return nil, "no `service echo` block in abi/syscalls.def" end
    local close = def:find("\n}\n", body_start, true)
    if not close then return nil, "the echo service block does not end with `}`" end
    return def:sub(1, close) .. NEW_MESSAGE .. def:sub(close + 1)
end

local function test_new_message(tmp)
    local def = read(ROOT .. "/abi/syscalls.def")
    local new_def, why = with_new_message(def or "")
    if not new_def then return report("amc_new_message_def", false, why) end
    write(tmp .. "/syscalls.def", new_def)
    write(tmp .. "/abi.lock", assert(read(ROOT .. "/abi/abi.lock")))

    -- The locked ABI allows the addition, and `make abi-lock` would record it.
    local gen = LUA .. " " .. shq(ROOT .. "/gen/main.lua") .. " --def " .. shq(tmp .. "/syscalls.def")
        .. " --lock " .. shq(tmp .. "/abi.lock")
    local rc, out = sh(gen .. " --out " .. shq(tmp .. "/gen"))
    if rc ~= 0 then return report("amc_new_message_generates", false, "generator failed", out) end
    report("amc_new_message_generates", true)
    rc, out = sh(gen .. " --update-lock")
    local lock = read(tmp .. "/abi.lock") or ""
    report("amc_new_message_locks", rc == 0 and lock:find("\nmessage echo 3 shout 12 ", 1, true) ~= nil,
        "the lock did not record `message echo 3 shout`", out)

    local header = read(tmp .. "/gen/libsys/amc_services.h") or ""
    local enum = header:match("enum echo_event {(.-)}")
    report("amc_new_message_in_enum", enum and enum:find("ECHO_SHOUT = 3,", 1, true) ~= nil,
        "enum echo_event has no ECHO_SHOUT = 3", enum)
    local handlers = header:match("struct echo_handlers {(.-)}")
    report("amc_new_message_handler_slot",
        handlers and handlers:find("(*shout)(void *ctx, const struct amc_header *hdr, const struct echo_shout *msg)",
            1, true) ~= nil, "struct echo_handlers has no shout handler", handlers)

    -- The handler is all the hand-written code; compile it with the generated layer and run it.
    local exe = tmp .. "/new_message"
    rc, out = sh(HOST_CC .. " -std=c11 -Wall -Wextra -Werror -I" .. shq(tmp .. "/gen/libsys") .. " -I"
        .. shq(tmp .. "/gen") .. " -iquote " .. shq(ROOT .. "/libsys/include") .. " -o " .. shq(exe) .. " "
        .. shq(ROOT .. "/tests/amc/new_message.c") .. " " .. shq(tmp .. "/gen/libsys/amc_services.c") .. " "
        .. shq(ROOT .. "/libsys/amc_runtime.c"))
    if rc ~= 0 then return report("amc_new_message_compiles", false, "host build failed", out) end
    report("amc_new_message_compiles", true)
    rc, out = sh(shq(exe))
    local results = S.relay(out)
    report("amc_new_message_run", rc == 0 and results == 5,
        string.format("exit status %s, %d results (want 0 and 5)", tostring(rc), results), out)
end

-- Without the new message, the same C file must not compile: the test really depends on the
-- generated code, not on something it declares itself.
local function test_needs_generated_code(tmp)
    local rc = sh(LUA .. " " .. shq(ROOT .. "/gen/main.lua") .. " --def " .. shq(ROOT .. "/abi/syscalls.def")
        .. " --out " .. shq(tmp .. "/orig"))
    if rc ~= 0 then return report("amc_new_message_absent_before", false, "generator failed on abi/syscalls.def") end
    local out
    rc, out = sh(HOST_CC .. " -std=c11 -fsyntax-only -I" .. shq(tmp .. "/orig/libsys") .. " -I" .. shq(tmp .. "/orig")
        .. " -iquote " .. shq(ROOT .. "/libsys/include") .. " " .. shq(ROOT .. "/tests/amc/new_message.c"))
    report("amc_new_message_absent_before", rc ~= 0 and out:find("echo_shout") ~= nil,
        "tests/amc/new_message.c compiles without the new message", out)
end

-- The call stubs, calc_handle and the calc_serve loop generated from tests/amc/calls.def, built
-- with tests/amc/calls.c (a stand-in kernel) and run.
local function test_calls(tmp)
    local out = tmp .. "/calls"
    -- From the root, with a relative --def: the banner names the file, and the golden must not
    -- depend on where the checkout lives.
    local rc, text = sh("cd " .. shq(ROOT) .. " && " .. LUA .. " gen/main.lua --def tests/amc/calls.def --out "
        .. shq(out))
    if rc ~= 0 then return report("amc_calls_generate", false, "generator failed on tests/amc/calls.def", text) end
    -- The whole amc output of the calls, as blessed (re-bless: lua5.4 tests/amc/suite.lua --bless).
    for _, f in ipairs({ "amc_services.h", "amc_services.c" }) do
        local got, golden = read(out .. "/libsys/" .. f) or "", ROOT .. "/tests/amc/golden/" .. f
        if BLESS then write(golden, got) end
        local _, diff = sh("diff -u " .. shq(golden) .. " " .. shq(out .. "/libsys/" .. f))
        report("amc_calls_golden_" .. f:gsub("%W", "_"), got == read(golden),
            "differs from tests/amc/golden/" .. f .. "; if intended, re-bless: lua5.4 tests/amc/suite.lua --bless", diff)
    end
    -- It builds as user code does: freestanding, 32-bit, -Werror.
    rc, text = sh("cd " .. shq(out) .. " && i686-linux-gnu-gcc -std=c11 -ffreestanding -fno-pie -fno-stack-protector "
        .. "-O2 -Wall -Wextra -Werror -Ilibsys -I. -iquote " .. shq(ROOT .. "/libsys/include")
        .. " -c libsys/amc_services.c -o /dev/null")
    report("amc_calls_cross_compile", rc == 0, "i686 build of the calls' amc_services.c failed", text)
    local exe = tmp .. "/calls-test"
    rc, text = sh(HOST_CC .. " -std=c11 -Wall -Wextra -Werror -I" .. shq(out .. "/libsys") .. " -I" .. shq(out)
        .. " -iquote " .. shq(ROOT .. "/libsys/include") .. " -o " .. shq(exe) .. " " .. shq(ROOT .. "/tests/amc/calls.c")
        .. " " .. shq(out .. "/libsys/amc_services.c") .. " " .. shq(ROOT .. "/libsys/amc_runtime.c"))
    if rc ~= 0 then return report("amc_calls_build", false, "host build failed", text) end
    rc, text = sh(shq(exe))
    local results = S.relay(text)
    report("amc_calls_run", rc == 0 and results >= 30,
        string.format("exit status %s, %d results (want 0 and >= 30)", tostring(rc), results), text)
end

-- The lock keeps a released call a call with its reply; adding one is a new entry.
local function test_call_lock(tmp)
    local def = assert(read(ROOT .. "/tests/amc/calls.def"))
    local dir = tmp .. "/lock"
    sh("mkdir -p " .. shq(dir))
    local function gen(text, extra)
        write(dir .. "/calls.def", text)
        return sh(LUA .. " " .. shq(ROOT .. "/gen/main.lua") .. " --def " .. shq(dir .. "/calls.def") .. " --lock "
            .. shq(dir .. "/abi.lock") .. " " .. extra)
    end
    write(dir .. "/abi.lock", "")
    local rc, out = gen(def, "--update-lock --new-lock")
    local lock = read(dir .. "/abi.lock") or ""
    report("amc_call_locked", rc == 0 and lock:find("\ncall calc 5 lookup %-> 4 text\n") ~= nil
        and lock:find("\nmessage calc 5 lookup ", 1, true) ~= nil, "no `call calc 5 lookup -> 4 text` line", out .. lock)
    -- { name, the line of calls.def to change, its new text, the refusal (nil: accepted) }
    local PAIR = 'call 7 pair "Two words back in registers." { a: u32 } -> two'
    local cases = {
        { "amc_call_lock_reply_changed", "{ key: char[16] } -> text", "{ key: char[16] } -> sum",
          "call calc.lookup differs from the locked ABI: its reply changed (now: call calc 5 lookup -> 2 sum)" },
        { "amc_call_lock_became_message", PAIR, 'message 7 pair "One way now." { a: u32 }',
          "message calc.pair is no longer a call, but released clients wait for its reply" },
        { "amc_call_lock_retired", PAIR, 'retired 7 pair "gone"' },
        { "amc_call_lock_message_becomes_call", 'message 6 note "One way: no reply." { value: u32 }',
          'call 6 note "Now a call." { value: u32 } -> sum' },
    }
    for _, c in ipairs(cases) do
        local name, from, to, want = c[1], c[2], c[3], c[4]
        local s, e = def:find(from, 1, true)
        if not s then
            report(name, false, "tests/amc/calls.def has no `" .. from .. "`")
        else
            rc, out = gen(def:sub(1, s - 1) .. to .. def:sub(e + 1), "--out " .. shq(dir .. "/out"))
            if not want then
                report(name, rc == 0, "refused", out)
            else
                report(name, rc == 1 and out:find(want, 1, true) ~= nil, "not refused with: " .. want, out)
            end
        end
    end
end

-- No program in user/ waits for a reply by hand: no amc_message_poll and no amc_message_await*
-- (a reply comes back with the call; services receive through the generated loop), and the
-- hand-written client layer user/amc_client.h is gone.
local function test_no_reply_polling()
    local _, files = sh("ls " .. shq(ROOT) .. "/user/*.c " .. shq(ROOT) .. "/user/*.h " .. shq(ROOT) .. "/user/*/*.c 2>/dev/null")
    local hits, count = {}, 0
    for path in files:gmatch("[^\n]+") do
        count = count + 1
        local n = 0
        for line in ((read(path) or "") .. "\n"):gmatch("(.-)\n") do
            n = n + 1
            if line:find("amc_message_poll", 1, true) or line:find("amc_message_await", 1, true) then
                hits[#hits + 1] = path:sub(#ROOT + 2) .. ":" .. n .. ": " .. line
            end
        end
    end
    report("amc_user_no_reply_polling", count > 5 and #hits == 0,
        count <= 5 and "found only " .. count .. " files in user/" or "hand-made receives in user/", table.concat(hits, "\n"))
    report("amc_user_no_client_header", read(ROOT .. "/user/amc_client.h") == nil, "user/amc_client.h is back")
    local commands = read(ROOT .. "/user/amc_commands.h") or ""
    report("amc_user_clients_use_stubs", commands:find("echo_echo_request(", 1, true) ~= nil and
        commands:find("kv_get(", 1, true) ~= nil, "user/amc_commands.h does not call the generated stubs")
end

local tmp = io.popen("mktemp -d -t amc-suite.XXXXXX"):read("l")
test_no_reply_polling()
test_calls(tmp)
test_call_lock(tmp)
test_new_message(tmp)
test_needs_generated_code(tmp)
os.execute("rm -rf " .. shq(tmp))
S.finish()
