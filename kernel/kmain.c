/* Kernel entry (from kernel/boot.asm, paging on, running high, on the boot stack).
 * Init order matters: the console first so every later step can report (and panic) in
 * words, then the loader's info, then CPU tables, then devices. */
#include <stdint.h>

#include "cmdline.h"
#include "console.h"
#include "heap.h"
#include "klib.h"
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

static void install_fault_handlers(void)
{
    for (uint32_t v = 0; v < NUM_EXCEPTIONS; v++)
        trap_set_handler(v, fault_handler);
}

static void scheduler_tick(void)
{
    sched_tick(timer_ticks());
}

/* init=PROG (default sh), args="..." and services=LIST become init's argv:
 * "init [-s LIST] PROG ARGS...". */
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
    const char *words[4] = {services ? "-s" : "", services ? services : "", prog ? prog : "sh",
                            args ? args : ""};
    len += strlcpy(argv, "init", sizeof argv) + 1;
    for (int w = 0; w < 4; w++) {
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
    vmm_init(); /* drops the boot identity map: NULL and user addresses fault from here on */

    gdt_init();
    idt_init();
    pic_init();
    timer_init();
    serial_enable_input();
    pmm_init();
    heap_init();
    print_banner();

    selftest_run();

    proc_init();
    install_fault_handlers();
    timer_set_tick_hook(scheduler_tick);
    console_init();
    syscall_trace_enabled = cmdline_is("trace", "syscalls");
    kprintf("kernel: ready\n");
    start_init();
    sched_run();
}
