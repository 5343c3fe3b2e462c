# The generated ABI conformance program: build/gen/conformance/conformance.c and regs.asm (from
# abi/syscalls.def by gen/out_conformance.lua), the hand-written interpreter conf_run.c (shared with
# tests/linux) and runtime.c, linked like a user program into $(BUILD)/tests/conformance.elf and
# booted by tests/qemu/conformance_boots.lua.

CONF_DIR := $(BUILD)/tests/conformance
CONF_OBJS := $(CONF_DIR)/cases.o $(CONF_DIR)/regs.o $(CONF_DIR)/conf_run.o $(CONF_DIR)/runtime.o
CONF_ELF := $(BUILD)/tests/conformance.elf
# -Og, as for the guest tests (tests/guest/guest.mk): a test of the kernel's behaviour, not of its
# own speed, compiled in less than half the time of -O2.
CONF_CFLAGS = $(USER_CFLAGS) -Og -I tests/conformance
# The flags are in this file: a change to it rebuilds the objects.
$(CONF_DIR)/cases.o $(CONF_DIR)/runtime.o $(CONF_DIR)/conf_run.o: tests/conformance/conformance.mk

$(CONF_DIR)/cases.o: $(GEN)/conformance/conformance.c tests/conformance/conformance.h tests/conformance/conf_cases.h | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(CONF_CFLAGS))

$(CONF_DIR)/runtime.o: tests/conformance/runtime.c tests/conformance/conformance.h tests/conformance/conf_cases.h | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(CONF_CFLAGS))

$(CONF_DIR)/conf_run.o: tests/conformance/conf_run.c tests/conformance/conf_cases.h
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(CONF_CFLAGS))

$(CONF_DIR)/regs.o: $(GEN)/conformance/regs.asm tests/conformance/regs.inc
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) $(USER_NASMFLAGS) -I tests/conformance/ $< -o $@

$(CONF_ELF): $(CONF_OBJS) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $(CONF_OBJS) $(LIBSYS_A)

.PHONY: conformance
conformance: $(CONF_ELF)

TEST_DEPS += $(CONF_ELF)
