; Kernel context switch.
;
; void swtch(uint32_t *save_esp, uint32_t new_esp)
; Saves the callee-saved registers of the current kernel thread on its stack, records the stack
; pointer in *save_esp, and resumes the thread whose stack pointer is new_esp. A new process's
; stack is prepared by proc_alloc so that this "returns" into the common iret path.
bits 32
section .text
global swtch
swtch:
    mov eax, [esp + 4]
    mov edx, [esp + 8]
    push ebp
    push ebx
    push esi
    push edi
    mov [eax], esp
    mov esp, edx
    pop edi
    pop esi
    pop ebx
    pop ebp
    ret

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
