/* Kernel entry (from kernel/boot.asm, paging on, running high, on the boot stack).
 * Init order matters: the console first so every later step can report (and panic) in
 * words, then the loader's info, then CPU tables, then devices. */
#include <stdint.h>

#include "cmdline.h"
#include "console.h"
#include "faultinj.h"
#include "fpu.h"
#include "heap.h"
#include "klib.h"
#include "kstack.h"
#include "panic.h"
#include "pmm.h"
#include "proc.h"
#include "syscall_handlers.h"
#include "vmm.h"
#include "gdt.h"
#include "idt.h"
#include "kprintf.h"
#include "multiboot.h"
#include "pic.h"
#include "selftest.h"
#include "serial.h"
#include "timer.h"
#include "trace.h"
#include "x86.h"

#ifndef LAYERCAKE_VERSION
#error "LAYERCAKE_VERSION must be defined by the build (kernel/kernel.mk)"
#endif

static void print_banner(void)
{
    kprintf("layercake %s\n", LAYERCAKE_VERSION);
    kprintf("memory: %u MiB (%u frames free)\n", multiboot_usable_bytes() >> 20, pmm_free_count());
    kprintf("cmdline: %s\n", cmdline_raw());
    const char *loader = multiboot_loader_name();
    if (loader)
        kprintf("loader: %s\n", loader);
    for (uint32_t i = 0; i < multiboot_module_count(); i++) {
        const struct boot_module *m = multiboot_module(i);
        kprintf("module: %s (%u bytes at %p)\n", m->name, m->phys_end - m->phys_start,
                (void *)m->phys_start);
    }
}

/* CPU exceptions from ring 3 end the offending process; in the kernel they are bugs. */
static void fault_handler(struct trap_frame *tf)
{
    if (trap_from_user(tf))
        proc_fault(tf);
    panic_trap(tf);
}

/* The kernel never single-steps itself or sets breakpoints, so a debug trap in ring 0 is one a
 * program arranged: TF set with MOV SS / POP SS right before int 0x80 delays the single-step
 * trap onto the first instruction of the entry stub (on hardware; QEMU's TCG delivers it back in
 * ring 3). Dropping it is safe: the interrupted kernel code goes on, and the program's TF, still
 * set in its saved flags, traps again in ring 3, where it ends the program. */
static void debug_handler(struct trap_frame *tf)
{
    if (trap_from_user(tf))
        proc_fault(tf);
}

static void install_fault_handlers(void)
{
    for (uint32_t v = 0; v < NUM_EXCEPTIONS; v++)
        trap_set_handler(v, fault_handler);
    trap_set_handler(T_DEBUG, debug_handler);
}

static void scheduler_tick(void)
{
    sched_tick(timer_ticks());
}

/* init=PROG (default sh), args="..." and services=LIST become init's argv:
 * "init [-o] [-s LIST] PROG ARGS...". This is the one place that decides how a boot ends: under
 * exit=qemu init runs PROG once (-o) and exits with its status, which ends the system (QEMU's
 * exit status, kernel/proc.c); otherwise init restarts PROG and the services whenever they end,
 * so the system never halts because a program did. */
static void start_init(void)
{
    if (!multiboot_module_find("init")) {
        kprintf("kernel: no init module; idle\n");
        return;
    }
    const char *prog = cmdline_get("init");
    const char *args = cmdline_get("args");
    const char *services = cmdline_get("services"); /* daemons init starts first: "echod,kvd" */
    char argv[256];
    uint32_t len = 0;
    const char *words[5] = {cmdline_is("exit", "qemu") ? "-o" : "", services ? "-s" : "",
                            services ? services : "", prog ? prog : "sh", args ? args : ""};
    len += strlcpy(argv, "init", sizeof argv) + 1;
    for (int w = 0; w < 5; w++) {
        for (const char *p = words[w]; *p && len < sizeof argv - 1;) {
            while (*p == ' ')
                p++;
            while (*p && *p != ' ' && len < sizeof argv - 1)
                argv[len++] = *p++;
            if (len < sizeof argv && argv[len - 1] != '\0')
                argv[len++] = '\0';
        }
    }
    int32_t pid = proc_spawn("init", argv, len, 0);
    if (pid < 0)
        panic("cannot start init: error %d", pid);
}

__attribute__((noreturn)) void kmain(uint32_t multiboot_magic, uint32_t multiboot_info_phys);

void kmain(uint32_t multiboot_magic, uint32_t multiboot_info_phys)
{
    serial_init();
    multiboot_init(multiboot_magic, multiboot_info_phys);
    cmdline_init(multiboot_cmdline());
    faultinj_init();
    vmm_init(); /* drops the boot identity map: NULL and user addresses fault from here on */

    gdt_init();
    idt_init();
    pic_init();
    timer_init();
    serial_enable_input();
    pmm_init();
    heap_init();
    kstack_init();
    print_banner();

    selftest_run();

    proc_init();
    install_fault_handlers();
    fpu_init();
    timer_set_tick_hook(scheduler_tick);
    console_init();
    trace_init();
    kprintf("kernel: ready\n");
    start_init();
    sched_run();
}
