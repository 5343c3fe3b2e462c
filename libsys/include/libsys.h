/*
 * libsys: the user-space runtime of layercake.
 *
 * One umbrella header: the generated syscall prototypes and ABI definitions plus the small C
 * library below (string, stdio, stdlib, ctype) and a few layercake-specific helpers.
 */
#ifndef LIBSYS_H
#define LIBSYS_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "syscalls.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Pack argv[0..argc-1] into buf as consecutive NUL-terminated strings, the format spawn()
 * takes. Returns the number of bytes used (pass it as spawn's argv_len), or -E2BIG when the
 * strings do not fit in cap bytes, or -EINVAL for a negative argc or a NULL entry.
 */
int argv_pack(char *buf, size_t cap, int argc, char **argv);

/*
 * Read one line from fd (in practice 0, the console) into buf, like POSIX getline: stores at
 * most cap - 1 bytes plus a NUL, including the '\n' when the whole line fit. Returns the number
 * of bytes stored, 0 at end of input, or a negative -E error from read. A line longer than
 * cap - 1 bytes is returned in pieces; only the last piece ends in '\n'. A "\r" or "\r\n" line
 * ending is returned as "\n".
 */
int readline(int fd, char *buf, size_t cap);

/* Name of CPU exception vector (0-31), e.g. "Page fault" (include/x86_exceptions.h, the names
 * the kernel's reports use too); "Unknown exception" for other vectors. */
const char *exception_name(uint32_t vector);

/*
 * Describe how a child ended, for messages: "exited with status 3",
 * "killed: Page fault (vector 14) at eip=0x00401000 cr2=0x00000000", "killed".
 * Writes a NUL-terminated string (truncated to cap) and returns what snprintf returns.
 */
int wait_describe(const struct wait_info *info, char *buf, size_t cap);

/* True if the child described by info did not end with exit(0). */
int wait_failed(const struct wait_info *info);

/* Traps with any syscall number (for tests of unused, retired and out-of-range numbers); programs
 * use the generated wrappers. Returns eax. */
int32_t syscall_raw(uint32_t nr, uint32_t a, uint32_t b, uint32_t c);

#endif
