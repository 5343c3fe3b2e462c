# kernel/gdb/debug.mk (included by the Makefile): the debugging loop.
#
#   make debug     QEMU paused with a gdb stub, gdb attached with kernel/gdb/layercake.gdb, and
#                  the guest console next to it: a tmux pane when tmux is there (a split inside
#                  tmux, else a new session), else in another terminal with `make console`. The
#                  default services run (DEBUG_APPEND).
#   make console   attach this terminal to the guest console of a running `make debug`
#                  (Ctrl-] detaches; Ctrl-C goes to the guest).
#
# GDB_PORT (default 1234) is gdb's TCP port on 127.0.0.1; DEBUG_APPEND the kernel command line;
# DEBUG_TMUX=0 keeps tmux out of it; DEBUG_GDB_SCRIPT names a gdb command file run after
# layercake.gdb and DEBUG_GDB_FLAGS adds words to gdb's command line (-batch, for scripts). QEMU runs in its own session (setsid), so the Ctrl-C typed at gdb
# stops the guest instead of killing QEMU. The console is QEMU's serial port on the FIFOs
# $(DEBUG_CONSOLE).in and .out; QEMU's own messages go to $(BUILD)/debug-qemu.log.

GDB_PORT ?= 1234
DEBUG_APPEND ?= services=echod,kvd
DEBUG_TMUX ?= 1
DEBUG_GDB_FLAGS ?=
DEBUG_GDB_SCRIPT ?=
DEBUG_CONSOLE := $(BUILD)/debug-console

.PHONY: debug console
debug: $(KERNEL_ELF) $(USER_PROGS)
	@QEMU='$(QEMU)' QEMU_FLAGS='$(QEMU_FLAGS)' GDB='$(GDB)' GDB_PORT='$(GDB_PORT)' \
	 KERNEL_ELF='$(KERNEL_ELF)' INITRD='$(subst @, ,$(INITRD_ARG))' APPEND='$(DEBUG_APPEND)' \
	 CONSOLE='$(DEBUG_CONSOLE)' QEMU_LOG='$(BUILD)/debug-qemu.log' USE_TMUX='$(DEBUG_TMUX)' \
	 GDB_FLAGS='$(DEBUG_GDB_FLAGS)' GDB_SCRIPT='$(DEBUG_GDB_SCRIPT)' sh kernel/gdb/debug.sh

console:
	@sh kernel/gdb/console.sh $(DEBUG_CONSOLE)
