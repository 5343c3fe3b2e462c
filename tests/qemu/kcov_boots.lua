-- Boot specs of issue 18's kernel instrumentation: the kcov syscall (tests/guest/cov_kcov.c), and
-- the self-tests proving that the test kernel's UBSan handlers and error-contract check really
-- stop the machine with a report naming the place.
--
-- guest-cov-kcov names no kernel: under make test it boots the test kernel, where kcov must
-- answer ENOSYS (the coverage kernel is not built for make test: 35 compiles for this one boot);
-- make coverage (tests/coverage/run.lua) boots it on the coverage kernel, where it checks
-- recording, collecting, the slots and EBUSY.
return function(env)
    local function module(dir, name)
        return { path = env.build .. "/" .. dir .. "/" .. name .. ".elf", name = name }
    end
    return {
        {
            name = "guest-cov-kcov",
            append = "init=cov_kcov exit=qemu",
            modules = { module("user", "init"), module("tests", "cov_kcov") },
            exit = 1,
            guest_tests = true,
            timeout = 30,
        },
        {
            -- Errors and paths no other guest test reaches (the unobserved list, make coverage).
            name = "guest-cov-errors",
            append = "init=cov_errors exit=qemu",
            modules = { module("user", "init"), module("tests", "cov_errors") },
            exit = 1,
            guest_tests = true,
            timeout = 30,
        },
        {
            name = "ubsan-reports",
            kernel = "test",
            append = "test=ubsan exit=qemu",
            exit = 3,
            panic = true,
            expect = { "\nPANIC: ubsan: kernel/selftest%.c:%d+:%d+: signed integer overflow: 2147483647 %+ 1" },
        },
        {
            name = "contract-reports",
            kernel = "test",
            append = "test=contract exit=qemu",
            exit = 3,
            panic = true,
            expect = { "\nPANIC: contract: write returned %-ENOMEM %(%-12%), not among its errors; "
                .. "user call site 0x00000000 %(eip 0x00005678%)" },
        },
    }
end
