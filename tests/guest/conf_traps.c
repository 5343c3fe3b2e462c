/*
 * Hand-written conformance: ring 3 cannot reach ring 0 except through the syscall gate.
 *
 * `int N` for a sample of vectors other than the syscall trap (CPU exceptions, the remapped IRQ
 * lines, unused vectors) must raise a general-protection fault (vector 13), because every gate
 * but 0x80 has DPL 0 or is not present. Far jumps, calls and returns, iret and segment loads that
 * name the kernel's selectors (code 0x08, data 0x10) or made-up ones, and port I/O, must fault the
 * same way. Each attempt runs in a forked child: the child is killed, its parent (this test)
 * goes on, and the kernel is unharmed: no frames, heap or processes are lost.
 */
#include "gtest.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

/* One function per attempt: each must fault before returning. */
#define INT_ATTEMPT(n)                                                                             \
    static void int_##n(void)                                                                      \
    {                                                                                              \
        __asm__ volatile("int $" #n);                                                              \
    }
INT_ATTEMPT(0x00)
INT_ATTEMPT(0x03)
INT_ATTEMPT(0x08)
INT_ATTEMPT(0x0d)
INT_ATTEMPT(0x0e)
INT_ATTEMPT(0x20)
INT_ATTEMPT(0x21)
INT_ATTEMPT(0x2f)
INT_ATTEMPT(0x30)
INT_ATTEMPT(0x81)
INT_ATTEMPT(0xff)

static void far_jmp_kernel_cs(void)
{
    __asm__ volatile("ljmp $0x08, $0");
}
static void far_call_kernel_cs(void)
{
    __asm__ volatile("lcall $0x08, $0");
}

/* An iret frame (eip, cs, eflags) that returns to the next instruction with the given cs. */
#define IRET_TO(cs)                                                                                \
    __asm__ volatile("pushfl\n\tpushl $" #cs "\n\tpushl $1f\n\tiret\n1:" ::: "memory", "cc")
static void iret_kernel_cs(void)
{
    IRET_TO(0x08);
}
static void iret_kernel_cs_rpl3(void)
{
    IRET_TO(0x0b);
}

static void retf_kernel_cs(void)
{
    __asm__ volatile("pushl $0x08\n\tpushl $1f\n\tlret\n1:" ::: "memory");
}

static void load_ds_kernel(void)
{
    __asm__ volatile("movw %0, %%ds" ::"r"((uint16_t)KERNEL_DS));
}

static void load_ss_kernel(void)
{
    __asm__ volatile("movw %0, %%ss" ::"r"((uint16_t)KERNEL_DS));
}

static void load_es_kernel_rpl3(void)
{
    __asm__ volatile("movw %0, %%es" ::"r"((uint16_t)(KERNEL_DS | 3)));
}

/* Selectors no descriptor stands behind: the null selector, one past the end of the GDT, and an
 * LDT one (the kernel has no LDT). */
static void lcall_null_selector(void)
{
    __asm__ volatile("lcall $0x0000, $0");
}
static void lcall_past_gdt(void)
{
    __asm__ volatile("lcall $0xfff8, $0");
}
static void lcall_ldt_selector(void)
{
    __asm__ volatile("lcall $0x1234, $0");
}

/* Port 0xf4 is QEMU's exit device: if user code could write it, the whole machine would stop. */
static void out_exit_port(void)
{
    __asm__ volatile("outb %%al, $0xf4" ::"a"(0));
}
static void in_serial_port(void)
{
    uint8_t v;
    __asm__ volatile("inb $0xfd, %0" : "=a"(v));
}

static struct kstat at_start;

/* Runs attempt in a child and checks that the child, and only the child, died of a CPU fault
 * (vector, or also also_ok when that is not 0) at a user-space instruction. */
static void expect_fault(void (*attempt)(void), uint32_t vector, uint32_t also_ok)
{
    int32_t pid = fork();
    if (pid == 0) {
        attempt();
        exit(100); /* no fault: the attempt went through */
    }
    CHECK(pid > 0);
    struct wait_info info;
    CHECK_EQ(waitpid(pid, &info, 0), pid);
    CHECK(info.cause != WAIT_EXITED); /* exit status 100 would mean no fault at all */
    CHECK_EQ(info.cause, WAIT_FAULTED);
    if (!(also_ok && info.vector == also_ok))
        CHECK_EQ(info.vector, vector);
    CHECK(info.eip >= ABI_USER_LOW && info.eip < ABI_USER_HIGH);
    CHECK(getpid() > 1); /* and this process is still here */
}

#define GP_TEST(name, fn)                                                                          \
    static void test_##name(void)                                                                  \
    {                                                                                              \
        expect_fault(fn, 13, 0);                                                                   \
    }
GP_TEST(int_0x00, int_0x00)
GP_TEST(int_0x03, int_0x03)
GP_TEST(int_0x08, int_0x08)
GP_TEST(int_0x0d, int_0x0d)
GP_TEST(int_0x0e, int_0x0e)
GP_TEST(int_0x20, int_0x20)
GP_TEST(int_0x21, int_0x21)
GP_TEST(int_0x2f, int_0x2f)
GP_TEST(int_0x30, int_0x30)
GP_TEST(int_0x81, int_0x81)
GP_TEST(int_0xff, int_0xff)
GP_TEST(far_jmp, far_jmp_kernel_cs)
GP_TEST(far_call, far_call_kernel_cs)
GP_TEST(iret, iret_kernel_cs)
GP_TEST(iret_rpl3, iret_kernel_cs_rpl3)
GP_TEST(retf, retf_kernel_cs)
GP_TEST(ds, load_ds_kernel)
GP_TEST(ss, load_ss_kernel)
GP_TEST(es_rpl3, load_es_kernel_rpl3)
GP_TEST(lcall_null, lcall_null_selector)
GP_TEST(lcall_past_gdt, lcall_past_gdt)

/* An LDT selector: the kernel loads a null LDTR (gdt.c), so the lookup fails with #GP rather than
 * reading a descriptor from wherever the reset LDTR base (0) points. */
GP_TEST(lcall_ldt_selector, lcall_ldt_selector)
GP_TEST(out, out_exit_port)
GP_TEST(in, in_serial_port)

/* The syscall gate itself still works from ring 3, and nothing leaked on the way. */
static void test_kernel_fine(void)
{
    struct kstat now;
    CHECK_EQ(syscall_raw(SYS_getpid, 0, 0, 0), getpid());
    CHECK_EQ(kstat(&now), 0);
    CHECK_EQ(now.frames_free, at_start.frames_free);
    CHECK_EQ(now.heap_used, at_start.heap_used);
    CHECK_EQ(now.procs, at_start.procs);
}

static const struct gtest tests[] = {
    {"conf_int_0x00_gp", test_int_0x00},
    {"conf_int_0x03_gp", test_int_0x03},
    {"conf_int_0x08_gp", test_int_0x08},
    {"conf_int_0x0d_gp", test_int_0x0d},
    {"conf_int_0x0e_gp", test_int_0x0e},
    {"conf_int_0x20_gp", test_int_0x20},
    {"conf_int_0x21_gp", test_int_0x21},
    {"conf_int_0x2f_gp", test_int_0x2f},
    {"conf_int_0x30_gp", test_int_0x30},
    {"conf_int_0x81_gp", test_int_0x81},
    {"conf_int_0xff_gp", test_int_0xff},
    {"conf_far_jmp_kernel_cs_gp", test_far_jmp},
    {"conf_far_call_kernel_cs_gp", test_far_call},
    {"conf_iret_kernel_cs_gp", test_iret},
    {"conf_iret_kernel_cs_rpl3_gp", test_iret_rpl3},
    {"conf_retf_kernel_cs_gp", test_retf},
    {"conf_load_ds_kernel_gp", test_ds},
    {"conf_load_ss_kernel_gp", test_ss},
    {"conf_load_es_kernel_rpl3_gp", test_es_rpl3},
    {"conf_lcall_null_selector_gp", test_lcall_null},
    {"conf_lcall_past_gdt_gp", test_lcall_past_gdt},
    {"conf_lcall_ldt_selector_killed", test_lcall_ldt_selector},
    {"conf_out_exit_port_gp", test_out},
    {"conf_in_serial_port_gp", test_in},
    {"conf_kernel_fine_after_traps", test_kernel_fine},
};

int main(void)
{
    kstat(&at_start);
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
