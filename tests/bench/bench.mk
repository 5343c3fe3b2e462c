# Benchmarks (tests/bench/README in the top README's "Benchmarks" section):
#   make bench   guest micro-benchmarks under QEMU -icount shift=0 (two runs, checked equal), then
#                generator, clean-build and incremental-build times; prints one table and writes
#                $(BUILD)/bench.json.
# `make test` boots the programs too (tests/qemu/bench_boots.lua): bench with few iterations
# (bench-smoke), and amc_paths, the guest tests of the amc fast paths the benchmark times.

BENCH_NAMES := bench nop amc_paths
BENCH_PROGS := $(BENCH_NAMES:%=$(BUILD)/bench/%.elf)
# amc_paths uses the guest test framework (tests/guest/gtest.h, built by tests/guest/guest.mk).
BENCH_GTEST_OBJ := $(BUILD)/tests/gtest.o

.PRECIOUS: $(BUILD)/bench/%.o
$(BUILD)/bench/%.o: tests/bench/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(USER_CFLAGS) -I tests/guest)

$(BUILD)/bench/%.elf: $(BUILD)/bench/%.o $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(LIBSYS_A)

$(BUILD)/bench/amc_paths.elf: $(BUILD)/bench/amc_paths.o $(BENCH_GTEST_OBJ) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(BENCH_GTEST_OBJ) $(LIBSYS_A)

TEST_DEPS += $(BENCH_PROGS)

.PHONY: bench
bench: $(KERNEL_ELF) $(BUILD)/user/init.elf $(BENCH_PROGS)
	BUILD=$(BUILD) KERNEL_ELF=$(KERNEL_ELF) QEMU=$(QEMU) LUA=$(LUA) GEN_ENV='$(GEN_ENV)' MAKE="$(MAKE)" \
	    $(LUA) tests/bench/run.lua

-include $(wildcard $(BUILD)/bench/*.d)
