# Benchmarks (tests/bench/README in the top README's "Benchmarks" section):
#   make bench   guest micro-benchmarks under QEMU -icount shift=0 (two runs, checked equal), then
#                generator, clean-build and incremental-build times; prints one table and writes
#                $(BUILD)/bench.json.
# The guest programs are also booted by the bench-smoke test (tests/qemu/bench_boots.lua).

BENCH_NAMES := bench nop
BENCH_PROGS := $(BENCH_NAMES:%=$(BUILD)/bench/%.elf)

$(BUILD)/bench/%.o: tests/bench/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.elf: $(BUILD)/bench/%.o $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(LIBSYS_A)

TEST_DEPS += $(BENCH_PROGS)

.PHONY: bench
bench: $(KERNEL_ELF) $(BUILD)/user/init.elf $(BENCH_PROGS)
	BUILD=$(BUILD) KERNEL_ELF=$(KERNEL_ELF) QEMU=$(QEMU) LUA=$(LUA) MAKE="$(MAKE)" \
	    $(LUA) tests/bench/run.lua

-include $(wildcard $(BUILD)/bench/*.d)
