# Robustness: the syscall fuzzer (tests/fuzz/fuzz.c driving the generated
# $(GEN)/fuzz/syscall_fuzzer.c) and the kernel addresses it and the security tests aim at.
# tests/qemu/fuzz_boots.lua boots a short run in `make test`; `make fuzz` runs the long one
# (1,000,000 calls) and 10,000 mutated definitions through the generator (tests/fuzz/run.lua).

FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_ELF := $(FUZZ_BUILD)/fuzz.elf
FUZZ_OBJS := $(FUZZ_BUILD)/fuzz.o $(FUZZ_BUILD)/values.o $(FUZZ_BUILD)/pick.o $(FUZZ_BUILD)/syscall_fuzzer.o
KERNEL_ADDRS_H := $(BUILD)/tests/kernel_addrs.h
# -g0, as for the guest tests (tests/guest/guest.mk): no debugger loads the fuzzer's symbols, and
# debug information is an eighth of these compiles, which every fresh make test pays.
FUZZ_CFLAGS = $(USER_CFLAGS) -g0 -I tests/fuzz -I tests/guest -I $(BUILD)/tests

$(KERNEL_ADDRS_H): $(KERNEL_ELF) tests/fuzz/kaddrs.lua
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)$(LUA) tests/fuzz/kaddrs.lua $(KERNEL_ELF) $(NM) > $@.tmp && mv $@.tmp $@

$(FUZZ_BUILD)/fuzz.o: tests/fuzz/fuzz.c $(KERNEL_ADDRS_H) | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(FUZZ_CFLAGS))

$(FUZZ_BUILD)/values.o $(FUZZ_BUILD)/pick.o: $(FUZZ_BUILD)/%.o: tests/fuzz/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(FUZZ_CFLAGS))

$(FUZZ_BUILD)/syscall_fuzzer.o: $(GEN_FUZZ_SRCS) | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(FUZZ_CFLAGS))

# gtest.o (tests/guest/guest.mk) reports the coordinator's results.
$(FUZZ_ELF): $(FUZZ_OBJS) $(BUILD)/tests/gtest.o $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $(FUZZ_OBJS) $(BUILD)/tests/gtest.o $(LIBSYS_A)

# The security tests (tests/guest/security.c) aim at the same kernel addresses.
$(BUILD)/tests/security.o: $(KERNEL_ADDRS_H)
$(BUILD)/tests/security.o: USER_CFLAGS += -I $(BUILD)/tests

TEST_DEPS += $(FUZZ_ELF)

-include $(wildcard $(FUZZ_BUILD)/*.d)

# `make fuzz`: FUZZ_SEED=S replays a run, FUZZ_CALLS=N and FUZZ_CASES=N change its size.
.PHONY: fuzz
fuzz: $(KERNEL_ELF) $(USER_PROGS) $(TEST_DEPS)
	@mkdir -p $(BUILD)/test-logs
	$(Q)BUILD=$(BUILD) KERNEL_ELF=$(KERNEL_ELF) LUA=$(LUA) QEMU=$(QEMU) $(LUA) tests/fuzz/run.lua
