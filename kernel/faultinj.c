/* Fault injection (see faultinj.h). */
#include "faultinj.h"

#include "cmdline.h"
#include "kprintf.h"
#include "ksyms.h"
#include "proc.h"

static uint32_t fail_at, fail_every; /* 0: option not given */
static uint32_t counted;

static uint32_t parse_count(const char *key)
{
    const char *v = cmdline_get(key);
    uint32_t n = 0;
    for (; v && *v >= '0' && *v <= '9' && n < 100000000u; v++)
        n = n * 10 + (uint32_t)(*v - '0');
    if (v && *v)
        kprintf("faultinj: %s=%s is not a count; ignored\n", key, cmdline_get(key));
    return v && !*v ? n : 0;
}

void faultinj_init(void)
{
    fail_at = parse_count("failalloc");
    fail_every = parse_count("failevery");
    if (fail_at || fail_every)
        kprintf("faultinj: failing allocation %u, every %u (0: none)\n", fail_at, fail_every);
}

int faultinj_fail(const char *kind, uint32_t caller)
{
    if (!fail_at && !fail_every)
        return 0;
    const struct proc *p = current_proc();
    if (!p || p->pid <= 1)
        return 0;
    counted++;
    if (counted != fail_at && !(fail_every && counted % fail_every == 0))
        return 0;
    uint32_t offset;
    const char *name = ksyms_lookup(caller, &offset);
    kprintf("faultinj: allocation %u (%s) fails in %s+0x%x (pid %d)\n", counted, kind,
            name ? name : "??", offset, p->pid);
    return 1;
}
