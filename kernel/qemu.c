/* QEMU's isa-debug-exit device. */
#include "qemu.h"

#include "cmdline.h"
#include "contracts.h"
#include "kcov.h"
#include "serial.h"
#include "x86.h"

#define DEBUG_EXIT_PORT 0xf4

void qemu_exit(int code)
{
    /* What the test kernels observed, for make test and make coverage (empty elsewhere). */
    contracts_report();
    kcov_dump();
    serial_flush(); /* queued output would be lost with the machine */
    outb(DEBUG_EXIT_PORT, (uint8_t)code);
}

void qemu_exit_if_requested(int code)
{
    if (cmdline_is("exit", "qemu"))
        qemu_exit(code);
}
