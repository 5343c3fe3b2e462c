/* Preemption points for long syscalls (see preempt.h). State is kept per process-table slot;
 * a slot's state is clear whenever no process in it is inside a long section. */
#include "preempt.h"

static uint8_t depth[NPROC];
static uint8_t kill_pending[NPROC];

static uint32_t slot_of(const struct proc *p)
{
    return (uint32_t)(p - proc_slot(0));
}

void long_enter(void)
{
    depth[slot_of(current_proc())]++;
}

int long_point(void)
{
    __asm__ volatile("sti; nop; cli" ::: "memory"); /* sti takes effect one instruction late */
    sched_preempt_point();
    return kill_pending[slot_of(current_proc())];
}

void long_leave(void)
{
    struct proc *self = current_proc();
    uint32_t slot = slot_of(self);
    if (--depth[slot] == 0 && kill_pending[slot]) {
        kill_pending[slot] = 0;
        proc_kill(self->pid);
    }
}

int long_defer_kill(const struct proc *p)
{
    uint32_t slot = slot_of(p);
    if (!depth[slot])
        return 0;
    kill_pending[slot] = 1;
    return 1;
}

void long_reset(const struct proc *p)
{
    depth[slot_of(p)] = 0;
    kill_pending[slot_of(p)] = 0;
}
