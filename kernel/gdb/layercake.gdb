# gdb setup for layercake: `make debug` runs
#   gdb -ex 'target remote localhost:1234' -x kernel/gdb/layercake.gdb build/kernel/kernel.elf
# with QEMU paused at the first instruction. Type `continue` to run to kmain.
#
# Breakpoints are hardware breakpoints: QEMU starts with paging off, where a software
# breakpoint at a higher-half address (0xC01xxxxx) cannot be written into memory.

set confirm off
set pagination off
set disassembly-flavor intel

hbreak kmain

# `trapframe ADDR`: show a struct trap_frame (kernel/trap.h), e.g. `trapframe tf` in a handler.
define trapframe
    print/x *(struct trap_frame *)($arg0)
end
document trapframe
Print the struct trap_frame at the given address in hex.
end
