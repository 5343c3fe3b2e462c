# make test: host suites, then QEMU boots (tests/run.lua). The runner reads what it needs to
# know about the build from the environment.
.PHONY: test

# Each test area adds a fragment tests/AREA/*.mk that appends what its boots need to TEST_DEPS.
TEST_DEPS :=
include $(sort $(wildcard tests/*/*.mk))

test: $(KERNEL_ELF) $(USER_PROGS) $(ISO) $(TEST_DEPS)
	@mkdir -p $(BUILD)/test-logs
	LIBSYS_HOST_TEST=$(LIBSYS_HOST_TEST) BUILD=$(BUILD) KERNEL_ELF=$(KERNEL_ELF) ISO=$(ISO) USER_PROGS="$(USER_PROGS)" \
	VERSION=$(VERSION) QEMU=$(QEMU) GDB=$(GDB) LUA=$(LUA) $(LUA) tests/run.lua
