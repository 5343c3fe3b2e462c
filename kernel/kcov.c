/*
 * Kernel coverage for coverage-guided tests (kernel/kcov.h).
 *
 * A recorded PC is the return address of a call to __sanitizer_cov_trace_pc: a 5-byte direct
 * call, so two call sites are at least 5 bytes apart and (pc - kernel_text_start) / 4 is a
 * distinct bit for each. Sets are bitmaps of those bits; a process's recording also keeps the
 * PCs in the order they were first reached, which is what kcov(KCOV_COLLECT) hands out.
 *
 * This file is never instrumented itself (kernel/kernel.mk): the hook must not call itself.
 * The hook runs in every context, interrupts and early boot included, so it touches nothing
 * but this file's static memory and the current process's pid.
 */
#include "kcov.h"
#include "kprintf.h"
#include "klib.h"
#include "proc.h"
#include "syscall_handlers.h"

#ifndef KERNEL_KCOV

int32_t sys_kcov(uint32_t op, user_out_t buf, uint32_t cap)
{
    (void)op, (void)buf, (void)cap;
    return -ENOSYS;
}

#else

#define KCOV_TEXT_MAX (512 * 1024) /* kernel text the bitmaps cover */
#define KCOV_BITS (KCOV_TEXT_MAX / 4)
#define KCOV_SLOTS 4 /* processes that may record at once */

_Static_assert(KCOV_BUF_MAX == KCOV_MAX_PCS * 4, "kcov: the buffer holds KCOV_MAX_PCS u32 PCs");

extern const char kernel_text_start[], kernel_text_end[];

struct kcov_slot {
    int used;
    int32_t pid;
    int in_syscall; /* the process is inside a syscall other than kcov itself */
    uint32_t n;     /* PCs in pcs[] */
    uint32_t pcs[KCOV_MAX_PCS];
    uint8_t seen[KCOV_BITS / 8]; /* the bits of pcs[] */
};

static uint8_t boot_seen[KCOV_BITS / 8]; /* every PC reached since boot, in any context */
static struct kcov_slot slots[KCOV_SLOTS];
static int slots_used; /* fast test in the hook: nobody records */

void __sanitizer_cov_trace_pc(void)
{
    const uint32_t pc = (uint32_t)__builtin_return_address(0);
    const uint32_t bit = (pc - (uint32_t)kernel_text_start) / 4;
    if (bit >= KCOV_BITS)
        return;
    const uint8_t mask = (uint8_t)(1u << (bit % 8));
    boot_seen[bit / 8] |= mask;
    if (!slots_used || !current)
        return;
    for (int i = 0; i < KCOV_SLOTS; i++) {
        struct kcov_slot *s = &slots[i];
        if (!s->used || !s->in_syscall || s->pid != current->pid || (s->seen[bit / 8] & mask))
            continue;
        if (s->n < KCOV_MAX_PCS) { /* a full recording drops the PC until the next collect */
            s->seen[bit / 8] |= mask;
            s->pcs[s->n++] = pc;
        }
    }
}

static struct kcov_slot *slot_of(int32_t pid)
{
    for (int i = 0; i < KCOV_SLOTS; i++)
        if (slots[i].used && slots[i].pid == pid)
            return &slots[i];
    return 0;
}

static int pid_alive(int32_t pid)
{
    for (uint32_t i = 1; i < NPROC; i++) {
        const struct proc *p = proc_slot(i);
        if (p->state != PROC_FREE && p->state != PROC_ZOMBIE && p->pid == pid)
            return 1;
    }
    return 0;
}

static void slot_free(struct kcov_slot *s)
{
    if (s->used)
        slots_used--;
    s->used = 0;
}

/* A slot for pid: its own (restarted), a free one, or one whose process has ended. */
static int32_t kcov_enable(int32_t pid)
{
    struct kcov_slot *s = slot_of(pid);
    for (int i = 0; !s && i < KCOV_SLOTS; i++)
        if (!slots[i].used || !pid_alive(slots[i].pid))
            s = &slots[i];
    if (!s)
        return -EBUSY;
    slot_free(s);
    memset(s->seen, 0, sizeof s->seen);
    s->n = 0;
    s->pid = pid;
    s->in_syscall = 0;
    s->used = 1;
    slots_used++;
    return 0;
}

/* Copies the first cap / 4 PCs out and forgets them; the rest move to the front. */
static int32_t kcov_collect(struct kcov_slot *s, user_out_t buf, uint32_t cap)
{
    const uint32_t k = s->n < cap / 4 ? s->n : cap / 4;
    if (copy_to_user(buf.addr, s->pcs, k * 4) < 0)
        return -EFAULT; /* not reached: the entry shim probed buf */
    for (uint32_t i = 0; i < k; i++) {
        const uint32_t bit = (s->pcs[i] - (uint32_t)kernel_text_start) / 4;
        s->seen[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
    }
    memmove(s->pcs, s->pcs + k, (s->n - k) * 4);
    s->n -= k;
    return (int32_t)k;
}

int32_t sys_kcov(uint32_t op, user_out_t buf, uint32_t cap)
{
    const int32_t pid = current_proc()->pid;
    struct kcov_slot *s = slot_of(pid);
    switch (op) {
    case KCOV_ENABLE:
        return kcov_enable(pid);
    case KCOV_COLLECT:
        return s ? kcov_collect(s, buf, cap) : -EINVAL;
    case KCOV_DISABLE:
        if (!s)
            return -EINVAL;
        slot_free(s);
        return 0;
    default:
        return -EINVAL;
    }
}

void kcov_syscall_enter(uint32_t nr)
{
    struct kcov_slot *s = slots_used ? slot_of(current_proc()->pid) : 0;
    if (s && nr != SYS_kcov)
        s->in_syscall = 1;
}

void kcov_syscall_leave(void)
{
    struct kcov_slot *s = slots_used ? slot_of(current_proc()->pid) : 0;
    if (s)
        s->in_syscall = 0;
}

/* `kcov: text START END`, the PCs 8 to a line, then `kcov: end N` (N PCs): the end line tells
 * make coverage that the list is whole. */
void kcov_dump(void)
{
    const uint32_t base = (uint32_t)kernel_text_start;
    uint32_t n = 0;
    char line[8 + 8 * 9 + 1];
    uint32_t len = 0;
    kprintf("kcov: text %x %x\n", base, (uint32_t)kernel_text_end);
    for (uint32_t bit = 0; bit < KCOV_BITS; bit++) {
        if (!(boot_seen[bit / 8] & (1u << (bit % 8))))
            continue;
        if (len == 0) {
            memcpy(line, "kcov:", 5);
            len = 5;
        }
        /* the bit's PC is the one call site in [base + 4 * bit, base + 4 * bit + 4) */
        const uint32_t lo = base + bit * 4;
        static const char hex[] = "0123456789abcdef";
        line[len++] = ' ';
        for (int sh = 28; sh >= 0; sh -= 4)
            line[len++] = hex[(lo >> sh) & 0xf];
        n++;
        if (n % 8 == 0) {
            line[len] = 0;
            kprintf("%s\n", line);
            len = 0;
        }
    }
    if (len) {
        line[len] = 0;
        kprintf("%s\n", line);
    }
    kprintf("kcov: end %u\n", n);
}

#endif
