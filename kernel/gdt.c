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
struct tss kernel_tss;
static struct tss df_tss;
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
    const struct tss *t = &kernel_tss;
    uint32_t cr2 = read_cr2();
    struct trap_frame tf = {
        .gs = t->gs,
        .fs = t->fs,
        .es = t->es,
        .ds = t->ds,
        .edi = t->edi,
        .esi = t->esi,
        .ebp = t->ebp,
        .esp_pusha = t->esp,
        .ebx = t->ebx,
        .edx = t->edx,
        .ecx = t->ecx,
        .eax = t->eax,
        .vector = T_DOUBLE_FAULT,
        .eip = t->eip,
        .cs = t->cs,
        .eflags = t->eflags,
    };
    char note[128];
    const char *why = 0;
    uint32_t hit = kstack_in_guard(cr2) ? cr2 : t->esp - 4;
    if (kstack_in_guard(hit)) {
        ksnprintf(note, sizeof note, "kernel stack overflow: esp=%p ran into the guard page at %p",
                  (void *)t->esp, (void *)PAGE_ROUND_DOWN(hit));
        why = note;
    }
    panic_task_trap(&tf, t->esp, t->ss, why);
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

    memset(&kernel_tss, 0, sizeof(kernel_tss));
    kernel_tss.ss0 = SEG_KDATA;
    kernel_tss.iomap_base =
        sizeof(kernel_tss); /* no I/O permission bitmap: user port access faults */
    set_entry(5, (uint32_t)&kernel_tss, sizeof(kernel_tss) - 1, ACCESS_PRESENT | ACCESS_TSS_AVAIL,
              0);
    init_double_fault_tss();

    load_gdt();
}
