# The kernel: every kernel/*.c and kernel/*.asm, linked twice so the image carries its own symbol
# table (for backtraces) without any address moving:
#   pass 1: link with an empty symbol table (section .ksyms, placed last by kernel/linker.ld);
#   nm pass 1 -> kernel/ksyms.lua -> symtab.asm -> symtab.o;
#   pass 2: relink with the real table, then check that every symbol outside .ksyms kept its address.
#
# The same sources make three images, each in its own directory (kernel_image below):
#   build/kernel/kernel.elf  the kernel (make all, the ISO, bench, gdb)
#   build/ktest/kernel.elf   the test kernel every boot of make test runs (tests/qemu/harness.lua):
#                            UBSan (kernel/ubsan.c reports through the panic path) and error
#                            contracts (kernel/syscall.c checks every syscall's result)
#   build/cov/kernel.elf     the coverage kernel (make coverage, fuzz-cov): trace-pc coverage
#                            (kernel/kcov.c) and the error contracts

KERNEL_BUILD  := $(BUILD)/kernel
KTEST_BUILD   := $(BUILD)/ktest
KCOV_BUILD    := $(BUILD)/cov
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

# The variants' flags. Instrumentation goes to every C file but the runtime that serves it.
# The test kernel is built without debug information (-g0, for its C objects, the UBSan runtime
# too): its panic backtraces read ksyms, the table this file links in, and gdb boots and make
# debug use build/kernel. It is a fifth of each of its compiles, paid by every fresh make test.
KTEST_DEFINES    := -DKERNEL_CONTRACTS -g0
KTEST_INSTRUMENT := -fsanitize=undefined
KCOV_DEFINES     := -DKERNEL_CONTRACTS -DKERNEL_KCOV
# No sibling calls: a hook call that ends a function must stay a call, whose return address is
# the block's own (the shims and handlers ask for -foptimize-sibling-calls above).
KCOV_INSTRUMENT  := -fsanitize-coverage=trace-pc -fno-optimize-sibling-calls
KERNEL_RUNTIME   := kcov ubsan

KERNEL_C_SRCS   := $(wildcard kernel/*.c)
KERNEL_ASM_SRCS := $(wildcard kernel/*.asm)
# Generated kernel code: set KERNEL_GEN_OBJS to $(KERNEL_BUILD)/gen/NAME.o for each
# $(GEN)/kernel/NAME.c (e.g. syscall_table), and KERNEL_GEN_HEADERS to the generated headers
# every kernel object may include (e.g. $(GEN)/abi.h): they are built before any kernel object.
KERNEL_GEN_OBJS ?=
KERNEL_GEN_HEADERS ?=

# Symbols whose value legitimately differs between the passes: the table itself and the image end.
KSYMS_VOLATILE := ' (ksyms_[a-z0-9_]+|kernel_end)$$'

# $(call kernel_image,VAR,DIR,DEFINES,INSTRUMENT,COMPILE): the rules of DIR/kernel.elf, whose
# objects are $(VAR_OBJS). COMPILE is compile_c (the build's command goes to
# compile_commands.json: the plain kernel) or compile_c_only (a variant's, which editors never see).
define kernel_image
$(1)_ELF  := $(2)/kernel.elf
$(1)_OBJS := $$(patsubst kernel/%.c,$(2)/%.o,$$(KERNEL_C_SRCS)) \
             $$(patsubst kernel/%.asm,$(2)/%.asm.o,$$(KERNEL_ASM_SRCS)) \
             $$(patsubst $$(KERNEL_BUILD)/%,$(2)/%,$$(KERNEL_GEN_OBJS))

$(2)/%.o: KERNEL_VARIANT_CFLAGS = $(3) $(4)
$(addprefix $(2)/,$(addsuffix .o,$(KERNEL_RUNTIME))): KERNEL_VARIANT_CFLAGS = $(3)

$(2)/%.o: kernel/%.c
	@mkdir -p $$(@D)
	$$(call $(5),$$(CC) $$(KERNEL_CFLAGS) $$(KERNEL_VARIANT_CFLAGS))

$(2)/gen/%.o: $$(GEN)/kernel/%.c
	@mkdir -p $$(@D)
	$$(call $(5),$$(CC) $$(KERNEL_CFLAGS) $$(KERNEL_VARIANT_CFLAGS))

$$($(1)_OBJS): | $$(KERNEL_GEN_HEADERS)
# The flags are in this file: a change to it rebuilds the kernel (and compile_commands.json
# then shows the flags the objects were really built with).
$$(filter %.o,$$($(1)_OBJS)): kernel/kernel.mk

$(2)/%.asm.o: kernel/%.asm
	@mkdir -p $$(@D)
	$$(call quiet,AS,$$<)$$(NASM) $$(NASMFLAGS) -I $$(GEN)/ -MD $$(@:.o=.d) -MP $$< -o $$@

$(2)/symtab_empty.asm: kernel/ksyms.lua
	@mkdir -p $$(@D)
	$$(call quiet,GEN,$$@)$$(LUA) kernel/ksyms.lua < /dev/null > $$@

$(2)/symtab.asm: $(2)/kernel.pass1.elf kernel/ksyms.lua
	$$(call quiet,GEN,$$@)$$(NM) -n $$< | $$(LUA) kernel/ksyms.lua > $$@

$(2)/symtab.o $(2)/symtab_empty.o: %.o: %.asm
	$$(call quiet,AS,$$<)$$(NASM) $$(NASMFLAGS) $$< -o $$@

$(2)/kernel.pass1.elf: $$($(1)_OBJS) $(2)/symtab_empty.o $$(KERNEL_LDS)
	$$(call quiet,LD,$$@)$$(LD) $$(KERNEL_LDFLAGS) -o $$@ $$($(1)_OBJS) $(2)/symtab_empty.o $$(KERNEL_LIBGCC)

$(2)/kernel.elf: $$($(1)_OBJS) $(2)/symtab.o $$(KERNEL_LDS) $(2)/kernel.pass1.elf
	$$(call quiet,LD,$$@)$$(LD) $$(KERNEL_LDFLAGS) -o $$@.tmp $$($(1)_OBJS) $(2)/symtab.o $$(KERNEL_LIBGCC)
	@$$(NM) -n $(2)/kernel.pass1.elf | grep -Ev $$(KSYMS_VOLATILE) > $(2)/pass1.nm
	@$$(NM) -n $$@.tmp | grep -Ev $$(KSYMS_VOLATILE) > $(2)/pass2.nm
	@cmp -s $(2)/pass1.nm $(2)/pass2.nm || { \
	    echo 'kernel: symbol addresses moved between link passes:'; \
	    diff $(2)/pass1.nm $(2)/pass2.nm | head -20; rm -f $$@.tmp; exit 1; }
	@mv $$@.tmp $$@

-include $$(wildcard $(2)/*.d $(2)/gen/*.d)

# The generated entry shims are glue between the int 0x80 stub and a handler: without a frame of
# their own, ending in a jump to the handler, they cost a dozen instructions less per syscall. A
# backtrace through a syscall then goes from the handler straight to the stub.
$(2)/gen/syscall_table.o: KERNEL_CFLAGS += -fomit-frame-pointer -foptimize-sibling-calls -ffixed-ebp

# klib.c implements memset/memcpy: stop GCC from turning their loops back into calls to themselves.
$(2)/klib.o: KERNEL_CFLAGS += -fno-tree-loop-distribute-patterns

# The syscall handlers run without a frame of their own, and one that ends in a call jumps
# instead: the null syscall, write's early errors and yield cost a few instructions less. A
# backtrace loses nothing below them (the shims and the int 0x80 stub have no frames either); a
# handler that jumped on is simply not in it. The TSS update of every context switch, and the
# scheduler's yield (a leaf: the switch is inline), are leaves that need no frame either; the
# other functions of proc.c keep theirs. -ffixed-ebp everywhere here: code without a frame
# never uses ebp for anything else, so it still holds the last frame for the backtrace of a
# panic in a callee (or, at a syscall boundary, the user's ebp, where the backtrace stops).
$(2)/sys_io.o $(2)/sys_proc.o: KERNEL_CFLAGS += -fomit-frame-pointer -foptimize-sibling-calls -ffixed-ebp
$(2)/gdt.o $(2)/proc.o: KERNEL_CFLAGS += -momit-leaf-frame-pointer -ffixed-ebp
endef

# A variant's compile: like compile_c, without an entry for compile_commands.json.
compile_c_only = $(call quiet,CC,$(or $(2),$<) [$(notdir $(patsubst %/,%,$(dir $@)))])$(strip $(1)) -c $(or $(2),$<) -o $@

$(eval $(call kernel_image,KERNEL,$(KERNEL_BUILD),,,compile_c))
$(eval $(call kernel_image,KTEST,$(KTEST_BUILD),$(KTEST_DEFINES),$(KTEST_INSTRUMENT),compile_c_only))
$(eval $(call kernel_image,KCOV,$(KCOV_BUILD),$(KCOV_DEFINES),$(KCOV_INSTRUMENT),compile_c_only))

KTEST_ELF := $(KTEST_BUILD)/kernel.elf
KCOV_ELF  := $(KCOV_BUILD)/kernel.elf

.PHONY: kernel
kernel: $(KERNEL_ELF)
