; _start of the Linux i386 test program: no C library, so the entry point is ours. The kernel
; (or qemu-i386) starts it with argc at [esp] and argv just above; call test_main(argc, argv)
; with the stack 16-byte aligned, and end the process with its result.
bits 32
section .text
global _start
extern test_main
extern linux_exit_group

_start:
    xor ebp, ebp                    ; outermost frame
    mov eax, [esp]                  ; argc
    lea ecx, [esp + 4]              ; argv
    and esp, -16
    sub esp, 8
    push ecx
    push eax
    call test_main
    mov [esp], eax
    call linux_exit_group
    hlt                             ; not reached: exit_group does not return

section .note.GNU-stack noalloc noexec nowrite progbits
