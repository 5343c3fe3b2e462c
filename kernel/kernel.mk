# The kernel: every kernel/*.c and kernel/*.asm, linked twice so the image carries its own symbol
# table (for backtraces) without any address moving:
#   pass 1: link with an empty symbol table (section .ksyms, placed last by kernel/linker.ld);
#   nm pass 1 -> kernel/ksyms.lua -> symtab.asm -> symtab.o;
#   pass 2: relink with the real table, then check that every symbol outside .ksyms kept its address.

KERNEL_BUILD  := $(BUILD)/kernel
KERNEL_LDS    := kernel/linker.ld
# -fno-asynchronous-unwind-tables: the call-frame information goes to .debug_frame, which gdb
# reads to unwind frameless functions (the shims), instead of the .eh_frame the link discards.
KERNEL_CFLAGS := $(TARGET_CFLAGS) -fno-optimize-sibling-calls -fno-asynchronous-unwind-tables \
                 -MMD -MP -I kernel -I $(GEN) -I $(GEN)/kernel -DLAYERCAKE_VERSION='"$(VERSION)"'
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
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_BUILD)/gen/%.o: $(GEN)/kernel/%.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KERNEL_OBJS): | $(KERNEL_GEN_HEADERS)

$(KERNEL_BUILD)/%.asm.o: kernel/%.asm
	@mkdir -p $(@D)
	$(NASM) $(NASMFLAGS) -I $(GEN)/ -MD $(@:.o=.d) -MP $< -o $@

$(KERNEL_BUILD)/symtab_empty.asm: kernel/ksyms.lua
	@mkdir -p $(@D)
	$(LUA) kernel/ksyms.lua < /dev/null > $@

$(KERNEL_BUILD)/symtab.asm: $(KERNEL_BUILD)/kernel.pass1.elf kernel/ksyms.lua
	$(NM) -n $< | $(LUA) kernel/ksyms.lua > $@

$(KERNEL_BUILD)/symtab.o $(KERNEL_BUILD)/symtab_empty.o: %.o: %.asm
	$(NASM) $(NASMFLAGS) $< -o $@

$(KERNEL_BUILD)/kernel.pass1.elf: $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab_empty.o $(KERNEL_LDS)
	$(LD) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab_empty.o $(KERNEL_LIBGCC)

$(KERNEL_ELF): $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab.o $(KERNEL_LDS) $(KERNEL_BUILD)/kernel.pass1.elf
	$(LD) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(KERNEL_BUILD)/symtab.o $(KERNEL_LIBGCC)
	@$(NM) -n $(KERNEL_BUILD)/kernel.pass1.elf | grep -Ev $(KSYMS_VOLATILE) > $(KERNEL_BUILD)/pass1.nm
	@$(NM) -n $@.tmp | grep -Ev $(KSYMS_VOLATILE) > $(KERNEL_BUILD)/pass2.nm
	@cmp -s $(KERNEL_BUILD)/pass1.nm $(KERNEL_BUILD)/pass2.nm || { \
	    echo 'kernel: symbol addresses moved between link passes:'; \
	    diff $(KERNEL_BUILD)/pass1.nm $(KERNEL_BUILD)/pass2.nm | head -20; rm -f $@.tmp; exit 1; }
	mv $@.tmp $@

-include $(wildcard $(KERNEL_BUILD)/*.d $(KERNEL_BUILD)/gen/*.d)

# The generated entry shims are glue between the int 0x80 stub and a handler: without a frame of
# their own, ending in a jump to the handler, they cost a dozen instructions less per syscall. A
# backtrace through a syscall then goes from the handler straight to the stub.
$(KERNEL_BUILD)/gen/syscall_table.o: KERNEL_CFLAGS += -fomit-frame-pointer -foptimize-sibling-calls

# klib.c implements memset/memcpy: stop GCC from turning their loops back into calls to themselves.
$(KERNEL_BUILD)/klib.o: KERNEL_CFLAGS += -fno-tree-loop-distribute-patterns
