/* Kernel entry (from kernel/boot.asm, paging on, running high, on the boot stack).
 * Init order matters: the console first so every later step can report (and panic) in
 * words, then the loader's info, then CPU tables, then devices. */
#include <stdint.h>

#include "cmdline.h"
#include "gdt.h"
#include "idt.h"
#include "kprintf.h"
#include "multiboot.h"
#include "pic.h"
#include "selftest.h"
#include "serial.h"
#include "timer.h"
#include "x86.h"

#ifndef LAYERCAKE_VERSION
#error "LAYERCAKE_VERSION must be defined by the build (kernel/kernel.mk)"
#endif

extern uint32_t boot_page_directory[1024];

/* The boot page directory maps [0, 512 MiB) at 0 too, only so that boot.asm survived enabling
 * paging. Unmap it: from now on NULL and low user addresses fault in the kernel. Entries
 * 768..1023 (the kernel half) never change. */
static void drop_identity_map(void)
{
    for (uint32_t i = 0; i < KERNEL_BASE >> 22; i++)
        boot_page_directory[i] = 0;
    write_cr3(V2P(boot_page_directory));
}

static void print_banner(void)
{
    kprintf("layercake %s\n", LAYERCAKE_VERSION);
    kprintf("memory: %u MiB\n", multiboot_usable_bytes() >> 20);
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

__attribute__((noreturn)) void kmain(uint32_t multiboot_magic, uint32_t multiboot_info_phys);

void kmain(uint32_t multiboot_magic, uint32_t multiboot_info_phys)
{
    serial_init();
    multiboot_init(multiboot_magic, multiboot_info_phys);
    cmdline_init(multiboot_cmdline());
    drop_identity_map();

    gdt_init();
    idt_init();
    pic_init();
    timer_init();
    serial_enable_input();
    print_banner();

    selftest_run();

    /* Next stages go here, in this order: physical memory, kernel heap, processes, system
     * calls, then start init (init=PROG, default sh). */

    kprintf("kernel: idle\n");
    for (;;)
        sti_hlt();
}
