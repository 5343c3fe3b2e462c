# layercake top-level Makefile: shared variables, then one fragment per directory.
# `make run` and `make test` are the whole set-up: the deps step below installs missing tools.

BUILD      := build
GEN        := $(BUILD)/gen
CROSS      ?= i686-linux-gnu-
CC         := $(CROSS)gcc
LD         := $(CROSS)ld
AR         := $(CROSS)ar
OBJCOPY    := $(CROSS)objcopy
NM         := $(CROSS)nm
NASM       := nasm
LUA        := lua5.4
QEMU       := qemu-system-i386
GDB        := gdb
VERSION    := 0.1.0

KERNEL_ELF := $(BUILD)/kernel/kernel.elf
ISO        := $(BUILD)/layercake.iso
LIBSYS_A   := $(BUILD)/libsys/libsys.a
# user.mk appends $(BUILD)/user/NAME.elf for every user program.
USER_PROGS :=

# Flags shared by every freestanding i686 object (kernel, libsys, user).
TARGET_CFLAGS := -std=c11 -ffreestanding -nostdlib -fno-pie -fno-stack-protector \
                 -fno-omit-frame-pointer -O2 -g -Wall -Wextra -Werror -m32 \
                 -mno-sse -mno-mmx -mno-80387
NASMFLAGS     := -f elf32 -g -F dwarf

QEMU_FLAGS := -display none -no-reboot -m 128 -nic none

.DEFAULT_GOAL := all
.PHONY: all deps run run-fast debug iso clean help FORCE
FORCE:

# The deps step runs while the Makefile is read, before any rule, so every fragment's targets
# (generator output, kernel, libsys, user programs) can rely on the tools. NO_DEPS=1 skips it.
DEPS_FREE_GOALS := clean help deps
ifeq ($(NO_DEPS),)
ifneq ($(filter-out $(DEPS_FREE_GOALS),$(or $(MAKECMDGOALS),all)),)
DEPS_STATUS := $(shell sh .ci/deps >&2; echo $$?)
ifneq ($(DEPS_STATUS),0)
$(error the deps step failed (see above); set NO_DEPS=1 to skip it)
endif
endif
endif

deps:
	@sh .ci/deps

-include gen/gen.mk
# The kernel's generated dispatch table and the headers every kernel object may include.
KERNEL_GEN_OBJS := $(patsubst $(GEN)/kernel/%.c,$(BUILD)/kernel/gen/%.o,$(GEN_KERNEL_SRCS))
KERNEL_GEN_HEADERS := $(GEN_HEADERS)
include kernel/kernel.mk
-include libsys/libsys.mk
-include user/user.mk
include tests/tests.mk

all: $(KERNEL_ELF) $(USER_PROGS) $(ISO)

# ---- ISO image: GRUB (BIOS) + kernel + every user program as a module --------------------------
ISO_DIR := $(BUILD)/iso

# Regenerated on every run but replaced only when its text changes, so the ISO is rebuilt
# exactly when the program list (or this recipe) changes.
$(BUILD)/grub.cfg: FORCE
	@mkdir -p $(@D)
	@{ echo 'serial --unit=0 --speed=115200'; \
	   echo 'terminal_input serial console'; \
	   echo 'terminal_output serial console'; \
	   echo 'set timeout=2'; \
	   echo 'set default=0'; \
	   for entry in 'layercake|services=echod,kvd' 'layercake (trace syscalls)|services=echod,kvd trace=syscalls'; do \
	     title=$${entry%%|*}; args=$${entry#*|}; \
	     echo "menuentry \"$$title\" {"; \
	     echo "    multiboot /boot/kernel.elf$${args:+ $$args}"; \
	     for prog in $(notdir $(basename $(USER_PROGS))); do \
	       echo "    module /boot/bin/$$prog.elf $$prog"; \
	     done; \
	     echo '    boot'; \
	     echo '}'; \
	   done; } > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

$(ISO): $(KERNEL_ELF) $(USER_PROGS) $(BUILD)/grub.cfg
	@rm -rf $(ISO_DIR)
	@mkdir -p $(ISO_DIR)/boot/grub $(ISO_DIR)/boot/bin
	cp $(KERNEL_ELF) $(ISO_DIR)/boot/kernel.elf
	cp $(BUILD)/grub.cfg $(ISO_DIR)/boot/grub/grub.cfg
	$(if $(USER_PROGS),cp $(USER_PROGS) $(ISO_DIR)/boot/bin/)
	grub-mkrescue -o $@ $(ISO_DIR) 2> $(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: $(ISO)

# ---- Running -----------------------------------------------------------------------------------
# -initrd wants "file args,file args"; each module's args are its name.
comma := ,
empty :=
space := $(empty) $(empty)
INITRD_ARG = $(subst $(space),$(comma),$(strip $(foreach p,$(USER_PROGS),$(p)@$(notdir $(basename $(p))))))
INITRD_FLAG = $(if $(USER_PROGS),-initrd "$(subst @, ,$(INITRD_ARG))")

run: $(ISO)
	@echo 'layercake: booting $(ISO) (Ctrl-A X quits QEMU)'
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -cdrom $(ISO)

run-fast: $(KERNEL_ELF) $(USER_PROGS)
	@echo 'layercake: booting $(KERNEL_ELF) directly (Ctrl-A X quits QEMU)'
	$(QEMU) $(QEMU_FLAGS) -serial mon:stdio -kernel $(KERNEL_ELF) $(INITRD_FLAG) -append "$(or $(APPEND),services=echod$(comma)kvd)"

include kernel/gdb/debug.mk
include docs/docs.mk

clean:
	rm -rf $(BUILD)

help:
	@echo 'make run       build everything and boot the ISO (GRUB) in QEMU on this terminal'
	@echo 'make run-fast  boot the kernel directly with QEMU -kernel (APPEND="..." sets the command line; default services=echod,kvd)'
	@echo 'make test      host tests, then every QEMU boot test; ends with "N passed, M failed"'
	@echo 'make debug     QEMU paused with a gdb stub, gdb attached with kernel symbols'
	@echo 'make bench     guest and host benchmarks: one table, also build/bench.json'
	@echo 'make fuzz      generator fuzzing (10,000 cases) and 1,000,000 fuzzed syscalls'
	@echo 'make iso       build $(ISO)'
	@echo 'make deps      check tools, install the Debian packages that are missing'
	@echo 'make clean     remove $(BUILD)/'
