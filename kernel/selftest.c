/* Kernel self-tests for the QEMU test harness (tests/qemu/boots.lua). Each is selected with
 * test=NAME on the kernel command line and never runs otherwise:
 *   panic   a NULL write inside selftest_fault, reached through a chain of named functions, so
 *           the panic report's backtrace can be checked;
 *   kpanic  a software panic() from selftest_software_panic;
 *   hang    spins forever with interrupts on (the harness must report a timeout);
 *   ticks   prints PIT tick counts while time passes, proving the timer advances;
 *   input   reads one line from the serial port (IRQ4 path) and echoes it;
 *   cmdline prints what cmdline_get/cmdline_has see for a few keys;
 *   kstack  recurses on a guarded kernel stack until it overflows: the double-fault task must
 *           report it (with the recursion in the backtrace) instead of the CPU resetting;
 *   ubsan   a signed overflow: the test kernel's UBSan handler must panic naming this file's line;
 *   contract a write result of -ENOMEM through the test kernel's error-contract check, which must
 *           panic naming the syscall, the error and the call site. */
#include "selftest.h"

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "contracts.h"
#include "kprintf.h"
#include "kstack.h"
#include "panic.h"
#include "qemu.h"
#include "serial.h"
#include "timer.h"
#include "x86.h"

/* volatile, so the compiler cannot see the NULL and replace the store with a trap instruction. */
static volatile uintptr_t selftest_fault_address = 0;

/* The NULL write is the point: UBSan (the test kernel) must let the page fault report it. */
__attribute__((noinline, no_sanitize_undefined)) static void selftest_fault(void)
{
    kprintf("selftest panic: writing to address %p\n", (void *)selftest_fault_address);
    *(volatile uint32_t *)selftest_fault_address = 0xdead;
    kprintf("selftest panic: the write did not fault\n");
}

__attribute__((noinline)) static void selftest_chain_inner(void)
{
    selftest_fault();
}

__attribute__((noinline)) static void selftest_chain_outer(void)
{
    selftest_chain_inner();
}

__attribute__((noinline)) static void selftest_software_panic(void)
{
    panic("selftest: deliberate software panic (code %d)", 42);
}

static void selftest_hang(void)
{
    kprintf("selftest hang: spinning forever with interrupts on\n");
    sti();
    for (;;)
        hlt();
}

static void wait_ticks(uint32_t n)
{
    uint32_t start = timer_ticks();
    while (timer_ticks() - start < n)
        sti_hlt();
}

static void selftest_ticks(void)
{
    sti();
    for (int i = 0; i < 5; i++) {
        kprintf("ticks: %u\n", timer_ticks());
        wait_ticks(50);
    }
    kprintf("ticks: %u\n", timer_ticks());
    kprintf("selftest ticks: done (%d Hz)\n", TIMER_HZ);
    qemu_exit_if_requested(QEMU_EXIT_SUCCESS);
}

static void selftest_input(void)
{
    char line[128];
    size_t n = 0;
    kprintf("selftest input: waiting for a line\n");
    for (;;) {
        int c = serial_getc();
        if (c == '\n' || c == '\r')
            break;
        if (n < sizeof(line) - 1)
            line[n++] = (char)c;
    }
    line[n] = '\0';
    kprintf("selftest input: got '%s' (%u bytes dropped)\n", line,
            (uint32_t)serial_input_dropped());
    qemu_exit_if_requested(QEMU_EXIT_SUCCESS);
}

static void selftest_cmdline(void)
{
    static const char *const keys[] = {"marker", "args", "flag", "missing"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *value = cmdline_get(keys[i]);
        kprintf("cmdline %s: has=%d value=%s\n", keys[i], cmdline_has(keys[i]),
                value ? value : "(none)");
    }
    qemu_exit_if_requested(QEMU_EXIT_SUCCESS);
}

/* Each call takes a frame of about 300 bytes, so a stack of KSTACK_BYTES overflows after a few
 * dozen calls; the volatile array keeps the frame from being optimised away. */
static volatile uint32_t selftest_depth_limit = 0xFFFFFFFFu; /* never reached */

__attribute__((noinline)) static uint32_t selftest_recurse(uint32_t depth)
{
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    if (depth == selftest_depth_limit)
        return 0;
    return selftest_recurse(depth + 1) + frame[0];
}

static void selftest_kstack(void)
{
    uint8_t *stack = kstack_alloc();
    if (!stack)
        panic("selftest kstack: no stack");
    kprintf("selftest kstack: recursing on the stack at %p\n", (void *)stack);
    uint32_t top = (uint32_t)stack + KSTACK_BYTES;
    __asm__ volatile("mov %0, %%esp\n\t"
                     "push $0\n\t"
                     "call *%1"
                     :
                     : "r"(top), "r"(selftest_recurse)
                     : "memory");
    kprintf("selftest kstack: the recursion returned\n");
}

static volatile int32_t selftest_int_max = 2147483647;

static void selftest_ubsan(void)
{
    const int32_t sum = selftest_int_max + 1;
    kprintf("selftest ubsan: %d, and no report: not a UBSan kernel\n", (int)sum);
    qemu_exit_if_requested(QEMU_EXIT_SUCCESS);
}

static void selftest_contract(void)
{
#ifdef KERNEL_CONTRACTS
    struct trap_frame tf = {0};
    tf.eip = 0x5678; /* not a wrapper's code: the call site is unknown (0) */
    syscall_contract_check(&tf, SYS_write, (uint32_t)-ENOMEM);
    kprintf("selftest contract: -ENOMEM from write passed the check\n");
#else
    kprintf("selftest contract: not a test kernel\n");
#endif
    qemu_exit_if_requested(QEMU_EXIT_SUCCESS);
}

void selftest_run(void)
{
    const char *name = cmdline_get("test");
    if (!name)
        return;
    kprintf("selftest: %s\n", name);
    if (cmdline_is("test", "panic"))
        selftest_chain_outer();
    else if (cmdline_is("test", "kpanic"))
        selftest_software_panic();
    else if (cmdline_is("test", "hang"))
        selftest_hang();
    else if (cmdline_is("test", "ticks"))
        selftest_ticks();
    else if (cmdline_is("test", "input"))
        selftest_input();
    else if (cmdline_is("test", "cmdline"))
        selftest_cmdline();
    else if (cmdline_is("test", "kstack"))
        selftest_kstack();
    else if (cmdline_is("test", "ubsan"))
        selftest_ubsan();
    else if (cmdline_is("test", "contract"))
        selftest_contract();
    else
        panic("selftest: unknown test=%s (known: panic kpanic hang ticks input cmdline kstack "
              "ubsan contract)",
              name);
}
