# Old binaries keep running. tests/abi-compat/RELEASE/ (v1, ...) is a frozen, committed copy of
# what a released ABI gave a program: the generated headers, libsys wrappers and amc layer, the
# amc runtime, crt0 and the link script, as they were at the release. tests/abi-compat/compat.c
# is built against each copy alone (not build/gen, not libsys) and booted on the current kernel
# by tests/qemu/abi_compat_boots.lua.
#
# `make abi-compat-freeze RELEASE=vN` writes the copy of a new release, once, when a new ABI
# version is released; a released copy never changes (the target refuses an existing one).

ABI_COMPAT_RELEASES := $(patsubst tests/abi-compat/%/,%,$(wildcard tests/abi-compat/v*/))
ABI_COMPAT_BUILD := $(BUILD)/abi-compat
ABI_COMPAT_CFLAGS = -std=c11 -ffreestanding -nostdlib -fno-pie -fno-stack-protector -O2 -g -Wall \
	-Wextra -Werror -m32 -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include)

# abi_compat_rule(RELEASE): $(ABI_COMPAT_BUILD)/RELEASE/abi-compat-RELEASE.elf from the copy.
define ABI_COMPAT_RULE
ABI_COMPAT_$(1)_DIR := tests/abi-compat/$(1)
ABI_COMPAT_$(1)_OUT := $(ABI_COMPAT_BUILD)/$(1)
ABI_COMPAT_$(1)_OBJS := $$(ABI_COMPAT_$(1)_OUT)/crt0.o $$(ABI_COMPAT_$(1)_OUT)/compat.o \
	$$(ABI_COMPAT_$(1)_OUT)/syscalls.o $$(ABI_COMPAT_$(1)_OUT)/amc_services.o \
	$$(ABI_COMPAT_$(1)_OUT)/amc_runtime.o

$$(ABI_COMPAT_$(1)_OUT)/crt0.o: $$(ABI_COMPAT_$(1)_DIR)/crt0.asm
	@mkdir -p $$(@D)
	$$(call quiet,AS,$$<)$(NASM) -f elf32 $$< -o $$@
$$(ABI_COMPAT_$(1)_OUT)/syscalls.o: $$(ABI_COMPAT_$(1)_DIR)/libsys/syscalls.asm
	@mkdir -p $$(@D)
	$$(call quiet,AS,$$<)$(NASM) -f elf32 $$< -o $$@
$$(ABI_COMPAT_$(1)_OUT)/compat.o: tests/abi-compat/compat.c $$(wildcard $$(ABI_COMPAT_$(1)_DIR)/*.h $$(ABI_COMPAT_$(1)_DIR)/libsys/*.h)
	@mkdir -p $$(@D)
	$$(call compile_c,$(CC) $$(ABI_COMPAT_CFLAGS) -I $$(ABI_COMPAT_$(1)_DIR) -I $$(ABI_COMPAT_$(1)_DIR)/libsys)
$$(ABI_COMPAT_$(1)_OUT)/%.o: $$(ABI_COMPAT_$(1)_DIR)/libsys/%.c $$(wildcard $$(ABI_COMPAT_$(1)_DIR)/*.h $$(ABI_COMPAT_$(1)_DIR)/libsys/*.h)
	@mkdir -p $$(@D)
	$$(call compile_c,$(CC) $$(ABI_COMPAT_CFLAGS) -I $$(ABI_COMPAT_$(1)_DIR) -I $$(ABI_COMPAT_$(1)_DIR)/libsys)
$$(ABI_COMPAT_$(1)_OUT)/abi-compat-$(1).elf: $$(ABI_COMPAT_$(1)_OBJS) $$(ABI_COMPAT_$(1)_DIR)/user.ld
	$$(call quiet,LD,$$@)$(LD) -m elf_i386 -nostdlib -static --build-id=none -z noexecstack -T $$(ABI_COMPAT_$(1)_DIR)/user.ld \
		-o $$@ $$(ABI_COMPAT_$(1)_OBJS)

TEST_DEPS += $$(ABI_COMPAT_$(1)_OUT)/abi-compat-$(1).elf
endef
$(foreach r,$(ABI_COMPAT_RELEASES),$(eval $(call ABI_COMPAT_RULE,$(r))))

# What a program of the release is made of: the generated user side and the fixed code around it.
ABI_COMPAT_FROZEN := $(GEN)/abi.h $(GEN)/abi.inc
ABI_COMPAT_FROZEN_LIBSYS := $(GEN)/libsys/syscalls.h $(GEN)/libsys/syscalls.asm \
	$(GEN)/libsys/amc_services.h $(GEN)/libsys/amc_services.c libsys/include/amc_runtime.h \
	libsys/amc_runtime.c

.PHONY: abi-compat-freeze
abi-compat-freeze: $(GEN_STAMP)
	@case '$(RELEASE)' in v[0-9]*) ;; *) echo 'usage: make abi-compat-freeze RELEASE=vN (the new release)'; exit 1;; esac
	@if [ -e tests/abi-compat/$(RELEASE) ]; then \
	    echo 'abi-compat: tests/abi-compat/$(RELEASE) exists: a released copy never changes'; exit 1; fi
	mkdir -p tests/abi-compat/$(RELEASE)/libsys
	cp $(ABI_COMPAT_FROZEN) libsys/crt0.asm user/user.ld tests/abi-compat/$(RELEASE)/
	cp $(ABI_COMPAT_FROZEN_LIBSYS) tests/abi-compat/$(RELEASE)/libsys/
	@echo 'abi-compat: froze $(RELEASE); commit tests/abi-compat/$(RELEASE) with the release'
