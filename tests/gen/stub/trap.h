/* Test-only stand-in for kernel/trap.h (the layout of docs/design.md). */
#ifndef TRAP_H
#define TRAP_H
#include <stdint.h>
struct trap_frame {
    uint32_t gs, fs, es, ds;
    uint32_t edi, esi, ebp, esp_pusha, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t eip, cs, eflags;
    uint32_t user_esp, user_ss;
};
#endif
