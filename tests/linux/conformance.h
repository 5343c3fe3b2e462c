/*
 * Linux's side of the conformance contract (tests/conformance/conf_cases.h): the cases generated
 * from abi/linux-i386.def call the generated Linux wrappers (linux_*), nothing else.
 */
#ifndef LINUX_CONFORMANCE_H
#define LINUX_CONFORMANCE_H

#include "abi.h"
#include "syscalls.h"

#include "conf_cases.h"

#endif
