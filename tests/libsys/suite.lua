-- Host suite: runs the libsys host test binary built by libsys/libsys.mk (path from the
-- LIBSYS_HOST_TEST environment variable, default build/libsys/host/libsys_test).
-- weight: 1
local bin = os.getenv("LIBSYS_HOST_TEST") or "build/libsys/host/libsys_test"
package.path = "tests/lib/?.lua;" .. package.path
local S = require("hostsuite")
if not S.read(bin) then
    S.report("libsys_host_tests_built", false, bin .. " is missing (run `make test`)")
    S.finish()
end
-- The binary's own results, passed on (so T= selects among them too).
local rc, out = S.sh(S.shq(bin))
local count, failures = S.relay(out)
S.report("libsys_host_tests_exit", (rc == 0) == (failures == 0) and count > 0,
    string.format("exit status %s after %d results, %d failed", tostring(rc), count, failures), out)
S.finish()
