/*
 * amc calls: handles on services, calls that block for their reply, and the servers' side.
 *
 * A handle (amc_open) names one registration of a service (its id, never reused), so once that
 * process ends or unregisters the handle is stale for good, even after another process takes the
 * name: a call can never reach a new owner by accident. Handle values carry a per-slot
 * generation, so a closed handle's value names nothing.
 *
 * A call blocks its caller until the service answers it, the service goes away (EPIPE) or the
 * timeout passes (ETIMEDOUT). Each call gets a badge: the caller's process slot and a per-call
 * count, so it names exactly one call of one process; the server answers by badge, and the
 * kernel accepts an answer only for a call of this service that the server has received and
 * nobody has answered, so a forged, old or timed-out badge is refused (ESRCH). A caller needs
 * no name of its own, and there is nothing another process could squat.
 *
 * A caller makes one call at a time, so a service has at most one call per process waiting:
 * calls cannot flood it. They are received in arrival order, interleaved with the plain
 * messages of its queue (one sequence number orders both).
 *
 * The fast path. A server waits in amc_reply_wait with its buffer probed writable by its shim;
 * a caller that finds it waiting, with nothing older to receive, writes the request straight
 * into that buffer through the kernel's direct map of the server's frames and hands the CPU to
 * the server (proc_handoff: no scan of the process table). The server's answer goes straight
 * to the caller (into its registers, or its buffer), and when nothing else waits to be
 * received the server hands the CPU straight back. A message is copied once, kernel buffers
 * are never involved, and a round trip is two syscalls and two switches.
 */
#include "amc_impl.h"

#include "klib.h"
#include "memlayout.h"
#include "syscall_handlers.h"
#include "timer.h"
#include "vmm.h"

_Static_assert(NPROC == 64, "a badge keeps the caller's slot in its low 6 bits");
#define BADGE_SLOT_BITS 6u
#define BADGE_SLOT_MASK (NPROC - 1u)
#define STATUS_MIN (-4095) /* a one-word answer in [STATUS_MIN, -1] is the service's refusal */

/*
 * The results that go back in registers besides eax (lang-v2.md's extra results). Until the
 * generated shims write them, the handlers store them in the caller's saved registers, where the
 * return path loads them from.
 */
static void set_results(uint32_t edx, uint32_t ecx)
{
    current_proc()->tf->edx = edx;
    current_proc()->tf->ecx = ecx;
}

/* ---- copies between address spaces ---- */

/* The kernel's address of p's user byte va, or NULL when its page is not mapped with all of the
 * flags need (PTE_P | PTE_U, and PTE_W to write). */
static uint8_t *proc_byte(const struct proc *p, uint32_t va, uint32_t need)
{
    const pte_t *pte = vmm_lookup(p->pd, va);
    if (!pte || (*pte & need) != need)
        return 0;
    return (uint8_t *)P2V(PTE_ADDR(*pte)) + (va & (PAGE_SIZE - 1));
}

/*
 * Copies n bytes between the current process's memory (or the kernel's) at here and the range
 * at va of another process p, through the direct map, a page of p at a time. p is blocked, and
 * its shim found the range mapped (for to_p: also private and writable) before it blocked;
 * only p itself changes its mappings. 0 or -EFAULT.
 */
static int copy_with_proc(struct proc *p, uint32_t va, uint8_t *here, uint32_t n, int to_p)
{
    while (n) {
        uint32_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
        if (chunk > n)
            chunk = n;
        uint8_t *there = proc_byte(p, va, PTE_P | PTE_U | (to_p ? PTE_W : 0));
        if (!there || user_copy(to_p ? there : here, to_p ? here : there, chunk) < 0)
            return -EFAULT;
        va += chunk;
        here += chunk;
        n -= chunk;
    }
    return 0;
}

/* ---- handles ---- */

static int32_t handle_value(const struct amc_handle_slot *h, uint32_t index)
{
    return (int32_t)(h->gen * AMC_HANDLE_SLOTS + index);
}

int32_t sys_amc_open(const char *name)
{
    if (name[0] == '\0')
        return -EINVAL;
    struct amc_service *s = amc_find_service(name);
    if (!s)
        return -ENOENT;
    struct amc_proc *a = &current_proc()->amc;
    for (uint32_t i = 0; i < AMC_HANDLE_SLOTS; i++) {
        struct amc_handle_slot *h = &a->handles[i];
        if (h->service_id)
            continue;
        /* A new generation for every open, kept below 2^27 so the value stays positive. */
        h->gen = h->gen + 1 < (1u << 27) ? h->gen + 1 : 1;
        h->service_id = s->id;
        h->service = (uint32_t)(s - amc_services);
        return handle_value(h, i);
    }
    return -EMFILE;
}

/* The slot handle h names in p's table, or NULL. */
static struct amc_handle_slot *handle_slot(struct proc *p, int32_t h)
{
    if (h <= 0)
        return 0;
    struct amc_handle_slot *slot = &p->amc.handles[(uint32_t)h % AMC_HANDLE_SLOTS];
    if (!slot->service_id || slot->gen != (uint32_t)h / AMC_HANDLE_SLOTS)
        return 0;
    return slot;
}

int32_t sys_amc_close(int32_t h)
{
    struct amc_handle_slot *slot = handle_slot(current_proc(), h);
    if (!slot)
        return -EBADF;
    slot->service_id = 0;
    return 0;
}

/* ---- calls: the caller's side ---- */

static void finish(struct proc *c, int32_t result)
{
    struct amc_call *call = &c->amc.call;
    call->result = result;
    call->phase = AMC_CALL_DONE;
    proc_wake(c, call);
}

static void unlink_pending(struct amc_service *s, struct proc *c)
{
    struct proc *prev = 0;
    for (struct proc *p = s->calls; p; prev = p, p = p->amc.call.next) {
        if (p != c)
            continue;
        if (prev)
            prev->amc.call.next = p->amc.call.next;
        else
            s->calls = p->amc.call.next;
        if (s->calls_tail == p)
            s->calls_tail = prev;
        return;
    }
}

static uint32_t request_len(const struct amc_call *call)
{
    return call->regs ? AMC_CALL_WORDS : call->len;
}

/* The caller's side of both calls: sends the request prepared in self->amc.call, waits for the
 * end of the call and returns its result. */
static int32_t call(int32_t h, uint32_t timeout_ms)
{
    struct proc *self = current_proc();
    struct amc_handle_slot *slot = handle_slot(self, h);
    if (!slot)
        return -EBADF;
    struct amc_service *s = &amc_services[slot->service];
    if (!s->owner || s->id != slot->service_id)
        return -ESTALE;
    struct amc_call *c = &self->amc.call;
    uint32_t len = request_len(c);
    if (s->max_request && len > s->max_request)
        return -EMSGSIZE; /* more than the service said it takes */
    uint32_t count = ++self->amc.calls_made & ((1u << (32 - BADGE_SLOT_BITS)) - 1);
    if (count == 0)
        count = self->amc.calls_made = 1;
    c->badge = count << BADGE_SLOT_BITS | proc_index(self);
    c->server = s;
    c->seq = amc_next_seq();
    c->next = 0;
    struct proc *server = s->owner;
    uint8_t *request = c->regs ? (uint8_t *)c->words : (uint8_t *)c->buf;
    int direct = s->serving && !s->calls && !s->head &&
                 copy_with_proc(server, s->serve_buf, request, len, 1) == 0;
    if (direct) {
        c->phase = AMC_CALL_TAKEN;
        s->serving = 0;
        s->served_len = (int32_t)len;
        s->served_badge = c->badge;
        s->served_pid = self->pid;
    } else {
        c->phase = AMC_CALL_PENDING;
        if (s->calls_tail)
            s->calls_tail->amc.call.next = self;
        else
            s->calls = self;
        s->calls_tail = self;
        proc_wake(server, s);
    }
    if (timeout_ms != AMC_FOREVER) {
        uint32_t now = timer_ticks();
        self->wake_tick = timeout_ms < 0xFFFFFFFEu - now ? now + timeout_ms + 1 : 0xFFFFFFFFu;
    }
    for (;;) {
        if (direct)
            proc_handoff(server, c);
        else
            proc_block(c);
        direct = 0;
        if (c->phase == AMC_CALL_DONE)
            break;
        if (self->wake_tick && timer_ticks() >= self->wake_tick) {
            if (c->phase == AMC_CALL_PENDING)
                unlink_pending(s, self);
            c->result = -ETIMEDOUT; /* a late answer to its badge gets ESRCH */
            break;
        }
    }
    self->wake_tick = 0;
    c->server = 0;
    c->phase = AMC_CALL_IDLE;
    return c->result;
}

int32_t sys_amc_call(int32_t h, uint32_t disc, uint32_t w0, uint32_t w1, uint32_t timeout_ms)
{
    struct amc_call *c = &current_proc()->amc.call;
    c->regs = 1;
    c->words[0] = disc;
    c->words[1] = w0;
    c->words[2] = w1;
    int32_t r = call(h, timeout_ms);
    if (r >= 0)
        set_results(c->words[1], c->words[2]);
    else
        set_results(0, 0);
    return r;
}

int32_t sys_amc_call_buf(int32_t h, user_inout_t msg, uint32_t len, uint32_t cap,
                         uint32_t timeout_ms)
{
    if (len < sizeof(uint32_t) || len > cap)
        return -EINVAL;
    struct amc_call *c = &current_proc()->amc.call;
    c->regs = 0;
    c->buf = msg.addr;
    c->len = len;
    c->cap = cap;
    return call(h, timeout_ms);
}

/* ---- calls: the server's side ---- */

/*
 * Delivers the answer buf[0..len) of the server's current process to the call badge of s;
 * *to is its caller. The server's shim probed buf for cap >= len bytes.
 */
static int32_t answer(struct amc_service *s, uint32_t badge, uint32_t buf, uint32_t len,
                      struct proc **to)
{
    struct proc *c = proc_slot(badge & BADGE_SLOT_MASK);
    struct amc_call *call = &c->amc.call;
    if (call->server != s || call->badge != badge || call->phase != AMC_CALL_TAKEN)
        return -ESRCH;
    if (len < sizeof(uint32_t))
        return -EINVAL;
    uint32_t room = call->regs ? AMC_CALL_WORDS : call->cap;
    if (len > room) {
        finish(c, -EMSGSIZE);
        return -EMSGSIZE;
    }
    int32_t first;
    if (copy_from_user(&first, buf, sizeof first) < 0)
        return -EFAULT;
    int32_t result = call->regs ? first : (int32_t)len;
    if (first < 0) {
        if (len != sizeof first || first < STATUS_MIN) {
            finish(c, -EPROTO);
            return -EINVAL;
        }
        result = first; /* the service refuses the call */
    } else if (call->regs) {
        call->words[1] = call->words[2] = 0;
        if (copy_from_user(call->words, buf, len) < 0)
            return -EFAULT;
    } else if (copy_with_proc(c, call->buf, (uint8_t *)buf, len, 1) < 0) {
        result = -EFAULT;
    }
    finish(c, result);
    *to = c;
    return 0;
}

/*
 * Takes the oldest request for s, a call or a plain message, into the current process's buffer
 * buf of cap bytes; returns its size, or 0 when there is none. What does not fit is refused: a
 * call fails with EMSGSIZE, a plain message queued before the service declared its maximum is
 * dropped (kstat.amc_dropped).
 */
static int32_t take_request(struct amc_service *s, uint32_t buf, uint32_t cap, uint32_t *badge,
                            int32_t *pid)
{
    for (;;) {
        struct proc *c = s->calls;
        struct amc_message *m = s->head;
        if (m && (!c || amc_seq_before(m->seq, c->amc.call.seq))) {
            uint32_t total = sizeof m->header + m->header.len;
            if (total > cap) {
                amc_unqueue(s, m, 0, 1);
                continue;
            }
            if (copy_to_user(buf, &m->header, total) < 0)
                return -EFAULT;
            *badge = AMC_NO_CALL;
            *pid = m->header.source_pid;
            amc_unqueue(s, m, 0, 0);
            return (int32_t)total;
        }
        if (!c)
            return 0;
        struct amc_call *call = &c->amc.call;
        s->calls = call->next;
        if (!s->calls)
            s->calls_tail = 0;
        uint32_t len = request_len(call);
        int err = len > cap ? -EMSGSIZE : 0;
        if (!err && call->regs)
            err = copy_to_user(buf, call->words, len);
        else if (!err)
            err = copy_with_proc(c, call->buf, (uint8_t *)buf, len, 0);
        if (err) {
            finish(c, err);
            continue;
        }
        call->phase = AMC_CALL_TAKEN;
        *badge = call->badge;
        *pid = c->pid;
        return (int32_t)len;
    }
}

int32_t sys_amc_reply_wait(uint32_t badge, user_inout_t buf, uint32_t len, uint32_t cap)
{
    struct proc *self = current_proc();
    struct amc_service *s = self->service;
    set_results(0, 0);
    if (!s || cap < AMC_CALL_WORDS || len > cap)
        return -EINVAL;
    struct proc *answered = 0;
    if (badge != AMC_NO_CALL) {
        int32_t err = answer(s, badge, buf.addr, len, &answered);
        if (err < 0)
            return err;
    }
    s->max_request = cap;
    for (;;) {
        uint32_t got_badge;
        int32_t pid, n = take_request(s, buf.addr, cap, &got_badge, &pid);
        if (n != 0) {
            if (n > 0)
                set_results(got_badge, (uint32_t)pid);
            return n;
        }
        s->serving = 1;
        s->serve_buf = buf.addr;
        s->served_len = 0;
        if (answered)
            proc_handoff(answered, s); /* the fast path: straight back to the caller */
        else
            proc_block(s);
        answered = 0;
        s->serving = 0;
        if (s->served_len) {
            set_results(s->served_badge, (uint32_t)s->served_pid);
            return s->served_len;
        }
    }
}

/* ---- the end of a service or a process ---- */

void amc_calls_service_gone(struct amc_service *s)
{
    for (uint32_t i = 1; i < NPROC; i++) {
        struct proc *p = proc_slot(i);
        uint32_t phase = p->amc.call.phase;
        if (p->amc.call.server == s && (phase == AMC_CALL_PENDING || phase == AMC_CALL_TAKEN))
            finish(p, -EPIPE);
    }
    s->calls = s->calls_tail = 0;
    s->serving = 0;
    s->max_request = 0;
}

void amc_calls_release(struct proc *p)
{
    struct amc_call *c = &p->amc.call;
    if (c->server && c->phase == AMC_CALL_PENDING)
        unlink_pending(c->server, p);
    memset(&p->amc, 0, sizeof p->amc);
}
