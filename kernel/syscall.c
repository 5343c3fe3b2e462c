/*
 * The slow path of int 0x80.
 *
 * The stub in kernel/trap.asm saves the user registers in a trap frame, loads kernel segments and
 * calls the syscall's entry straight from the generated syscall_entries table when its bound
 * instruction finds the number inside syscall_bounds. Everything else raises #BR there and comes
 * here, to the C dispatcher (kernel/syscall_shim.h): numbers outside the table (it answers
 * -ENOSYS) and, while syscalls are traced, every call. The bounds start empty, so the first
 * syscall comes here and opens the fast path unless tracing is on; trace=syscalls is read at
 * boot, before init makes its first call, and never changes.
 *
 * The stub calls through syscall_stub_entries, which the first syscall fills: the generated
 * entries, but for the amc fast paths (kernel/amc_call.c, their entries in kernel/trap.asm),
 * which stand in for amc_call, amc_call_buf and amc_reply_wait and fall back to the entries
 * they replace (amc_slow_NAME) for anything out of the ordinary.
 *
 * Test kernels (KERNEL_CONTRACTS) check every result against its error contract
 * (kernel/contracts.h). The test kernel (build/ktest) keeps the amc fast paths, so every guest
 * test runs them, but sends everything else, their fallbacks included, to the checked
 * dispatcher below (a fast path returns no errors; its continuations check theirs). The
 * coverage kernel (build/cov) never opens the fast path: kcov records a syscall from its start
 * to its end in one process (kernel/kcov.h), which a fast path's switch would split.
 *
 * The syscall's frame is the process's tf: a trap from ring 3 builds it at the top of the
 * process's kernel stack (the TSS's esp0), exactly where proc_alloc points tf.
 */
#include "contracts.h"
#include "fpu.h"
#include "kcov.h"
#include "kprintf.h"
#include "panic.h"
#include "syscall_handlers.h"

extern const uint32_t syscall_bound_insn; /* kernel/trap.asm: the stub's bound instruction */
extern void amc_regs_call(void);          /* kernel/amc_fast.c: the register round trip */
extern void amc_regs_reply(void);
extern void amc_fast_call_entry(void); /* kernel/trap.asm: the C fast paths */
extern void amc_fast_call_buf_entry(void);
extern void amc_fast_reply_wait_entry(void);

/* bound's operand: the lowest and the highest number the fast path serves (signed). */
int32_t syscall_bounds[2] = {0, -1};
/* What the stub calls, by number, once the fast path is open; and what the amc fast paths fall
 * back to (kernel/trap.asm). */
syscall_code_t syscall_stub_entries[SYS_TABLE_SIZE];
syscall_code_t amc_slow_call, amc_slow_call_buf, amc_slow_reply_wait;

/* trap.asm's fast entries find the trap frame above the stub's room and their return address. */
_Static_assert(sizeof(struct syscall_room) == 4 * ABI_MAX_ARGS, "the stub's room below the frame");

#ifdef KERNEL_CONTRACTS

/* Bit i of seen[nr]: syscall nr returned syscall_contracts[nr].errors[i]. */
static uint32_t seen[SYS_TABLE_SIZE];

static const char *error_name(uint32_t num)
{
    static const struct {
        uint32_t num;
        const char *name;
    } errors[] = {
#define ERROR_ENTRY(name, number, text) {number, #name},
        ABI_ERRORS(ERROR_ENTRY)
#undef ERROR_ENTRY
    };
    for (uint32_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].num == num)
            return errors[i].name;
    return "?";
}

/*
 * The user call site of a syscall: the return address of the libsys wrapper that trapped, whose
 * int 0x80 is followed by the pops of the registers it saved and a ret (build/gen/libsys/
 * syscalls.asm), so the address is that many words above the user esp. 0 when the code after
 * the trap is not such a wrapper's (a test's own int 0x80).
 */
static uint32_t user_call_site(const struct trap_frame *tf)
{
    uint8_t code[8];
    if (copy_from_user(code, tf->eip, sizeof code) < 0)
        return 0;
    uint32_t pops = 0;
    while (pops < sizeof code && code[pops] >= 0x58 && code[pops] <= 0x5f) /* pop r32 */
        pops++;
    uint32_t ret;
    if (pops == sizeof code || code[pops] != 0xc3 ||
        copy_from_user(&ret, tf->user_esp + 4 * pops, 4) < 0)
        return 0;
    return ret;
}

void syscall_contract_check(const struct trap_frame *tf, uint32_t nr, uint32_t ret)
{
    if (ret < (uint32_t)-ABI_ERRNO_MAX || nr >= SYS_TABLE_SIZE)
        return; /* not an error; or a number outside the table, which is -ENOSYS by construction */
    const uint32_t err = -ret;
    const struct syscall_contract *c = &syscall_contracts[nr];
    if (!syscall_table[nr].name) {
        if (err == ENOSYS)
            return;
    } else if (!c->checked) {
        return;
    } else {
        for (uint32_t i = 0; i < c->n; i++) {
            if (c->errors[i] == err) {
                if (i < 32)
                    seen[nr] |= 1u << i;
                return;
            }
        }
    }
    panic("contract: %s returned -%s (%d), not among its errors; user call site %p (eip %p)",
          syscall_table[nr].name ? syscall_table[nr].name : "(unused number)", error_name(err),
          (int)ret, (void *)user_call_site(tf), (void *)tf->eip);
}

void contracts_report(void)
{
    for (uint32_t nr = 0; nr < SYS_TABLE_SIZE; nr++) {
        const struct syscall_contract *c = &syscall_contracts[nr];
        if (!c->checked || c->declared == 0)
            continue;
        char line[256];
        int len = ksnprintf(line, sizeof line, "contracts: %s", syscall_table[nr].name);
        for (uint32_t i = 0; i < c->declared && len < (int)sizeof line; i++)
            len += ksnprintf(line + len, sizeof line - (uint32_t)len, " %c%s",
                             i < 32 && (seen[nr] >> i & 1) ? '+' : '-', error_name(c->errors[i]));
        kprintf("%s\n", line);
    }
}

/* Every call of a test kernel: dispatched, recorded for kcov, checked. */
static void syscall_dispatch_checked(struct trap_frame *tf)
{
    const uint32_t nr = tf->eax;
    kcov_syscall_enter(nr);
    syscall_dispatch(tf);
    kcov_syscall_leave();
    syscall_contract_check(tf, nr, tf->eax);
}

#endif

#ifndef KERNEL_KCOV
#ifdef KERNEL_CONTRACTS
/* The test kernel's entry for every number of the stub's table but the amc fast paths: f is the
 * stub's own frame (an entry's argument area), so the checked dispatcher serves it in place. */
static int32_t syscall_checked_entry(struct syscall_frame f)
{
    syscall_dispatch_checked(&f.tf);
    return (int32_t)f.tf.eax;
}
#define STUB_ENTRY(nr) ((syscall_code_t)syscall_checked_entry)
#else
#define STUB_ENTRY(nr) (syscall_entries[nr])
#endif

/* Fills the stub's table and opens the fast path (unless syscalls are traced). */
static void syscall_open_fast_path(void)
{
    for (uint32_t nr = 0; nr < SYS_TABLE_SIZE; nr++)
        syscall_stub_entries[nr] = STUB_ENTRY(nr);
    amc_slow_call = STUB_ENTRY(SYS_amc_call);
    amc_slow_call_buf = STUB_ENTRY(SYS_amc_call_buf);
    amc_slow_reply_wait = STUB_ENTRY(SYS_amc_reply_wait);
    /* The assembly register round trip switches the FPU eagerly only. */
    syscall_stub_entries[SYS_amc_call] = fpu_lazy ? amc_fast_call_entry : amc_regs_call;
    syscall_stub_entries[SYS_amc_call_buf] = amc_fast_call_buf_entry;
    syscall_stub_entries[SYS_amc_reply_wait] =
        fpu_lazy ? amc_fast_reply_wait_entry : amc_regs_reply;
    syscall_bounds[1] = syscall_trace_enabled ? -1 : SYS_TABLE_SIZE - 1;
}
#endif

int syscall_slow_path(struct trap_frame *tf)
{
    if (trap_from_user(tf) || tf->eip != syscall_bound_insn)
        return 0;
    /* From ring 0 the CPU pushed no esp: the stub's stack, the syscall's frame, starts where
     * user_esp would be. */
    struct trap_frame *frame = (struct trap_frame *)&tf->user_esp;
#ifndef KERNEL_KCOV
    if (syscall_bounds[1] < 0 && !syscall_trace_enabled)
        syscall_open_fast_path();
#endif
#ifdef KERNEL_CONTRACTS
    syscall_dispatch_checked(frame);
#else
    syscall_dispatch(frame);
#endif
    tf->eip = (uint32_t)trap_return; /* the #BR returns into the syscall's own way out */
    return 1;
}
