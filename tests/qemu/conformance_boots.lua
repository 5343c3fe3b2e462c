-- Boot specs for ABI conformance: the generated cases (build/tests/conformance.elf, from
-- abi/syscalls.def through gen/out_conformance.lua and tests/conformance/runtime.c) and the
-- hand-written ones (tests/guest/conf_*.c) for what the .def cannot express.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    local init = module("user", "init")
    local function guest(name, extra)
        local spec = {
            name = "guest-" .. name:gsub("_", "-"),
            append = "init=" .. name .. " exit=qemu",
            modules = { init, module("tests", name) },
            timeout = 120,
            exit = 1,
            guest_tests = true,
        }
        for k, v in pairs(extra or {}) do spec[k] = v end
        return spec
    end
    return {
        -- Every case runs in a child; a broken entry check shows up as its own FAIL line.
        guest("conformance", { expect = { "\nconformance: %d+ generated cases, 0 failed" } }),
        -- int N, far transfers, iret and segment loads from ring 3: each kills only the caller.
        guest("conf_traps", { expect = { "General protection" } }),
        -- Console input for read: two lines, then Ctrl-D on an empty line (end of input).
        guest("conf_semantics", { input = "first line\nsecond\n\4" }),
        guest("conf_wire"),
    }
end
