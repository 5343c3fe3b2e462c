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

# The list of generated files lives in gen/cli.lua (cli.OUTPUTS); make asks for it.
GEN_OUTPUTS := $(addprefix $(GEN)/,$(shell $(LUA) gen/main.lua --list-outputs))
GEN_HEADERS := $(filter %.h %.inc,$(GEN_OUTPUTS))
GEN_KERNEL_SRCS := $(filter $(GEN)/kernel/%.c,$(GEN_OUTPUTS))
GEN_LIBSYS_ASM := $(filter $(GEN)/libsys/%.asm,$(GEN_OUTPUTS))
GEN_LIBSYS_SRCS := $(filter $(GEN)/libsys/%.c,$(GEN_OUTPUTS))
GEN_CONFORMANCE := $(filter $(GEN)/conformance/%,$(GEN_OUTPUTS))
GEN_FUZZ_SRCS := $(filter $(GEN)/fuzz/%.c,$(GEN_OUTPUTS))

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

# Record new entries and compatible changes in the committed lock (never an incompatible one).
# NEW_LOCK=1 starts a lock from nothing: only for an ABI of which nothing is released yet.
abi-lock:
	$(LUA) gen/main.lua --def $(GEN_DEF) --lock $(GEN_LOCK) --update-lock $(if $(NEW_LOCK),--new-lock)
