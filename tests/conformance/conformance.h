/*
 * layercake's side of the conformance contract (conf_cases.h): the generated cases of
 * abi/syscalls.def call libsys's wrappers.
 */
#ifndef LAYERCAKE_CONFORMANCE_H
#define LAYERCAKE_CONFORMANCE_H

#include "libsys.h"

#include "conf_cases.h"

#endif
