# gdb setup for layercake: `make debug` (kernel/gdb/debug.mk) runs
#   gdb -ex 'target remote localhost:PORT' -x kernel/gdb/layercake.gdb build/kernel/kernel.elf
# with QEMU paused at the first instruction. Type `continue` to run to kmain.
#
# Breakpoints are hardware breakpoints: QEMU starts with paging off, where a software
# breakpoint at a higher-half address (0xC01xxxxx) cannot be written into memory.
#
# Commands (kernel/gdb/layercake.py): `bt` goes through trap frames into user space;
# `trapframe [ADDR]`; `user-symbols PROG`; `user-break PROG FUNC|FILE:LINE`; `lc-ps`.

set confirm off
set pagination off
set disassembly-flavor intel
set breakpoint auto-hw on
# user-symbols declares a program's text read-only; the rest of memory stays accessible.
set mem inaccessible-by-default off

source kernel/gdb/layercake.py

hbreak kmain
