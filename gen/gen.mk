# gen/gen.mk: generate build/gen from abi/syscalls.def.
#
# One generator run writes every output, but rewrites a file only when its
# content changes. The stamp records the run; the outputs depend on the stamp
# through an empty recipe, so make re-reads their times after the run and
# rebuilds exactly the objects whose inputs really changed.

GEN_DEF := abi/syscalls.def
GEN_LOCK := abi/abi.lock
GEN_LUA_SRCS := $(wildcard gen/*.lua)
GEN_STAMP := $(GEN)/.stamp

GEN_HEADERS := $(GEN)/abi.h $(GEN)/kernel/syscall_handlers.h \
               $(GEN)/libsys/syscalls.h $(GEN)/libsys/amc_services.h
GEN_KERNEL_SRCS := $(GEN)/kernel/syscall_table.c $(GEN)/kernel/trace_table.c
GEN_LIBSYS_ASM := $(GEN)/libsys/syscalls.asm
GEN_LIBSYS_SRCS := $(GEN)/libsys/amc_services.c
GEN_CONFORMANCE := $(GEN)/conformance/conformance.c $(GEN)/conformance/regs.asm
GEN_FUZZ_SRCS := $(GEN)/fuzz/syscall_fuzzer.c
GEN_OUTPUTS := $(GEN_HEADERS) $(GEN_KERNEL_SRCS) $(GEN_LIBSYS_ASM) $(GEN_LIBSYS_SRCS) $(GEN_CONFORMANCE) \
               $(GEN_FUZZ_SRCS)

$(GEN_STAMP): $(GEN_DEF) $(GEN_LOCK) $(GEN_LUA_SRCS)
	$(call quiet,GEN,$(GEN)/ from $(GEN_DEF))$(LUA) gen/main.lua --def $(GEN_DEF) --out $(GEN) --lock $(GEN_LOCK)
	@touch $@

# A deleted output is brought back by a forced rerun.
$(GEN_OUTPUTS): $(GEN_STAMP)
	@test -f $@ || { rm -f $(GEN_STAMP) && $(MAKE) --no-print-directory $(GEN_STAMP); }

.PHONY: gen docs abi-lock
gen: $(GEN_STAMP)

# Rewrite the committed reference (tests/gen/run.lua fails when it is stale).
docs:
	$(LUA) gen/main.lua --def $(GEN_DEF) --lock $(GEN_LOCK) --docs docs/syscalls.md

# Record new syscalls, messages and structs in the committed lock.
abi-lock:
	$(LUA) gen/main.lua --def $(GEN_DEF) --lock $(GEN_LOCK) --update-lock
