/*
 * The kernel's own UBSan runtime (the test kernel, build/ktest: -fsanitize=undefined, no
 * libubsan). GCC calls one __ubsan_handle_* function per kind of undefined behaviour it checks;
 * each of them names the source position GCC gives and ends the run through panic(), so the
 * report is a `PANIC: ubsan: FILE:LINE:COL: what` line with a backtrace, which fails the boot.
 *
 * The argument layouts are GCC's (the first field of every data block is the source position;
 * nonnull_return_v1 passes it second). This file is built without the instrumentation
 * (kernel/kernel.mk) so that the handlers cannot call themselves. In builds without UBSan
 * nothing calls them.
 */
#include <stdarg.h>
#include <stdint.h>

#include "kprintf.h"
#include "panic.h"

struct ubsan_loc {
    const char *file;
    uint32_t line, column;
};

struct ubsan_type {
    uint16_t kind, info;
    char name[];
};

/* Data blocks whose fields past the position the reports use. */
struct ubsan_mismatch {
    struct ubsan_loc loc;
    const struct ubsan_type *type;
    uint8_t log_alignment, check_kind;
};

struct ubsan_typed {
    struct ubsan_loc loc;
    const struct ubsan_type *type;
};

struct ubsan_shift {
    struct ubsan_loc loc;
    const struct ubsan_type *lhs_type, *rhs_type;
};

struct ubsan_bounds {
    struct ubsan_loc loc;
    const struct ubsan_type *array_type, *index_type;
};

__attribute__((noreturn, format(printf, 2, 3))) static void report(const struct ubsan_loc *loc,
                                                                   const char *fmt, ...)
{
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    panic("ubsan: %s:%u:%u: %s", loc->file, loc->line, loc->column, what);
}

void __ubsan_handle_type_mismatch_v1(const struct ubsan_mismatch *d, uintptr_t ptr)
{
    if (!ptr)
        report(&d->loc, "null pointer use (type %s)", d->type->name);
    if (ptr & ((1u << d->log_alignment) - 1))
        report(&d->loc, "misaligned address %p for type %s (alignment %u)", (void *)ptr,
               d->type->name, 1u << d->log_alignment);
    report(&d->loc, "address %p: no room for an object of type %s", (void *)ptr, d->type->name);
}

static void overflow(const struct ubsan_typed *d, const char *op, uintptr_t a, uintptr_t b)
{
    report(&d->loc, "%s integer overflow: %d %s %d (type %s)",
           d->type->info & 1 ? "signed" : "unsigned", (int)a, op, (int)b, d->type->name);
}

void __ubsan_handle_add_overflow(const struct ubsan_typed *d, uintptr_t a, uintptr_t b)
{
    overflow(d, "+", a, b);
}

void __ubsan_handle_sub_overflow(const struct ubsan_typed *d, uintptr_t a, uintptr_t b)
{
    overflow(d, "-", a, b);
}

void __ubsan_handle_mul_overflow(const struct ubsan_typed *d, uintptr_t a, uintptr_t b)
{
    overflow(d, "*", a, b);
}

void __ubsan_handle_negate_overflow(const struct ubsan_typed *d, uintptr_t a)
{
    report(&d->loc, "negation of %d overflows (type %s)", (int)a, d->type->name);
}

void __ubsan_handle_divrem_overflow(const struct ubsan_typed *d, uintptr_t a, uintptr_t b)
{
    report(&d->loc, "division overflow: %d / %d (type %s)", (int)a, (int)b, d->type->name);
}

void __ubsan_handle_shift_out_of_bounds(const struct ubsan_shift *d, uintptr_t a, uintptr_t b)
{
    report(&d->loc, "shift out of bounds: %d << or >> %d (type %s)", (int)a, (int)b,
           d->lhs_type->name);
}

void __ubsan_handle_out_of_bounds(const struct ubsan_bounds *d, uintptr_t index)
{
    report(&d->loc, "index %d out of bounds for type %s", (int)index, d->array_type->name);
}

void __ubsan_handle_load_invalid_value(const struct ubsan_typed *d, uintptr_t value)
{
    report(&d->loc, "load of value %u, invalid for type %s", (unsigned)value, d->type->name);
}

void __ubsan_handle_vla_bound_not_positive(const struct ubsan_typed *d, uintptr_t bound)
{
    report(&d->loc, "variable-length array bound %d is not positive", (int)bound);
}

void __ubsan_handle_pointer_overflow(const struct ubsan_loc *loc, uintptr_t base, uintptr_t result)
{
    report(loc, "pointer arithmetic overflows: %p -> %p", (void *)base, (void *)result);
}

void __ubsan_handle_builtin_unreachable(const struct ubsan_loc *loc)
{
    report(loc, "__builtin_unreachable() reached");
}

void __ubsan_handle_nonnull_arg(const struct ubsan_loc *loc)
{
    report(loc, "null passed as an argument declared nonnull");
}

void __ubsan_handle_nonnull_return_v1(const struct ubsan_loc *attr, const struct ubsan_loc *loc)
{
    (void)attr;
    report(loc, "null returned from a function declared returns_nonnull");
}

void __ubsan_handle_invalid_builtin(const struct ubsan_loc *loc)
{
    report(loc, "invalid argument to a builtin (ctz or clz of 0)");
}
