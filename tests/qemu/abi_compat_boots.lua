-- Old binaries keep running: one boot per frozen release under tests/abi-compat/ (v1, ...), whose
-- program (tests/abi-compat/compat.c built against that release's copy alone) makes every
-- released syscall and amc message on the current kernel, with the echo and kv services up.
return function(env)
    local function user(name) return { path = env.build .. "/user/" .. name .. ".elf", name = name } end
    local boots = {}
    local listing = io.popen("ls -d tests/abi-compat/v*/ 2>/dev/null")
    for dir in listing:lines() do
        local release = dir:match("(v%d+)/?$")
        if release then
            local prog = "abi-compat-" .. release
            boots[#boots + 1] = {
                name = "abi-compat-" .. release,
                append = "init=" .. prog .. " services=echod,kvd exit=qemu",
                modules = { user("init"), { path = env.build .. "/abi-compat/" .. release .. "/" .. prog .. ".elf",
                                            name = prog }, user("echod"), user("kvd") },
                timeout = 60,
                exit = 1,
                guest_tests = true,
                expect = { "abi%-compat: write from an old binary\n" },
            }
        end
    end
    listing:close()
    return boots
end
