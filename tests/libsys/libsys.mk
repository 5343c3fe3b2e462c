# libsys host tests (libsys/test/): libsys's C code built for the build machine with a stand-in
# kernel; tests/libsys/suite.lua runs the binary inside `make test`.
TEST_DEPS += $(LIBSYS_HOST_TEST)
