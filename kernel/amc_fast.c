/*
 * The register round trip in assembly: amc_call to a server parked in amc_reply_wait, and that
 * server's amc_reply_wait answering a parked register caller with a whole register answer. The
 * stub of kernel/trap.asm calls these for amc_call and amc_reply_wait (kernel/syscall.c's
 * table) with the user's registers still in place, the trap frame above the stub's room.
 *
 * They do what the C fast paths of kernel/amc_call.c do for that one case (the comments there
 * say why each step is safe), without C's frames: each test that the common case passes in one
 * or two instructions, the results stored straight into the partner's trap frame, the request
 * into the server's buffer, the current process parked (kernel/proc_switch.h), then the switch
 * (state, current, TSS, CR3, FPU) and the partner's frame popped by trap_return. Every other
 * case jumps, before anything is changed, to the C fast path (kernel/trap.asm's
 * amc_fast_NAME_entry), which falls back to the slow path in turn: a timeout, a first call, a
 * partner not parked, a buffer call, a refusal, a short answer, a bad badge, a fault.
 *
 * Assembly in naked functions so that every offset and constant comes from the C definitions
 * (the "i" operands below): nothing here is written twice.
 */
#include <stddef.h>

#include "amc_impl.h"
#include "fpu.h"
#include "gdt.h"
#include "memlayout.h"

void amc_regs_call(void);
void amc_regs_reply(void);

/* The trap frame, seen from these entries: above their return address and the stub's room
 * (kernel/syscall_desc.h's struct syscall_room: its size is checked in kernel/syscall.c). */
#define FRAME (4 + 4 * ABI_MAX_ARGS)

/* Every offset and constant the templates name, as the assembler symbol AMC_F_NAME: defined
 * once, here, from the C definitions (in two tables: an asm statement takes at most 30
 * operands). */
// clang-format off
#define AMC_FAST_LAYOUT_1(X) \
    X(P_STATE, offsetof(struct proc, state)) \
    X(P_PID, offsetof(struct proc, pid)) \
    X(P_CR3, offsetof(struct proc, cr3)) \
    X(P_CONTEXT, offsetof(struct proc, context)) \
    X(P_TF, offsetof(struct proc, tf)) \
    X(P_CHAN, offsetof(struct proc, wait_chan)) \
    X(P_WAKE, offsetof(struct proc, wake_tick)) \
    X(P_SLICE, offsetof(struct proc, slice_left)) \
    X(P_PARKED, offsetof(struct proc, parked)) \
    X(P_SERVICE, offsetof(struct proc, service)) \
    X(P_HANDLES, offsetof(struct proc, amc.handles)) \
    X(P_NEXT_BADGE, offsetof(struct proc, amc.next_badge)) \
    X(P_FPU, offsetof(struct proc, fpu)) \
    X(P_CALL, offsetof(struct proc, amc.call)) \
    X(P_SIZE, sizeof(struct proc)) \
    X(C_SERVER, offsetof(struct proc, amc.call.server)) \
    X(C_BADGE, offsetof(struct proc, amc.call.badge)) \
    X(C_PHASE, offsetof(struct proc, amc.call.phase)) \
    X(C_REGS, offsetof(struct proc, amc.call.regs)) \
    X(C_CAP, offsetof(struct proc, amc.call.cap)) \
    X(H_GEN, offsetof(struct amc_handle_slot, gen)) \
    X(H_ID, offsetof(struct amc_handle_slot, service_id)) \
    X(H_SERVICE, offsetof(struct amc_handle_slot, service)) \
    X(S_OWNER, offsetof(struct amc_service, owner)) \
    X(S_ID, offsetof(struct amc_service, id)) \
    X(S_HEAD, offsetof(struct amc_service, head))
#define AMC_FAST_LAYOUT_2(X) \
    X(S_CALLS, offsetof(struct amc_service, calls)) \
    X(S_SERVING, offsetof(struct amc_service, serving)) \
    X(S_MAX_REQUEST, offsetof(struct amc_service, max_request)) \
    X(TF_EAX, offsetof(struct trap_frame, eax)) \
    X(TF_ECX, offsetof(struct trap_frame, ecx)) \
    X(TF_EDX, offsetof(struct trap_frame, edx)) \
    X(TF_ESI, offsetof(struct trap_frame, esi)) \
    X(TF_SIZE, sizeof(struct trap_frame)) \
    X(FRAME, FRAME) \
    X(TSS_ESP0, offsetof(struct tss, esp0)) \
    X(PROC_BLOCKED, PROC_BLOCKED) \
    X(PROC_RUNNING, PROC_RUNNING) \
    X(CALL_TAKEN, AMC_CALL_TAKEN) \
    X(CALL_IDLE, AMC_CALL_IDLE) \
    X(FOREVER, AMC_FOREVER) \
    X(CALL_WORDS, AMC_CALL_WORDS) \
    X(PAGE_SIZE, PAGE_SIZE) \
    X(USER_LOW, ABI_USER_LOW) \
    X(USER_HIGH, ABI_USER_HIGH) \
    X(HANDLE_SLOTS, AMC_HANDLE_SLOTS) \
    X(SLOT_MASK, (NPROC - 1)) \
    X(BADGE_STEP, NPROC)
// clang-format on
#define EQU(name, value) ".equ AMC_F_" #name ", %c[o_" #name "]\n\t"
#define OP(name, value) [o_##name] "i"(value),
__attribute__((naked, used)) static void amc_fast_layout(void)
{
    __asm__ volatile(AMC_FAST_LAYOUT_1(EQU)::AMC_FAST_LAYOUT_1(OP)[o_end] "i"(0));
    __asm__ volatile(AMC_FAST_LAYOUT_2(EQU)::AMC_FAST_LAYOUT_2(OP)[o_end] "i"(0));
}

_Static_assert(sizeof(struct amc_handle_slot) == 12, "a handle slot is found as index * 3 * 4");
_Static_assert(AMC_HANDLE_SLOTS == 16,
               "a handle's index is its low 4 bits, its generation the rest");
_Static_assert(NPROC == 64, "a badge's slot is its low 6 bits (kernel/amc_call.c)");
_Static_assert(sizeof(enum proc_state) == 4 && sizeof(((struct proc *)0)->parked) == 4,
               "compared as longs");

/*
 * The switch to the process in edi, whose trap frame is at tf (a register), after the current
 * one, in ebp, is parked: what proc_park_switch does, with the eager FPU switch
 * (kernel/syscall.c leaves these paths out under fpu=lazy). Clobbers ebp.
 */
#define SWITCH_TO_EDI(tf)                                                                          \
    "movl $0, AMC_F_P_PARKED(%edi)\n\t"                                                            \
    "movl $AMC_F_PROC_RUNNING, AMC_F_P_STATE(%edi)\n\t"                                            \
    "movl $0, AMC_F_P_CHAN(%edi)\n\t"                                                              \
    "movl AMC_F_P_SLICE(%ebp), %ebp\n\t" /* the rest of the slice */                               \
    "movl %ebp, AMC_F_P_SLICE(%edi)\n\t"                                                           \
    "movl %edi, current\n\t"                                                                       \
    "leal AMC_F_TF_SIZE(" tf "), %ebp\n\t" /* its frame is at the top of its stack */              \
    "movl %ebp, kernel_tss+AMC_F_TSS_ESP0\n\t"                                                     \
    "movl AMC_F_P_CR3(%edi), %ebp\n\t"                                                             \
    "movl %ebp, %cr3\n\t"                                                                          \
    "movl fpu_loaded, %ebp\n\t"                                                                    \
    "cmpl %ebp, %edi\n\t"                                                                          \
    "je 1f\n\t"                                                                                    \
    "fxsave AMC_F_P_FPU(%ebp)\n\t"                                                                 \
    "fxrstor AMC_F_P_FPU(%edi)\n\t"                                                                \
    "movl %edi, fpu_loaded\n"                                                                      \
    "1:\t"

/* Into ring 3 through the trap frame at tf: trap_return (kernel/trap.asm), inline. */
#define RETURN_THROUGH(tf)                                                                         \
    "movl " tf ", %esp\n\t"                                                                        \
    "popl %gs\n\t"                                                                                 \
    "popl %fs\n\t"                                                                                 \
    "popl %es\n\t"                                                                                 \
    "popl %ds\n\t"                                                                                 \
    "popal\n\t"                                                                                    \
    "addl $8, %esp\n\t" /* vector and error */                                                     \
    "iret\n"

/*
 * amc_call: ebx h, ecx disc, edx w0, esi w1, edi timeout_ms. The handle's service must be live
 * and its server parked in amc_reply_wait and still blocked on the service (a request would
 * have woken it: wakes clear wait_chan; only its owner blocks on a service, and only its fast
 * amc_reply_wait parks there), the call without a timeout.
 */
__attribute__((naked)) void amc_regs_call(void)
{
    __asm__ volatile(
        "cmpl $AMC_F_FOREVER, %edi\n\t"
        "jne 9f\n\t"
        "movl current, %ebp\n\t"
        "movl %ebx, %eax\n\t" /* the handle's slot: index * 12 */
        "andl $AMC_F_HANDLE_SLOTS-1, %eax\n\t"
        "leal (%eax,%eax,2), %eax\n\t"
        "leal AMC_F_P_HANDLES(%ebp,%eax,4), %eax\n\t"
        "shrl $4, %ebx\n\t" /* its generation (never-used slots have 0, and no service) */
        "cmpl %ebx, AMC_F_H_GEN(%eax)\n\t"
        "jne 9f\n\t"
        "movl AMC_F_H_ID(%eax), %ebx\n\t"
        "testl %ebx, %ebx\n\t" /* closed */
        "jz 9f\n\t"
        "movl AMC_F_H_SERVICE(%eax), %eax\n\t"
        "cmpl %ebx, AMC_F_S_ID(%eax)\n\t" /* stale: that registration ended */
        "jne 9f\n\t"
        "movl AMC_F_S_OWNER(%eax), %edi\n\t"
        "cmpl $0, AMC_F_P_PARKED(%edi)\n\t"
        "je 9f\n\t"
        "cmpl %eax, AMC_F_P_CHAN(%edi)\n\t"
        "jne 9f\n\t"
        /* Committed. The call: a new badge, taken by the server at once. */
        "movl $0, AMC_F_S_SERVING(%eax)\n\t"
        "movl %eax, AMC_F_C_SERVER(%ebp)\n\t"
        "movl AMC_F_P_NEXT_BADGE(%ebp), %ebx\n\t"
        "addl $AMC_F_BADGE_STEP, %ebx\n\t"
        "movl %ebx, AMC_F_P_NEXT_BADGE(%ebp)\n\t"
        "movl %ebx, AMC_F_C_BADGE(%ebp)\n\t"
        "movl $AMC_F_CALL_TAKEN, AMC_F_C_PHASE(%ebp)\n\t"
        "movl $1, AMC_F_C_REGS(%ebp)\n\t"
        /* The server's results: the request's size, the badge, the caller's pid. */
        "movl AMC_F_P_TF(%edi), %eax\n\t"
        "movl %ebx, AMC_F_TF_EDX(%eax)\n\t"
        "movl AMC_F_TF_ECX(%eax), %ebx\n\t" /* its buffer */
        "movl $AMC_F_CALL_WORDS, AMC_F_TF_EAX(%eax)\n\t"
        "pushl AMC_F_P_PID(%ebp)\n\t"
        "popl AMC_F_TF_ECX(%eax)\n\t"
        /* The caller parks, blocked on its call, to resume in amc_call_resume (no register
         * is free: the addresses are made in place). */
        "movl $amc_call_resume, AMC_F_FRAME-4(%esp)\n\t"
        "movl %esp, AMC_F_P_CONTEXT(%ebp)\n\t"
        "addl $AMC_F_FRAME-4, AMC_F_P_CONTEXT(%ebp)\n\t"
        "movl $1, AMC_F_P_PARKED(%ebp)\n\t"
        "movl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%ebp)\n\t"
        "movl %ebp, AMC_F_P_CHAN(%ebp)\n\t"
        "addl $AMC_F_P_CALL, AMC_F_P_CHAN(%ebp)\n\t" SWITCH_TO_EDI("%eax")
        /* The request into the server's buffer, in its address space now (its fast path
         * probed it). */
        "movl %ecx, (%ebx)\n\t"
        "movl %edx, 4(%ebx)\n\t"
        "movl %esi, 8(%ebx)\n\t" RETURN_THROUGH("%eax") "9:\tjmp amc_fast_call_entry\n");
}

/* Copies the answer buf[0..len) of the current process into caller c's buffer (kernel/amc_call.c);
 * 1 on a fault (nothing is changed then). */
__attribute__((regparm(3))) uint32_t amc_copy_answer(struct proc *c, uint32_t len, uint32_t buf);

/*
 * amc_reply_wait: ebx badge, ecx buf, edx len, esi cap. The server answers a call of a parked
 * caller without a deadline (one with a deadline may have been woken by it: C), and nothing
 * else waits to be received. A register call takes a whole register answer (len
 * AMC_CALL_WORDS) into the caller's frame, a buffer call an answer that fits its buffer,
 * copied once, straight into it; a refusal (a negative first word) goes to C. The buffer gets
 * its shim's checks and probes, for a cap of at most a page (two probes then cover it whole,
 * which the C paths that receive into it later rely on; larger buffers go to C).
 */
__attribute__((naked)) void amc_regs_reply(void)
{
    __asm__ volatile(
        "movl current, %ebp\n\t"
        "leal -AMC_F_CALL_WORDS(%esi), %edi\n\t" /* cap in [AMC_CALL_WORDS, PAGE_SIZE] */
        "cmpl $AMC_F_PAGE_SIZE-AMC_F_CALL_WORDS, %edi\n\t"
        "ja 9f\n\t"
        "leal -AMC_F_USER_LOW(%ecx), %edi\n\t" /* [buf, buf + cap) in user space */
        "movl $AMC_F_USER_HIGH-AMC_F_USER_LOW, %eax\n\t"
        "subl %esi, %eax\n\t"
        "cmpl %eax, %edi\n\t"
        "ja 9f\n"
        "2:\torb $0, (%ecx)\n" /* write probes, as kernel/uaccess.h's */
        "3:\torb $0, -1(%ecx,%esi)\n\t"
        ".pushsection uaccess_fixups, \"a\"\n\t.balign 4\n\t"
        ".long 2b, 9f\n\t.long 3b, 9f\n\t.popsection\n\t"
        /* The call answered, in the badge's slot: taken by this service (so the service
         * exists: a process without one has no call that names NULL as its server), its
         * caller parked and without a deadline. */
        "movl %ebx, %edi\n\t"
        "andl $AMC_F_SLOT_MASK, %edi\n\t"
        "imull $AMC_F_P_SIZE, %edi, %edi\n\t"
        "addl $procs, %edi\n\t"
        "movl AMC_F_P_SERVICE(%ebp), %eax\n\t"
        "cmpl %ebx, AMC_F_C_BADGE(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl %eax, AMC_F_C_SERVER(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl $AMC_F_CALL_TAKEN, AMC_F_C_PHASE(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl $0, AMC_F_P_PARKED(%edi)\n\t"
        "je 9f\n\t"
        "cmpl $0, AMC_F_P_WAKE(%edi)\n\t"
        "jne 9f\n\t"
        "movl AMC_F_S_CALLS(%eax), %ebx\n\t" /* nothing else to receive */
        "orl AMC_F_S_HEAD(%eax), %ebx\n\t"
        "jnz 9f\n\t"
        "cmpl $0, AMC_F_C_REGS(%edi)\n\t"
        "je 4f\n\t"
        "cmpl $AMC_F_CALL_WORDS, %edx\n\t"
        "jne 9f\n\t"
        "movl (%ecx), %ebx\n\t" /* the result */
        "testl %ebx, %ebx\n\t"
        "js 9f\n\t"
        /* Committed: the answer into the caller's frame. */
        "movl AMC_F_P_TF(%edi), %edx\n\t"
        "movl %ebx, AMC_F_TF_EAX(%edx)\n\t"
        "movl 4(%ecx), %ebx\n\t"
        "movl %ebx, AMC_F_TF_EDX(%edx)\n\t"
        "movl 8(%ecx), %ebx\n\t"
        "movl %ebx, AMC_F_TF_ECX(%edx)\n"
        /* Its call is over; the server parks, blocked on its service, to resume in
         * amc_serve_resume. */
        "5:\tmovl $0, AMC_F_C_SERVER(%edi)\n\t"
        "movl $AMC_F_CALL_IDLE, AMC_F_C_PHASE(%edi)\n\t"
        "movl %esi, AMC_F_S_MAX_REQUEST(%eax)\n\t"
        "movl $1, AMC_F_S_SERVING(%eax)\n\t"
        "movl %eax, AMC_F_P_CHAN(%ebp)\n\t"
        "movl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%ebp)\n\t"
        "movl $1, AMC_F_P_PARKED(%ebp)\n\t"
        "movl $amc_serve_resume, AMC_F_FRAME-4(%esp)\n\t"
        "leal AMC_F_FRAME-4(%esp), %eax\n\t"
        "movl %eax, AMC_F_P_CONTEXT(%ebp)\n\t" SWITCH_TO_EDI("%edx") RETURN_THROUGH("%edx")
        /* A buffer call: an answer of 4 bytes up to the caller's cap, copied into its buffer
         * (C: it looks up the caller's page), then its length into the caller's frame. */
        "4:\tcmpl $4, %edx\n\t"
        "jb 9f\n\t"
        "cmpl %esi, %edx\n\t" /* len <= cap */
        "ja 9f\n\t"
        "cmpl AMC_F_C_CAP(%edi), %edx\n\t"
        "ja 9f\n\t"
        "cmpl $0, (%ecx)\n\t"
        "jl 9f\n\t"
        "movl %edi, %eax\n\t"
        "call amc_copy_answer\n\t" /* keeps ebx esi edi ebp */
        "testl %eax, %eax\n\t"
        "jnz 9f\n\t"
        "movl AMC_F_P_TF(%edi), %edx\n\t"               /* committed */
        "movl AMC_F_FRAME+AMC_F_TF_EDX(%esp), %ecx\n\t" /* len */
        "movl %ecx, AMC_F_TF_EAX(%edx)\n\t"
        "movl AMC_F_P_SERVICE(%ebp), %eax\n\t"
        "jmp 5b\n"
        "9:\tjmp amc_fast_reply_wait_entry\n");
}
