# libsys: the user-space runtime. Builds $(LIBSYS_A) from the hand-written libsys/*.c and
# libsys/*.asm plus the generated syscall wrappers ($(GEN_LIBSYS_ASM), $(GEN_LIBSYS_SRCS), set by
# gen/gen.mk, which must be included before this file), and $(LIBSYS_CRT0), the start file every
# user program is linked with first.

# GCC's own freestanding headers (stdint.h, stddef.h, stdarg.h) only: -nostdinc keeps the host C
# library's headers out, so a program can only use what libsys provides.
USER_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-pie -fno-stack-protector -O2 -g \
	-Wall -Wextra -Werror -m32 -fno-asynchronous-unwind-tables \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-I libsys/include -I $(GEN) -I $(GEN)/libsys -MMD -MP
# The library itself implements memcpy/memset: GCC must not turn its loops into calls to them.
LIBSYS_CFLAGS := $(USER_CFLAGS) -fno-tree-loop-distribute-patterns
USER_NASMFLAGS := -f elf32 -g -F dwarf -I $(GEN)/
LIBSYS_AR := $(CROSS)ar

LIBSYS_CRT0 := $(BUILD)/libsys/crt0.o
LIBSYS_SRCS := $(wildcard libsys/*.c)
LIBSYS_ASMS := $(filter-out libsys/crt0.asm,$(wildcard libsys/*.asm))
LIBSYS_GEN_OBJS := $(patsubst %.asm,$(BUILD)/libsys/gen/%.asm.o,$(notdir $(GEN_LIBSYS_ASM))) \
	$(patsubst %.c,$(BUILD)/libsys/gen/%.o,$(notdir $(GEN_LIBSYS_SRCS)))
LIBSYS_OBJS := $(LIBSYS_SRCS:libsys/%.c=$(BUILD)/libsys/%.o) \
	$(LIBSYS_ASMS:libsys/%.asm=$(BUILD)/libsys/%.asm.o) $(LIBSYS_GEN_OBJS)
# Every C file may include the generated headers: they must exist before the first compile.
LIBSYS_GEN_HEADERS := $(GEN)/abi.h $(GEN)/abi.inc $(GEN)/libsys/syscalls.h

$(LIBSYS_A): $(LIBSYS_OBJS)
	@mkdir -p $(@D)
	@rm -f $@
	$(call quiet,AR,$@)$(LIBSYS_AR) rcs $@ $^

$(BUILD)/libsys/%.o: libsys/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LIBSYS_CFLAGS))

$(BUILD)/libsys/gen/%.o: $(GEN)/libsys/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LIBSYS_CFLAGS))

$(BUILD)/libsys/%.asm.o: libsys/%.asm | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) $(USER_NASMFLAGS) $< -o $@

$(BUILD)/libsys/gen/%.asm.o: $(GEN)/libsys/%.asm
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) $(USER_NASMFLAGS) $< -o $@

$(LIBSYS_CRT0): libsys/crt0.asm
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) $(USER_NASMFLAGS) $< -o $@

-include $(LIBSYS_OBJS:.o=.d) $(LIBSYS_HOST_OBJS:.o=.d)

# Host tests: libsys's C code built for the build machine (x86_64 Linux) and linked with a
# stand-in kernel (libsys/test/host_kernel.c), so it can be tested without QEMU. Prints one
# "ok NAME" / "FAIL NAME: reason" line per test.
HOST_CC ?= cc
LIBSYS_HOST_TEST := $(BUILD)/libsys/host/libsys_test
LIBSYS_HOST_CFLAGS := -std=c11 -ffreestanding -nostdlib -nostdinc \
	-isystem $(shell $(HOST_CC) -print-file-name=include) -fno-pie -no-pie -static \
	-fno-stack-protector -fno-tree-loop-distribute-patterns -O2 -g -Wall -Wextra -Werror \
	-I libsys/include -I $(GEN) -I $(GEN)/libsys

LIBSYS_HOST_OBJS := $(patsubst libsys/%.c,$(BUILD)/libsys/host/%.o,$(LIBSYS_SRCS) $(wildcard libsys/test/*.c))

$(BUILD)/libsys/host/%.o: libsys/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(call compile_c,$(HOST_CC) $(LIBSYS_HOST_CFLAGS) -MMD -MP)

$(LIBSYS_HOST_TEST): $(LIBSYS_HOST_OBJS)
	$(call quiet,LD,$@)$(HOST_CC) $(LIBSYS_HOST_CFLAGS) -o $@ $^

.PHONY: libsys-test
libsys-test: $(LIBSYS_HOST_TEST)
	$(LIBSYS_HOST_TEST)
