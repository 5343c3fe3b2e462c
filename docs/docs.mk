# docs/docs.mk (included by the Makefile): the manual pages generated from abi/syscalls.def.
#
#   make man    build/man/man2/NAME.2 for every syscall, build/man/man3/SVC_send_MSG.3 for every
#               amc message (gen/out_man.lua); read one with `man -l build/man/man2/write.2`.
#   make docs   also builds them (besides rewriting docs/syscalls.md, in gen/gen.mk).

MAN_DIR := $(BUILD)/man
MAN_STAMP := $(MAN_DIR)/.stamp

.PHONY: man
man: $(MAN_STAMP)
docs: man

$(MAN_STAMP): $(GEN_DEF) $(GEN_LUA_SRCS)
	$(call quiet,GEN,$(MAN_DIR)/ from $(GEN_DEF))$(LUA) gen/main.lua --def $(GEN_DEF) --man $(MAN_DIR)
	@touch $@
