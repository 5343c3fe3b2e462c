# make test: host suites, then QEMU boots (tests/run.lua). The runner reads what it needs to
# know about the build from the environment.
.PHONY: test

# Each test area adds a fragment tests/AREA/*.mk that appends what its boots need to TEST_DEPS.
TEST_DEPS :=
include $(sort $(wildcard tests/*/*.mk))

# The runner's knobs: T=WORDS (only the matching tests), TEST_JOBS=N (jobs at once).
# Boots run the test kernel (UBSan, error contracts) unless their spec asks for another
# (tests/qemu/harness.lua, `kernel`).
test: $(KERNEL_ELF) $(KTEST_ELF) $(KCOV_ELF) $(USER_PROGS) $(ISO) $(TEST_DEPS) $(TEST_FETCH) compile_commands.json
	@mkdir -p $(BUILD)/test-logs
	$(Q)LIBSYS_HOST_TEST=$(LIBSYS_HOST_TEST) BUILD=$(BUILD) KERNEL_ELF=$(KTEST_ELF) PLAIN_KERNEL_ELF=$(KERNEL_ELF) COV_KERNEL_ELF=$(KCOV_ELF) \
	ISO=$(ISO) USER_PROGS="$(USER_PROGS)" \
	LINUX_CACHE=$(LINUX_CACHE) VERSION=$(VERSION) QEMU=$(QEMU) GDB=$(GDB) LUA=$(LUA) T="$(T)" $(if $(TEST_JOBS),TEST_JOBS=$(TEST_JOBS)) \
	$(LUA) tests/run.lua
