/* Global descriptor table: null, kernel code/data, user code/data (DPL 3), the TSS, and the
 * double-fault TSS. Segments are flat (base 0, limit 4 GiB); paging does all the protection.
 *
 * The double fault is the one exception that does not run on the current stack: its IDT entry is
 * a task gate (kernel/idt.c) to a TSS of its own with its own stack. A kernel stack overflow
 * faults on the guard page below the stack (kernel/kstack.c); the CPU cannot push the page
 * fault's frame on that same stack and raises a double fault, which the task switch can deliver.
 * The switch saves the interrupted registers in the main TSS, where the report finds them. */
#include "gdt.h"

#include "klib.h"
#include "kprintf.h"
#include "kstack.h"
#include "memlayout.h"
#include "panic.h"
#include "vmm.h"

struct gdt_entry {
    uint16_t limit_low, base_low;
    uint8_t base_mid, access, limit_high_flags, base_high;
} __attribute__((packed));

struct gdt_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* 32-bit TSS; only ss0/esp0 (the stack for traps from ring 3) and iomap_base are used. */
struct tss {
    uint32_t prev_task, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
} __attribute__((packed));

#define ACCESS_PRESENT 0x80
#define ACCESS_DPL3 0x60
#define ACCESS_CODE_DATA 0x10
#define ACCESS_EXEC 0x08
#define ACCESS_RW 0x02        /* readable code / writable data */
#define ACCESS_TSS_AVAIL 0x09 /* 32-bit available TSS */
#define FLAGS_4K_32BIT 0xC0   /* granularity 4 KiB, 32-bit default operand size */

#define KCODE (ACCESS_PRESENT | ACCESS_CODE_DATA | ACCESS_EXEC | ACCESS_RW)
#define KDATA (ACCESS_PRESENT | ACCESS_CODE_DATA | ACCESS_RW)

static struct gdt_entry gdt[7];
static struct tss tss, df_tss;
static uint8_t df_stack[4096] __attribute__((aligned(16)));

static void set_entry(int index, uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
    gdt[index] = (struct gdt_entry){
        .limit_low = limit & 0xFFFF,
        .base_low = base & 0xFFFF,
        .base_mid = (base >> 16) & 0xFF,
        .access = access,
        .limit_high_flags = (uint8_t)(((limit >> 16) & 0x0F) | flags),
        .base_high = (base >> 24) & 0xFF,
    };
}

/* Load the GDT, reload every segment register (cs needs a far jump), the task register, and a
 * null LDT: without it the LDTR keeps its reset value (base 0), and an LDT selector from ring 3
 * would make the CPU read a "descriptor" from linear address 0 upwards. */
static void load_gdt(void)
{
    struct gdt_pointer ptr = {sizeof(gdt) - 1, (uint32_t)gdt};
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp %1, $1f\n"
                     "1:\n\t"
                     "mov %2, %%ds\n\t"
                     "mov %2, %%es\n\t"
                     "mov %2, %%fs\n\t"
                     "mov %2, %%gs\n\t"
                     "mov %2, %%ss\n\t"
                     "ltr %w3\n\t"
                     "lldt %w4"
                     :
                     : "m"(ptr), "i"(SEG_KCODE), "r"(SEG_KDATA), "r"(SEG_TSS), "r"(0)
                     : "memory");
}

/* The double-fault task: reports what the interrupted context (saved in the main TSS by the
 * task switch) was doing. It never returns: nothing can resume after a double fault. */
static _Noreturn void double_fault_task(void)
{
    uint32_t cr2 = read_cr2();
    struct trap_frame tf = {
        .gs = tss.gs, .fs = tss.fs, .es = tss.es, .ds = tss.ds,
        .edi = tss.edi, .esi = tss.esi, .ebp = tss.ebp, .esp_pusha = tss.esp,
        .ebx = tss.ebx, .edx = tss.edx, .ecx = tss.ecx, .eax = tss.eax,
        .vector = 8, .error = 0, .eip = tss.eip, .cs = tss.cs, .eflags = tss.eflags,
    };
    char note[128];
    const char *why = 0;
    if (kstack_in_guard(cr2) || kstack_in_guard(tss.esp - 4)) {
        ksnprintf(note, sizeof note, "kernel stack overflow: esp=%p ran into the guard page at %p",
                  (void *)tss.esp, (void *)PAGE_ROUND_DOWN(kstack_in_guard(cr2) ? cr2 : tss.esp - 4));
        why = note;
    }
    panic_task_trap(&tf, tss.esp, tss.ss, why);
}

static void init_double_fault_tss(void)
{
    memset(&df_tss, 0, sizeof df_tss);
    df_tss.cr3 = V2P(vmm_kernel_pd());
    df_tss.eip = (uint32_t)double_fault_task;
    df_tss.eflags = 0x2; /* interrupts off */
    /* The CPU pushes an error code on the new stack; the task's function never returns. */
    df_tss.esp = df_tss.esp0 = (uint32_t)df_stack + sizeof df_stack - 16;
    df_tss.cs = SEG_KCODE;
    df_tss.ss = df_tss.ss0 = df_tss.ds = df_tss.es = df_tss.fs = df_tss.gs = SEG_KDATA;
    df_tss.iomap_base = sizeof df_tss;
    set_entry(6, (uint32_t)&df_tss, sizeof df_tss - 1, ACCESS_PRESENT | ACCESS_TSS_AVAIL, 0);
}

void gdt_init(void)
{
    set_entry(0, 0, 0, 0, 0);
    set_entry(1, 0, 0xFFFFF, KCODE, FLAGS_4K_32BIT);
    set_entry(2, 0, 0xFFFFF, KDATA, FLAGS_4K_32BIT);
    set_entry(3, 0, 0xFFFFF, KCODE | ACCESS_DPL3, FLAGS_4K_32BIT);
    set_entry(4, 0, 0xFFFFF, KDATA | ACCESS_DPL3, FLAGS_4K_32BIT);

    memset(&tss, 0, sizeof(tss));
    tss.ss0 = SEG_KDATA;
    tss.iomap_base = sizeof(tss); /* no I/O permission bitmap: user port access faults */
    set_entry(5, (uint32_t)&tss, sizeof(tss) - 1, ACCESS_PRESENT | ACCESS_TSS_AVAIL, 0);
    init_double_fault_tss();

    load_gdt();
}

void tss_set_kernel_stack(uint32_t esp0)
{
    tss.esp0 = esp0;
}
