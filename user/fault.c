/*
 * fault: misbehave on purpose, to show that the kernel kills only the faulting process and
 * reports why. Each mode triggers one CPU exception from ring 3.
 */
#include <libsys.h>

static void null_write(void)
{
    /* volatile: the compiler must not see that the address is NULL and drop or trap it. */
    volatile uintptr_t addr = 0;
    *(volatile int *)addr = 42;
}

static void invalid_opcode(void)
{
    __asm__ volatile("ud2");
}

static void no_gate(void)
{
    /* No DPL-3 gate at vector 0x41: the CPU raises a general protection fault instead. */
    __asm__ volatile("int $0x41");
}

static void divide_by_zero(void)
{
    __asm__ volatile("xorl %%ecx, %%ecx\n\t"
                     "movl $1, %%eax\n\t"
                     "xorl %%edx, %%edx\n\t"
                     "divl %%ecx" ::
                         : "eax", "ecx", "edx");
}

static void breakpoint(void)
{
    __asm__ volatile("int3");
}

static void privileged(void)
{
    /* cli is privileged at IOPL 0; hlt follows in case the kernel ever grants IOPL 3. */
    __asm__ volatile("cli\n\thlt");
}

static void kernel_read(void)
{
    /* The kernel image: mapped, but supervisor-only. */
    volatile uintptr_t addr = 0xC0100000u;
    (void)*(volatile uint32_t *)addr;
}

static const struct {
    const char *name;
    const char *what;
    void (*trigger)(void);
} modes[] = {
    {"pf", "page fault: write to NULL", null_write},
    {"ud", "invalid opcode: ud2", invalid_opcode},
    {"gp", "general protection fault: int 0x41", no_gate},
    {"de", "divide error: divide by zero", divide_by_zero},
    {"int3", "breakpoint: int3", breakpoint},
    {"priv", "general protection fault: cli/hlt in ring 3", privileged},
    {"kread", "page fault: read kernel memory at 0xC0100000", kernel_read},
};

#define NMODES (sizeof(modes) / sizeof(modes[0]))

static void usage(void)
{
    dprintf(STDERR_FILENO, "usage: fault MODE\n");
    for (size_t i = 0; i < NMODES; i++)
        dprintf(STDERR_FILENO, "  %-6s %s\n", modes[i].name, modes[i].what);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        usage();
        return 2;
    }
    for (size_t i = 0; i < NMODES; i++) {
        if (strcmp(argv[1], modes[i].name) != 0)
            continue;
        printf("fault: %s\n", modes[i].what);
        modes[i].trigger();
        /* int3 may legitimately return if the kernel ever treats it as a debug trap. */
        dprintf(STDERR_FILENO, "fault: %s did not fault\n", modes[i].name);
        return 1;
    }
    dprintf(STDERR_FILENO, "fault: unknown mode '%s'\n", argv[1]);
    usage();
    return 2;
}
