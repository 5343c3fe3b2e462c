; int32_t syscall_raw(uint32_t nr, uint32_t a, uint32_t b, uint32_t c)
;
; Traps with any number and three arguments. Programs use the generated wrappers; this exists
; for tests that must issue numbers no wrapper has (unused, retired, out of range).
bits 32
section .text
global syscall_raw
syscall_raw:
    push ebx
    mov eax, [esp + 8]
    mov ebx, [esp + 12]
    mov ecx, [esp + 16]
    mov edx, [esp + 20]
    int 0x80
    pop ebx
    ret

section .note.GNU-stack noalloc noexec nowrite progbits
