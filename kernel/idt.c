/* Interrupt descriptor table. All gates are interrupt gates (interrupts off on entry) with
 * DPL 0, so user code cannot raise them with `int n`; the system call gate 0x80 alone has
 * DPL 3, and the double fault (vector 8) is a task gate. Unused vectors stay not-present: a stray
 * `int n` becomes a #GP that names it. */
#include "idt.h"

#include <stdint.h>

#include "gdt.h"
#include "trap.h"

struct idt_gate {
    uint16_t offset_low, selector;
    uint8_t zero, type_attr;
    uint16_t offset_high;
} __attribute__((packed));

struct idt_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

#define GATE_INT32 0x8E /* present, DPL 0, 32-bit interrupt gate */
#define GATE_TASK 0x85  /* present, DPL 0, task gate */
#define GATE_DPL3 0x60
#define NUM_STUBS 48 /* vectors 0-47 have stubs in trap.asm */

extern const uint32_t trap_stubs[NUM_STUBS];
extern void trap_stub_syscall(void);

static struct idt_gate idt[256];

static void set_gate(uint32_t vector, uint32_t handler, uint8_t type_attr)
{
    idt[vector] = (struct idt_gate){
        .offset_low = handler & 0xFFFF,
        .selector = type_attr == GATE_TASK ? SEG_DF_TSS : SEG_KCODE,
        .zero = 0,
        .type_attr = type_attr,
        .offset_high = handler >> 16,
    };
}

void idt_init(void)
{
    for (uint32_t v = 0; v < NUM_STUBS; v++)
        set_gate(v, trap_stubs[v], GATE_INT32);
    set_gate(T_SYSCALL, (uint32_t)trap_stub_syscall, GATE_INT32 | GATE_DPL3);
    /* A double fault switches to a task with its own stack (kernel/gdt.c): a handler on the
     * current stack would fault again when that stack is what went wrong. */
    set_gate(T_DOUBLE_FAULT, 0, GATE_TASK);

    struct idt_pointer ptr = {sizeof(idt) - 1, (uint32_t)idt};
    __asm__ volatile("lidt %0" : : "m"(ptr));
}
