; Interrupt entry stubs. Every vector builds the same struct trap_frame (kernel/trap.h):
; CPU pushes [user_ss user_esp] eflags cs eip [error]; the stub pushes a dummy error when the CPU
; does not, then the vector; trap_common pushes pusha and ds es fs gs, loads kernel data segments
; and calls the C handler with a pointer to the frame. trap_return undoes it and irets, so a new
; context (e.g. a first switch to user mode) can start by pointing esp at a prepared frame.

%include "abi.inc"                  ; generated: ABI_TRAP, the `trap` of abi/syscalls.def

KERNEL_DS equ 0x10
T_SYSCALL equ ABI_TRAP
TF_EAX equ 44                       ; offsetof(struct trap_frame, eax)

extern trap_dispatch

extern syscall_stub_entries         ; kernel/syscall.c: the generated syscall_entries, amc's fast
extern syscall_bounds               ; ... paths in place of their syscalls' (kernel/syscall.c)
extern syscall_entry_room           ; kernel/syscall_shim.h

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
    jmp trap_return

; int ABI_TRAP, the syscall fast path. It builds the same trap frame as trap_common (fork copies it,
; the generated shims read the argument registers from it), reserves the stack room of
; kernel/syscall_desc.h below it and calls the syscall's entry from the generated table,
; syscall_entries[eax](frame): its shim, which takes the frame as its argument area, or for a
; syscall without arguments its handler. The number is checked with bound against
; syscall_bounds (kernel/syscall.c): a number outside [lower, upper] raises #BR, and the #BR
; handler serves the call on the slow path instead (syscall_slow_path in kernel/syscall.c):
; numbers outside the table, and every call while syscalls are traced (upper is then -1), so the
; fast path spends nothing on tracing. Two things trap_common does are left out, safely:
; - fs and gs are not reloaded: kernel C code never uses them, and the frame restores them.
; - there is no preemption check on the way out: the timer asks for a switch only when it
;   interrupts ring 3, and that interrupt's own return path switches at once (trap.c), so no
;   request can be pending when a syscall returns.
global trap_stub_syscall
trap_stub_syscall:
    push dword 0                    ; error
    push dword T_SYSCALL            ; vector
    pusha
    push ds
    push es
    push fs
    push gs
    mov ds, [ss:kernel_ds]          ; ss is the kernel's already, ds is whatever the user loaded
    mov es, [kernel_ds]
    cld
BOUND_OFFSET equ $ - trap_stub_syscall
    bound eax, [syscall_bounds]     ; #BR: the slow path
    sub esp, [syscall_entry_room]
    call [syscall_stub_entries + eax * 4]
    add esp, [syscall_entry_room]
    mov [esp + TF_EAX], eax         ; the result, for popa
    ; fall through to trap_return

global trap_return
trap_return:
    pop gs
    pop fs
    pop es
    pop ds
    popa
    add esp, 8                      ; vector and error
    iret

; The amc fast paths (kernel/amc_call.c, kernel/proc_switch.h), called by the stub above like
; the entries they replace, with the trap frame and the room below it. Each calls its C half,
; which serves the syscall by a direct switch and returns the saved context of the process to
; run next (a parked process's holds trap_return, or its continuation below; any other's is a
; swtch of kernel/proc.c), or 0: the syscall's own entry (AMC_SLOW_name, kernel/syscall.c) then
; runs on the untouched stack as if the stub had called it.
%macro AMC_FAST 1
extern amc_fast_%1
extern amc_slow_%1
global amc_fast_%1_entry
amc_fast_%1_entry:
    call amc_fast_%1
    test eax, eax
    jz .slow
    mov esp, eax
    ret                             ; into the next process
.slow:
    jmp [amc_slow_%1]
%endmacro
AMC_FAST call
AMC_FAST call_buf
AMC_FAST reply_wait

; Where a parked process resumes when the scheduler, not a fast path, switches to it: esp is at
; its trap frame; the C continuation finishes its syscall into the frame.
%macro AMC_RESUME 1
extern amc_%1_resumed
global amc_%1_resume
amc_%1_resume:
    call amc_%1_resumed
    jmp trap_return
%endmacro
AMC_RESUME call
AMC_RESUME serve

section .rodata
kernel_ds: dw KERNEL_DS
; Where the bound check is, for the #BR handler (an offset, not a label, so that debuggers still
; name the code around it trap_stub_syscall).
global syscall_bound_insn
syscall_bound_insn: dd trap_stub_syscall + BOUND_OFFSET
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
