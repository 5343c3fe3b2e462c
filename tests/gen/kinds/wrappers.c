/*
 * The generated user wrappers of tests/gen/kinds/v2.def, run as a static i386 Linux program
 * (under qemu-i386): the suite generates them with trap 0x81 and prefix t_, and the
 * trap, a #GP for Linux, arrives here as SIGSEGV, whose handler plays the kernel: it checks the
 * registers the wrapper loaded and sets the result registers, then steps over the `int 0x81`.
 * So a u64 argument's two words, a 64-bit result and the extra results' out-pointers are seen
 * exactly as the wrappers leave and take them.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#include "libsys/syscalls.h"

static unsigned long seen[8]; /* eax ebx ecx edx esi edi of the last trap */

static void trap(int sig, siginfo_t *si, void *ctx)
{
    (void)sig, (void)si;
    greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
    const unsigned char *eip = (const unsigned char *)r[REG_EIP];
    if (eip[0] != 0xCD || eip[1] != ABI_TRAP) {
        static const char msg[] = "not the ABI's trap\n";
        (void)!write(2, msg, sizeof msg - 1);
        _exit(3);
    }
    unsigned long regs[] = {r[REG_EAX], r[REG_EBX], r[REG_ECX], r[REG_EDX], r[REG_ESI], r[REG_EDI]};
    memcpy(seen, regs, sizeof regs);
    switch (r[REG_EAX]) {
    case SYS_pair_call:
        r[REG_EAX] = 3, r[REG_EDX] = (greg_t)0xA0A0A0A0u, r[REG_ECX] = -7;
        break;
    case SYS_clock64:
        r[REG_EAX] = (greg_t)0x9ABCDEF0u, r[REG_EDX] = 0x12345678;
        break;
    case SYS_seek: /* pos + 1 */
        r[REG_EAX] = r[REG_ECX] + 1,
        r[REG_EDX] = r[REG_EDX] + ((unsigned long)r[REG_ECX] == 0xFFFFFFFFu);
        break;
    default:
        r[REG_EAX] = -ENOSYS;
    }
    r[REG_EIP] += 2;
}

static int failures;
#define CHECK(name, cond)                                                                          \
    do {                                                                                           \
        if (cond)                                                                                  \
            printf("ok %s\n", name);                                                               \
        else {                                                                                     \
            printf("FAIL %s: %s (line %d)\n", name, #cond, __LINE__);                              \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, 0);
    uint32_t w0 = 0;
    handle_t w1 = 0;
    volatile uint32_t keep = 0x600DF00D; /* lives across the calls: the wrappers keep ebx/esi/edi */
    CHECK("kinds_wrapper_results",
          t_pair_call(9, OPT_A, LEVEL_ON, &w0, &w1) == 3 && w0 == 0xA0A0A0A0u && w1 == -7);
    CHECK("kinds_wrapper_args",
          seen[0] == SYS_pair_call && seen[1] == 9 && seen[2] == OPT_A && seen[3] == LEVEL_ON);
    CHECK("kinds_wrapper_results_null", t_pair_call(9, 0, 0, 0, 0) == 3);
    w0 = 1;
    CHECK("kinds_wrapper_one_result", t_pair_call(9, 0, 0, &w0, 0) == 3 && w0 == 0xA0A0A0A0u);
    CHECK("kinds_wrapper_u64_result", t_clock64() == 0x123456789ABCDEF0ull);
    CHECK("kinds_wrapper_i64_arg_and_result",
          t_seek(4, 0x0123456789ABCDEFll, SP_FIVE) == 0x0123456789ABCDF0ll && seen[1] == 4 &&
              seen[2] == 0x89ABCDEFu && seen[3] == 0x01234567u && seen[4] == SP_FIVE);
    CHECK("kinds_wrapper_i64_carry", t_seek(4, 0xFFFFFFFFll, SP_ONE) == 0x100000000ll);
    CHECK("kinds_wrapper_fails_only", t_execve("/x") == -ENOSYS);
    CHECK("kinds_wrapper_c_keyword",
          t_break_(1) == -ENOSYS && seen[0] == SYS_break && seen[1] == 1);
    CHECK("kinds_wrapper_callee_saved", keep == 0x600DF00D);
    return failures != 0;
}
