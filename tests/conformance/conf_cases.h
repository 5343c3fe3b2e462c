/*
 * The contract between the generated conformance cases (conformance/conformance.c and regs.asm,
 * written by gen/out_conformance.lua from an ABI definition) and the hand-written runtime of one
 * kernel, which runs every case in a child process and prints ok/FAIL lines: layercake's
 * (tests/conformance/runtime.c, with libsys) and Linux's (tests/linux/conf_runtime.c, with only
 * the generated Linux wrappers). Each side's conformance.h includes this file.
 *
 * The generated part is data: a row per syscall (its number and default arguments) and a row per
 * case (which argument is attacked, with what, and the answer it must get). conf_run.c, shared by
 * both runtimes, turns a case into register values and traps through regs.inc's conf_trap.
 */
#ifndef CONF_CASES_H
#define CONF_CASES_H

#include <stdint.h>

/* How a case is judged, from the child's exit status (conf_run's result). */
enum conf_expect {
    CONF_EQ,       /* the result is exactly want */
    CONF_ACCEPTED, /* the call got past the entry checks: neither want nor want2 (or it blocked) */
    CONF_REGS,     /* a register mask from conf_trap: 0 means every register came back intact */
    CONF_NORETURN, /* the trap never came back: the child ended by itself, without a fault */
    CONF_PARTIAL,  /* a byte buffer that starts mapped and ends unmapped: want (EFAULT), or on a
                      kernel that copies as it goes, a short count 0 <= result < want2 */
};

/* What the runtime passes to conf_run, made from the case's span. */
enum conf_arg {
    CONF_NULL,     /* 0 */
    CONF_KERNEL,   /* conf_kernel_addr */
    CONF_UNMAPPED, /* a user address with no page behind it */
    CONF_WRAP,     /* span bytes, half of them below 2^32 and half wrapped around to 0 */
    CONF_STRADDLE, /* span bytes, half on the last mapped page and half on the unmapped one */
    CONF_STRING,   /* a NUL-terminated string of span bytes (not containing '\0') */
    CONF_VALUE,    /* span itself */
};

/* The registers a syscall's arguments can take, in the CPU's order: bit r of a register set is
 * register r; bit r of a register-check mask too, then these: */
enum conf_reg { CONF_EBX, CONF_ECX, CONF_EDX, CONF_ESI, CONF_EDI, CONF_EBP, CONF_REG_COUNT };
#define CONF_MASK_ESP (1u << 6)
#define CONF_MASK_EFLAGS (1u << 7)
#define CONF_MASK_EAX (1u << 8)
#define CONF_NONE 0xFF /* no register */

/* conf_syscall.flags */
#define CONF_SC_NORETURN 0x1u      /* the trap does not come back when it succeeds */
#define CONF_SC_RETURNS_TWICE 0x2u /* a success returns in a new process too (fork) */
#define CONF_SC_NOSYS 0x4u         /* a number no syscall owns: eax must come back -ENOSYS */

/*
 * One syscall (or a number no syscall owns). A case's call takes these arguments, except the one
 * the case attacks: per register, conf_valid (a valid zeroed buffer), conf_str (the valid string
 * "/"), a pointer to a u32 holding values[r] (a value-result length), or values[r] itself. Its
 * register case traps instead with 0 in every argument register except conf_valid and conf_str,
 * and a distinct value in the others, so that a register the kernel changes shows.
 */
struct conf_syscall {
    uint32_t nr;
    uint32_t values[CONF_REG_COUNT];
    uint8_t args;   /* registers that carry an argument */
    uint8_t valid;  /* conf_valid */
    uint8_t str;    /* conf_str */
    uint8_t caps;   /* &capacity (in the register case: conf_valid when also in valid, else 0) */
    uint8_t flags;  /* CONF_SC_* */
    uint8_t ignore; /* registers a result comes back in: not compared */
    const int32_t *errors; /* every error the call may answer (-ENAME, 0-terminated): its errors
                              line and its entry checks'; NULL without an errors line */
};

struct conf_case {
    const char *name;
    uint32_t sc;    /* its syscall, in conf_syscalls */
    uint8_t expect; /* enum conf_expect */
    uint8_t arg;    /* enum conf_arg */
    uint8_t reg;    /* the register the runtime's argument goes in; CONF_NONE: the register case */
    uint8_t
        valid_too; /* a register that holds conf_valid in this case only (an optional buffer
                      whose length is the argument: NULL has no length to refuse), or CONF_NONE */
    uint32_t span;
    int32_t want;     /* CONF_EQ, CONF_PARTIAL: the result; CONF_ACCEPTED: a result that means
                         "refused";     a case of CONF_SC_NOSYS: -ENOSYS */
    int32_t want2;    /* CONF_ACCEPTED: another refused result; CONF_PARTIAL: the buffer's length */
    const char *what; /* what the case passes, for a failure's line (conf_what); NULL: the text
                         conf_what knows from the kind of the case */
    const char *resource; /* a lifecycle case: the resource type whose value conf_resource makes */
    uint8_t lifecycle;    /* ... and which (enum conf_lifecycle) */
};

/* The rows the generated conformance.c writes. A pointer argument's cases: NULL (null_expect:
 * CONF_EQ, or CONF_ACCEPTED for an optional one), a kernel address, an unmapped one, and with
 * CONF_POINTER5 a range that wraps and one that starts mapped and ends unmapped (mid_expect:
 * CONF_EQ, or CONF_PARTIAL for a byte buffer, which may move a short count). */
#define CONF_ROW(name, sc, expect, arg, reg, span, want, want2, what)                              \
    {                                                                                              \
        name, sc, expect, arg, reg, CONF_NONE, span, want, want2, what, 0, 0                       \
    }
#define CONF_POINTER3(sc, reg, span, efault, null_expect, null, kernel, unmapped)                  \
    CONF_ROW(null, sc, null_expect, CONF_NULL, reg, span, efault,                                  \
             (null_expect) == CONF_ACCEPTED ? (efault) : 0, 0),                                    \
        CONF_ROW(kernel, sc, CONF_EQ, CONF_KERNEL, reg, span, efault, 0, 0),                       \
        CONF_ROW(unmapped, sc, CONF_EQ, CONF_UNMAPPED, reg, span, efault, 0, 0)
#define CONF_POINTER5(sc, reg, span, efault, null_expect, mid_expect, null, kernel, unmapped,      \
                      wrap, partly_mapped)                                                         \
    CONF_POINTER3(sc, reg, span, efault, null_expect, null, kernel, unmapped),                     \
        CONF_ROW(wrap, sc, CONF_EQ, CONF_WRAP, reg, span, efault, 0, 0),                           \
        CONF_ROW(partly_mapped, sc, mid_expect, CONF_STRADDLE, reg, span, efault,                  \
                 (mid_expect) == CONF_PARTIAL ? (int32_t)(span) : 0, 0)
/* A register case: the syscall's register set, or a number no syscall owns (want -ENOSYS). */
#define CONF_REGS_ROW(name, sc, expect, want)                                                      \
    CONF_ROW(name, sc, expect, CONF_VALUE, CONF_NONE, 0, want, 0, 0)

/*
 * A value of the resource type named resource (a `resource` of the .def) for a lifecycle case,
 * made by the runtime in the case's child, which knows what the kernel's resources are:
 * CONF_REAPED, one whose process has ended and been reaped; CONF_FOREIGN, one that belongs to
 * another live process. A runtime that cannot make one says so and ends the child.
 */
enum conf_lifecycle { CONF_REAPED, CONF_FOREIGN };
uint32_t conf_resource(const char *resource, int which);

/* What a noreturn case's run returns if the trap came back after all. */
#define CONF_RETURNED 0x7E7E7E7E

/* Defined by the generated conformance.c. */
extern const struct conf_syscall conf_syscalls[];
extern const struct conf_case conf_cases[];
extern const int conf_case_count;
extern const uint32_t conf_kernel_addr;
const char *conf_error_name(int32_t result);

/* Defined by conf_run.c. */
extern const char *const conf_reg_names[]; /* mask bit i names conf_reg_names[i] */
extern const int conf_reg_count;
extern int32_t conf_result; /* a register case's eax, stored by conf_run */
/* Runs case c (in a child) with the runtime's argument; its result becomes the exit status. */
int32_t conf_run(const struct conf_case *c, uint32_t arg);
/* What the case passes, for its failure line. */
const char *conf_what(const struct conf_case *c);
/* The errors the case's call may answer (conf_syscall.errors). */
const int32_t *conf_errors(const struct conf_case *c);

/* Defined by regs.asm (regs.inc): a zeroed buffer larger than any ABI struct, the valid string
 * "/", and the trap: eax and the argument registers from conf_regs (nr, then conf_reg order),
 * a flag pattern set; returns the mask of what changed across the trap, *eax the result. */
extern uint8_t conf_valid[];
extern const char conf_str[];
extern uint32_t conf_regs[1 + CONF_REG_COUNT];
__attribute__((returns_twice)) uint32_t conf_trap(int32_t *eax); /* fork's trap returns twice */

/*
 * For a returns_twice syscall (fork): eax is the trap's result. In the second return (eax 0, a
 * new process) exit with the register mask; in the first, wait for that process and return
 * mask | its mask << 16 | CONF_SECOND_FAILED when it did not report.
 */
int32_t conf_second_return(uint32_t mask, int32_t eax);
#define CONF_SECOND_FAILED 0x40000000

#endif
