; crt0: the first user-mode code of every program.
;
; The kernel enters _start with esp pointing at argc, followed by argv[0..argc-1], a NULL
; pointer, and then the argument strings themselves. We hand argc and argv to main and pass
; main's result to exit, so returning from main ends the process like exit() does.
; argv[0] is also saved in progname (stdlib.h) for error messages.

bits 32

extern main
extern exit
extern progname

section .text
global _start
_start:
    xor ebp, ebp            ; end of the frame-pointer chain, for debuggers
    mov eax, [esp]          ; argc
    lea ecx, [esp + 4]      ; argv
    test eax, eax           ; remember argv[0] for messages, if there is one
    jz .call_main
    mov edx, [ecx]
    mov [progname], edx
.call_main:
    and esp, -16            ; the i386 System V ABI wants 16-byte alignment at each call
    sub esp, 8
    push ecx
    push eax
    call main
    add esp, 16             ; back to the aligned stack
    sub esp, 12
    push eax
    call exit               ; never returns
.hang:
    ud2                     ; exit came back: fault rather than run off the end
    jmp .hang

section .note.GNU-stack noalloc noexec nowrite progbits
