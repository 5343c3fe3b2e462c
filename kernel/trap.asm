; Interrupt entry stubs. Every vector builds the same struct trap_frame (kernel/trap.h):
; CPU pushes [user_ss user_esp] eflags cs eip [error]; the stub pushes a dummy error when the CPU
; does not, then the vector; trap_common pushes pusha and ds es fs gs, loads kernel data segments
; and calls the C handler with a pointer to the frame. trap_return undoes it and irets, so a new
; context (e.g. a first switch to user mode) can start by pointing esp at a prepared frame.

KERNEL_DS equ 0x10

extern trap_dispatch
extern syscall_entry

section .text

%macro TRAP_NOERR 1
trap_stub_%1:
    push dword 0
    push dword %1
    jmp trap_common
%endmacro

%macro TRAP_ERR 1
trap_stub_%1:
    push dword %1
    jmp trap_common
%endmacro

; CPU exceptions 0-31: the CPU pushes an error code for 8, 10-14, 17, 21, 29 and 30.
%assign v 0
%rep 32
  %if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
    TRAP_ERR v
  %else
    TRAP_NOERR v
  %endif
  %assign v v + 1
%endrep

; Hardware interrupts (PIC remapped to 0x20-0x2F).
%assign v 32
%rep 16
    TRAP_NOERR v
  %assign v v + 1
%endrep

; Push the segment registers and general registers, switch to kernel data segments.
%macro SAVE_CONTEXT 0
    pusha
    push ds
    push es
    push fs
    push gs
    mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    cld
%endmacro

trap_common:
    SAVE_CONTEXT
    push esp                        ; struct trap_frame *
    call trap_dispatch
    add esp, 4
global trap_return
trap_return:
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8                      ; vector and error
    iret

; int 0x80: same frame, but straight to syscall_entry (weak in trap.c, replaced by syscall.c).
global trap_stub_syscall
trap_stub_syscall:
    push dword 0
    push dword 0x80
    SAVE_CONTEXT
    push esp
    call syscall_entry
    add esp, 4
    jmp trap_return

section .rodata
; Entry points for vectors 0-47, used by idt.c to fill the IDT.
global trap_stubs
trap_stubs:
%assign v 0
%rep 48
    dd trap_stub_ %+ v
  %assign v v + 1
%endrep

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
