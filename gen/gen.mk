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

# The generator's environment: two glibc malloc tunables, added to any the caller set (kept as
# one word whatever it holds: unquoted, a blank in it made env run the rest as a command).
#   hugetlb=1: the heap on transparent huge pages (glibc 2.35 and later, THP "madvise" or
# "always"). The heap is the model, many small tables that every output walks again: with
# 4 KiB pages those walks miss the TLB, and under a VM each miss is a two-level page walk.
# 50,000 syscalls, every --out output, user+sys CPU s, interleaved runs (min / median): 4.50 /
# 4.73 -> 3.92 / 4.20; 51,000 page faults -> 3,200. (5,000 syscalls: 0.37 / 0.46 -> 0.35 / 0.38.)
#   tcache_count=65535: each minor collection frees tens of thousands of strings and tables of
# a few sizes, which the next render allocates again. With the default 7 cached chunks a size,
# the rest go through the bins and are consolidated before each large request; a cache that
# holds them all makes freeing and reuse a push and a pop. 50,000 syscalls: 11,780 -> 11,479 M
# instructions (callgrind; malloc_consolidate's 44 M gone), max RSS 164 -> 203 MB (freed chunks
# wait in their size's cache instead of merging). Below the collector's budget (gen/cli.lua:
# 5,000 syscalls and the real .def) nothing is freed and nothing changes.
# Anywhere else (no THP, another libc) the tunables are ignored.
GEN_ENV := env "GLIBC_TUNABLES=$${GLIBC_TUNABLES:+$$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1:glibc.malloc.tcache_count=65535"

# The list of generated files lives in gen/cli.lua (cli.OUTPUTS); make asks for it.
GEN_OUTPUTS := $(addprefix $(GEN)/,$(shell $(LUA) gen/main.lua --list-outputs))
GEN_HEADERS := $(filter %.h %.inc,$(GEN_OUTPUTS))
GEN_KERNEL_SRCS := $(filter $(GEN)/kernel/%.c,$(GEN_OUTPUTS))
GEN_LIBSYS_ASM := $(filter $(GEN)/libsys/%.asm,$(GEN_OUTPUTS))
GEN_LIBSYS_SRCS := $(filter $(GEN)/libsys/%.c,$(GEN_OUTPUTS))
GEN_CONFORMANCE := $(filter $(GEN)/conformance/%,$(GEN_OUTPUTS))
GEN_FUZZ_SRCS := $(filter $(GEN)/fuzz/%.c,$(GEN_OUTPUTS))

$(GEN_STAMP): $(GEN_DEF) $(GEN_LOCK) $(GEN_LUA_SRCS)
	$(call quiet,GEN,$(GEN)/ from $(GEN_DEF))$(GEN_ENV) $(LUA) gen/main.lua --def $(GEN_DEF) --out $(GEN) --lock $(GEN_LOCK)
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
