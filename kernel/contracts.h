/*
 * Error contracts (test kernels, -DKERNEL_CONTRACTS). The generated table
 * build/gen/kernel/contracts.c (gen/out_contracts.lua) lists, for every syscall whose result can
 * carry an error, the errors it may return: those its .def entry declares and those its entry
 * checks add. kernel/syscall.c checks every result against it and panics on any other error
 * (naming the syscall, the value and the user call site); it also counts which allowed errors
 * were seen and prints them when QEMU exits, for the list of never-observed errors that make
 * test prints (tests/lib/contracts.lua).
 */
#ifndef LAYERCAKE_CONTRACTS_H
#define LAYERCAKE_CONTRACTS_H

#include <stdint.h>

#include "abi.h"

struct syscall_contract {
    uint8_t checked;        /* 0: the result is not an error word (void, u32, ...) */
    uint8_t n;              /* entries in errors */
    uint8_t declared;       /* the first ones, which the .def names for this syscall; the others
                               (attrs relays_errors) are every other error of the .def */
    const uint16_t *errors; /* positive error numbers */
};

extern const struct syscall_contract syscall_contracts[SYS_TABLE_SIZE];

#ifdef KERNEL_CONTRACTS
struct trap_frame;
/* Panics unless ret, the result of syscall nr made from tf, is a success or an allowed error. */
void syscall_contract_check(const struct trap_frame *tf, uint32_t nr, uint32_t ret);
/* Prints `contracts: NAME ERROR...` for every syscall that returned an allowed error (qemu_exit).
 */
void contracts_report(void);
#else
static inline void contracts_report(void) {}
#endif

#endif
