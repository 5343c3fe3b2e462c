/*
 * The interpreter of the generated conformance cases (conf_cases.h), shared by layercake's and
 * Linux's runtimes: a case's row and its syscall's row become the values of eax and the argument
 * registers, and regs.inc's conf_trap makes the call (the same trap for every case, so a case
 * tests the kernel's entry and nothing of a wrapper). Runs in the case's child.
 */
#include "conf_cases.h"

/* The bits of conf_trap's mask: enum conf_reg, then conf_cases.h's CONF_MASK_*. */
const char *const conf_reg_names[] = {"ebx", "ecx", "edx",    "esi", "edi",
                                      "ebp", "esp", "eflags", "eax"};
const int conf_reg_count = sizeof conf_reg_names / sizeof conf_reg_names[0];

int32_t conf_result;

/* The u32s the value-result lengths of the call point to. */
static uint32_t capacity[CONF_REG_COUNT];

/* What a register that carries no argument holds: a value no argument would have (its own top
 * byte, 0x5A, the number's low half), so that a kernel that swaps registers shows too. */
static uint32_t distinct(uint32_t nr, int r)
{
    static const uint8_t top[CONF_REG_COUNT] = {0xEB, 0xEC, 0xED, 0x51, 0xD1, 0xBB};
    return (uint32_t)top[r] << 24 | 0x5A0000u | (nr & 0xFFFFu);
}

/* The default arguments of a case's call. */
static void set_call(const struct conf_syscall *s)
{
    for (int r = 0; r < CONF_REG_COUNT; r++) {
        const uint32_t bit = 1u << r;
        uint32_t v = s->values[r];
        if (!(s->args & bit)) {
            v = distinct(s->nr, r);
        } else if (s->caps & bit) {
            capacity[r] = s->values[r];
            v = (uint32_t)&capacity[r];
        } else if (s->valid & bit) {
            v = (uint32_t)conf_valid;
        } else if (s->str & bit) {
            v = (uint32_t)conf_str;
        }
        conf_regs[1 + r] = v;
    }
}

/* The arguments of the register case: no lengths, no optional buffers, nothing that blocks. */
static void set_regs(const struct conf_syscall *s)
{
    for (int r = 0; r < CONF_REG_COUNT; r++) {
        const uint32_t bit = 1u << r;
        uint32_t v = 0;
        if (!(s->args & bit))
            v = distinct(s->nr, r);
        else if (s->valid & bit)
            v = (uint32_t)conf_valid;
        else if (s->str & bit)
            v = (uint32_t)conf_str;
        conf_regs[1 + r] = v;
    }
}

static int32_t run_regs(const struct conf_case *c, const struct conf_syscall *s)
{
    int32_t eax;
    set_regs(s);
    uint32_t mask = conf_trap(&eax) & ~(uint32_t)s->ignore;
    if (s->flags & CONF_SC_RETURNS_TWICE) {
        conf_result = eax;
        return conf_second_return(mask, eax);
    }
    if (s->flags & CONF_SC_NORETURN)
        return CONF_RETURNED; /* the trap came back */
    conf_result = eax;
    if ((s->flags & CONF_SC_NOSYS) && eax != c->want)
        mask |= CONF_MASK_EAX;
    return (int32_t)mask;
}

int32_t conf_run(const struct conf_case *c, uint32_t arg)
{
    const struct conf_syscall *s = &conf_syscalls[c->sc];
    conf_regs[0] = s->nr;
    if (c->reg == CONF_NONE)
        return run_regs(c, s);
    if (c->resource)
        arg = conf_resource(c->resource, c->lifecycle); /* may fork: before the registers are set */
    set_call(s);
    if (c->valid_too != CONF_NONE)
        conf_regs[1 + c->valid_too] = (uint32_t)conf_valid;
    conf_regs[1 + c->reg] = arg;
    int32_t eax;
    conf_trap(&eax);
    return eax;
}

const char *conf_what(const struct conf_case *c)
{
    const struct conf_syscall *s = &conf_syscalls[c->sc];
    if (c->what)
        return c->what;
    if (c->reg == CONF_NONE) {
        if (s->flags & CONF_SC_NOSYS)
            return "ENOSYS and registers intact";
        if (s->flags & CONF_SC_RETURNS_TWICE)
            return "registers in both returns";
        if (s->flags & CONF_SC_NORETURN)
            return "registers up to the trap (noreturn)";
        return "registers across the trap";
    }
    switch (c->arg) {
    case CONF_NULL:
        return c->expect == CONF_ACCEPTED ? "NULL is allowed (optional)" : "NULL";
    case CONF_KERNEL:
        return "a kernel address";
    case CONF_UNMAPPED:
        return "an unmapped user address";
    case CONF_WRAP:
        return "a range wrapping past 0xFFFFFFFF";
    default:
        return "a range that starts mapped and ends unmapped";
    }
}

const int32_t *conf_errors(const struct conf_case *c)
{
    return conf_syscalls[c->sc].errors;
}
