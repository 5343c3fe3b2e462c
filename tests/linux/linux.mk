# The second, real ABI: abi/linux-i386.def (Linux's int 0x80 ABI, `outputs user`) generates only
# user wrappers into $(BUILD)/gen-linux-i386; a static 32-bit Linux program built on them with
# our own _start is run by tests/linux/suite.lua (natively, or under qemu-i386).

LINUX_DEF := abi/linux-i386.def
LINUX_GEN := $(BUILD)/gen-linux-i386
LINUX_DIR := $(BUILD)/tests/linux
LINUX_TEST := $(LINUX_DIR)/linux_abi_test
LINUX_CFLAGS := -std=c11 -m32 -ffreestanding -nostdlib -static -fno-pie -fno-stack-protector \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables -O2 -Wall -Wextra -Werror \
	-I $(LINUX_GEN) -I $(LINUX_GEN)/libsys

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

$(LINUX_TEST): $(LINUX_DIR)/start.o $(LINUX_DIR)/linux_abi_test.o $(LINUX_DIR)/syscalls.o
	$(call quiet,LD,$@)$(CC) -m32 -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -o $@ $^

TEST_DEPS += $(LINUX_TEST)
