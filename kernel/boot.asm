; Multiboot entry. GRUB and QEMU -kernel jump to _start (a physical address, paging off) with
; eax = Multiboot magic and ebx = physical address of the Multiboot info. We build nothing at
; run time: the boot page directory is static data that maps [0, 512 MiB) twice with 4 MiB pages,
; at 0 (so the next instruction still exists after paging is on) and at KERNEL_BASE. kmain later
; clears the identity half.
;
; Before paging, while its registers are reachable at their physical address, the local APIC is
; put in virtual-wire mode: every interrupt of this kernel comes from the 8259s (kernel/pic.c),
; whose INTR line reaches the CPU through the APIC's LINT0 pin. Out of reset LINT0 is masked;
; SeaBIOS happens to set it to ExtINT, a firmware that leaves it as reset left it (QEMU's qboot)
; would deliver no interrupt at all. The MultiProcessor Specification's virtual-wire set-up:
; the APIC software-enabled, LINT0 ExtINT, LINT1 NMI.

MB_MAGIC      equ 0x1BADB002
MB_PAGE_ALIGN equ 1 << 0            ; modules on page boundaries
MB_MEMINFO    equ 1 << 1            ; we want mem_lower/mem_upper and the memory map
MB_FLAGS      equ MB_PAGE_ALIGN | MB_MEMINFO

KERNEL_BASE   equ 0xC0000000
BOOT_MAP_MIB  equ 512
PDE_4M        equ 0x83              ; present | writable | 4 MiB page
CR4_PSE       equ 1 << 4
CR0_PG_WP     equ 0x80010000        ; paging | supervisor write-protect
BOOT_STACK    equ 16384

CPUID_APIC       equ 1 << 9         ; cpuid 1, edx: the CPU has a local APIC
MSR_APIC_BASE    equ 0x1B
APIC_BASE_ENABLE equ 1 << 11
APIC_BASE_MASK   equ 0xFFFFF000
APIC_SVR         equ 0xF0           ; spurious-interrupt vector register
APIC_SVR_ENABLE  equ 1 << 8
T_APIC_SPURIOUS  equ 0x2F           ; low nibble must be 1111: IRQ 15's vector, whose handler
                                    ; already ignores an interrupt the slave 8259 did not raise
APIC_LVT_LINT0   equ 0x350
APIC_LVT_LINT1   equ 0x360
APIC_DM_EXTINT   equ 0x700          ; the 8259 supplies the vector
APIC_DM_NMI      equ 0x400

section .multiboot progbits alloc noexec nowrite align=4
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)

section .boot progbits alloc exec nowrite align=16
global _start
_start:
    cli
    mov esi, eax                    ; cpuid and rdmsr below clobber the Multiboot registers
    mov edi, ebx
    mov eax, 1
    cpuid
    test edx, CPUID_APIC
    jz .pic_wired
    mov ecx, MSR_APIC_BASE
    rdmsr
    test eax, APIC_BASE_ENABLE
    jz .pic_wired                   ; globally off: INTR goes straight to the CPU
    and eax, APIC_BASE_MASK
    mov dword [eax + APIC_SVR], APIC_SVR_ENABLE | T_APIC_SPURIOUS
    mov dword [eax + APIC_LVT_LINT0], APIC_DM_EXTINT
    mov dword [eax + APIC_LVT_LINT1], APIC_DM_NMI
.pic_wired:
    mov eax, esi
    mov ebx, edi
    mov ecx, cr4
    or ecx, CR4_PSE
    mov cr4, ecx
    mov ecx, boot_page_directory - KERNEL_BASE
    mov cr3, ecx
    mov ecx, cr0
    or ecx, CR0_PG_WP
    mov cr0, ecx
    mov ecx, higher_half            ; absolute jump: from here on we run at KERNEL_BASE + x
    jmp ecx

extern kmain

section .text
higher_half:
    mov esp, boot_stack_top
    xor ebp, ebp                    ; ends the frame-pointer chain for backtraces
    push ebx                        ; Multiboot info (physical)
    push eax                        ; Multiboot magic
    call kmain
.halt:                              ; kmain never returns; stay put if it does
    cli
    hlt
    jmp .halt

section .data
align 4096
global boot_page_directory
boot_page_directory:
%assign i 0
%rep 1024
  %if i < BOOT_MAP_MIB / 4
    dd (i << 22) | PDE_4M
  %elif i >= KERNEL_BASE >> 22 && i < (KERNEL_BASE >> 22) + BOOT_MAP_MIB / 4
    dd ((i - (KERNEL_BASE >> 22)) << 22) | PDE_4M
  %else
    dd 0
  %endif
  %assign i i + 1
%endrep

section .bss
align 16
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
    resb BOOT_STACK
boot_stack_top:

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
