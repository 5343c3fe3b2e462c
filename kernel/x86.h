/* Small wrappers for x86 instructions the C code needs (port I/O, interrupts, control regs). */
#ifndef LAYERCAKE_X86_H
#define LAYERCAKE_X86_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

/* A write to an unused port takes ~1 us: gives old devices (PIC) time between commands. */
static inline void io_wait(void)
{
    outb(0x80, 0);
}

static inline void cli(void)
{
    __asm__ volatile("cli" ::: "memory");
}
static inline void sti(void)
{
    __asm__ volatile("sti" ::: "memory");
}
static inline void hlt(void)
{
    __asm__ volatile("hlt" ::: "memory");
}

/* Enable interrupts and halt in one step: sti takes effect after the next instruction, so an
 * interrupt that arrives in between still wakes the hlt. */
static inline void sti_hlt(void)
{
    __asm__ volatile("sti; hlt" ::: "memory");
}

static inline uint32_t read_eflags(void)
{
    uint32_t flags;
    __asm__ volatile("pushfl; popl %0" : "=r"(flags));
    return flags;
}

#define EFLAGS_IF 0x200u

/* Disable interrupts and return whether they were enabled, for irq_restore. */
static inline int irq_save(void)
{
    int enabled = (read_eflags() & EFLAGS_IF) != 0;
    cli();
    return enabled;
}

static inline void irq_restore(int enabled)
{
    if (enabled)
        sti();
}

static inline uint32_t read_cr0(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_cr2(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint32_t read_cr3(void)
{
    uint32_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

/* The kernel direct map: physical [0, 512 MiB) appears at KERNEL_BASE. */
#define KERNEL_BASE 0xC0000000u
#define DIRECT_MAP_SIZE 0x20000000u
#define P2V(pa) ((void *)((uint32_t)(pa) + KERNEL_BASE))
#define V2P(va) ((uint32_t)(va)-KERNEL_BASE)

#endif
