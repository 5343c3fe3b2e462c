# The second, real ABI: abi/linux-i386.def (Linux's int 0x80 ABI, `outputs user conformance`)
# generates the user wrappers and the conformance cases into $(BUILD)/gen-linux-i386.
#  - a static 32-bit Linux program built on the wrappers with our own _start
#    (tests/linux/linux_abi_test.c), run by tests/linux/suite.lua under qemu-i386 (fast path);
#  - the real-kernel judge: $(LINUX_INIT) runs the generated cases as /init of an initramfs
#    ($(LINUX_INITRAMFS)), booted by tests/linux/suite.lua on Debian's 686 kernel, which
#    `make linux-kernel` (and `make deps`, and .ci/run before make test) fetches into
#    $(LINUX_CACHE) once per machine: the cache is outside the checkout, shared by every clone.

LINUX_DEF := abi/linux-i386.def
LINUX_GEN := $(BUILD)/gen-linux-i386
LINUX_DIR := $(BUILD)/tests/linux
LINUX_TEST := $(LINUX_DIR)/linux_abi_test
LINUX_INIT := $(LINUX_DIR)/conf_init
LINUX_INITRAMFS := $(LINUX_DIR)/initramfs.cpio
LINUX_CACHE_HOME := $(or $(XDG_CACHE_HOME),$(if $(HOME),$(HOME)/.cache))
LINUX_CACHE ?= $(if $(LINUX_CACHE_HOME),$(LINUX_CACHE_HOME)/layercake/linux-686,$(BUILD)/linux-cache)
# The entry in use: fetch-kernel.sh verifies it (SHA256SUMS) on every run and prints its vmlinuz.
LINUX_VMLINUZ := $(LINUX_CACHE)/current
# -Og, as for the guest tests (tests/guest/guest.mk): these programs judge Linux's behaviour, not
# their own speed.
LINUX_CFLAGS := -std=c11 -m32 -ffreestanding -nostdlib -static -fno-pie -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -Og -Wall -Wextra -Werror \
	-I $(LINUX_GEN) -I $(LINUX_GEN)/libsys
# The flags are in this file: a change to it rebuilds the objects.
$(addprefix $(LINUX_DIR)/,linux_abi_test.o mem.o conf_cases.o conf_runtime.o conf_run.o vmboot.o): tests/linux/linux.mk
LINUX_LDFLAGS := -m32 -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-z,noexecstack

$(LINUX_GEN)/.stamp: $(LINUX_DEF) $(GEN_LUA_SRCS)
	$(call quiet,GEN,$(LINUX_GEN)/ from $(LINUX_DEF))$(LUA) gen/main.lua --def $(LINUX_DEF) --out $(LINUX_GEN)
	@touch $@

$(LINUX_DIR)/syscalls.o: $(LINUX_GEN)/.stamp
	@mkdir -p $(@D)
	$(call quiet,AS,$(LINUX_GEN)/libsys/syscalls.asm)$(NASM) -f elf32 $(LINUX_GEN)/libsys/syscalls.asm -o $@

$(LINUX_DIR)/start.o: tests/linux/start.asm
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) -f elf32 $< -o $@

$(LINUX_DIR)/linux_abi_test.o: tests/linux/linux_abi_test.c $(LINUX_GEN)/.stamp
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CFLAGS))

$(LINUX_DIR)/mem.o: tests/linux/mem.c
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CFLAGS))

$(LINUX_TEST): $(LINUX_DIR)/start.o $(LINUX_DIR)/linux_abi_test.o $(LINUX_DIR)/mem.o $(LINUX_DIR)/syscalls.o
	$(call quiet,LD,$@)$(CC) $(LINUX_LDFLAGS) -o $@ $^

# The conformance init: the generated cases, their register checks and the Linux runtime.
LINUX_CONF_CFLAGS := $(LINUX_CFLAGS) -I tests/linux -I tests/conformance

$(LINUX_DIR)/conf_cases.o: $(LINUX_GEN)/.stamp tests/linux/conformance.h tests/conformance/conf_cases.h
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CONF_CFLAGS),$(LINUX_GEN)/conformance/conformance.c)

$(LINUX_DIR)/conf_runtime.o: tests/linux/conf_runtime.c $(LINUX_GEN)/.stamp tests/linux/conformance.h tests/conformance/conf_cases.h
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CONF_CFLAGS))

$(LINUX_DIR)/conf_run.o: tests/conformance/conf_run.c tests/conformance/conf_cases.h
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CONF_CFLAGS))

$(LINUX_DIR)/conf_regs.o: $(LINUX_GEN)/.stamp tests/conformance/regs.inc
	@mkdir -p $(@D)
	$(call quiet,AS,$(LINUX_GEN)/conformance/regs.asm)$(NASM) -f elf32 -I tests/conformance/ $(LINUX_GEN)/conformance/regs.asm -o $@

$(LINUX_INIT): $(LINUX_DIR)/start.o $(LINUX_DIR)/conf_runtime.o $(LINUX_DIR)/conf_cases.o \
		$(LINUX_DIR)/conf_run.o $(LINUX_DIR)/conf_regs.o $(LINUX_DIR)/mem.o $(LINUX_DIR)/syscalls.o
	$(call quiet,LD,$@)$(CC) $(LINUX_LDFLAGS) -o $@ $^

# The loader the suite boots Debian's kernel with: vmlinux (unpacked once, in the kernel cache)
# instead of vmlinuz, whose XZ decompressor takes seconds under TCG (tests/linux/vmboot.c).
LINUX_VMBOOT := $(LINUX_DIR)/vmboot.elf

$(LINUX_DIR)/vmboot.o: tests/linux/vmboot.c
	@mkdir -p $(@D)
	$(call compile_c,$(CC) $(LINUX_CFLAGS))

$(LINUX_DIR)/vmboot_start.o: tests/linux/vmboot_start.asm
	@mkdir -p $(@D)
	$(call quiet,AS,$<)$(NASM) -f elf32 $< -o $@

$(LINUX_VMBOOT): $(LINUX_DIR)/vmboot_start.o $(LINUX_DIR)/vmboot.o tests/linux/vmboot.ld
	$(call quiet,LD,$@)$(LD) -m elf_i386 -T tests/linux/vmboot.ld -o $@ $(LINUX_DIR)/vmboot_start.o $(LINUX_DIR)/vmboot.o

$(LINUX_INITRAMFS): $(LINUX_INIT) tests/linux/mkinitramfs.lua
	$(call quiet,GEN,$@)$(LUA) tests/linux/mkinitramfs.lua $@ $(LINUX_INIT)

# Debian's i686 kernel, through a private apt configuration (no architecture is added to the
# system); cached outside the checkout, so only a machine's first run downloads. Every run
# checks the cached entry's checksums (a corrupt one is fetched again); the linux suite runs
# the script itself, offline, and boots the path it prints.
.PHONY: linux-kernel
linux-kernel:
	$(call quiet,FETCH,$(LINUX_CACHE))sh tests/linux/fetch-kernel.sh $(LINUX_CACHE) >/dev/null
deps: linux-kernel

TEST_DEPS += $(LINUX_TEST) $(LINUX_INITRAMFS) $(LINUX_VMBOOT)
# What make test fetches (its build stage makes it with TEST_DEPS; make coverage needs none of it).
TEST_FETCH += linux-kernel
# The linux suite is the longest job: its stage comes first (tests/tests.mk, test-build-early).
TEST_EARLY += $(LINUX_TEST) $(LINUX_INITRAMFS) $(LINUX_VMBOOT) linux-kernel
