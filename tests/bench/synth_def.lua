-- Synthetic ABI definitions for timing the generator: n syscalls cycling through the argument
-- shapes of a real definition (none, a buffer, a string and an optional out-struct, five
-- scalars), the same mix as the 5,000-syscall test in tests/gen/run.lua.
local M = {}

local HEADER = table.concat({
    "abi big {\n version 1\n trap 0x80\n arg_registers ebx ecx edx esi edi\n user_space 0x1000 0xC0000000\n%s}\n",
    'error EFAULT 14 "f"\nerror ENOSYS 38 "n"\nerror E2BIG 7 "b"\nerror ENAMETOOLONG 36 "l"\n',
    'struct st "s" { a: u32  b: char[8] }\n',
})

local SHAPES = {
    "()",
    "(fd: i32, buf: in bytes[len] max 4096, len: u32)",
    "(name: in str[31], info: out st optional)",
    "(a: u32, b: i32, c: uptr, d: u16, e: u8)",
}

-- outputs: an `outputs` setting for the abi block (e.g. "kernel user amc"), nil for every output.
function M.text(n, outputs)
    local parts = { HEADER:format(outputs and (" outputs " .. outputs .. "\n") or "") }
    for i = 1, n do
        parts[#parts + 1] = string.format('syscall %d call_%d%s -> i32 {\n    doc "Syscall number %d."\n' ..
            "    attrs blocking\n    errors EFAULT\n}\n", i, i, SHAPES[i % #SHAPES + 1], i)
    end
    return table.concat(parts)
end

return M
