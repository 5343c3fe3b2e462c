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
#include "x86.h"

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
    X(P_PD, offsetof(struct proc, pd)) \
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
    X(KERNEL_BASE, KERNEL_BASE) \
    X(PROC_BLOCKED, PROC_BLOCKED) \
    X(PROC_RUNNING, PROC_RUNNING) \
    X(CALL_TAKEN, AMC_CALL_TAKEN) \
    X(CALL_IDLE, AMC_CALL_IDLE) \
    X(FOREVER, AMC_FOREVER) \
    X(CALL_WORDS, AMC_CALL_WORDS) \
    X(IO_MAX, IO_MAX) \
    X(USER_LOW, ABI_USER_LOW) \
    X(USER_HIGH, ABI_USER_HIGH) \
    X(HANDLE_SLOTS, AMC_HANDLE_SLOTS) \
    X(SLOT_MASK, (NPROC - 1)) \
    X(BADGE_STEP, NPROC) \
    X(CR0_TS, CR0_TS)
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
 * The switch, from the process in ebp (already parked) to the one in edi, whose trap frame is
 * at edx: what proc_park_switch does for next. Clobbers ecx. The lazy FPU mode's part is out of
 * line, at label 8, and comes back to label 1.
 */
#define SWITCH_TO_EDI                                                                              \
    "movl $0, AMC_F_P_PARKED(%edi)\n\t"                                                            \
    "movl $AMC_F_PROC_RUNNING, AMC_F_P_STATE(%edi)\n\t"                                            \
    "movl $0, AMC_F_P_CHAN(%edi)\n\t"                                                              \
    "movl AMC_F_P_SLICE(%ebp), %ecx\n\t" /* the rest of the slice */                               \
    "movl %ecx, AMC_F_P_SLICE(%edi)\n\t"                                                           \
    "movl %edi, current\n\t"                                                                       \
    "leal AMC_F_TF_SIZE(%edx), %ecx\n\t" /* its frame is at the top of its stack */                \
    "movl %ecx, kernel_tss+AMC_F_TSS_ESP0\n\t"                                                     \
    "movl AMC_F_P_PD(%edi), %ecx\n\t"                                                              \
    "subl $AMC_F_KERNEL_BASE, %ecx\n\t"                                                            \
    "movl %ecx, %cr3\n\t"                                                                          \
    "movl fpu_loaded, %ecx\n\t"                                                                    \
    "cmpl %ecx, %edi\n\t"                                                                          \
    "je 1f\n\t"                                                                                    \
    "cmpl $0, fpu_lazy\n\t"                                                                        \
    "jne 8f\n\t"                                                                                   \
    "fxsave AMC_F_P_FPU(%ecx)\n\t"                                                                 \
    "fxrstor AMC_F_P_FPU(%edi)\n\t"                                                                \
    "movl %edi, fpu_loaded\n"                                                                      \
    "1:\t"

/* The lazy FPU switch: CR0.TS set, if it is not, for the #NM trap of kernel/fpu.c. */
#define SWITCH_LAZY_FPU                                                                            \
    "8:\tcmpl $0, fpu_ts_set\n\t"                                                                  \
    "jne 1b\n\t"                                                                                   \
    "movl %cr0, %ecx\n\t"                                                                          \
    "orl $AMC_F_CR0_TS, %ecx\n\t"                                                                  \
    "movl %ecx, %cr0\n\t"                                                                          \
    "movl $1, fpu_ts_set\n\t"                                                                      \
    "jmp 1b\n"

/*
 * amc_call: ebx h, ecx disc, edx w0, esi w1, edi timeout_ms. The service must be live, its
 * server parked waiting (serving, and still blocked: a request would have woken it), the call
 * without a timeout and not the caller's first (whose badge C makes).
 */
__attribute__((naked)) void amc_regs_call(void)
{
    __asm__ volatile(
        "cmpl $AMC_F_FOREVER, %edi\n\t"
        "jne 9f\n\t"
        "cmpl $AMC_F_HANDLE_SLOTS, %ebx\n\t" /* handles below it have generation 0: none is valid */
        "jb 9f\n\t"
        "movl current, %ebp\n\t"
        "movl %ebx, %eax\n\t" /* the handle's slot: index * 12 */
        "andl $AMC_F_HANDLE_SLOTS-1, %eax\n\t"
        "leal (%eax,%eax,2), %eax\n\t"
        "leal AMC_F_P_HANDLES(%ebp,%eax,4), %eax\n\t"
        "shrl $4, %ebx\n\t" /* its generation */
        "cmpl %ebx, AMC_F_H_GEN(%eax)\n\t"
        "jne 9f\n\t"
        "movl AMC_F_H_ID(%eax), %ebx\n\t"
        "testl %ebx, %ebx\n\t" /* closed */
        "jz 9f\n\t"
        "movl AMC_F_H_SERVICE(%eax), %eax\n\t"
        "cmpl %ebx, AMC_F_S_ID(%eax)\n\t" /* stale: the registration ended */
        "jne 9f\n\t"
        "cmpl $0, AMC_F_S_SERVING(%eax)\n\t"
        "je 9f\n\t"
        "movl AMC_F_S_OWNER(%eax), %edi\n\t"
        "cmpl $0, AMC_F_P_PARKED(%edi)\n\t"
        "je 9f\n\t"
        "cmpl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%edi)\n\t"
        "jne 9f\n\t"
        "movl AMC_F_P_NEXT_BADGE(%ebp), %ebx\n\t"
        "testl %ebx, %ebx\n\t"
        "jz 9f\n\t"
        /* Committed. The call: a new badge, taken by the server at once. */
        "addl $AMC_F_BADGE_STEP, %ebx\n\t"
        "movl %ebx, AMC_F_P_NEXT_BADGE(%ebp)\n\t"
        "movl %ebx, AMC_F_C_BADGE(%ebp)\n\t"
        "movl %eax, AMC_F_C_SERVER(%ebp)\n\t"
        "movl $AMC_F_CALL_TAKEN, AMC_F_C_PHASE(%ebp)\n\t"
        "movl $1, AMC_F_C_REGS(%ebp)\n\t"
        "movl $0, AMC_F_S_SERVING(%eax)\n\t"
        /* The server's results: the request's size, the badge, the caller's pid. */
        "movl AMC_F_P_TF(%edi), %edx\n\t"
        "movl AMC_F_TF_ECX(%edx), %esi\n\t" /* its buffer */
        "movl $AMC_F_CALL_WORDS, AMC_F_TF_EAX(%edx)\n\t"
        "movl %ebx, AMC_F_TF_EDX(%edx)\n\t"
        "movl AMC_F_P_PID(%ebp), %ecx\n\t"
        "movl %ecx, AMC_F_TF_ECX(%edx)\n\t"
        /* The caller parks, blocked on its call, to resume in amc_call_resume. */
        "leal AMC_F_FRAME-4(%esp), %ecx\n\t"
        "movl $amc_call_resume, (%ecx)\n\t"
        "movl %ecx, AMC_F_P_CONTEXT(%ebp)\n\t"
        "movl $1, AMC_F_P_PARKED(%ebp)\n\t"
        "movl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%ebp)\n\t"
        "leal AMC_F_P_CALL(%ebp), %ecx\n\t"
        "movl %ecx, AMC_F_P_CHAN(%ebp)\n\t" SWITCH_TO_EDI
        /* The request into the server's buffer (its address space now; probed by its fast
         * path), from the caller's frame, which is kernel memory. */
        "movl AMC_F_FRAME+AMC_F_TF_ECX(%esp), %ecx\n\t"
        "movl %ecx, (%esi)\n\t"
        "movl AMC_F_FRAME+AMC_F_TF_EDX(%esp), %ecx\n\t"
        "movl %ecx, 4(%esi)\n\t"
        "movl AMC_F_FRAME+AMC_F_TF_ESI(%esp), %ecx\n\t"
        "movl %ecx, 8(%esi)\n\t"
        "movl %edx, %esp\n\t"
        "jmp trap_return\n" SWITCH_LAZY_FPU "9:\tjmp amc_fast_call_entry\n");
}

/*
 * amc_reply_wait: ebx badge, ecx buf, edx len, esi cap. The server answers a register call of a
 * parked caller with a whole register answer (len AMC_CALL_WORDS, a result >= 0), and nothing
 * else waits to be received. Its buffer gets the checks of its shim, and a probe of the first
 * AMC_CALL_WORDS bytes, where the next register request goes: the C paths that may receive
 * into the rest of it copy under the exception table.
 */
__attribute__((naked)) void amc_regs_reply(void)
{
    __asm__ volatile(
        "movl current, %ebp\n\t"
        "movl AMC_F_P_SERVICE(%ebp), %eax\n\t"
        "testl %eax, %eax\n\t"
        "jz 9f\n\t"
        "testl %ebx, %ebx\n\t" /* AMC_NO_CALL: nothing to answer */
        "jz 9f\n\t"
        "cmpl $0, AMC_F_S_CALLS(%eax)\n\t"
        "jne 9f\n\t"
        "cmpl $0, AMC_F_S_HEAD(%eax)\n\t"
        "jne 9f\n\t"
        "cmpl $AMC_F_CALL_WORDS, %edx\n\t"
        "jne 9f\n\t"
        "leal -AMC_F_CALL_WORDS(%esi), %edi\n\t" /* cap in [AMC_CALL_WORDS, IO_MAX] */
        "cmpl $AMC_F_IO_MAX-AMC_F_CALL_WORDS, %edi\n\t"
        "ja 9f\n\t"
        "leal -AMC_F_USER_LOW(%ecx), %edi\n\t" /* [buf, buf + cap) in user space */
        "movl $AMC_F_USER_HIGH-AMC_F_USER_LOW, %edx\n\t"
        "subl %esi, %edx\n\t"
        "cmpl %edx, %edi\n\t"
        "ja 9f\n"
        "2:\torb $0, (%ecx)\n" /* write probes (kernel/uaccess.h) */
        "3:\torb $0, AMC_F_CALL_WORDS-1(%ecx)\n\t"
        ".pushsection uaccess_fixups, \"a\"\n\t.balign 4\n\t"
        ".long 2b, 9f\n\t.long 3b, 9f\n\t.popsection\n\t"
        "movl %ebx, %edi\n\t" /* the caller: the badge's slot */
        "andl $AMC_F_SLOT_MASK, %edi\n\t"
        "imull $AMC_F_P_SIZE, %edi, %edi\n\t"
        "addl $procs, %edi\n\t"
        "cmpl %ebx, AMC_F_C_BADGE(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl %eax, AMC_F_C_SERVER(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl $AMC_F_CALL_TAKEN, AMC_F_C_PHASE(%edi)\n\t"
        "jne 9f\n\t"
        "cmpl $0, AMC_F_C_REGS(%edi)\n\t"
        "je 9f\n\t"
        "cmpl $0, AMC_F_P_PARKED(%edi)\n\t"
        "je 9f\n\t"
        "cmpl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%edi)\n\t" /* its deadline woke it: C */
        "jne 9f\n\t"
        "movl (%ecx), %ebx\n\t" /* the result */
        "testl %ebx, %ebx\n\t"
        "js 9f\n\t"
        /* Committed. The answer into the caller's frame; its call is over. */
        "movl AMC_F_P_TF(%edi), %edx\n\t"
        "movl %ebx, AMC_F_TF_EAX(%edx)\n\t"
        "movl 4(%ecx), %ebx\n\t"
        "movl %ebx, AMC_F_TF_EDX(%edx)\n\t"
        "movl 8(%ecx), %ebx\n\t"
        "movl %ebx, AMC_F_TF_ECX(%edx)\n\t"
        "movl $0, AMC_F_C_SERVER(%edi)\n\t"
        "movl $AMC_F_CALL_IDLE, AMC_F_C_PHASE(%edi)\n\t"
        "movl $0, AMC_F_P_WAKE(%edi)\n\t"
        "movl %esi, AMC_F_S_MAX_REQUEST(%eax)\n\t"
        "movl $1, AMC_F_S_SERVING(%eax)\n\t"
        /* The server parks, blocked on its service, to resume in amc_serve_resume. */
        "leal AMC_F_FRAME-4(%esp), %ecx\n\t"
        "movl $amc_serve_resume, (%ecx)\n\t"
        "movl %ecx, AMC_F_P_CONTEXT(%ebp)\n\t"
        "movl $1, AMC_F_P_PARKED(%ebp)\n\t"
        "movl $AMC_F_PROC_BLOCKED, AMC_F_P_STATE(%ebp)\n\t"
        "movl %eax, AMC_F_P_CHAN(%ebp)\n\t" SWITCH_TO_EDI "movl %edx, %esp\n\t"
        "jmp trap_return\n" SWITCH_LAZY_FPU "9:\tjmp amc_fast_reply_wait_entry\n");
}
