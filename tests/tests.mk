# make test: host suites, then QEMU boots (tests/run.lua). The runner reads what it needs to
# know about the build from the environment.
.PHONY: test

include tests/guest/guest.mk

test: $(KERNEL_ELF) $(USER_PROGS) $(ISO) $(GUEST_PROGS) $(BAD_ELFS)
	@mkdir -p $(BUILD)/test-logs
	BUILD=$(BUILD) KERNEL_ELF=$(KERNEL_ELF) ISO=$(ISO) USER_PROGS="$(USER_PROGS)" \
	VERSION=$(VERSION) QEMU=$(QEMU) GDB=$(GDB) LUA=$(LUA) $(LUA) tests/run.lua
