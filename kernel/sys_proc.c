/* Syscall handlers for processes, time and memory. The generated shims have validated every
 * pointer argument before these run (see build/gen/kernel/syscall_table.c). */
#include "multiboot.h"
#include "heap.h"
#include "memlayout.h"
#include "pmm.h"
#include "preempt.h"
#include "proc.h"
#include "klib.h"
#include "syscall_handlers.h"
#include "timer.h"
#include "amc.h"

int32_t sys_exit(int32_t status)
{
    proc_exit(status);
}

int32_t sys_getpid(void)
{
    return current_proc()->pid;
}

int32_t sys_getppid(void)
{
    return current_proc()->ppid;
}

int32_t sys_yield(void)
{
    sched_yield();
    return 0;
}

int32_t sys_sleep_ms(uint32_t ms)
{
    proc_sleep_ms(ms);
    return 0;
}

uint32_t sys_uptime_ms(void)
{
    return timer_ticks();
}

/* Moves the break by increment bytes, mapping or freeing whole pages; returns the old break.
 * A preemption point per page (kernel/preempt.h): a kill meanwhile undoes the growth. */
static uint32_t move_break(int32_t increment)
{
    struct proc *p = current_proc();
    uint32_t old = p->brk;
    uint32_t new_brk = old + (uint32_t)increment;
    if ((increment > 0 && (new_brk < old || new_brk > USER_HEAP_LIMIT)) ||
        (increment < 0 && (new_brk > old || new_brk < p->image_end)))
        return (uint32_t)(increment > 0 ? -ENOMEM : -EINVAL);
    /* A refused or shrinking sbrk also gives back the page tables it emptied: the frame count
     * returns to what it was before the heap grew. */
    for (uint32_t va = PAGE_ROUND_UP(old); va < new_brk; va += PAGE_SIZE) {
        if (long_point() || vmm_map_new(p->pd, va, PTE_U | PTE_W) < 0) {
            for (uint32_t undo = PAGE_ROUND_UP(old); undo < va; undo += PAGE_SIZE) {
                if ((undo & 0xFFFFu) == 0)
                    long_point();
                vmm_unmap_free(p->pd, undo);
            }
            vmm_free_empty_tables(p->pd, PAGE_ROUND_UP(old), va + PAGE_SIZE);
            return (uint32_t)-ENOMEM;
        }
    }
    for (uint32_t va = PAGE_ROUND_UP(new_brk); va < PAGE_ROUND_UP(old); va += PAGE_SIZE) {
        if ((va & 0xFFFFu) == 0)
            long_point();
        vmm_unmap_free(p->pd, va);
    }
    if (PAGE_ROUND_UP(new_brk) < PAGE_ROUND_UP(old))
        vmm_free_empty_tables(p->pd, PAGE_ROUND_UP(new_brk), PAGE_ROUND_UP(old));
    p->brk = new_brk;
    return old;
}

uint32_t sys_sbrk(int32_t increment)
{
    long_enter();
    uint32_t old = move_break(increment);
    long_leave();
    return old;
}

int32_t sys_spawn(const char *name, user_in_t argv, uint32_t argv_len)
{
    char *args = 0;
    if (argv_len) {
        args = kmalloc(argv_len);
        if (!args)
            return -ENOMEM;
        int err = copy_from_user(args, argv.addr, argv_len);
        if (err < 0) {
            kfree(args);
            return err;
        }
    }
    long_enter(); /* loading the image is long: kernel/elf.c has the preemption points */
    int32_t pid = proc_spawn(name, args, argv_len, current_proc()->pid);
    kfree(args);
    long_leave();
    return pid;
}

int32_t sys_waitpid(pid_t pid, struct wait_info *info, wait_flags_t flags)
{
    return proc_wait(pid, info, flags);
}

int32_t sys_fork(void)
{
    return proc_fork();
}

/* The permission model: a process acts on itself and its descendants only. Ancestry is
 * followed through the ppid links (an orphan's parent is init), so a process that lost its
 * parent is out of reach of its former grandparent. The walk is bounded by the table size,
 * which a ppid chain can never exceed. */
static int is_self_or_descendant(int32_t pid, int32_t ancestor)
{
    for (uint32_t steps = 0; steps < NPROC && pid > 0; steps++) {
        if (pid == ancestor)
            return 1;
        const struct proc *p = 0;
        for (uint32_t slot = 1; slot < NPROC && !p; slot++) {
            const struct proc *q = proc_slot(slot);
            if (q->state != PROC_FREE && q->pid == pid)
                p = q;
        }
        if (!p)
            return 0;
        pid = p->ppid;
    }
    return 0;
}

/* The live process (not a zombie) with pid, or NULL. */
static const struct proc *live_proc(pid_t pid)
{
    for (uint32_t slot = 1; slot < NPROC; slot++) {
        const struct proc *q = proc_slot(slot);
        if (q->state != PROC_FREE && q->state != PROC_ZOMBIE && q->pid == pid)
            return q;
    }
    return 0;
}

int32_t sys_kill(pid_t pid)
{
    const struct proc *self = current_proc();
    if (!live_proc(pid))
        return -ESRCH;
    if (!is_self_or_descendant(pid, self->pid))
        return -EPERM;
    for (uint32_t slot = 1; slot < NPROC; slot++) {
        const struct proc *q = proc_slot(slot);
        if (q->state != PROC_FREE && q->pid == pid && q != self && long_defer_kill(q))
            return 0; /* it ends at its next preemption point */
    }
    long_enter(); /* freeing the victim's memory is long (kernel/proc.c) */
    int32_t r = proc_kill(pid);
    long_leave();
    return r;
}

int32_t sys_proc_info(uint32_t slot, struct proc_info *info)
{
    const struct proc *p = proc_slot(slot);
    if (!p)
        return -EINVAL;
    if (p->state == PROC_FREE || (slot == 0))
        return -ESRCH;
    info->pid = p->pid;
    info->ppid = p->ppid;
    info->state = (uint32_t)p->state;
    strlcpy(info->name, p->name, sizeof info->name);
    return 0;
}

int32_t sys_kstat(struct kstat *info)
{
    info->frames_total = pmm_total_count();
    info->frames_free = pmm_free_count();
    info->heap_used = heap_used();
    info->procs = proc_live_count();
    amc_stats(&info->amc_queued, &info->amc_dropped);
    info->ticks = timer_ticks();
    return 0;
}

int32_t sys_module_name(uint32_t index, user_out_t buf, uint32_t cap)
{
    const struct boot_module *m = multiboot_module(index);
    if (!m)
        return -ESRCH;
    uint32_t len = (uint32_t)strlen(m->name);
    if (cap < len + 1)
        return -EINVAL;
    int err = copy_to_user(buf.addr, m->name, len + 1);
    return err < 0 ? err : (int32_t)len;
}

uint64_t sys_uptime_us(void)
{
    return timer_uptime_us();
}

int32_t sys_sleep_us(uint64_t us)
{
    uint64_t ms = us / 1000 + (us % 1000 != 0);
    if (ms > UINT32_MAX)
        return -EINVAL;
    proc_sleep_ms((uint32_t)ms);
    return 0;
}

/* *len: buf's capacity on entry (the shim has lowered it to the max and checked buf), the size
 * the whole name needs, NUL included, on return. As much of the name as fits is copied, always
 * NUL-terminated when there is room for a byte. */
int32_t sys_proc_name(pid_t pid, user_out_t buf, uint32_t *len)
{
    const struct proc *q = live_proc(pid);
    if (!q)
        return -ESRCH;
    char name[sizeof q->name];
    uint32_t n = (uint32_t)strlcpy(name, q->name, sizeof name);
    uint32_t cap = *len;
    if (cap > 0) {
        uint32_t copy = n + 1 <= cap ? n + 1 : cap;
        name[copy - 1] = '\0';
        if (copy_to_user(buf.addr, name, copy) < 0)
            return -EFAULT;
    }
    *len = n + 1;
    return (int32_t)n;
}
