/*
 * Fixed helpers of the generated amc layer (build/gen/libsys/amc_services.c, from
 * gen/out_amc_c.lua): what every send helper needs whatever the .def says. Implemented in
 * libsys/amc_runtime.c.
 */
#ifndef LIBSYS_AMC_RUNTIME_H
#define LIBSYS_AMC_RUNTIME_H

#include <stdint.h>

/* Stores C string s in a char[size] field, NUL-padded. Returns 0, or -1 when s does not fit
 * with its NUL (the field is then left partly written: the caller sends nothing). */
int amc_put_str(char *field, uint32_t size, const char *s);

#endif
