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
USER_NASMFLAGS := -f elf32 -g -F dwarf
LIBSYS_AR := $(CROSS)ar

LIBSYS_CRT0 := $(BUILD)/libsys/crt0.o
LIBSYS_SRCS := $(wildcard libsys/*.c)
LIBSYS_ASMS := $(filter-out libsys/crt0.asm,$(wildcard libsys/*.asm))
LIBSYS_GEN_OBJS := $(patsubst %.asm,$(BUILD)/libsys/gen/%.asm.o,$(notdir $(GEN_LIBSYS_ASM))) \
	$(patsubst %.c,$(BUILD)/libsys/gen/%.o,$(notdir $(GEN_LIBSYS_SRCS)))
LIBSYS_OBJS := $(LIBSYS_SRCS:libsys/%.c=$(BUILD)/libsys/%.o) \
	$(LIBSYS_ASMS:libsys/%.asm=$(BUILD)/libsys/%.asm.o) $(LIBSYS_GEN_OBJS)
# Every C file may include the generated headers: they must exist before the first compile.
LIBSYS_GEN_HEADERS := $(GEN)/abi.h $(GEN)/libsys/syscalls.h

$(LIBSYS_A): $(LIBSYS_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(LIBSYS_AR) rcs $@ $^

$(BUILD)/libsys/%.o: libsys/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(LIBSYS_CFLAGS) -c $< -o $@

$(BUILD)/libsys/gen/%.o: $(GEN)/libsys/%.c | $(LIBSYS_GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(LIBSYS_CFLAGS) -c $< -o $@

$(BUILD)/libsys/%.asm.o: libsys/%.asm
	@mkdir -p $(@D)
	$(NASM) $(USER_NASMFLAGS) $< -o $@

$(BUILD)/libsys/gen/%.asm.o: $(GEN)/libsys/%.asm
	@mkdir -p $(@D)
	$(NASM) $(USER_NASMFLAGS) $< -o $@

$(LIBSYS_CRT0): libsys/crt0.asm
	@mkdir -p $(@D)
	$(NASM) $(USER_NASMFLAGS) $< -o $@

-include $(LIBSYS_OBJS:.o=.d)
