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
	$(LUA) gen/main.lua --def $(LINUX_DEF) --out $(LINUX_GEN)
	@touch $@

$(LINUX_DIR)/syscalls.o: $(LINUX_GEN)/.stamp
	@mkdir -p $(@D)
	$(NASM) -f elf32 $(LINUX_GEN)/libsys/syscalls.asm -o $@

$(LINUX_DIR)/start.o: tests/linux/start.asm
	@mkdir -p $(@D)
	$(NASM) -f elf32 $< -o $@

$(LINUX_DIR)/linux_abi_test.o: tests/linux/linux_abi_test.c $(LINUX_GEN)/.stamp
	@mkdir -p $(@D)
	$(CC) $(LINUX_CFLAGS) -c $< -o $@

$(LINUX_TEST): $(LINUX_DIR)/start.o $(LINUX_DIR)/linux_abi_test.o $(LINUX_DIR)/syscalls.o
	$(CC) -m32 -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-z,noexecstack -o $@ $^

TEST_DEPS += $(LINUX_TEST)
