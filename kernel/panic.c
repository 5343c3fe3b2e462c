/* Panic reports. Everything here uses only the polled serial console (serial_sync) and reads
 * memory only after checking that it lies in the kernel's direct map or a mapped kernel stack,
 * so a report works from any state. */
#include "panic.h"

#include <stdarg.h>

#include "ksyms.h"
#include "kstack.h"
#include "kprintf.h"
#include "qemu.h"
#include "serial.h"
#include "x86.h"

#define BACKTRACE_MAX 32

static volatile int panicking;

static int is_kernel_stack_address(uint32_t addr)
{
    if (addr & 3)
        return 0;
    if (kstack_mapped(addr) && kstack_mapped(addr + 4))
        return 1;
    return addr >= KERNEL_BASE && addr - KERNEL_BASE <= DIRECT_MAP_SIZE - 8;
}

static void print_frame(int index, uint32_t addr, uint32_t lookup)
{
    uint32_t offset;
    const char *name = ksyms_lookup(lookup, &offset);
    if (name)
        kprintf("  #%-2d %p %s+0x%x\n", index, (void *)addr, name, offset + (addr - lookup));
    else
        kprintf("  #%-2d %p ??\n", index, (void *)addr);
}

void backtrace_print(uint32_t eip, uint32_t ebp)
{
    kprintf("backtrace:\n");
    int depth = 0;
    if (eip)
        print_frame(depth++, eip, eip);
    /* Frame layout with frame pointers: [ebp] = caller's ebp, [ebp + 4] = return address.
     * Frames live at increasing addresses; anything else means the chain is broken. */
    while (depth < BACKTRACE_MAX && is_kernel_stack_address(ebp)) {
        const uint32_t *frame = (const uint32_t *)ebp;
        uint32_t ret = frame[1];
        if (ret == 0)
            break;
        /* ret - 1 is inside the call instruction: the right function even after a noreturn call. */
        print_frame(depth++, ret, ret - 1);
        if (frame[0] <= ebp)
            break;
        ebp = frame[0];
    }
    if (depth == BACKTRACE_MAX)
        kprintf("  ... (deeper frames not shown)\n");
}

static void print_registers(const struct trap_frame *tf, uint32_t esp, uint32_t ss)
{
    kprintf("  eax=%p ebx=%p ecx=%p edx=%p\n", (void *)tf->eax, (void *)tf->ebx, (void *)tf->ecx,
            (void *)tf->edx);
    kprintf("  esi=%p edi=%p ebp=%p esp=%p\n", (void *)tf->esi, (void *)tf->edi, (void *)tf->ebp,
            (void *)esp);
    kprintf("  eip=%p eflags=%p cs=0x%04x ss=0x%04x\n", (void *)tf->eip, (void *)tf->eflags,
            tf->cs & 0xFFFF, ss & 0xFFFF);
    kprintf("  ds=0x%04x es=0x%04x fs=0x%04x gs=0x%04x\n", tf->ds & 0xFFFF, tf->es & 0xFFFF,
            tf->fs & 0xFFFF, tf->gs & 0xFFFF);
    kprintf("  cr0=%p cr3=%p\n", (void *)read_cr0(), (void *)read_cr3());
}

__attribute__((noreturn)) static void stop(void)
{
    kprintf("halted.\n");
    qemu_exit_if_requested(QEMU_EXIT_FAILURE);
    for (;;) {
        cli();
        hlt();
    }
}

/* A second panic while reporting the first (e.g. a fault in the report) just stops. */
static void enter_panic(void)
{
    cli();
    serial_sync(); /* no more interrupts: the report goes out by polling */
    if (panicking) {
        kprintf("\nPANIC: nested panic while reporting a panic\n");
        stop();
    }
    panicking = 1;
}

/* The report of a trap whose interrupted stack pointer is esp; note (if any) is one more line
 * saying what the trap means. */
static void report_trap(const struct trap_frame *tf, uint32_t esp, uint32_t ss, const char *note)
{
    kprintf("\nPANIC: %s (vector %u) error=0x%08x\n", trap_name(tf->vector), tf->vector, tf->error);
    if (note)
        kprintf("  %s\n", note);
    int user = trap_from_user(tf);
    kprintf("  in %s mode\n", user ? "user" : "kernel");
    print_registers(tf, esp, ss);
    if (tf->vector == T_PAGE_FAULT)
        kprintf("  cr2=%p (%s, %s, %s)\n", (void *)read_cr2(),
                tf->error & 1 ? "protection violation" : "page not present",
                tf->error & 2 ? "write" : "read", tf->error & 4 ? "user" : "kernel");
    if (user)
        kprintf("backtrace: not walked for user mode (eip %p)\n", (void *)tf->eip);
    else
        backtrace_print(tf->eip, tf->ebp);
}

void panic_trap(const struct trap_frame *tf)
{
    enter_panic();
    int user = trap_from_user(tf);
    /* From ring 0 the CPU pushes no esp/ss: the interrupted stack starts where user_esp would be.
     */
    uint32_t esp = user ? tf->user_esp : (uint32_t)&tf->user_esp;
    report_trap(tf, esp, user ? tf->user_ss : tf->ds, 0);
    stop();
}

void panic_task_trap(const struct trap_frame *tf, uint32_t esp, uint32_t ss, const char *note)
{
    enter_panic();
    report_trap(tf, esp, ss, note);
    stop();
}

/* The caller's registers as well as they can be known here (general registers are whatever
 * the compiler left in them). */
static void capture_registers(struct trap_frame *tf)
{
    __asm__ volatile("mov %%eax, %0\n\tmov %%ebx, %1\n\tmov %%ecx, %2\n\tmov %%edx, %3\n\t"
                     "mov %%esi, %4\n\tmov %%edi, %5"
                     : "=m"(tf->eax), "=m"(tf->ebx), "=m"(tf->ecx), "=m"(tf->edx), "=m"(tf->esi),
                       "=m"(tf->edi));
    uint16_t cs, ds, es, fs, gs;
    __asm__ volatile("mov %%cs, %0\n\tmov %%ds, %1\n\tmov %%es, %2\n\tmov %%fs, %3\n\tmov %%gs, %4"
                     : "=r"(cs), "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
    tf->cs = cs, tf->ds = ds, tf->es = es, tf->fs = fs, tf->gs = gs;
    tf->eflags = read_eflags();
}

void panic(const char *fmt, ...)
{
    enter_panic();
    struct trap_frame tf = {0};
    capture_registers(&tf);
    uint32_t *frame = __builtin_frame_address(0);
    tf.ebp = frame[0]; /* the caller's frame */
    tf.eip = (uint32_t)__builtin_return_address(0);

    kprintf("\nPANIC: ");
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n  in kernel mode (software panic)\n");
    print_registers(&tf, (uint32_t)(frame + 2), tf.ds);
    backtrace_print(0, (uint32_t)frame);
    stop();
}
