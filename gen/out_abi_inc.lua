-- build/gen/abi.inc: the abi settings NASM code needs (the kernel's syscall gate, libsys's raw
-- stub), so that no assembly file spells the trap vector or the argument registers by hand.
local cgen = require("cgen")

local out = {}

function out.render(m)
    local w = cgen.buffer()
    w(cgen.banner(m, "; %s"))
    w("%ifndef ABI_INC")
    w("%define ABI_INC")
    w("%%define ABI_TRAP 0x%02X", cgen.u32(m.abi.trap))
    w("%%define ABI_MAX_ARGS %d", #m.abi.arg_registers)
    w("; ABI_ARGn: the register of argument n, in the order of arg_registers")
    for i, r in ipairs(m.abi.arg_registers) do
        w("%%define ABI_ARG%d %s", i, r)
    end
    w("%endif")
    return w()
end

return out
