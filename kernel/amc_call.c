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

#include "contracts.h"
#include "klib.h"
#include "memlayout.h"
#include "proc_switch.h"
#include "syscall_handlers.h"
#include "timer.h"
#include "vmm.h"

_Static_assert(NPROC == 64, "a badge keeps the caller's slot in its low 6 bits");
#define BADGE_SLOT_BITS 6u
#define BADGE_SLOT_MASK (NPROC - 1u)
#define STATUS_MIN (-ABI_ERRNO_MAX) /* a one-word answer in [STATUS_MIN, -1] is the refusal */

/* 1 when -status is an error abi/syscalls.def declares: a refusal the caller gets must be one
 * (kcov's error contracts check what a call may return). Only refusals come here. */
static int declared_error(int32_t status)
{
#define AMC_ERROR_NUMBER(name, number, text) number,
    static const int32_t numbers[] = {ABI_ERRORS(AMC_ERROR_NUMBER)};
#undef AMC_ERROR_NUMBER
    for (uint32_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if (numbers[i] == -status)
            return 1;
    return 0;
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

/* copy_with_proc's range across pages: a page at a time. */
static __attribute__((noinline)) int copy_pages_with_proc(struct proc *p, uint32_t va,
                                                          uint8_t *here, uint32_t n, int to_p)
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

/*
 * Copies n bytes between the current process's memory (or the kernel's) at here and the range
 * at va of another process p, through the direct map: one copy, straight into the partner's
 * buffer (one page-table lookup when the range lies in one page, the common case). p is
 * blocked, and its shim or fast path found the range mapped (for to_p: also private and
 * writable) before it blocked; only p itself changes its mappings. 0 or -EFAULT.
 */
static inline __attribute__((always_inline)) int copy_with_proc(struct proc *p, uint32_t va,
                                                                uint8_t *here, uint32_t n, int to_p)
{
    if ((va & (PAGE_SIZE - 1)) + n > PAGE_SIZE)
        return copy_pages_with_proc(p, va, here, n, to_p);
    uint8_t *there = proc_byte(p, va, PTE_P | PTE_U | (to_p ? PTE_W : 0));
    if (!there)
        return -EFAULT;
    return user_copy(to_p ? there : here, to_p ? here : there, n);
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
        h->service = s;
        return handle_value(h, i);
    }
    return -EMFILE;
}

/* The slot handle h names in p's table, or NULL. */
static inline __attribute__((always_inline)) struct amc_handle_slot *handle_slot(struct proc *p,
                                                                                 int32_t h)
{
    if (h <= 0)
        return 0;
    struct amc_handle_slot *slot = &p->amc.handles[(uint32_t)h % AMC_HANDLE_SLOTS];
    if (!slot->service_id || slot->gen != (uint32_t)h / AMC_HANDLE_SLOTS)
        return 0;
    return slot;
}

int32_t sys_amc_close(amc_handle_t h)
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

/* The live service handle h of self names, or NULL. */
static inline __attribute__((always_inline)) struct amc_service *called_service(struct proc *self,
                                                                                int32_t h)
{
    struct amc_handle_slot *slot = handle_slot(self, h);
    if (!slot)
        return 0;
    struct amc_service *s = slot->service;
    return s->id == slot->service_id ? s : 0; /* ids are never reused; a free slot has none */
}

/* Why called_service found nothing. */
static __attribute__((noinline)) int32_t bad_handle(struct proc *self, int32_t h)
{
    return handle_slot(self, h) ? -ESTALE : -EBADF;
}

/* A new badge for self's next call: a new count for every call, the slot in the low bits
 * (proc_alloc starts next_badge at the slot), so never 0. */
static inline __attribute__((always_inline)) uint32_t new_badge(struct proc *self)
{
    uint32_t badge = self->amc.next_badge + (1u << BADGE_SLOT_BITS);
    self->amc.next_badge = badge;
    return badge;
}

/* Arms self's deadline for a call of timeout_ms (AMC_FOREVER: none). */
static inline __attribute__((always_inline)) void arm_timeout(struct proc *self,
                                                              uint32_t timeout_ms)
{
    if (timeout_ms != AMC_FOREVER) {
        uint32_t now = timer_ticks();
        self->wake_tick = timeout_ms < 0xFFFFFFFEu - now ? now + timeout_ms + 1 : 0xFFFFFFFFu;
    }
}

/* Waits for the end of self's call c until its deadline; the slow part of call(). */
static __attribute__((noinline)) void wait_for_answer(struct proc *self, struct amc_call *c)
{
    while (c->phase != AMC_CALL_DONE) {
        if (self->wake_tick && timer_ticks() >= self->wake_tick) {
            if (c->phase == AMC_CALL_PENDING)
                unlink_pending(c->server, self);
            c->result = -ETIMEDOUT; /* a late answer to its badge gets ESRCH */
            return;
        }
        proc_block(c);
    }
}

/*
 * The caller's side of both calls: queues the request prepared in self's call c for s (a
 * caller has one call at a time, so this is a list link, not a copy), gives the CPU straight
 * to the server when it waits for requests, and returns the call's result once it ends.
 */
static inline __attribute__((always_inline)) int32_t call(struct proc *self, struct amc_service *s,
                                                          struct amc_call *c, uint32_t timeout_ms)
{
    if (s->max_request && request_len(c) > s->max_request)
        return -EMSGSIZE; /* more than the service said it takes */
    if (__builtin_expect(s->owner == self, 0))
        return -EINVAL; /* it could never answer: it would be waiting for itself */
    c->badge = new_badge(self);
    c->server = s;
    c->seq = amc_next_seq();
    c->next = 0;
    c->phase = AMC_CALL_PENDING;
    if (s->calls_tail)
        s->calls_tail->amc.call.next = self;
    else
        s->calls = self;
    s->calls_tail = self;
    arm_timeout(self, timeout_ms);
    if (s->serving)
        proc_handoff(s->owner, c); /* the fast path: straight to the waiting server */
    else
        proc_block_for_woken(c);
    if (c->phase != AMC_CALL_DONE)
        wait_for_answer(self, c);
    self->wake_tick = 0;
    c->server = 0;
    c->phase = AMC_CALL_IDLE;
    return c->result;
}

int32_t sys_amc_call(amc_handle_t h, uint32_t disc, uint32_t w0, uint32_t w1, uint32_t timeout_ms,
                     struct sys_amc_call_results *res)
{
    struct proc *self = current_proc();
    struct amc_service *s = called_service(self, h);
    int32_t r;
    if (__builtin_expect(!s, 0)) {
        r = bad_handle(self, h);
    } else {
        struct amc_call *c = &self->amc.call;
        c->regs = 1;
        c->words[0] = disc;
        c->words[1] = w0;
        c->words[2] = w1;
        r = call(self, s, c, timeout_ms);
        if (r >= 0) {
            res->reply_w0 = c->words[1];
            res->reply_w1 = c->words[2];
        }
    }
    return r;
}

int32_t sys_amc_call_buf(amc_handle_t h, user_inout_t msg, uint32_t len, uint32_t cap,
                         uint32_t timeout_ms)
{
    struct proc *self = current_proc();
    struct amc_service *s = called_service(self, h);
    if (!s)
        return bad_handle(self, h);
    if (len < sizeof(uint32_t) || len > cap)
        return -EINVAL;
    struct amc_call *c = &self->amc.call;
    c->regs = 0;
    c->buf = msg.addr;
    c->len = len;
    c->cap = cap;
    return call(self, s, c, timeout_ms);
}

/* ---- calls: the server's side ---- */

/*
 * The server's buffer buf is its own memory, and its shim (or fast path) probed all
 * cap >= AMC_CALL_WORDS bytes of it for writing: the pages are present and private, and stay
 * so while the server is blocked (only it changes its mappings). So register-sized requests
 * and answers move with plain loads and stores through its user address, no copy routine
 * needed; through memcpy, as the buffer may be at any byte address (a misaligned uint32_t
 * access is undefined behaviour, which the test kernel's UBSan reports).
 */
static inline void put_word(uint32_t uaddr, uint32_t w)
{
    __builtin_memcpy((void *)uaddr, &w, sizeof w);
}

static inline uint32_t get_word(uint32_t uaddr)
{
    uint32_t w;
    __builtin_memcpy(&w, (const void *)uaddr, sizeof w);
    return w;
}

/* Delivers the answer buf[0..len) of the current process, the server of s, to call badge. */
static inline __attribute__((always_inline)) int32_t answer(struct amc_service *s, uint32_t badge,
                                                            uint32_t buf, uint32_t len)
{
    struct proc *c = &procs[badge & BADGE_SLOT_MASK];
    struct amc_call *call = &c->amc.call;
    if (call->badge != badge || call->server != s || call->phase != AMC_CALL_TAKEN)
        return -ESRCH;
    if (len < sizeof(uint32_t))
        return -EINVAL;
    if (len > (call->regs ? AMC_CALL_WORDS : call->cap)) {
        finish(c, -EMSGSIZE);
        return -EMSGSIZE;
    }
    int32_t first = (int32_t)get_word(buf);
    if (first < 0) {
        if (len != sizeof first || first < STATUS_MIN || !declared_error(first)) {
            finish(c, -EPROTO);
            return -EINVAL;
        }
        finish(c, first); /* the service refuses the call */
        return 0;
    }
    if (call->regs) {
        call->words[1] = len > 4 ? get_word(buf + 4) : 0;
        call->words[2] = len > 8 ? get_word(buf + 8) : 0;
        finish(c, first);
        return 0;
    }
    int err = copy_with_proc(c, call->buf, (uint8_t *)buf, len, 1);
    finish(c, err < 0 ? err : (int32_t)len);
    return 0;
}

/* Receives the call of c, the first waiting for s, into the current process's buffer buf of
 * cap bytes; returns its size, or 0 when it was refused (the call then fails). */
static inline __attribute__((always_inline)) int32_t
receive_call(struct amc_service *s, struct proc *c, uint32_t buf, uint32_t cap,
             struct sys_amc_reply_wait_results *res)
{
    struct amc_call *call = &c->amc.call;
    s->calls = call->next;
    if (!s->calls)
        s->calls_tail = 0;
    uint32_t len = request_len(call);
    int err = 0;
    if (len > cap) {
        err = -EMSGSIZE;
    } else if (call->regs) {
        put_word(buf, call->words[0]);
        put_word(buf + 4, call->words[1]);
        put_word(buf + 8, call->words[2]);
    } else {
        err = copy_with_proc(c, call->buf, (uint8_t *)buf, len, 0);
    }
    if (err) {
        finish(c, err);
        return 0;
    }
    call->phase = AMC_CALL_TAKEN;
    res->caller = call->badge;
    res->pid = c->pid;
    return (int32_t)len;
}

/* Receives the plain message m, the first queued for s, unless it is larger than cap: it is
 * then dropped (it was queued before the service declared cap). */
static __attribute__((noinline)) int32_t receive_message(struct amc_service *s,
                                                         struct amc_message *m, uint32_t buf,
                                                         uint32_t cap,
                                                         struct sys_amc_reply_wait_results *res)
{
    uint32_t total = sizeof m->header + m->header.len;
    if (total > cap) {
        amc_unqueue(s, m, 0, 1);
        return 0;
    }
    if (copy_to_user(buf, &m->header, total) < 0)
        return -EFAULT;
    res->caller = AMC_NO_CALL;
    res->pid = m->header.source_pid;
    amc_unqueue(s, m, 0, 0);
    return (int32_t)total;
}

/* The waiting half of amc_reply_wait: receives the oldest request for s into buf (cap bytes),
 * blocking until there is one. answered is the caller just answered (or NULL): when nothing
 * waits, the CPU goes straight back to it. */
static int32_t serve_next(struct amc_service *s, struct proc *answered, uint32_t buf, uint32_t cap,
                          struct sys_amc_reply_wait_results *res)
{
    for (;;) {
        /* The oldest request first: calls and plain messages share one sequence. */
        struct proc *c = s->calls;
        struct amc_message *m = s->head;
        int32_t n = 0;
        if (c && (!m || amc_seq_before(c->amc.call.seq, m->seq)))
            n = receive_call(s, c, buf, cap, res);
        else if (m)
            n = receive_message(s, m, buf, cap, res);
        if (n != 0)
            return n;
        if (c || m)
            continue; /* that request was refused: take the next */
        s->serving = 1;
        if (answered)
            proc_handoff(answered, s); /* straight back to the caller */
        else
            proc_block_for_woken(s);
        answered = 0;
        s->serving = 0;
    }
}

int32_t sys_amc_reply_wait(amc_badge_t badge, user_inout_t buf, uint32_t len, uint32_t cap,
                           struct sys_amc_reply_wait_results *res)
{
    struct proc *self = current_proc();
    struct amc_service *s = self->service;
    if (!s || cap < AMC_CALL_WORDS || len > cap)
        return -EINVAL;
    struct proc *answered = 0;
    if (badge != AMC_NO_CALL) {
        int32_t err = answer(s, badge, buf.addr, len);
        if (err < 0)
            return err;
        answered = &procs[badge & BADGE_SLOT_MASK];
    }
    s->max_request = cap;
    return serve_next(s, answered, buf.addr, cap, res);
}

/* ---- the fast paths: direct switches between parked partners ---- */

/*
 * kernel/trap.asm's amc entries call these instead of the generated shims (kernel/syscall.c puts
 * them in the stub's table). Each serves the common case of its syscall completely, at the top
 * of the kernel stack: it checks what the shim and the handler would check, writes the results
 * straight into the partner's trap frame (and the message into its buffer), parks the current
 * process (kernel/proc_switch.h) and returns the partner's saved context, which the entry
 * switches to. For anything out of the ordinary it returns 0 before it has changed anything,
 * and the entry runs the syscall's own entry on the same frame: the slow path above, which
 * reports every error. A parked partner that something else wakes (an answer or EPIPE on the
 * slow path, a timeout, a plain message) resumes in amc_call_resume or amc_serve_resume, which
 * finish its syscall here.
 *
 * Why a parked partner's buffer can be written with plain stores after the switch: its fast
 * path probed the whole buffer writable (pages present and private) before it parked, the
 * partner has been blocked since, and only a process itself changes its own mappings. The
 * stores go through memcpy, as the buffer may be at any byte address.
 */

extern void amc_call_resume(void);  /* kernel/trap.asm: calls amc_call_resumed */
extern void amc_serve_resume(void); /* kernel/trap.asm: calls amc_serve_resumed */
uint32_t amc_fast_call(void);
uint32_t amc_fast_call_buf(void);
uint32_t amc_fast_reply_wait(void);
void amc_call_resumed(void);
void amc_serve_resumed(void);

/* The server of the service h of self names when it is parked in a fast amc_reply_wait with
 * nothing to receive (a request would have woken it), or NULL. */
static inline __attribute__((always_inline)) struct proc *
parked_server(struct proc *self, int32_t h, struct amc_service **out)
{
    struct amc_service *s = called_service(self, h);
    if (!s || !s->serving)
        return 0;
    struct proc *srv = s->owner;
    if (!srv->parked || srv->state != PROC_BLOCKED)
        return 0;
    *out = s;
    return srv;
}

/* Self's call c to s, received at once by its parked server srv: the server's results go into
 * its frame, and the CPU to it. Returns the context to switch to. */
static inline __attribute__((always_inline)) uint32_t
hand_call(struct proc *self, struct amc_call *c, struct amc_service *s, struct proc *srv,
          uint32_t len, uint32_t timeout_ms)
{
    c->badge = new_badge(self);
    c->server = s;
    c->next = 0;
    c->phase = AMC_CALL_TAKEN;
    arm_timeout(self, timeout_ms);
    struct trap_frame *stf = srv->tf;
    stf->eax = len;
    stf->edx = c->badge;
    stf->ecx = (uint32_t)self->pid;
    s->serving = 0;
    proc_unpark(srv);
    return proc_park_switch(srv, c, (uint32_t)amc_call_resume);
}

/* amc_call (ebx h, ecx disc, edx w0, esi w1, edi timeout_ms) to a parked server. */
uint32_t amc_fast_call(void)
{
    struct proc *self = current_proc();
    const struct trap_frame *tf = self->tf;
    struct amc_service *s;
    struct proc *srv = parked_server(self, (int32_t)tf->ebx, &s);
    if (!srv)
        return 0;
    /* The request fits: the server's cap is at least AMC_CALL_WORDS (its max_request). */
    uint32_t buf = srv->tf->ecx, disc = tf->ecx, w0 = tf->edx, w1 = tf->esi;
    struct amc_call *c = &self->amc.call;
    c->regs = 1;
    uint32_t next = hand_call(self, c, s, srv, AMC_CALL_WORDS, tf->edi);
    put_word(buf, disc); /* the server's address space from here */
    put_word(buf + 4, w0);
    put_word(buf + 8, w1);
    return next;
}

/* amc_call_buf (ebx h, ecx msg, edx len, esi cap, edi timeout_ms) to a parked server: the
 * request is copied once, straight into the server's buffer. */
uint32_t amc_fast_call_buf(void)
{
    struct proc *self = current_proc();
    const struct trap_frame *tf = self->tf;
    uint32_t msg = tf->ecx, len = tf->edx, cap = tf->esi;
    /* The shim's and the handler's checks; the slow path gives their errors. */
    if (cap > AMC_MAX_MESSAGE || len < sizeof(uint32_t) || len > cap || !user_range_ok(msg, cap) ||
        user_probe(msg, cap, 1) < 0)
        return 0;
    struct amc_service *s;
    struct proc *srv = parked_server(self, (int32_t)tf->ebx, &s);
    if (!srv || len > srv->tf->esi || copy_with_proc(srv, srv->tf->ecx, (uint8_t *)msg, len, 1) < 0)
        return 0; /* EMSGSIZE (the server's cap is its max_request) or EFAULT: the slow path */
    struct amc_call *c = &self->amc.call;
    c->regs = 0;
    c->buf = msg;
    c->len = len;
    c->cap = cap;
    return hand_call(self, c, s, srv, len, tf->edi);
}

/*
 * amc_reply_wait (ebx badge, ecx buf, edx len, esi cap) answering a call when nothing else waits
 * to be received: the answer goes straight to the caller (into its frame when it is parked,
 * into its call when it waits on the slow path), the server parks and the CPU goes to the
 * caller. A refusal, a bad or oversized answer and a badge of no waiting call take the slow path.
 */
uint32_t amc_fast_reply_wait(void)
{
    struct proc *self = current_proc();
    const struct trap_frame *tf = self->tf;
    struct amc_service *s = self->service;
    uint32_t badge = tf->ebx, buf = tf->ecx, len = tf->edx, cap = tf->esi;
    if (!s || badge == AMC_NO_CALL || s->calls || s->head)
        return 0;
    if (cap < AMC_CALL_WORDS || cap > IO_MAX || len < sizeof(uint32_t) || len > cap ||
        !user_range_ok(buf, cap) || user_probe(buf, cap, 1) < 0)
        return 0;
    struct proc *c = &procs[badge & BADGE_SLOT_MASK];
    struct amc_call *call = &c->amc.call;
    if (call->badge != badge || call->server != s || call->phase != AMC_CALL_TAKEN ||
        c->state != PROC_BLOCKED || c->wait_chan != call)
        return 0; /* forged, answered, timed out (ESRCH), or its timeout woke it already */
    int32_t first = (int32_t)get_word(buf);
    if (first < 0 || len > (call->regs ? AMC_CALL_WORDS : call->cap))
        return 0; /* a refusal, EPROTO, EMSGSIZE */
    uint32_t w0 = 0, w1 = 0;
    if (call->regs) {
        w0 = len > 4 ? get_word(buf + 4) : 0;
        w1 = len > 8 ? get_word(buf + 8) : 0;
    } else if (copy_with_proc(c, call->buf, (uint8_t *)buf, len, 1) < 0) {
        return 0; /* cannot happen (the caller's path probed it): the slow path says EFAULT */
    } else {
        first = (int32_t)len;
    }
    if (c->parked) {
        struct trap_frame *ctf = c->tf;
        ctf->eax = (uint32_t)first;
        if (call->regs) {
            ctf->edx = w0;
            ctf->ecx = w1;
        }
        call->server = 0;
        call->phase = AMC_CALL_IDLE;
        c->wake_tick = 0;
        proc_unpark(c);
    } else {
        call->words[1] = w0; /* the caller's call() returns them */
        call->words[2] = w1;
        call->result = first;
        call->phase = AMC_CALL_DONE;
    }
    s->max_request = cap;
    s->serving = 1;
    return proc_park_switch(c, s, (uint32_t)amc_serve_resume);
}

/* For kernel/amc_fast.c's answer to a parked buffer call: that call's caller is blocked, its
 * buffer probed by its own path. */
__attribute__((regparm(3))) uint32_t amc_copy_answer(struct proc *c, uint32_t len, uint32_t buf);
__attribute__((regparm(3))) uint32_t amc_copy_answer(struct proc *c, uint32_t len, uint32_t buf)
{
    return copy_with_proc(c, c->amc.call.buf, (uint8_t *)buf, len, 1) < 0;
}

#ifdef KERNEL_CONTRACTS
#define resumed_check(tf, nr, ret) syscall_contract_check(tf, nr, (uint32_t)(ret))
#else
#define resumed_check(tf, nr, ret) ((void)0)
#endif

/* A parked caller runs again without its answer in its frame: its call ended on the slow path
 * (answer, EPIPE), or its deadline passed. Finishes its amc_call or amc_call_buf. */
void amc_call_resumed(void)
{
    struct proc *self = current_proc();
    struct amc_call *c = &self->amc.call;
    self->parked = 0;
    if (c->phase != AMC_CALL_DONE)
        wait_for_answer(self, c);
    self->wake_tick = 0;
    struct trap_frame *tf = self->tf;
    int32_t r = c->result;
    tf->eax = (uint32_t)r;
    if (c->regs) { /* as shim_amc_call: the extra results are 0 on an error */
        tf->edx = r >= 0 ? c->words[1] : 0;
        tf->ecx = r >= 0 ? c->words[2] : 0;
    }
    c->server = 0;
    c->phase = AMC_CALL_IDLE;
    resumed_check(tf, c->regs ? SYS_amc_call : SYS_amc_call_buf, r);
}

/* A parked server runs again without a request in its buffer: something arrived on the slow
 * path (a call or a plain message). Finishes its amc_reply_wait: the frame still holds its
 * arguments, and its buffer is still probed. */
void amc_serve_resumed(void)
{
    struct proc *self = current_proc();
    struct trap_frame *tf = self->tf;
    struct amc_service *s = self->service; /* still its own: only its end drops it */
    self->parked = 0;
    s->serving = 0;
    struct sys_amc_reply_wait_results res = {0};
    int32_t r = serve_next(s, 0, tf->ecx, tf->esi, &res);
    tf->eax = (uint32_t)r;
    tf->edx = res.caller;
    tf->ecx = (uint32_t)res.pid;
    resumed_check(tf, SYS_amc_reply_wait, r);
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
