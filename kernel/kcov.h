/*
 * Kernel coverage (coverage builds only, -DKERNEL_KCOV: build/cov). GCC's
 * -fsanitize-coverage=trace-pc makes every basic block of the instrumented files call
 * __sanitizer_cov_trace_pc (kernel/kcov.c), which records the call site twice: in the whole
 * boot's set, printed when QEMU exits (`make coverage` reads it), and in the set of the
 * process whose syscall is running, if that process asked for it with kcov(KCOV_ENABLE).
 * In every other build these hooks are empty and the kcov syscall answers -ENOSYS.
 */
#ifndef LAYERCAKE_KCOV_H
#define LAYERCAKE_KCOV_H

#include <stdint.h>

#ifdef KERNEL_KCOV
/* Around every syscall the slow path dispatches (kernel/syscall.c). */
void kcov_syscall_enter(uint32_t nr);
void kcov_syscall_leave(void);
/* Prints the whole boot's coverage as `kcov: ...` lines (from qemu_exit). */
void kcov_dump(void);
#else
static inline void kcov_syscall_enter(uint32_t nr)
{
    (void)nr;
}
static inline void kcov_syscall_leave(void) {}
static inline void kcov_dump(void) {}
#endif

#endif
