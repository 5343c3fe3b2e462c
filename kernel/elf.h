/* ELF32 program loader. Program images are untrusted input. */
#ifndef LAYERCAKE_ELF_H
#define LAYERCAKE_ELF_H

#include <stdint.h>

#include "vmm.h"

/* Validates image and maps its PT_LOAD segments into pd. On success stores the entry point and
 * the page-aligned end of the image (where the heap starts) and returns 0; otherwise prints why
 * (naming the program) and returns -ENOEXEC or -ENOMEM. The caller destroys pd on failure. */
int elf_load(pde_t *pd, const char *name, const uint8_t *image, uint32_t size, uint32_t *entry,
             uint32_t *image_end);

#endif
