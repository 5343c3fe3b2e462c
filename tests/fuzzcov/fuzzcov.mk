# fuzz-cov, the coverage-guided fuzzer (tests/fuzzcov/): the guest executor the host loop
# (tests/fuzzcov/loop.lua) boots with batches of programs, and the reproducers it writes
# (tests/guest/repro/*.c, each a guest test booted by tests/qemu/fuzz_boots.lua).
# `make fuzz-cov DURATION=SECONDS [SEED=S] [KERNEL=ELF]` runs the loop.

FC_BUILD := $(BUILD)/fuzzcov
FC_EXEC_ELF := $(FC_BUILD)/fuzzcov.elf
FC_RT_OBJS := $(FC_BUILD)/fc_rt.o $(FUZZ_BUILD)/syscall_fuzzer.o $(FUZZ_BUILD)/values.o
FC_CFLAGS = $(USER_CFLAGS) -I tests/fuzzcov -I tests/fuzz -I tests/guest
REPRO_NAMES := $(basename $(notdir $(wildcard tests/guest/repro/*.c)))
REPRO_PROGS := $(REPRO_NAMES:%=$(FC_BUILD)/repro/%.elf)

$(FC_BUILD)/%.o: tests/fuzzcov/%.c tests/fuzzcov/fc.h | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(FC_CFLAGS))

$(FC_BUILD)/repro/%.o: tests/guest/repro/%.c tests/fuzzcov/fc.h | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(FC_CFLAGS))

$(FC_EXEC_ELF): $(FC_BUILD)/exec.o $(FC_RT_OBJS) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(FC_RT_OBJS) $(LIBSYS_A)

$(FC_BUILD)/repro/%.elf: $(FC_BUILD)/repro/%.o $(FC_RT_OBJS) $(GUEST_COMMON_OBJ) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(FC_RT_OBJS) $(GUEST_COMMON_OBJ) $(LIBSYS_A)

TEST_DEPS += $(FC_EXEC_ELF) $(REPRO_PROGS)

-include $(wildcard $(FC_BUILD)/*.d $(FC_BUILD)/repro/*.d)

# `make fuzz-cov DURATION=SECONDS`: the loop for that long (default 600); SEED=S, BATCHES=N (an
# exact replay of N batches), FC_KERNEL=ELF (another kernel: a coverage build, or a scratch copy
# with a planted bug). Reproducers go to tests/guest/repro/, the corpus and its logs to
# $(BUILD)/fuzzcov/.
DURATION ?= 600
.PHONY: fuzz-cov
fuzz-cov: $(KERNEL_ELF) $(USER_PROGS) $(FC_EXEC_ELF) $(KERNEL_ADDRS_H) # and the bad ELFs: guest.mk
	$(Q)BUILD=$(BUILD) QEMU=$(QEMU) OBJCOPY=$(OBJCOPY) $(LUA) tests/fuzzcov/loop.lua build=$(BUILD) \
	    $(if $(BATCHES),batches=$(BATCHES),duration=$(DURATION)) $(if $(SEED),seed=$(SEED)) \
	    $(if $(FC_KERNEL),kernel=$(FC_KERNEL))
