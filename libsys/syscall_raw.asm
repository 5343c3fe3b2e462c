; int32_t syscall_raw(uint32_t nr, uint32_t a, uint32_t b, uint32_t c)
;
; Traps with any number and three arguments. Programs use the generated wrappers; this exists
; for tests that must issue numbers no wrapper has (unused, retired, out of range). The vector
; and the argument registers come from abi/syscalls.def (build/gen/abi.inc); every callee-saved
; register is saved, whichever of them the ABI uses for arguments.
%include "abi.inc"

bits 32
section .text
global syscall_raw
syscall_raw:
    push ebx
    push esi
    push edi
    push ebp
    mov eax, [esp + 20]
    mov ABI_ARG1, [esp + 24]
    mov ABI_ARG2, [esp + 28]
    mov ABI_ARG3, [esp + 32]
    int ABI_TRAP
    pop ebp
    pop edi
    pop esi
    pop ebx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
