/*
 * CPU corner cases a hostile program can set up around the kernel's entry points. Each runs in a
 * forked child and must end the way the test says: killed with a one-line report for a trap
 * that is the program's own doing (single-step, icebp, bound, int3, NT + iret, far calls to the
 * TSS selectors), or carried on correctly where the kernel must simply cope (a bad esp across
 * syscalls and interrupts, DF=1 or NT=1 at a syscall, MOV SS / POP SS with TF set right before
 * int 0x80, whose debug trap lands in ring 0). The kernel must never panic, and every test
 * restores the kstat baseline.
 */
#include "gtest.h"

#define EFLAGS_TF 0x100u
#define EFLAGS_DF 0x400u
#define EFLAGS_NT 0x4000u
#define SEG_TSS 0x28    /* kernel/gdt.h */
#define SEG_DF_TSS 0x30 /* the double-fault task's TSS */
#define SPIN_MS 30

uint32_t saved_esp; /* named in asm: where a test keeps its real esp */
static volatile uint32_t sink;

/* Runs fn in a child; the child exits with fn's result. Returns how it ended. */
static int run_fn(uint32_t fn)
{
    return ((int (*)(void))(uintptr_t)fn)();
}

static struct wait_info run_child(int (*fn)(void))
{
    struct wait_info info = {0};
    int32_t pid = gt_fork(run_fn, (uint32_t)(uintptr_t)fn);
    waitpid(pid, &info, 0);
    return info;
}

#define CHECK_KILLED_BY(fn, vec)                                                                   \
    do {                                                                                           \
        gt_baseline_take();                                                                        \
        struct wait_info info_ = run_child(fn);                                                    \
        CHECK_EQ(info_.cause, WAIT_FAULTED);                                                       \
        CHECK_EQ(info_.vector, vec);                                                               \
        CHECK_BASELINE();                                                                          \
    } while (0)

#define CHECK_EXITS_0(fn)                                                                          \
    do {                                                                                           \
        gt_baseline_take();                                                                        \
        struct wait_info info_ = run_child(fn);                                                    \
        CHECK_EQ(info_.cause, WAIT_EXITED);                                                        \
        CHECK_EQ(info_.status, 0);                                                                 \
        CHECK_BASELINE();                                                                          \
    } while (0)

/* ---- traps that kill the program ---- */

static int single_step(void)
{
    __asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\tnop\n\tnop" ::: "memory", "cc");
    return 1;
}

static int icebp(void)
{
    __asm__ volatile(".byte 0xf1");
    return 1;
}

static int int3(void)
{
    __asm__ volatile("int3");
    return 1;
}

static int bound_out_of_range(void)
{
    static int32_t limits[2] = {10, 20};
    __asm__ volatile("mov $5, %%eax\n\tbound %%eax, %0" : : "m"(limits) : "eax");
    return 1;
}

static int bound_in_range(void)
{
    static int32_t limits[2] = {10, 20};
    __asm__ volatile("mov $15, %%eax\n\tbound %%eax, %0" : : "m"(limits) : "eax");
    return 0;
}

/* NT set, then iret: a return to the previous task, which a user TSS link never names. */
static int nt_iret(void)
{
    __asm__ volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl\n\t"
                     "pushfl\n\tpushl %%cs\n\tpushl $1f\n\tiret\n1:" ::
                         : "memory", "cc");
    return 1;
}

static int lcall_tss(void)
{
    __asm__ volatile("lcall $0x28, $0");
    return 1;
}

static int ljmp_tss(void)
{
    __asm__ volatile("ljmp $0x28, $0");
    return 1;
}

static int lcall_df_tss(void)
{
    __asm__ volatile("lcall $0x30, $0");
    return 1;
}

static int int_double_fault(void)
{
    __asm__ volatile("int $8");
    return 1;
}

/* ---- cases the kernel must simply cope with ---- */

static int32_t raw_getpid(void)
{
    int32_t r;
    __asm__ volatile(ABI_TRAP_ASM : "=a"(r) : "a"(SYS_getpid) : "memory");
    return r;
}

/* MOV SS (or POP SS) delays the single-step trap past int 0x80: it is raised on the first
 * instruction of the kernel's entry stub. The kernel drops it; back in ring 3 with TF still set,
 * the next instruction traps in user mode and ends the program with vector 1. */
static int mov_ss_tf_syscall(void)
{
    __asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
                     "mov %%ss, %%cx\n\tmov %%cx, %%ss\n\t" ABI_TRAP_ASM "\n\tnop"
                     :
                     : "a"(SYS_getpid)
                     : "ecx", "memory", "cc");
    return 1;
}

static int pop_ss_tf_syscall(void)
{
    __asm__ volatile("pushfl\n\torl $0x100, (%%esp)\n\tpopfl\n\t"
                     "push %%ss\n\tpop %%ss\n\t" ABI_TRAP_ASM "\n\tnop"
                     :
                     : "a"(SYS_getpid)
                     : "memory", "cc");
    return 1;
}

/* A syscall with esp pointing at bad_esp: the CPU takes the kernel stack from the TSS, so the
 * call works; the program restores its stack afterwards. */
static int32_t syscall_with_esp(uint32_t bad_esp)
{
    int32_t r;
    __asm__ volatile("mov %%esp, saved_esp\n\t"
                     "mov %2, %%esp\n\t" ABI_TRAP_ASM "\n\t"
                     "mov saved_esp, %%esp"
                     : "=a"(r)
                     : "a"(SYS_getpid), "r"(bad_esp)
                     : "memory");
    return r;
}

static int bad_esp_syscalls(void)
{
    static const uint32_t bad[] = {0,           3,           0x00001000,  0x80000000u,
                                   0xC0000000u, 0xC0100000u, 0xFFFFFFFCu, 0xFFFFFFFFu};
    int32_t pid = getpid();
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (syscall_with_esp(bad[i]) != pid)
            return (int)i + 1;
    return 0;
}

/* Spins with esp in the kernel half while timer interrupts (and preemption) come and go. */
static int bad_esp_interrupts(void)
{
    uint32_t start = uptime_ms(), now;
    do {
        __asm__ volatile("mov %%esp, saved_esp\n\t"
                         "mov $0xC0000000, %%esp\n\t"
                         "mov $200000, %%ecx\n"
                         "1: loop 1b\n\t"
                         "mov saved_esp, %%esp" ::
                             : "ecx", "memory");
        now = uptime_ms();
    } while (now - start < SPIN_MS);
    return 0;
}

/* DF=1 at entry: the kernel's copies must still go forwards. */
static int df_set_syscalls(void)
{
    static const char text[] = "cpu: written with DF=1\n";
    struct kstat st;
    memset(&st, 0xA5, sizeof st);
    int32_t w, k, pid;
    __asm__ volatile("std\n\t" ABI_TRAP_ASM "\n\tcld"
                     : "=a"(w)
                     : "a"(SYS_write), "b"(1), "c"(text), "d"(sizeof text - 1)
                     : "memory", "cc");
    __asm__ volatile("std\n\t" ABI_TRAP_ASM "\n\tcld"
                     : "=a"(k)
                     : "a"(SYS_kstat), "b"(&st)
                     : "memory", "cc");
    __asm__ volatile("std\n\t" ABI_TRAP_ASM "\n\tcld"
                     : "=a"(pid)
                     : "a"(SYS_getpid)
                     : "memory", "cc");
    if (w != (int32_t)sizeof text - 1 || k != 0 || pid != getpid())
        return 1;
    return st.frames_total >= st.frames_free && st.procs > 0 && st.procs < 1000 ? 0 : 2;
}

/* DF stays set across a syscall: the kernel restores the flags it found. */
static int df_preserved(void)
{
    uint32_t flags;
    __asm__ volatile("std\n\t" ABI_TRAP_ASM "\n\tpushfl\n\tpopl %0\n\tcld"
                     : "=r"(flags)
                     : "a"(SYS_getpid)
                     : "memory", "cc");
    return flags & EFLAGS_DF ? 0 : 1;
}

/* NT=1 at a syscall: the kernel's own iret must not become a task return. */
static int nt_set_syscall(void)
{
    int32_t r;
    uint32_t flags;
    __asm__ volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl\n\t" ABI_TRAP_ASM "\n\t"
                     "pushfl\n\tpopl %1\n\t"
                     "pushfl\n\tandl $~0x4000, (%%esp)\n\tpopfl"
                     : "=a"(r), "=r"(flags)
                     : "a"(SYS_getpid)
                     : "memory", "cc");
    return r == getpid() && (flags & EFLAGS_NT) ? 0 : 1;
}

/* NT=1 while interrupts arrive: each interrupt's return must come back here. */
static int nt_set_interrupts(void)
{
    uint32_t start = uptime_ms();
    __asm__ volatile("pushfl\n\torl $0x4000, (%%esp)\n\tpopfl" ::: "memory", "cc");
    for (uint32_t i = 0; i < 3000000u; i++)
        sink += i;
    __asm__ volatile("pushfl\n\tandl $~0x4000, (%%esp)\n\tpopfl" ::: "memory", "cc");
    return uptime_ms() != start ? 0 : 1; /* time passed: interrupts came */
}

/* The user stack is 8 pages below 0xC0000000 with an unmapped guard page under it: running off
 * its end faults in the guard page (and the report says so), not in whatever lies below. */
#define STACK_GUARD_LOW 0xBFFF7000u
#define STACK_GUARD_HIGH 0xBFFF8000u

static __attribute__((noinline)) uint32_t recurse(uint32_t depth)
{
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    if (depth == 0xFFFFFFFFu) /* never: keeps the recursion from being called infinite */
        return 0;
    return recurse(depth + 1) + frame[0];
}

static int stack_overflow(void)
{
    return (int)recurse(0);
}

static void test_user_stack_guard(void)
{
    gt_baseline_take();
    struct wait_info info = run_child(stack_overflow);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.vector, 14);
    CHECK(info.cr2 >= STACK_GUARD_LOW && info.cr2 < STACK_GUARD_HIGH);
    CHECK_BASELINE();
}

static int raw_getpid_ok(void)
{
    return raw_getpid() == getpid() ? 0 : 1;
}

#define KILLED(name, fn, vec)                                                                      \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        CHECK_KILLED_BY(fn, vec);                                                                  \
    }
#define EXITS(name, fn)                                                                            \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        CHECK_EXITS_0(fn);                                                                         \
    }

KILLED(single_step, single_step, 1)
/* icebp is a debug trap on hardware; QEMU's TCG raises #UD for it. Either way: killed. */
static void test_icebp(void)
{
    gt_baseline_take();
    struct wait_info info = run_child(icebp);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK(info.vector == 1 || info.vector == 6);
    CHECK_BASELINE();
}
KILLED(int3, int3, 13)
KILLED(bound, bound_out_of_range, 5)
KILLED(nt_iret, nt_iret, 10)
KILLED(lcall_tss, lcall_tss, 13)
KILLED(ljmp_tss, ljmp_tss, 13)
KILLED(lcall_df_tss, lcall_df_tss, 13)
KILLED(int_double_fault, int_double_fault, 13)
KILLED(mov_ss_tf_syscall, mov_ss_tf_syscall, 1)
KILLED(pop_ss_tf_syscall, pop_ss_tf_syscall, 1)
EXITS(bound_in_range, bound_in_range)
EXITS(bad_esp_syscalls, bad_esp_syscalls)
EXITS(bad_esp_interrupts, bad_esp_interrupts)
EXITS(df_set_syscalls, df_set_syscalls)
EXITS(df_preserved, df_preserved)
EXITS(nt_set_syscall, nt_set_syscall)
EXITS(nt_set_interrupts, nt_set_interrupts)
EXITS(raw_getpid, raw_getpid_ok)

static const struct gtest tests[] = {
    {"cpu_single_step", test_single_step},
    {"cpu_icebp", test_icebp},
    {"cpu_int3", test_int3},
    {"cpu_bound", test_bound},
    {"cpu_bound_in_range", test_bound_in_range},
    {"cpu_nt_iret", test_nt_iret},
    {"cpu_lcall_tss", test_lcall_tss},
    {"cpu_ljmp_tss", test_ljmp_tss},
    {"cpu_lcall_df_tss", test_lcall_df_tss},
    {"cpu_int_double_fault", test_int_double_fault},
    {"cpu_mov_ss_tf_syscall", test_mov_ss_tf_syscall},
    {"cpu_pop_ss_tf_syscall", test_pop_ss_tf_syscall},
    {"cpu_bad_esp_syscalls", test_bad_esp_syscalls},
    {"cpu_bad_esp_interrupts", test_bad_esp_interrupts},
    {"cpu_df_set_syscalls", test_df_set_syscalls},
    {"cpu_df_preserved", test_df_preserved},
    {"cpu_nt_set_syscall", test_nt_set_syscall},
    {"cpu_nt_set_interrupts", test_nt_set_interrupts},
    {"cpu_raw_getpid", test_raw_getpid},
    {"cpu_user_stack_guard", test_user_stack_guard},
};

int main(void)
{
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
