-- Synthetic ABI definitions for timing the generator: n syscalls shaped like a real ABI's.
--
-- A seeded generator (the same text for the same n, every run) draws each syscall's arguments
-- from the kinds a real definition uses - scalars of every width, flags, enums and resources,
-- in/out/inout byte buffers with literal and value-result lengths, strings, structs, optional
-- pointers - with names from a pool like the ones real ABIs use (fd, buf, len, flags, path...),
-- its result, errors, attributes and docs. Whole signatures rarely repeat: abi/linux-i386.def has
-- 324 distinct signatures in 408 syscalls and 408 distinct argument spellings in 1,108; this
-- makes about the same proportions, so a generator that only caches whole repeated spellings
-- gains nothing here that it would not gain on a real ABI.
local M = {}

local HEADER = [[
abi big {
    version 2
    trap 0x80
    arg_registers ebx ecx edx esi edi
    result_registers eax edx ecx
    pair_order low_high
    user_space 0x00400000 0xC0000000
%s}

const NAME_MAX 63 "Longest name."
const PATH_MAX 255 "Longest path."
const IO_MAX 65536 "Largest single transfer."
const SMALL_MAX 256 "Largest small buffer."

error EPERM 1 "Operation not permitted"
error ENOENT 2 "No such entry"
error ESRCH 3 "No such process"
error EINTR 4 "Interrupted"
error EIO 5 "I/O error"
error E2BIG 7 "Argument list too long"
error EBADF 9 "Bad handle"
error EAGAIN 11 "Try again"
error ENOMEM 12 "Out of memory"
error EFAULT 14 "Bad address"
error EBUSY 16 "Busy"
error EEXIST 17 "Exists"
error EINVAL 22 "Invalid argument"
error ENOSPC 28 "No space left"
error ENAMETOOLONG 36 "Name too long"
error ENOSYS 38 "Function not implemented"
error EMSGSIZE 90 "Message too long"
error ETIMEDOUT 110 "Timed out"

flags open_flags : u32 "How an object is opened." {
    O_READ 1 "for reading"
    O_WRITE 2 "for writing"
    O_CREATE 4 "create it when missing"
    O_APPEND 8 "writes go to the end"
}
enum seek_from : u32 "Where an offset counts from." {
    FROM_START 0 "the start"
    FROM_HERE 1 "the current position"
    FROM_END 2 "the end"
}
resource handle : i32 "An open object." {
    special NO_HANDLE -1 "no object"
}

struct timespec "A point in time or a span." {
    sec: u32  "seconds"
    nsec: u32 "nanoseconds"
}
struct stat_info "What stat reports." {
    size: u64      "bytes"
    mode: u32      "type and permissions"
    links: u16     "hard links"
    kind: u8       "object kind"
    _pad: u8[1]
    mtime: timespec "last change"
}
struct entry "One directory entry." {
    ino: u32
    name: char[32]  "the entry's name"
}
struct range "A byte range." {
    start: u32
    length: u32
}
]]

local VERBS = { "get", "set", "read", "write", "open", "close", "query", "map", "bind", "wait", "poll",
                "send", "recv", "list", "make", "drop", "lock", "sync", "watch", "move" }
local NOUNS = { "file", "node", "port", "page", "entry", "timer", "event", "queue", "group", "name",
                "range", "clock", "slot", "pipe", "region", "cred", "mount", "signal", "buffer", "task" }
local SCALAR_NAMES = { "fd", "flags", "mode", "count", "offset", "index", "id", "size", "pid", "uid",
                       "gid", "how", "which", "value", "option", "level", "cmd", "arg", "nr", "mask",
                       "timeout_ms", "prio", "policy", "cookie", "key", "type", "slot", "op", "base", "limit" }
local BUF_NAMES = { "buf", "data", "msg", "out", "info", "bytes", "vec", "list", "dst", "src" }
local LEN_NAMES = { "len", "cap", "size", "count", "nbytes", "buf_len" }
local STR_NAMES = { "path", "name", "target", "key_name", "label", "service" }
local STRUCT_NAMES = { "st", "ts", "res", "out_info", "range_arg", "ent" }
local SCALAR_TYPES = { "u32", "u32", "u32", "u32", "i32", "i32", "i32", "uptr", "u16", "u8", "u64", "i64",
                       "open_flags", "seek_from" }
local MAXES = { "64", "256", "4096", "IO_MAX", "SMALL_MAX" }
local STR_SIZES = { "31", "NAME_MAX", "PATH_MAX", "127" }
local STRUCTS = { "timespec", "stat_info", "entry", "range" }
local ERRORS = { "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "EBADF", "EAGAIN", "ENOMEM", "EBUSY", "EEXIST",
                 "EINVAL", "ENOSPC", "ETIMEDOUT" }
local WORDS = { "the", "caller", "kernel", "object", "bytes", "returns", "when", "each", "process", "first",
                "waits", "until", "copies", "into", "from", "reports", "number", "handle", "fails", "queue" }

-- A linear congruential generator, so the text depends on n alone.
local function rng(seed)
    local state = seed
    return function(k)
        state = (state * 1103515245 + 12345) % 2147483648
        return state // 65536 % k + 1
    end
end

local function pick(r, list) return list[r(#list)] end

-- The arguments of one syscall: a list of "name: type" texts within five register words.
local function arguments(r)
    local args, used, words = {}, {}, 0
    local function name_from(list)
        local base = pick(r, list)
        local name, k = base, 2
        while used[name] do name, k = base .. k, k + 1 end
        used[name] = true
        return name
    end
    local function add(text, w) args[#args + 1], words = text, words + w end
    local want = ({ 0, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5 })[r(11)]
    local value_result = false
    while #args < want and words < 5 do
        local kind = r(20)
        if kind <= 8 then
            local t = pick(r, SCALAR_TYPES)
            local w = (t == "u64" or t == "i64") and 2 or 1
            if words + w <= 5 then add(name_from(SCALAR_NAMES) .. ": " .. t, w) end
        elseif kind <= 9 and words <= 4 then
            add(name_from({ "h", "fd", "obj", "target_h" }) .. ": handle invalid EBADF", 1)
        elseif kind <= 14 and words <= 3 then
            local dir = ({ "in", "in", "out", "out", "inout" })[r(5)]
            local buf, len = name_from(BUF_NAMES), name_from(LEN_NAMES)
            add(string.format("%s: %s bytes[%s] max %s", buf, dir, len, pick(r, MAXES)), 1)
            add(len .. ": u32", 1)
        elseif kind <= 15 and words <= 3 and not value_result then
            value_result = true
            local buf, len = name_from(BUF_NAMES), name_from(LEN_NAMES)
            add(string.format("%s: out bytes[*%s] max %s", buf, len, pick(r, MAXES)), 1)
            add(len .. ": inout u32", 1)
        elseif kind <= 17 then
            add(string.format("%s: in str[%s]", name_from(STR_NAMES), pick(r, STR_SIZES)), 1)
        else
            local dir = ({ "in", "out", "out", "inout" })[r(4)]
            local optional = dir ~= "in" and r(3) == 1 and " optional" or ""
            add(string.format("%s: %s %s%s", name_from(STRUCT_NAMES), dir, pick(r, STRUCTS), optional), 1)
        end
    end
    return args
end

local function sentence(r, i, words)
    local parts = {}
    for k = 1, words do parts[k] = pick(r, WORDS) end
    return table.concat(parts, " ") .. " (syscall " .. i .. ")"
end

local function syscall(r, i)
    local name = string.format("%s_%s_%d", pick(r, VERBS), pick(r, NOUNS), i)
    local args = arguments(r)
    local ret = ({ "i32", "i32", "i32", "i32", "i32", "i32", "u32", "uptr", "handle", "u64" })[r(10)]
    if r(30) == 1 then ret = "i32, extra: u32" end
    local lines = { string.format("syscall %d %s(%s) -> %s {", i, name, table.concat(args, ", "), ret),
                    string.format('    doc "%s."', sentence(r, i, 3 + r(8))) }
    if r(5) == 1 then lines[#lines + 1] = "    attrs blocking" end
    local errors, seen = {}, {}
    for _ = 1, r(5) - 1 do
        local e = pick(r, ERRORS)
        if not seen[e] then errors[#errors + 1], seen[e] = e, true end
    end
    if #errors > 0 then lines[#lines + 1] = "    errors " .. table.concat(errors, " ") end
    if r(5) == 1 then
        lines[#lines + 1] = '    long """'
        for _ = 1, r(4) do lines[#lines + 1] = "    " .. sentence(r, i, 8 + r(6)) .. "." end
        lines[#lines + 1] = '    """'
    end
    lines[#lines + 1] = "}"
    return table.concat(lines, "\n")
end

-- outputs: an `outputs` setting for the abi block (e.g. "kernel user amc"), nil for every output.
function M.text(n, outputs)
    local r = rng(20261201)
    local parts = { HEADER:format(outputs and ("    outputs " .. outputs .. "\n") or "") }
    for i = 1, n do parts[#parts + 1] = syscall(r, i) end
    return table.concat(parts, "\n") .. "\n"
end

-- The definition the bench timed until session 5: four signatures with identical bodies, cycled.
-- Kept as a reference row only; every target is measured on M.text.
local REPEATING_SHAPES = {
    "()",
    "(fd: i32, buf: in bytes[len] max 4096, len: u32)",
    "(name: in str[31], info: out st optional)",
    "(a: u32, b: i32, c: uptr, d: u16, e: u8)",
}

function M.repeating(n, outputs)
    local parts = {
        "abi big {\n version 1\n trap 0x80\n arg_registers ebx ecx edx esi edi\n user_space 0x1000 0xC0000000\n",
        outputs and (" outputs " .. outputs .. "\n") or "", "}\n",
        'error EFAULT 14 "f"\nerror ENOSYS 38 "n"\nerror E2BIG 7 "b"\nerror ENAMETOOLONG 36 "l"\n',
        'struct st "s" { a: u32  b: char[8] }\n',
    }
    for i = 1, n do
        parts[#parts + 1] = string.format('syscall %d call_%d%s -> i32 {\n    doc "Syscall number %d."\n' ..
            "    attrs blocking\n    errors EFAULT\n}\n", i, i, REPEATING_SHAPES[i % #REPEATING_SHAPES + 1], i)
    end
    return table.concat(parts)
end

return M
