# The kernel: every kernel/*.c and kernel/*.asm, linked twice so the image carries its own symbol
# table (for backtraces) without any address moving:
#   pass 1: link with an empty symbol table (section .ksyms, placed last by kernel/linker.ld);
#   nm pass 1 -> kernel/ksyms.lua -> symtab.asm -> symtab.o;
#   pass 2: relink with the real table, then check that every symbol outside .ksyms kept its address.

KERNEL_BUILD  := $(BUILD)/kernel
KERNEL_LDS    := kernel/linker.ld
# -fno-asynchronous-unwind-tables: the call-frame information goes to .debug_frame, which gdb
# reads to unwind frameless functions (the shims), instead of the .eh_frame the link discards.
# -mpreferred-stack-boundary=2: no SSE in the kernel, so no 16-byte stack alignment (no padding
# around every call).
KERNEL_CFLAGS := $(TARGET_CFLAGS) -fno-optimize-sibling-calls -fno-asynchronous-unwind-tables \
                 -mpreferred-stack-boundary=2 -MMD -MP -I kernel -I $(GEN) -I $(GEN)/kernel \
                 -DLAYERCAKE_VERSION='"$(VERSION)"'
KERNEL_LDFLAGS := -m elf_i386 -nostdlib -z max-page-size=0x1000 -T $(KERNEL_LDS)
KERNEL_LIBGCC  = $(shell $(CC) -m32 -print-libgcc-file-name)

KERNEL_C_SRCS   := $(wildcard kernel/*.c)
KERNEL_ASM_SRCS := $(wildcard kernel/*.asm)
# Generated kernel code: set KERNEL_GEN_OBJS to $(KERNEL_BUILD)/gen/NAME.o for each
# $(GEN)/kernel/NAME.c (e.g. syscall_table), and KERNEL_GEN_HEADERS to the generated headers
# every kernel object may include (e.g. $(GEN)/abi.h): they are built before any kernel object.
KERNEL_GEN_OBJS ?=
KERNEL_GEN_HEADERS ?=
KERNEL_OBJS := $(patsubst kernel/%.c,$(KERNEL_BUILD)/%.o,$(KERNEL_C_SRCS)) \
               $(patsubst kernel/%.asm,$(KERNEL_BUILD)/%.asm.o,$(KERNEL_ASM_SRCS)) \
               $(KERNEL_GEN_OBJS)

# Symbols whose value legitimately differs between the passes: the table itself and the image end.
KSYMS_VOLATILE := ' (ksyms_[a-z0-9_]+|kernel_end)$$'

.PHONY: kernel
kernel: $(KERNEL_ELF)

$(KERNEL_BUILD)/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(KERNEL_CFLAGS))

$(KERNEL_BUILD)/gen/%.o: $(GEN)/kernel/%.c
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(KERNEL_CFLAGS))

$(KERNEL_OBJS): | $(KERNEL_GEN_HEADERS)
# The flags are in this file: a change to it rebuilds the kernel (and compile_commands.json
# then shows the flags the objects were really built with).
$(filter %.o,$(KERNEL_OBJS)): kernel/kernel.mk

$(KERNEL_BUILD)/%.asm.o: kernel/%.asm
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) $(NASMFLAGS) -I $(GEN)/ -MD $(@:.o=.d) -MP $< -o $@

$(KERNEL_BUILD)/symtab_empty.asm: kernel/ksyms.lua
	@mkdir -p $(@D)
	$(call quiet,GEN,$@)$(LUA) kernel/ksyms.lua < /dev/null > $@

$(KERNEL_BUILD)/symtab.asm: $(KERNEL_BUILD)/kernel.pass1.elf kernel/ksyms.lua
	$(call quiet,GEN,$@)$(NM) -n $< | $(LUA) kernel/ksyms.lua > $@

$(KERNEL_BUILD)/symtab.o $(KERNEL_BUILD)/symtab_empty.o: %.o: %.asm
	$(call quiet,AS,$<)$(NASM) $(NASMFLAGS) $< -o $@

$(KERNEL_BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab_empty.o $(KERNEL_LDS)
	$(call quiet,LD,$@)$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab_empty.o $(KERNEL_LIBGCC)

$(KERNEL_ELF): $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab.o $(KERNEL_LDS) $(KERNEL_BUILD)/kernel.pass1.elf
	$(call quiet,LD,$@)$(LD) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab.o $(KERNEL_LIBGCC)
	@$(NM) -n $(KERNEL_BUILD)/kernel.pass1.elf | grep -Ev $(KSYMS_VOLATILE) > $(KERNEL_BUILD)/pass1.nm
	@$(NM) -n $@.tmp | grep -Ev $(KSYMS_VOLATILE) > $(KERNEL_BUILD)/pass2.nm
	@cmp -s $(KERNEL_BUILD)/pass1.nm $(KERNEL_BUILD)/pass2.nm || { \
	    echo 'kernel: symbol addresses moved between link passes:'; \
	    diff $(KERNEL_BUILD)/pass1.nm $(KERNEL_BUILD)/pass2.nm | head -20; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

-include $(wildcard $(KERNEL_BUILD)/*.d $(KERNEL_BUILD)/gen/*.d)

# The generated entry shims are glue between the int 0x80 stub and a handler: without a frame of
# their own, ending in a jump to the handler, they cost a dozen instructions less per syscall. A
# backtrace through a syscall then goes from the handler straight to the stub.
$(KERNEL_BUILD)/gen/syscall_table.o: KERNEL_CFLAGS += -fomit-frame-pointer -foptimize-sibling-calls -ffixed-ebp

# klib.c implements memset/memcpy: stop GCC from turning their loops back into calls to themselves.
$(KERNEL_BUILD)/klib.o: KERNEL_CFLAGS += -fno-tree-loop-distribute-patterns

# The syscall handlers run without a frame of their own, and one that ends in a call jumps
# instead: the null syscall, write's early errors and yield cost a few instructions less. A
# backtrace loses nothing below them (the shims and the int 0x80 stub have no frames either); a
# handler that jumped on is simply not in it. The TSS update of every context switch, and the
# scheduler's yield (a leaf: the switch is inline), are leaves that need no frame either; the
# other functions of proc.c keep theirs. -ffixed-ebp everywhere here: code without a frame
# never uses ebp for anything else, so it still holds the last frame for the backtrace of a
# panic in a callee (or, at a syscall boundary, the user's ebp, where the backtrace stops).
$(KERNEL_BUILD)/sys_io.o $(KERNEL_BUILD)/sys_proc.o: KERNEL_CFLAGS += -fomit-frame-pointer -foptimize-sibling-calls -ffixed-ebp
$(KERNEL_BUILD)/gdt.o $(KERNEL_BUILD)/proc.o: KERNEL_CFLAGS += -momit-leaf-frame-pointer -ffixed-ebp
