-- The lock (gen/lock.lua) and the kinds of language version 2: every new kind is recorded, an
-- incompatible change of it is refused (with the locked line as a note), a compatible one is
-- accepted and recorded by --update-lock. The base is tests/gen/edge/v2_kinds.def; the v1 cases
-- (tests/gen/run.lua's test_lock) stay as they were.
-- Run by tests/gen/run.lua: run(report, helpers).
local model = require("model")
local lock = require("lock")

local function load(text) return model.load(text, "v2.def") end

-- Apply edits ({ from, to } pairs, plain text, each must occur) to text.
local function edit(text, edits)
    for _, e in ipairs(edits) do
        local at = text:find(e[1], 1, true)
        if not at then return nil, "base lacks `" .. e[1] .. "`" end
        text = text:sub(1, at - 1) .. e[2] .. text:sub(at + #e[1])
    end
    return text
end

-- Incompatible: the locked base, the edited definition refused with want in the message.
local REFUSED = {
    { "flags_base", { { "flags wait_flags : u32", "flags wait_flags : u16" }, { "flags: wait_flags", "flags: u32" } },
      "flags wait_flags differs from the locked ABI (now: flags wait_flags u16)" },
    { "flags_to_enum", { { "flags wait_flags : u32", "enum wait_flags : u32" } }, "flags wait_flags was removed" },
    { "member_value", { { "WUNTRACED 0x4", "WUNTRACED 0x8" } }, "const WUNTRACED: its value is 8, locked 4" },
    { "member_removed", { { '    WUNTRACED 0x4 "also stopped children"\n', "" } }, "const WUNTRACED was removed" },
    { "special_value", { { "ANY_CHILD -1", "ANY_CHILD -2" } }, "const ANY_CHILD: its value is 4294967294, locked 4294967295" },
    { "resource_base", { { "resource fdesc : u32", "resource fdesc : i32" } }, "resource fdesc differs from the locked ABI" },
    { "resource_removed", { { 'resource fdesc : u32 "A descriptor, without specials." { }', "" },
        { "readv(fd: fdesc", "readv(fd: u32" } }, "resource fdesc was removed" },
    { "alias_target", { { "EDEADLOCK = EINVAL", "EDEADLOCK = ECHILD" } },
      "error alias EDEADLOCK stands for ECHILD, locked EINVAL" },
    { "alias_removed", { { "error EDEADLOCK = EINVAL\n", "" } }, "error alias EDEADLOCK was removed" },
    { "named_to_plain", { { "flags: wait_flags", "flags: u32" } }, "argument 3 is u32, locked wait_flags(u32)" },
    { "named_to_other", { { "flags: wait_flags", "flags: fdesc" } }, "argument 3 is fdesc(u32), locked wait_flags(u32)" },
    { "resource_arg_base", { { "readv(fd: fdesc", "readv(fd: pid" } }, "argument 1 is pid(i32), locked fdesc(u32)" },
    { "ret_named_dropped", { { "fork() -> pid", "fork() -> i32" } }, "returns i32, locked pid(i32)" },
    { "ret_64_to_32", { { "uptime_us() -> u64", "uptime_us() -> u32" } }, "returns u32, locked u64" },
    { "result_added", { { "uptime_us() -> u64", "uptime_us() -> u64, x: u32" } }, "returns 1 extra results, locked 0" },
    { "result_removed", { { "-> i32, w0: u32, w1: pid", "-> i32, w0: u32" } }, "returns 1 extra results, locked 2" },
    { "result_renamed", { { "-> i32, w0: u32, w1: pid", "-> i32, w0: u32, w9: pid" } },
      "result 2 is w9:pid(i32), locked w1:pid(i32)" },
    { "result_retyped", { { "-> i32, w0: u32, w1: pid", "-> i32, w0: pid, w1: pid" } },
      "result 1 is w0:pid(i32), locked w0:u32" },
    { "result_named_dropped", { { "w1: pid", "w1: i32" } }, "result 2 is w1:i32, locked w1:pid(i32)" },
    { "array_elem", { { "iov: in iovec[count]", "iov: in u32[count]" } }, "argument 2 is in u32[#3], locked in iovec[#3]" },
    { "array_max_lowered", { { "iovec[count] max IOV_MAX", "iovec[count] max 8" } },
      "the bound of argument 2 is lowered: 16 -> 8" },
    { "value_result_dropped", { { "buf: out bytes[*len] max 128, len: inout u32", "buf: out bytes[len] max 128, len: u32" } },
      "argument 1 is out bytes[#2], locked out bytes[*#2]" },
    { "optional_bytes_dropped", { { "max 128 optional, dlen", "max 128, dlen" } },
      "argument 2 is in bytes[#3], locked in bytes[#3]?" },
    { "optional_str_dropped", { { "name: in str[10] optional", "name: in str[10]" } }, "argument 4 is in str, locked in str?" },
    { "u64_arg", { { "pos: u64", "pos: u32" } }, "argument 4 is u32, locked u64" },
    { "pair_order", { { "pair_order low_high", "pair_order high_low" } }, "abi setting pair_order is high_low, locked low_high" },
    { "result_registers", { { "result_registers eax edx ecx", "result_registers eax ecx edx" },
        { "uptime_us() -> u64", "uptime_us() -> u32" } }, "abi setting result_registers is eax ecx edx, locked eax edx ecx" },
}

-- Compatible: the lock of the edited (older) definition accepts the base.
local ALLOWED = {
    { "version_1_to_2", nil }, -- the v1 fixture, moved to version 2 (below)
    { "u32_to_flags", { { "flags: wait_flags", "flags: u32" } } },
    { "i32_to_resource", { { "waitpid(p: pid invalid ECHILD reaped ECHILD foreign ECHILD", "waitpid(p: i32" },
        { "fork() -> pid", "fork() -> i32" }, { "w1: pid", "w1: i32" } } },
    { "u32_field_to_enum", { { "cause: wait_cause", "cause: u32" } } },
    { "loose_consts_to_flags", { { 'flags wait_flags : u32 "How waitpid waits." {\n    WNOHANG 0x1 "do not block"\n' ..
        '    WUNTRACED 0x4 "also stopped children"\n}', 'const WNOHANG 0x1 "x"\nconst WUNTRACED 0x4 "y"' },
        { "flags: wait_flags", "flags: u32" } } },
    { "member_added", { { '    WUNTRACED 0x4 "also stopped children"\n', "" } } },
    { "special_added", { { '    special NO_PROCESS 0 "none"\n', "" } } },
    { "alias_added", { { "error EDEADLOCK = EINVAL\n", "" } } },
    { "lifecycle_changed", { { "kill(p: pid invalid ESRCH)", "kill(p: pid)" } } },
    { "fails_only_added", { { "    attrs fails_only\n", "" } } },
    { "array_max_raised", { { "iovec[count] max IOV_MAX", "iovec[count] max 8" } } },
    { "result_register_appended", { { "result_registers eax edx ecx", "result_registers eax edx" },
        { 'syscall 8 call3(h: u32, mode: small) -> i32, w0: u32, w1: pid {\n    doc "Three results."\n}\n', "" } } },
    { "plain_to_named_result", { { "w1: pid", "w1: i32" } } },
}

return function(report, h)
    local base = h.read(h.root .. "/tests/gen/edge/v2_kinds.def")
    local m = load(base)
    local locked_text = lock.render(m)
    local locked = lock.parse(locked_text, "abi.lock")
    local ok, new = pcall(lock.check, m, locked, "abi.lock", m.abi.kw)
    report("gen_lock_v2_accepts_itself", ok and new == 0, tostring(new))
    -- Every new kind is recorded.
    local missing = {}
    for _, line in ipairs({ "abi pair_order low_high", "abi result_registers eax edx ecx", "flags wait_flags u32",
        "enum wait_cause u32", "resource pid i32", "error-alias EWOULDBLOCK EAGAIN", "const ANY_CHILD 4294967295",
        "syscall 2 waitpid (pid(i32), out wait_info?, wait_flags(u32)) -> pid(i32)",
        "syscall 3 readv (fdesc(u32), in iovec[#3] max 16 toolong E2BIG, u32) -> i32",
        "syscall 4 getname (out bytes[*#2] max 128 toolong E2BIG, inout u32) -> i32",
        "syscall 5 sendto (i32, in bytes[#3]? max 128 toolong E2BIG, u32, in str[10]? toolong ENAMETOOLONG) -> i32",
        "syscall 6 pread64 (i32, out bytes[#3] max 4096 toolong E2BIG, u32, u64) -> i32",
        "syscall 7 uptime_us () -> u64", "syscall 8 call3 (u32, small(u8)) -> i32 [w0:u32 w1:pid(i32)]" }) do
        if not locked_text:find("\n" .. line .. "\n", 1, true) then missing[#missing + 1] = line end
    end
    report("gen_lock_v2_records_every_kind", #missing == 0, "lock lacks: " .. table.concat(missing, " | "), locked_text)
    for _, case in ipairs(REFUSED) do
        local name, want = "gen_lock_v2_refuses_" .. case[1], case[3]
        local text, why = edit(base, case[2])
        local good, err
        if text then
            good, err = pcall(function()
                local m2 = load(text)
                return lock.check(m2, locked, "abi.lock", m2.abi.kw)
            end)
        end
        local f = err and (type(err) == "table" and err.format and err:format() or tostring(err)) or why
        report(name, text ~= nil and not good and f:find(want, 1, true) ~= nil and
            f:match("\nabi%.lock:%d+: note: locked here") ~= nil, "want `" .. tostring(want) .. "`", f)
    end
    for _, case in ipairs(ALLOWED) do
        local name = "gen_lock_v2_allows_" .. case[1]
        local old, now, why
        if case[2] then
            old, why = edit(base, case[2])
            now = base
        else
            local full = h.read(h.root .. "/tests/gen/fixtures/full.def")
            old, now = full, full:gsub("\n    version 1\n", "\n    version 2\n", 1)
        end
        local good, err = false, why
        if old then
            good, err = pcall(function()
                local m_old, m_now = load(old), load(now)
                local new_entries = lock.check(m_now, lock.parse(lock.render(m_old), "abi.lock"), "abi.lock", m_now.abi.kw)
                -- What --update-lock writes then holds too.
                lock.check(m_now, lock.parse(lock.render(m_now), "abi.lock"), "abi.lock", m_now.abi.kw)
                return new_entries
            end)
        end
        report(name, good, type(err) == "table" and err.format and err:format() or tostring(err))
    end
    -- A locked version may not go down; the v1 -> v2 move records the new settings.
    local m3 = load(base)
    local good, err = pcall(lock.check, m3, lock.parse(locked_text:gsub("\nabi version 2\n", "\nabi version 3\n"),
        "abi.lock"), "abi.lock", m3.abi.kw)
    local f = type(err) == "table" and err:format() or tostring(err)
    report("gen_lock_v2_refuses_version_lowered", not good and f:find("abi setting version is 2, locked 3", 1, true) ~= nil, f)
    -- A hand-edited v2 line that the lock cannot read is an error, not a crash.
    local bad = 0
    for _, line in ipairs({ "syscall 8 call3 (u32) -> i32 [w0]", "syscall 8 call3 (u32) -> i32 []",
        "syscall 2 w (pid(i32) -> i32", "flags wait_flags", "error-alias EWOULDBLOCK", "syscall 2 w (in iovec[#x]) -> i32",
        "syscall 2 w () -> pid(i32", "abi result_registers edx eax" }) do
        local okp, e = pcall(lock.parse, line .. "\n", "abi.lock")
        if okp or type(e) ~= "table" or not e:format():find("malformed lock line", 1, true) then bad = bad + 1 end
    end
    report("gen_lock_v2_malformed_lines", bad == 0, bad .. " malformed v2 lines were not refused as malformed")
end
