/*
 * amc_call and amc_reply_wait with their extra results (edx, ecx: lang-v2.md), for the guest
 * tests and the benchmark while the generated wrappers return eax only. Same signatures as the
 * wrappers the v2 generator emits (one out-pointer per extra result, NULL allowed).
 */
#ifndef LAYERCAKE_AMC_RAW_H
#define LAYERCAKE_AMC_RAW_H

#include <libsys.h>

static inline int32_t raw_amc_call(int32_t h, uint32_t disc, uint32_t w0, uint32_t w1,
                                   uint32_t timeout_ms, uint32_t *r_w0, uint32_t *r_w1)
{
    int32_t ret;
    uint32_t o0, o1;
    __asm__ volatile(ABI_TRAP_ASM
                     : "=a"(ret), "=d"(o0), "=c"(o1)
                     : "a"(SYS_amc_call), "b"(h), "c"(disc), "d"(w0), "S"(w1), "D"(timeout_ms)
                     : "memory");
    if (r_w0)
        *r_w0 = o0;
    if (r_w1)
        *r_w1 = o1;
    return ret;
}

static inline int32_t raw_amc_reply_wait(uint32_t badge, void *buf, uint32_t len, uint32_t cap,
                                         uint32_t *r_badge, int32_t *r_pid)
{
    int32_t ret;
    uint32_t o0, o1;
    __asm__ volatile(ABI_TRAP_ASM
                     : "=a"(ret), "=d"(o0), "=c"(o1)
                     : "a"(SYS_amc_reply_wait), "b"(badge), "c"(buf), "d"(len), "S"(cap)
                     : "memory");
    if (r_badge)
        *r_badge = o0;
    if (r_pid)
        *r_pid = (int32_t)o1;
    return ret;
}

#endif
