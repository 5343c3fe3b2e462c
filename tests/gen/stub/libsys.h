/* Test-only stand-in for libsys/include/libsys.h: the generated conformance cases of any
 * definition (not only abi/syscalls.def, whose structs the real libsys.h uses) need just the
 * ABI header and the generated wrappers. */
#ifndef LIBSYS_H
#define LIBSYS_H
#include "abi.h"
#include "syscalls.h"
#endif
