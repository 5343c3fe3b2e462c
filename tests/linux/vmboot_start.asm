; The loader's entry (tests/linux/vmboot.c): a stack, then vmboot_main(magic, multiboot info).
bits 32
section .text
global _start
extern vmboot_main
_start:
    mov esp, stack_top
    push ebx
    push eax
    call vmboot_main
.hang:
    cli
    hlt
    jmp .hang

section .bss
align 16
    resb 16384
stack_top:
section .note.GNU-stack noalloc noexec nowrite progbits
