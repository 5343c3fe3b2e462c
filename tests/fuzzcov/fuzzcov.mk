# fuzz-cov, the coverage-guided fuzzer (tests/fuzzcov/): the guest executor the host loop
# (tests/fuzzcov/loop.lua) boots with batches of programs, and the reproducers it writes
# (tests/guest/repro/*.c, each a guest test booted by tests/qemu/fuzz_boots.lua).
# `make fuzz-cov DURATION=SECONDS [SEED=S] [KERNEL=ELF]` runs the loop.

FC_BUILD := $(BUILD)/fuzzcov
FC_EXEC_ELF := $(FC_BUILD)/fuzzcov.elf
FC_RT_OBJS := $(FC_BUILD)/fc_rt.o $(FUZZ_BUILD)/syscall_fuzzer.o $(FUZZ_BUILD)/values.o
# -g0: see FUZZ_CFLAGS (tests/fuzz/fuzz.mk).
FC_CFLAGS = $(USER_CFLAGS) -g0 -I tests/fuzzcov -I tests/fuzz -I tests/guest
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

# The planted bug of the value-result guard's hostile test (tests/fuzzcov/suite.lua,
# fuzzcov-guard-planted) and of its fuzz-cov demonstration: a kernel whose proc_name writes one
# byte past the capacity *len gives buf when the name does not fit (`cap + 1` for `cap`). It is
# never in kernel/: a scratch copy of kernel/sys_proc.c, changed by sed and linked with the other
# objects of a kernel build (one symbol table pass: a backtrace there names nothing). When the
# line to change is gone, no image is made and not-planted says why (the test fails on it).
#   $(FC_BUILD)/planted/kernel.elf      from the plain kernel's objects (make test boots it)
#   $(FC_BUILD)/planted-cov/kernel.elf  from the coverage kernel's (make fuzz-cov FC_KERNEL=...)
FC_PLANT_FROM := ? n + 1 : cap;
FC_PLANT_TO   := ? n + 1 : cap + 1;

# $(call fc_plant,DIR,KERNEL BUILD DIR,OBJS,FLAGS): the rule of DIR/kernel.elf.
define fc_plant
$(1)/kernel.elf: kernel/sys_proc.c $(3) $(2)/symtab_empty.o $$(KERNEL_LDS) tests/fuzzcov/fuzzcov.mk | $$(KERNEL_GEN_HEADERS)
	@mkdir -p $$(@D) && rm -f $$@ $$(@D)/not-planted
	$$(call quiet,PLANT,$$@)sed 's/$$(FC_PLANT_FROM)/$$(FC_PLANT_TO)/' $$< > $$(@D)/sys_proc.c
	$$(Q)if cmp -s $$< $$(@D)/sys_proc.c; then \
	    echo 'kernel/sys_proc.c has no line with "$$(FC_PLANT_FROM)" to plant the bug in: update FC_PLANT_FROM in tests/fuzzcov/fuzzcov.mk' > $$(@D)/not-planted; \
	else \
	    $$(CC) $$(KERNEL_CFLAGS) $(4) -c $$(@D)/sys_proc.c -o $$(@D)/sys_proc.o && \
	    $$(LD) $$(KERNEL_LDFLAGS) -o $$@ $$(filter-out $(2)/sys_proc.o,$(3)) $$(@D)/sys_proc.o $(2)/symtab_empty.o $$(KERNEL_LIBGCC); \
	fi
endef
$(eval $(call fc_plant,$(FC_BUILD)/planted,$(KERNEL_BUILD),$(KERNEL_OBJS),))
$(eval $(call fc_plant,$(FC_BUILD)/planted-cov,$(KCOV_BUILD),$(KCOV_OBJS),$(KCOV_DEFINES) $(KCOV_INSTRUMENT)))
TEST_DEPS += $(FC_BUILD)/planted/kernel.elf
