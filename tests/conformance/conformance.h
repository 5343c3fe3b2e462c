/*
 * layercake's side of the conformance contract (conf_cases.h): the generated cases of
 * abi/syscalls.def name its errors (abi.h).
 */
#ifndef LAYERCAKE_CONFORMANCE_H
#define LAYERCAKE_CONFORMANCE_H

#include "abi.h"

#include "conf_cases.h"

#endif
