/*
 * The contract between the generated conformance cases (conformance/conformance.c and regs.asm,
 * written by gen/out_conformance.lua from an ABI definition) and the hand-written runtime of one
 * kernel, which runs every case in a child process and prints ok/FAIL lines: layercake's
 * (tests/conformance/runtime.c, with libsys) and Linux's (tests/linux/conf_runtime.c, with only
 * the generated Linux wrappers). Each side's conformance.h includes this file.
 */
#ifndef CONF_CASES_H
#define CONF_CASES_H

#include <stdint.h>

/* How a case is judged, from the child's exit status (the run function's result). */
enum conf_expect {
    CONF_EQ,       /* the result is exactly want */
    CONF_ACCEPTED, /* the call got past the entry checks: neither want nor want2 (or it blocked) */
    CONF_REGS,     /* a register mask from regs.asm: 0 means every register came back intact */
    CONF_NORETURN, /* the trap never came back: the child ended by itself, without a fault */
    CONF_PARTIAL,  /* a byte buffer that starts mapped and ends unmapped: want (EFAULT), or on a
                      kernel that copies as it goes, a short count 0 <= result < want2 */
};

/* What the runtime passes to a run function, made from the case's span. */
enum conf_arg {
    CONF_NULL,     /* 0 */
    CONF_KERNEL,   /* conf_kernel_addr */
    CONF_UNMAPPED, /* a user address with no page behind it */
    CONF_WRAP,     /* span bytes, half of them below 2^32 and half wrapped around to 0 */
    CONF_STRADDLE, /* span bytes, half on the last mapped page and half on the unmapped one */
    CONF_STRING,   /* a NUL-terminated string of span bytes (not containing '\0') */
    CONF_VALUE,    /* span itself */
};

struct conf_case {
    const char *name;
    int32_t (*run)(uint32_t arg); /* runs in a child; its result becomes the exit status */
    uint8_t expect;               /* enum conf_expect */
    uint8_t arg;                  /* enum conf_arg */
    uint32_t span;
    int32_t
        want; /* CONF_EQ, CONF_PARTIAL: the result; CONF_ACCEPTED: a result that means "refused" */
    int32_t want2; /* CONF_ACCEPTED: another refused result; CONF_PARTIAL: the buffer's length */
    const char *what;
    const int32_t *errors; /* every error the call may answer (-ENAME, 0-terminated): its errors
                              line and its entry checks'; NULL without an errors line */
};

/*
 * A value of the resource type named resource (a `resource` of the .def) for a lifecycle case,
 * made by the runtime in the case's child, which knows what the kernel's resources are:
 * CONF_REAPED, one whose process has ended and been reaped; CONF_FOREIGN, one that belongs to
 * another live process. A runtime that cannot make one says so and ends the child.
 */
enum conf_lifecycle { CONF_REAPED, CONF_FOREIGN };
uint32_t conf_resource(const char *resource, int which);

/* What a noreturn case's run function returns if the trap came back after all. */
#define CONF_RETURNED 0x7E7E7E7E

/* Defined by the generated conformance.c. */
extern const struct conf_case conf_cases[];
extern const int conf_case_count;
extern const char *const conf_reg_names[]; /* mask bit i names conf_reg_names[i] */
extern const int conf_reg_count;
extern const uint32_t conf_kernel_addr;
extern int32_t conf_result; /* a register case's eax, stored by its run function */
const char *conf_error_name(int32_t result);

/* Defined by regs.asm: a zeroed buffer larger than any ABI struct, and the valid string "/". */
extern uint8_t conf_valid[];
extern const char conf_str[];

/*
 * For a returns_twice syscall (fork): eax is the trap's result. In the second return (eax 0, a
 * new process) exit with the register mask; in the first, wait for that process and return
 * mask | its mask << 16 | CONF_SECOND_FAILED when it did not report.
 */
int32_t conf_second_return(uint32_t mask, int32_t eax);
#define CONF_SECOND_FAILED 0x40000000

#endif
