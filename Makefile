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
.PHONY: all deps run run-fast debug iso clean distclean help format format-check FORCE
FORCE:
# Intermediate files (objects of pattern chains) stay: `make test` ends with its count line,
# not with make removing them, and the next build does not redo them.
.SECONDARY:
.DELETE_ON_ERROR:

# ---- The targets: `make help` and README's "Make targets" table both come from this list ------
# (tests/build/suite.lua checks that README's table is this list and that every .PHONY target
# is in it). One line each: `## TARGET | WHAT`.
## all | kernel, user programs and the ISO (the default goal)
## run | build everything and boot the ISO through GRUB on this terminal (Ctrl-A X quits QEMU)
## run-fast | boot the kernel directly with QEMU -kernel, the programs as modules; APPEND="..." sets the command line
## debug | QEMU paused with a gdb stub (GDB_PORT=, default 1234), gdb attached with the kernel's symbols and helpers (kernel/gdb/); see "Debugging"
## console | this terminal as the guest console of a running make debug
## test | every host suite and QEMU boot, TEST_JOBS at a time; T=WORDS runs only the matching ones; ends with "N passed, M failed"
## test-build | everything make test boots and its suites read, without running them (make test makes it itself, beside the host suites)
## bench | guest and host benchmarks: one table, also build/bench.json
## coverage | every boot of make test on the coverage kernel: kernel line coverage per file and function, build/coverage/index.html
## fuzz | 10,000 mutated definitions through the generator, then 1,000,000 fuzzed syscalls (FUZZ_SEED=S replays a run)
## fuzz-cov | the coverage-guided syscall fuzzer for DURATION seconds (default 600; SEED=S, BATCHES=N, FC_KERNEL=ELF); reproducers in tests/guest/repro/
## gen | run the generator: build/gen/ from abi/syscalls.def
## docs | rewrite docs/syscalls.md from abi/syscalls.def, and the manual pages
## man | manual pages for every syscall and amc message in build/man/ (man -l build/man/man2/write.2)
## abi-lock | record new entries and compatible changes in abi/abi.lock (NEW_LOCK=1 starts a lock for an unreleased ABI)
## abi-compat-freeze | freeze the user side of a new ABI release (RELEASE=vN) in tests/abi-compat/vN/, once; the abi-compat-vN boot runs it
## kernel | build/kernel/kernel.elf only
## iso | build/layercake.iso only
## conformance | the generated ABI conformance program, build/tests/conformance.elf
## libsys-test | build and run libsys's host tests
## compile_commands.json | the compile database for clangd and other editors, from the build's own commands
## format | clang-format every C file in place (.clang-format)
## format-check | list the C files clang-format would change; fails if there are any
## deps | check the tools, install the Debian packages that are missing (and fetch the Linux kernel below)
## linux-kernel | fetch Debian's 686 Linux kernel, the judge of abi/linux-i386.def, once per machine into LINUX_CACHE (~/.cache/layercake/linux-686), verified on every use
## clean | remove build/, except a Linux kernel cache inside it (LINUX_CACHE=build/linux-cache)
## distclean | remove build/ entirely
## help | this list
help:
	@sed -n 's/^## \([^|]*\) | \(.*\)$$/\1|\2/p' $(firstword $(MAKEFILE_LIST)) | \
	    awk -F'|' '{ printf "make %-22s %s\n", $$1, $$2 }'
	@echo 'V=1 prints the full commands; NO_DEPS=1 skips the deps step; CROSS= picks another cross toolchain prefix.'

# ---- Quiet output: one line per step (`CC kernel/proc.c`); V=1 prints the whole commands ------
ifeq ($(V),1)
Q :=
quiet :=
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
quiet := @
else
Q := @
quiet = @printf '  %-6s %s\n' '$(1)' '$(2)';
endif

# $(call compile_c,COMPILER AND FLAGS[,SOURCE]): compile SOURCE (default $<) into $@, saying
# `CC SOURCE`, and leave the command in $@.json for compile_commands.json. Every C compile rule
# of every fragment uses it.
comma := ,
compdb_entry = { "directory": "$(CURDIR)"$(comma) "file": "$(2)"$(comma) "output": "$@"$(comma) "command": "$(call json_escape,$(1))" }
json_escape = $(subst ",\",$(subst \,\\,$(1)))
sh_quote = '$(subst ','\'',$(1))'
define compile_c
$(call quiet,CC,$(or $(2),$<))$(strip $(1)) -c $(or $(2),$<) -o $@
@printf '%s\n' $(call sh_quote,$(call compdb_entry,$(strip $(1)) -c $(or $(2),$<) -o $@,$(or $(2),$<))) > $@.json
endef

# ---- The deps step: .ci/deps checks every tool and installs what is missing -------------------
# It is the rule of an included makefile, so make runs it before anything else; it is skipped
# for the goals below, for dry runs (make -n, -q, -t) and with NO_DEPS=1. DEPS_SCRIPT is for
# tests/build/suite.lua.
DEPS_SCRIPT ?= .ci/deps
DEPS_FREE_GOALS := clean distclean help deps format format-check
DRY_RUN := $(findstring n,$(firstword -$(MAKEFLAGS)))$(findstring q,$(firstword -$(MAKEFLAGS)))$(findstring t,$(firstword -$(MAKEFLAGS)))
ifeq ($(NO_DEPS)$(DRY_RUN),)
ifneq ($(filter-out $(DEPS_FREE_GOALS),$(or $(MAKECMDGOALS),all)),)
include $(BUILD)/deps.mk
endif
endif
$(BUILD)/deps.mk: FORCE
	@sh $(DEPS_SCRIPT) || { echo 'make: the deps step failed (see above); NO_DEPS=1 skips it' >&2; exit 1; }
	@mkdir -p $(@D) && { test -f $@ || echo '# written after $(DEPS_SCRIPT) succeeded; it runs before every build' > $@; }

deps:
	@sh $(DEPS_SCRIPT)

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
	$(Q)cp $(KERNEL_ELF) $(ISO_DIR)/boot/kernel.elf
	$(Q)cp $(BUILD)/grub.cfg $(ISO_DIR)/boot/grub/grub.cfg
	$(Q)$(if $(USER_PROGS),cp $(USER_PROGS) $(ISO_DIR)/boot/bin/)
	$(call quiet,ISO,$@)grub-mkrescue -o $@ $(ISO_DIR) 2> $(BUILD)/grub-mkrescue.log || { cat $(BUILD)/grub-mkrescue.log; exit 1; }

iso: $(ISO)

# ---- Running -----------------------------------------------------------------------------------
# -initrd wants "file args,file args"; each module's args are its name.
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

# clean keeps the Linux kernel package tests/linux downloaded (52 MB): it is an input, not a build
# product, and fetching it again costs more than every compile together.
clean:
	@if [ -d $(BUILD) ]; then find $(BUILD) -mindepth 1 -maxdepth 1 ! -name linux-cache -exec rm -rf {} +; fi

distclean:
	rm -rf $(BUILD)

# ---- Editor support ----------------------------------------------------------------------------
# compile_commands.json: the commands the build ran (each compile_c left one in OBJECT.json),
# one per source file that still exists; a file built twice (libsys, also for the host tests)
# keeps its target build's command. Building it builds everything it describes (not the Linux
# kernel that tests/linux downloads: nothing is compiled there).
compile_commands.json: $(KERNEL_ELF) $(USER_PROGS) $(filter-out $(LINUX_VMLINUZ),$(TEST_DEPS)) FORCE
	$(call quiet,GEN,$@){ echo '['; \
	  find $(BUILD) -name '*.o.json' | LC_ALL=C sort | sed 's|.*/host/.*|~&|' | LC_ALL=C sort | sed 's|^~||' | \
	  while read -r f; do \
	    src=$$(sed -n 's/.*"file": "\([^"]*\)".*/\1/p' "$$f"); \
	    if [ -f "$$src" ] && [ -f "$${f%.json}" ]; then printf '%s\t' "$$src"; cat "$$f"; fi; \
	  done | awk -F'\t' '!seen[$$1]++ { print $$2 }' | sed '$$!s/$$/,/'; echo ']'; } > $@.tmp && mv $@.tmp $@

# The C files clang-format keeps in shape: every hand-written one (generated code is in build/,
# the generator's golden files and test stubs are left as the generator writes them).
FORMAT_FILES ?= $(sort $(wildcard kernel/*.[ch] kernel/*/*.[ch] libsys/*.[ch] libsys/*/*.[ch] \
                  user/*.[ch] user/*/*.[ch] tests/*/*.[ch]))
CLANG_FORMAT ?= clang-format
format:
	@command -v $(CLANG_FORMAT) >/dev/null || { echo 'make format: $(CLANG_FORMAT) is missing (apt-get install clang-format)' >&2; exit 1; }
	$(Q)$(CLANG_FORMAT) -i $(FORMAT_FILES)

format-check:
	@command -v $(CLANG_FORMAT) >/dev/null || { echo 'make format-check: $(CLANG_FORMAT) is missing (apt-get install clang-format)' >&2; exit 1; }
	@bad=$$($(CLANG_FORMAT) --dry-run $(FORMAT_FILES) 2>&1 | sed -n 's/^\([^: ]*\):[0-9]*:[0-9]*: warning: .*/\1/p' | sort -u); \
	if [ -n "$$bad" ]; then echo "format-check: not formatted (make format fixes them):" $$bad >&2; exit 1; fi
