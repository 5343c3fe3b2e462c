-- Host suite: runs the libsys host test binary built by libsys/libsys.mk (path from the
-- LIBSYS_HOST_TEST environment variable, default build/libsys/host/libsys_test).
-- weight: 1
local bin = os.getenv("LIBSYS_HOST_TEST") or "build/libsys/host/libsys_test"
local f = io.open(bin, "rb")
if not f then
    print("FAIL libsys_host_tests_built: " .. bin .. " is missing (run `make test`)")
    os.exit(1)
end
f:close()
local ok, _, code = os.execute(bin)
os.exit(ok and 0 or code)
