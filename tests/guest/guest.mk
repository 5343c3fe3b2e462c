# Guest test programs: tests/guest/NAME.c (+ the shared gtest.c) -> $(BUILD)/tests/NAME.elf,
# linked like user programs, booted as modules by tests/qemu/boots.lua. Malformed ELF images
# for the loader tests are made from a good program by tests/guest/badelf.lua.

GUEST_NAMES := $(filter-out gtest,$(basename $(notdir $(wildcard tests/guest/*.c))))
GUEST_PROGS := $(GUEST_NAMES:%=$(BUILD)/tests/%.elf)
GUEST_COMMON_OBJ := $(BUILD)/tests/gtest.o
BAD_ELF_NAMES := $(shell $(LUA) tests/guest/badelf.lua --list)
BAD_ELFS := $(BAD_ELF_NAMES:%=$(BUILD)/tests/%.elf)
# fuzz-cov boots them as modules; its rule (tests/fuzzcov/fuzzcov.mk) is read before this file,
# when BAD_ELFS is still empty, so the prerequisite is added here.
fuzz-cov: $(BAD_ELFS)

# -g0: no debugger loads these programs' symbols (make debug's user-symbols are build/user's), and
# debug information is a fifth of their compile time, which make test pays on every fresh build.
# -Og: they test the kernel's behaviour, not their own speed (the timed programs are tests/bench's,
# built -O2); -Og compiles them in 0.4 of the time of -O2 (5.8 -> 2.1 CPU-s for all of them).
# The flags are in this file: a change to it rebuilds the objects (and their compile_commands.json
# entries).
$(BUILD)/tests/%.o: tests/guest/%.c tests/guest/guest.mk | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(USER_CFLAGS) -g0 -Og -I tests/guest)

$(BUILD)/tests/%.elf: $(BUILD)/tests/%.o $(GUEST_COMMON_OBJ) $(LIBSYS_CRT0) $(LIBSYS_A) user/user.ld
	$(call quiet,LD,$@)$(LD) $(USER_LDFLAGS) -o $@ $(LIBSYS_CRT0) $< $(GUEST_COMMON_OBJ) $(LIBSYS_A)

$(BAD_ELFS) &: tests/guest/badelf.lua $(BUILD)/user/hello.elf
	@mkdir -p $(BUILD)/tests
	$(call quiet,GEN,$(BAD_ELF_NAMES:%=$(BUILD)/tests/%.elf))$(LUA) tests/guest/badelf.lua $(BUILD)/user/hello.elf $(BUILD)/tests

TEST_DEPS += $(GUEST_PROGS) $(BAD_ELFS)

-include $(wildcard $(BUILD)/tests/*.d)
