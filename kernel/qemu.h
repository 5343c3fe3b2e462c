/* QEMU's isa-debug-exit device (iobase 0xf4): lets the kernel end a test run with a status. */
#ifndef LAYERCAKE_QEMU_H
#define LAYERCAKE_QEMU_H

#define QEMU_EXIT_SUCCESS 0 /* QEMU exits with status 1 */
#define QEMU_EXIT_FAILURE 1 /* QEMU exits with status 3 */

/* Power off QEMU with status (code << 1) | 1. Returns only when the device is absent. */
void qemu_exit(int code);

/* qemu_exit(code) when the command line says exit=qemu; otherwise returns. */
void qemu_exit_if_requested(int code);

#endif
