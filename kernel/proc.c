/*
 * Processes and scheduling.
 *
 * One CPU, and the kernel runs with interrupts off (every gate is an interrupt gate), so kernel
 * code is preempted only where it says so: a process leaves the CPU when it blocks, yields, ends,
 * is preempted by the timer on its way back to ring 3, or reaches a preemption point of a long
 * syscall (kernel/preempt.h). That makes every table update here atomic without locks. Slot 0 is
 * the idle task, which halts until an interrupt makes someone runnable.
 *
 * A sleeper the timer wakes runs next: the tick asks for a switch at once and the switch picks
 * it, so a sleep ends within a tick or two however many processes compete for the CPU.
 *
 * A process that ends becomes a zombie holding only its slot and kernel stack (it may still be
 * running on it); its parent's waitpid reaps both. Orphans are handed to init (pid 1).
 */
#include "proc.h"

#include <stddef.h>

#include "amc.h"
#include "multiboot.h"
#include "cmdline.h"
#include "elf.h"
#include "fpu.h"
#include "gdt.h"
#include "heap.h"
#include "kprintf.h"
#include "panic.h"
#include "memlayout.h"
#include "pmm.h"
#include "preempt.h"
#include "qemu.h"
#include "serial.h"
#include "klib.h"
#include "kstack.h"
#include "timer.h"

#define MAX_ARGS 64
#define INIT_PID 1

/*
 * Switches kernel stacks: pushes ebp and a resume address, records esp in *save_esp, and goes on
 * at the resume address found on the stack new_esp. A thread switched out here resumes at the
 * label, inside its own switch; a new process's stack holds trap_return (see proc_alloc). The
 * other callee-saved registers are declared clobbered, so the compiler saves only those it has
 * live around the switch. Inline in switch_to: every yield goes through it.
 *
 * Other processes run meanwhile and change the table, so a function that switches must look to
 * its callers like an unknown one: the five that contain a switch are noipa, or the compiler
 * would keep values of this file's variables (slots_used, say) in registers across calls of them.
 */
__attribute__((always_inline)) static inline void swtch(uint32_t *save_esp, uint32_t new_esp)
{
    __asm__ volatile("pushl %%ebp\n\t"
                     "pushl $1f\n\t"
                     "movl %%esp, (%0)\n\t"
                     "movl %1, %%esp\n\t"
                     "ret\n"
                     "1:\tpopl %%ebp"
                     : "+a"(save_esp), "+d"(new_esp) /* hold the other thread's values after it */
                     :
                     : "ebx", "ecx", "esi", "edi", "cc", "memory");
}

struct proc procs[NPROC];
struct proc *current;
/* Slots at and above this index have never been used: every scan of the table stops here, so
 * it costs what the processes that exist cost, not NPROC. */
static int slots_used = 1;
static int32_t next_pid = 1;
static int need_resched;
static struct proc *wake_first; /* woken by the timer: the next preemption switches to it */
struct proc *proc_woken;

uint32_t proc_live_count(void)
{
    uint32_t n = 0;
    for (int i = 1; i < slots_used; i++)
        n += procs[i].state != PROC_FREE;
    return n;
}

void proc_init(void)
{
    struct proc *idle = &procs[0];
    idle->pid = 0;
    idle->state = PROC_RUNNING;
    idle->pd = vmm_kernel_pd(); /* so that switching to it needs no test */
    strlcpy(idle->name, "idle", sizeof idle->name);
    current = idle;
}

static struct proc *find_pid(int32_t pid)
{
    for (int i = 1; i < slots_used; i++)
        if (procs[i].state != PROC_FREE && procs[i].pid == pid)
            return &procs[i];
    return 0;
}

static uint32_t kstack_top(const struct proc *p)
{
    return (uint32_t)p->kstack + KSTACK_SIZE;
}

/* A free slot with a kernel stack whose top holds a trap frame, ready to be filled; NULL with
 * *err = -EAGAIN when the table is full, -ENOMEM when there is no frame for the stack. */
static struct proc *proc_alloc(const char *name, int32_t ppid, int32_t *err)
{
    struct proc *p = 0;
    for (int i = 1; i < NPROC && !p; i++)
        if (procs[i].state == PROC_FREE)
            p = &procs[i];
    *err = -EAGAIN;
    if (!p)
        return 0;
    if (p - procs >= slots_used)
        slots_used = (int)(p - procs) + 1;
    uint8_t *kstack = kstack_alloc();
    *err = kstack ? 0 : -ENOMEM;
    if (!kstack)
        return 0;
    memset(p, 0, offsetof(struct proc, fpu)); /* the FPU image is written by spawn or fork */
    long_reset(p);
    p->kstack = kstack;
    p->pid = next_pid++;
    p->ppid = ppid;
    strlcpy(p->name, name, sizeof p->name);
    p->tf = (struct trap_frame *)(kstack_top(p) - sizeof(struct trap_frame));
    /* swtch resumes at the address on top of the stack: start the process at the iret path. */
    uint32_t *ctx = (uint32_t *)p->tf - 1;
    ctx[0] = (uint32_t)&trap_return;
    p->context = (uint32_t)ctx;
    p->slice_left = TIME_SLICE_TICKS;
    p->amc.next_badge = proc_index(p); /* a call's badge: this slot, a count above it */
    return p;
}

/* The ranges in which a process can have pages: image and heap, then the stack. clone and
 * destroy walk only these. */
#define USER_RANGES 2
static void user_ranges(const struct proc *p, struct vmm_range r[USER_RANGES])
{
    r[0] = (struct vmm_range){ABI_USER_LOW, PAGE_ROUND_UP(p->brk)};
    r[1] = (struct vmm_range){USER_STACK_BOTTOM, ABI_USER_HIGH};
}

static void proc_free_slot(struct proc *p)
{
    kstack_free(p->kstack);
    memset(p, 0, sizeof *p);
}

/* ---- address-space set-up for spawn ---- */

/* Maps the stack demand-zero and copies argv strings and the pointer array onto it (only the
 * pages they take get frames); returns the initial esp. */
static int build_user_stack(pde_t *pd, const char *argv, uint32_t argv_len, int argc, uint32_t *esp)
{
    uint32_t top = ABI_USER_HIGH;
    for (uint32_t va = USER_STACK_BOTTOM; va < top; va += PAGE_SIZE)
        if (vmm_map_zero(pd, va, PTE_U | PTE_W) < 0)
            return -ENOMEM;
    uint32_t strings = (top - argv_len) & ~3u;
    uint32_t ptrs[MAX_ARGS + 2];
    ptrs[0] = (uint32_t)argc;
    uint32_t off = 0;
    for (int i = 0; i < argc; i++) {
        ptrs[1 + i] = strings + off;
        off += (uint32_t)strlen(argv + off) + 1;
    }
    ptrs[1 + argc] = 0;
    uint32_t frame_bytes = (uint32_t)(argc + 2) * 4;
    uint32_t sp = (strings - frame_bytes) & ~15u;
    if (vmm_write(pd, strings, argv, argv_len) < 0 || vmm_write(pd, sp, ptrs, frame_bytes) < 0)
        return -ENOMEM;
    *esp = sp;
    return 0;
}

/* Counts the strings in a packed argv; -EINVAL unless it is NUL-terminated strings. */
static int count_args(const char *argv, uint32_t len)
{
    if (len == 0 || argv[len - 1] != '\0')
        return -EINVAL;
    int argc = 0;
    for (uint32_t i = 0; i < len; i++)
        argc += argv[i] == '\0';
    return argc > MAX_ARGS ? -E2BIG : argc;
}

static void init_user_frame(struct trap_frame *tf, uint32_t entry, uint32_t esp)
{
    memset(tf, 0, sizeof *tf);
    tf->ds = tf->es = tf->fs = tf->gs = tf->user_ss = SEG_UDATA;
    tf->cs = SEG_UCODE;
    tf->eip = entry;
    tf->user_esp = esp;
    tf->eflags = 0x202; /* IF set, so the timer can preempt the process */
}

int32_t proc_spawn(const char *name, const char *argv, uint32_t argv_len, int32_t parent)
{
    const struct boot_module *mod = multiboot_module_find(name);
    if (!mod)
        return -ENOENT;
    char default_argv[40];
    if (argv_len == 0) {
        argv_len = (uint32_t)strlen(name) + 1;
        memcpy(default_argv, name, argv_len);
        argv = default_argv;
    }
    int argc = count_args(argv, argv_len);
    if (argc < 0)
        return argc;

    pde_t *pd = vmm_create();
    if (!pd)
        return -ENOMEM;
    uint32_t entry = 0, image_end = 0, esp = 0;
    int err = elf_load(pd, mod->name, P2V(mod->phys_start), mod->phys_end - mod->phys_start, &entry,
                       &image_end);
    if (err == 0)
        err = build_user_stack(pd, argv, argv_len, argc, &esp);
    struct proc *p = err == 0 ? proc_alloc(mod->name, parent, &err) : 0;
    if (err < 0) {
        /* The image's extent is not known when loading failed: walk everything it may use. */
        struct vmm_range all[] = {{ABI_USER_LOW, USER_HEAP_LIMIT},
                                  {USER_STACK_BOTTOM, ABI_USER_HIGH}};
        vmm_destroy(pd, all, 2);
        return err;
    }
    p->pd = pd;
    p->cr3 = V2P(pd);
    p->image_end = p->brk = image_end;
    fpu_start(p);
    init_user_frame(p->tf, entry, esp);
    p->state = PROC_RUNNABLE;
    return p->pid;
}

/*
 * The page at the user's esp is written by both processes as soon as fork returns, so it is
 * copied now rather than on two faults: the child gets the copy (promised by the clone, so this
 * cannot fail), the parent keeps its frame. An esp outside the stack just finds nothing to do.
 */
static void unshare_stack_page(struct proc *child)
{
    uint32_t esp = current->tf->user_esp;
    if (vmm_fault(child->pd, esp, 1) == 0)
        vmm_fault(current->pd, esp, 1);
}

int32_t proc_fork(void)
{
    int32_t err;
    struct proc *child = proc_alloc(current->name, current->pid, &err);
    if (!child)
        return err;
    struct vmm_range ranges[USER_RANGES];
    user_ranges(current, ranges);
    child->pd = vmm_clone(current->pd, ranges, USER_RANGES);
    if (!child->pd) {
        proc_free_slot(child);
        return -ENOMEM;
    }
    child->cr3 = V2P(child->pd);
    unshare_stack_page(child);
    fpu_fork(child);
    child->image_end = current->image_end;
    child->brk = current->brk;
    *child->tf = *current->tf;
    child->tf->eax = 0; /* fork returns 0 in the child */
    child->state = PROC_RUNNABLE;
    return child->pid;
}

/* ---- ending ---- */

/* Frees the heap pages of an address space that nobody runs in user mode any more (its process is
 * ending), with a preemption point every PAGES_PER_POINT pages: a big heap would otherwise keep
 * interrupts off for a millisecond or more. The caller is inside a long section, so a kill cannot
 * interrupt it half-way; vmm_destroy then frees what is left (the stack, the tables). */
#define PAGES_PER_POINT 128u
static void free_heap_preemptibly(pde_t *pd, uint32_t brk)
{
    uint32_t n = 0;
    for (uint32_t va = ABI_USER_LOW; va < PAGE_ROUND_UP(brk); va += PAGE_SIZE) {
        if (++n % PAGES_PER_POINT == 0)
            long_point();
        vmm_unmap_free(pd, va);
    }
}

/* Releases everything but the slot and kernel stack, and tells the parent. */
static void proc_end(struct proc *p, const struct wait_info *how)
{
    amc_release(p);
    fpu_release(p);
    if (wake_first == p)
        wake_first = 0;
    if (p->pd) {
        if (p == current)
            vmm_activate(vmm_kernel_pd());
        struct vmm_range ranges[USER_RANGES];
        user_ranges(p, ranges);
        vmm_destroy(p->pd, ranges, USER_RANGES);
        p->pd = 0;
    }
    for (int i = 1; i < slots_used; i++) {
        if (procs[i].state != PROC_FREE && procs[i].ppid == p->pid) {
            procs[i].ppid = INIT_PID;
            if (procs[i].state == PROC_ZOMBIE)
                proc_wakeup(find_pid(INIT_PID));
        }
    }
    p->end = *how;
    p->end.pid = p->pid;
    p->state = PROC_ZOMBIE;
    p->wait_chan = 0;
    p->wake_tick = 0;
    proc_wakeup(find_pid(p->ppid));
}

/* init ending ends the system: report it and, in tests, leave QEMU with its verdict. */
static _Noreturn void system_end(const struct wait_info *how)
{
    kprintf("kernel: init ended (cause %u, status %d); halting\n", how->cause, how->status);
    serial_sync(); /* no interrupts from here on: what is queued must go out now */
    if (cmdline_is("exit", "qemu"))
        qemu_exit(how->cause == WAIT_EXITED && how->status == 0 ? 0 : 1);
    for (;;)
        __asm__ volatile("cli; hlt");
}

static _Noreturn void end_current(const struct wait_info *how)
{
    if (current->pid == INIT_PID)
        system_end(how);
    long_enter(); /* never left: the slot's section state is reset when the slot is reused */
    if (current->pd)
        free_heap_preemptibly(current->pd, current->brk);
    proc_end(current, how);
    sched_yield();
    panic("a zombie was scheduled");
}

void proc_exit(int32_t status)
{
    struct wait_info how = {.status = status, .cause = WAIT_EXITED};
    end_current(&how);
}

void proc_fault(const struct trap_frame *tf)
{
    uint32_t cr2 = 0;
    if (tf->vector == 14)
        __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    kprintf("pid %d (%s): %s (vector %u, error 0x%x) at eip=0x%08x", current->pid, current->name,
            trap_name(tf->vector), tf->vector, tf->error, tf->eip);
    if (tf->vector == 14)
        kprintf(" cr2=0x%08x", cr2);
    if (tf->vector == 14 && cr2 >= USER_STACK_GUARD && cr2 < USER_STACK_BOTTOM)
        kprintf(" (stack overflow into the guard page)");
    kprintf(": killed\n");
    struct wait_info how = {
        .status = -1, .cause = WAIT_FAULTED, .vector = tf->vector, .eip = tf->eip, .cr2 = cr2};
    end_current(&how);
}

int32_t proc_kill(int32_t pid)
{
    struct proc *p = find_pid(pid);
    if (!p || p->state == PROC_ZOMBIE)
        return -ESRCH;
    if (pid == INIT_PID)
        return -EPERM;
    struct wait_info how = {.status = -1, .cause = WAIT_KILLED};
    if (p == current)
        end_current(&how);
    /* The victim ends at once, without its address space, which is freed after: it can never run
     * again, so nothing sees the half-freed pages, and its parent may reap it meanwhile. */
    pde_t *pd = p->pd;
    struct vmm_range ranges[USER_RANGES];
    user_ranges(p, ranges);
    p->pd = 0;
    proc_end(p, &how);
    if (pd) {
        free_heap_preemptibly(pd, ranges[0].end);
        vmm_destroy(pd, ranges, USER_RANGES);
    }
    return 0;
}

int32_t proc_wait(int32_t pid, struct wait_info *info, uint32_t flags)
{
    /* Unknown flag bits never get here: the entry shim refuses them (flags wait_flags, the .def).
     */
    if (pid == 0 || pid < -1)
        return -EINVAL;
    for (;;) {
        int have_child = 0;
        for (int i = 1; i < slots_used; i++) {
            struct proc *c = &procs[i];
            if (c->state == PROC_FREE || c->ppid != current->pid || (pid != -1 && c->pid != pid))
                continue;
            have_child = 1;
            if (c->state == PROC_ZOMBIE) {
                int32_t cpid = c->pid;
                if (info)
                    *info = c->end;
                proc_free_slot(c);
                return cpid;
            }
        }
        if (!have_child)
            return -ECHILD;
        if (flags & WNOHANG)
            return -EAGAIN;
        proc_block(current);
    }
}

/* ---- scheduling ---- */

/* Inline in its two callers: every yield, block and preemption goes through here. */
__attribute__((always_inline)) static inline void switch_to(struct proc *next)
{
    struct proc *prev = current;
    if (next == prev)
        return;
    if (prev->state == PROC_RUNNING)
        prev->state = PROC_RUNNABLE;
    next->state = PROC_RUNNING;
    next->slice_left = TIME_SLICE_TICKS;
    current = next;
    /* Unconditional: the idle task, which has no stack of its own here, never enters from ring
     * 3, so its esp0 is never used. */
    tss_set_kernel_stack(kstack_top(next));
    vmm_activate(next->pd);
    fpu_switch(next, &procs[0]);
    swtch(&prev->context, next->context);
}

/* Round robin: the first runnable process after the current one, else idle. */
__attribute__((always_inline)) static inline struct proc *pick_next(void)
{
    const struct proc *end = &procs[slots_used];
    for (struct proc *p = current + 1; p < end; p++)
        if (p->state == PROC_RUNNABLE)
            return p;
    for (struct proc *p = &procs[1]; p <= current; p++)
        if (p->state == PROC_RUNNABLE)
            return p;
    return current->state == PROC_RUNNING ? current : &procs[0];
}

__attribute__((noipa)) void sched_yield(void)
{
    need_resched = 0;
    switch_to(pick_next());
}

void proc_block(const void *chan)
{
    current->state = PROC_BLOCKED;
    current->wait_chan = chan;
    sched_yield();
}

/* Blocks the current process on chan and switches to next, blocked or runnable: like switch_to,
 * but next gets what is left of the current slice (time-slice donation), so a pair of processes
 * calling each other is preempted like one process and cannot starve others. */
__attribute__((always_inline)) static inline void handoff(struct proc *next, const void *chan)
{
    struct proc *prev = current;
    prev->state = PROC_BLOCKED;
    prev->wait_chan = chan;
    if (__builtin_expect(
            next == prev || (next->state != PROC_BLOCKED && next->state != PROC_RUNNABLE), 0)) {
        sched_yield();
        return;
    }
    next->state = PROC_RUNNING;
    next->wait_chan = 0;
    next->slice_left = prev->slice_left; /* >= 1: a slice that ran out in ring 3 ended there */
    current = next;
    tss_set_kernel_stack(kstack_top(next));
    vmm_activate(next->pd);
    fpu_switch(next, &procs[0]);
    swtch(&prev->context, next->context);
}

__attribute__((noipa)) void proc_handoff(struct proc *next, const void *chan)
{
    handoff(next, chan);
}

__attribute__((noipa)) void proc_block_for_woken(const void *chan)
{
    struct proc *next = proc_woken;
    proc_woken = 0;
    if (next && next->state == PROC_RUNNABLE) {
        handoff(next, chan);
        return;
    }
    current->state = PROC_BLOCKED;
    current->wait_chan = chan;
    sched_yield();
}

void proc_wakeup(const void *chan)
{
    if (!chan)
        return;
    for (int i = 1; i < slots_used; i++) {
        if (procs[i].state == PROC_BLOCKED && procs[i].wait_chan == chan) {
            procs[i].state = PROC_RUNNABLE;
            procs[i].wait_chan = 0;
        }
    }
}

void proc_sleep_ms(uint32_t ms)
{
    /* One tick per millisecond; +1 so the sleep lasts at least ms even if a tick is imminent. A
     * deadline past the counter's end waits for its last value instead of wrapping to the past. */
    uint32_t now = timer_ticks();
    current->wake_tick = ms < 0xFFFFFFFFu - now ? now + ms + 1 : 0xFFFFFFFFu;
    proc_block(&current->wake_tick);
    current->wake_tick = 0;
}

void sched_tick(uint32_t now)
{
    for (int i = 1; i < slots_used; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_BLOCKED && p->wake_tick && now >= p->wake_tick) {
            p->state = PROC_RUNNABLE;
            p->wait_chan = 0;
            wake_first = p;
            need_resched = current != &procs[0];
        }
    }
    if (current != &procs[0] && current->slice_left && --current->slice_left == 0)
        need_resched = 1;
}

__attribute__((noipa)) void sched_preempt_point(void)
{
    if (!need_resched)
        return;
    need_resched = 0;
    struct proc *next = wake_first && wake_first->state == PROC_RUNNABLE ? wake_first : pick_next();
    wake_first = 0;
    switch_to(next);
}

__attribute__((noipa)) void sched_run(void)
{
    for (;;) {
        struct proc *next = pick_next();
        if (next != &procs[0]) {
            switch_to(next);
            continue;
        }
        /* Nothing to run: wait for an interrupt with interrupts briefly on. */
        __asm__ volatile("sti; hlt; cli");
    }
}
