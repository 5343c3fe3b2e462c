/*
 * Security tests: ring 3 cannot reach kernel memory through any syscall, cannot execute
 * privileged instructions, can raise no interrupt vector but the syscall gate 0x80, and cannot
 * forge the source of an amc message.
 *
 * Kernel addresses come from the kernel image at build time (tests/fuzz/kaddrs.lua): the process
 * table, the IDT, the page directory, ... and a kernel string that is never printed, which the
 * boot spec rejects in the log, so a syscall that copied kernel memory to the console fails the
 * test even if it returned the right error.
 */
#include "gtest.h"
#include "kernel_addrs.h"

#define ME "security"
#define CANARY 0xA5
#define STATE_BLOCKED 3

static uint8_t buf[1024];
static char *argv_strings; /* the lowest byte of the argv strings, at the top of the stack */

static void fill(void *p, size_t n)
{
    memset(p, CANARY, n);
}

static int untouched(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != CANARY)
            return 0;
    return 1;
}

/* Runs child(arg) in a new process, which exits with its result; returns the pid. fork returns
 * twice, so it is called only here, where no local of a caller can be clobbered. */
static __attribute__((noinline)) int32_t fork_child(int (*child)(uint32_t), uint32_t arg)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(child(arg));
    return pid;
}

static int child_exit(uint32_t status)
{
    return (int)status;
}

/* How a child ended: its wait_info, after waitpid. */
static struct wait_info reap(int32_t pid)
{
    struct wait_info info;
    memset(&info, 0, sizeof info);
    if (waitpid(pid, &info, 0) != pid)
        info.cause = 0xDEAD;
    return info;
}

/* ---- syscalls with kernel addresses ---- */

/* Every pointer argument of every syscall, given the address a (the others valid). Each must
 * fail with EFAULT before doing anything, blocking calls included. */
static int32_t ptr_write(uint32_t a)
{
    return write(2, (const void *)a, 16);
}
static int32_t ptr_read(uint32_t a)
{
    return read(0, (void *)a, 16);
}
static int32_t ptr_spawn_name(uint32_t a)
{
    return spawn((const char *)a, "", 0);
}
static int32_t ptr_spawn_argv(uint32_t a)
{
    return spawn(ME, (const void *)a, 16);
}
static int32_t ptr_send_dest(uint32_t a)
{
    return amc_message_send((const char *)a, "ping", 4);
}
static int32_t ptr_send_buf(uint32_t a)
{
    return amc_message_send(ME, (const void *)a, 16);
}
static int32_t ptr_register(uint32_t a)
{
    return amc_register_service((const char *)a);
}
static int32_t ptr_await(uint32_t a)
{
    return amc_message_await((void *)a, 600);
}
static int32_t ptr_await_from_source(uint32_t a)
{
    return amc_message_await_from((const char *)a, buf, sizeof buf);
}
static int32_t ptr_await_from_buf(uint32_t a)
{
    return amc_message_await_from("nobody", (void *)a, 600);
}
static int32_t ptr_poll(uint32_t a)
{
    return amc_message_poll((void *)a, 600);
}
static int32_t ptr_waitpid(uint32_t a)
{
    return waitpid(-1, (struct wait_info *)a, WNOHANG);
}
static int32_t ptr_proc_info(uint32_t a)
{
    return proc_info(1, (struct proc_info *)a);
}
static int32_t ptr_kstat(uint32_t a)
{
    return kstat((struct kstat *)a);
}
static int32_t ptr_module_name(uint32_t a)
{
    return module_name(0, (void *)a, 32);
}

static const struct {
    const char *name;
    int32_t (*call)(uint32_t addr);
} pointer_args[] = {
    {"write.buf", ptr_write},
    {"read.buf", ptr_read},
    {"spawn.name", ptr_spawn_name},
    {"spawn.argv", ptr_spawn_argv},
    {"amc_message_send.dest", ptr_send_dest},
    {"amc_message_send.buf", ptr_send_buf},
    {"amc_register_service.name", ptr_register},
    {"amc_message_await.buf", ptr_await},
    {"amc_message_await_from.source", ptr_await_from_source},
    {"amc_message_await_from.buf", ptr_await_from_buf},
    {"amc_message_poll.buf", ptr_poll},
    {"waitpid.info", ptr_waitpid},
    {"proc_info.info", ptr_proc_info},
    {"kstat.info", ptr_kstat},
    {"module_name.buf", ptr_module_name},
};
#define POINTER_ARGS (sizeof pointer_args / sizeof pointer_args[0])

static void test_kernel_addresses_refused(void)
{
    struct kstat before, after;
    CHECK_EQ(kstat(&before), 0);
    CHECK_EQ(amc_register_service(ME), 0); /* so await and poll get as far as they can */
    /* The argv strings end user space: without their NULs, a string there runs into the kernel. */
    for (volatile char *top = argv_strings; top < (char *)ABI_USER_HIGH; top++)
        *top = 'x';
    /* Kernel data, plus ranges that start in user space and end in the kernel, or wrap. */
    uint32_t addrs[KERNEL_ADDR_COUNT + 4];
    uint32_t n = 0;
    for (; n < KERNEL_ADDR_COUNT; n++)
        addrs[n] = kernel_addrs[n];
    addrs[n++] = ABI_USER_HIGH - 4;
    addrs[n++] = 0xFFFFFFF8u;
    addrs[n++] = 0;
    /* And a heap page full of 'x' followed by an unmapped page: strings and buffers run off it. */
    uint32_t brk = sbrk(0), page = (brk + 4095) & ~4095u;
    CHECK(sbrk((int32_t)(page + 4096 - brk)) == brk);
    memset((void *)page, 'x', 4096);
    addrs[n++] = page + 4096 - 4;
    int bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < POINTER_ARGS; k++) {
            if (addrs[i] == 0 && pointer_args[k].call == ptr_waitpid)
                continue; /* info is optional: NULL means "no report" */
            int32_t r = pointer_args[k].call(addrs[i]);
            if (r != -EFAULT && bad++ < 5)
                printf("  %s = 0x%x: %d, not -EFAULT\n", pointer_args[k].name, addrs[i], r);
        }
        /* An empty range is still checked: it must lie in user space ([HIGH, HIGH) does). */
        if (addrs[i] > ABI_USER_HIGH &&
            (write(2, (const void *)addrs[i], 0) != -EFAULT ||
             module_name(0, (void *)addrs[i], 0) != -EFAULT) &&
            bad++ < 5)
            printf("  an empty buffer at 0x%x is not refused\n", addrs[i]);
    }
    CHECK_EQ(amc_unregister_service(), 0);
    sbrk(-(int32_t)(page + 4096 - brk));
    printf("  %u addresses x %u pointer arguments refused\n", n, (uint32_t)POINTER_ARGS);
    CHECK_EQ(bad, 0);
    /* The kernel is as it was: nothing was written over its tables. */
    CHECK_EQ(kstat(&after), 0);
    CHECK_EQ(after.frames_free, before.frames_free);
    CHECK_EQ(after.heap_used, before.heap_used);
    CHECK_EQ(after.procs, before.procs);
    struct proc_info pi;
    CHECK_EQ(proc_info(1, &pi), 0);
    CHECK(!strcmp(pi.name, "init"));
    CHECK_EQ(reap(fork_child(child_exit, 5)).status, 5);
}

/* Loads (bit 0 of how clear) or stores kernel_addrs[how / 2]. */
static int child_touch_kernel(uint32_t how)
{
    volatile uint32_t *p = (volatile uint32_t *)kernel_addrs[how / 2];
    if (how & 1)
        *p = 0xBADBAD;
    else
        buf[0] = (uint8_t)*p;
    return 100; /* it got through */
}

/* Plain loads and stores to kernel addresses fault (the supervisor bit of the kernel mapping). */
static void test_direct_access_faults(void)
{
    for (uint32_t i = 0; i < KERNEL_ADDR_COUNT; i++) {
        for (uint32_t store = 0; store < 2; store++) {
            struct wait_info info = reap(fork_child(child_touch_kernel, 2 * i + store));
            CHECK_EQ(info.cause, WAIT_FAULTED);
            CHECK_EQ(info.vector, 14);
            CHECK_EQ(info.cr2, kernel_addrs[i]);
        }
    }
}

/* ---- out buffers ---- */

static struct {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
    uint8_t after[64];
} rx;

static void test_out_buffers_untouched_on_failure(void)
{
    struct proc_info pi;
    struct wait_info wi;
    fill(&pi, sizeof pi);
    CHECK_EQ(proc_info(100000, &pi), -EINVAL);
    CHECK_EQ(proc_info(0, &pi), -ESRCH);
    CHECK(untouched(&pi, sizeof pi));
    fill(&wi, sizeof wi);
    CHECK_EQ(waitpid(-1, &wi, WNOHANG), -ECHILD);
    CHECK(untouched(&wi, sizeof wi));
    fill(buf, sizeof buf);
    CHECK_EQ(module_name(0, buf, 1), -EINVAL);
    CHECK_EQ(module_name(1000, buf, 32), -ESRCH);
    CHECK_EQ(read(7, buf, 16), -EBADF);
    CHECK_EQ(amc_message_poll(buf, sizeof buf), -EINVAL); /* no service yet */
    CHECK(untouched(buf, sizeof buf));
    /* A message too large for the buffer stays queued, and the buffer untouched. */
    CHECK_EQ(amc_register_service(ME), 0);
    static uint8_t msg[100];
    memset(msg, 7, sizeof msg);
    CHECK_EQ(amc_message_send(ME, msg, sizeof msg), 0);
    CHECK_EQ(amc_message_poll(buf, 50), -EMSGSIZE);
    CHECK(untouched(buf, sizeof buf));
    /* A buffer whose end runs into an unmapped page: refused before anything is written. */
    uint32_t brk = sbrk(0);
    uint32_t page = (brk + 4095) & ~4095u;
    CHECK(sbrk((int32_t)(page + 4096 - brk)) == brk);
    uint8_t *edge = (uint8_t *)(page + 4096 - 16);
    fill(edge, 16);
    CHECK_EQ(amc_message_poll(edge, 600), -EFAULT);
    CHECK_EQ(read(0, edge, 64), -EFAULT);
    CHECK_EQ(waitpid(-1, (struct wait_info *)(page + 4096 - 8), WNOHANG), -EFAULT);
    CHECK(untouched(edge, 16));
    sbrk(-(int32_t)(page + 4096 - brk));
    /* The message was not lost on the way. */
    fill(&rx, sizeof rx);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + sizeof msg));
    CHECK(!memcmp(rx.payload, msg, sizeof msg));
    CHECK(untouched(rx.payload + sizeof msg, sizeof rx.payload - sizeof msg));
    CHECK(untouched(rx.after, sizeof rx.after));
    CHECK_EQ(amc_unregister_service(), 0);
}

/* What the kernel writes holds no stale kernel bytes: every byte of a struct is defined, and
 * strings are zero-padded. */
static void test_no_kernel_bytes_in_outputs(void)
{
    struct proc_info pi;
    fill(&pi, sizeof pi);
    CHECK_EQ(proc_info(1, &pi), 0);
    size_t len = strlen(pi.name);
    CHECK(len < sizeof pi.name);
    for (size_t i = len; i < sizeof pi.name; i++)
        CHECK_EQ(pi.name[i], 0);
    struct kstat ks;
    fill(&ks, sizeof ks);
    CHECK_EQ(kstat(&ks), 0);
    CHECK(ks.frames_total != 0xA5A5A5A5u && ks.amc_dropped != 0xA5A5A5A5u &&
          ks.ticks != 0xA5A5A5A5u);
    int32_t pid = fork_child(child_exit, 3);
    struct wait_info wi;
    fill(&wi, sizeof wi);
    CHECK_EQ(waitpid(pid, &wi, 0), pid);
    CHECK(wi.pid == pid && wi.status == 3 && wi.cause == WAIT_EXITED && wi.vector == 0 &&
          wi.eip == 0 && wi.cr2 == 0);
    /* module_name writes the name and its NUL, nothing more. */
    fill(buf, sizeof buf);
    int32_t n = module_name(0, buf, 64);
    CHECK(n > 0);
    CHECK_EQ(buf[n], 0);
    CHECK(untouched(buf + n + 1, sizeof buf - (size_t)n - 1));
    /* amc: the header's names are zero-padded; nothing is written past the message. */
    CHECK_EQ(amc_register_service("sec-rx"), 0);
    CHECK_EQ(amc_message_send("sec-rx", "abcdefgh", 8), 0);
    fill(&rx, sizeof rx);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + 8));
    for (size_t i = 0; i < sizeof rx.hdr.source; i++)
        CHECK_EQ(rx.hdr.source[i], i < 6 ? "sec-rx"[i] : 0);
    for (size_t i = 0; i < sizeof rx.hdr.dest; i++)
        CHECK_EQ(rx.hdr.dest[i], i < 6 ? "sec-rx"[i] : 0);
    CHECK(untouched(rx.payload + 8, sizeof rx.payload - 8));
    CHECK_EQ(amc_unregister_service(), 0);
}

/* ---- privileged instructions ---- */

static uint8_t table[6] __attribute__((aligned(8)));

static void priv_cli(void)
{
    __asm__ volatile("cli");
}
static void priv_sti(void)
{
    __asm__ volatile("sti");
}
static void priv_hlt(void)
{
    __asm__ volatile("hlt");
}
static void priv_in(void)
{
    __asm__ volatile("inb $0x60, %%al" ::: "eax");
}
static void priv_in_dx(void)
{
    __asm__ volatile("inb %%dx, %%al" ::"d"(0x3F8) : "eax");
}
static void priv_out(void)
{
    __asm__ volatile("outb %%al, $0x80" ::"a"(0));
}
static void priv_out_exit(void)
{
    __asm__ volatile("outb %%al, $0xf4" ::"a"(0));
}
static void priv_outs(void)
{
    __asm__ volatile("outsb" ::"d"(0x3F8), "S"(buf) : "memory");
}
static void priv_read_cr0(void)
{
    __asm__ volatile("mov %%cr0, %%eax" ::: "eax");
}
static void priv_write_cr0(void)
{
    __asm__ volatile("mov %%eax, %%cr0" ::"a"(0));
}
static void priv_read_cr3(void)
{
    __asm__ volatile("mov %%cr3, %%eax" ::: "eax");
}
static void priv_write_cr3(void)
{
    __asm__ volatile("mov %%eax, %%cr3" ::"a"(0));
}
static void priv_read_cr4(void)
{
    __asm__ volatile("mov %%cr4, %%eax" ::: "eax");
}
static void priv_read_dr7(void)
{
    __asm__ volatile("mov %%dr7, %%eax" ::: "eax");
}
static void priv_write_dr0(void)
{
    __asm__ volatile("mov %%eax, %%dr0" ::"a"(0));
}
static void priv_lgdt(void)
{
    __asm__ volatile("lgdt %0" ::"m"(table));
}
static void priv_lidt(void)
{
    __asm__ volatile("lidt %0" ::"m"(table));
}
static void priv_lldt(void)
{
    __asm__ volatile("lldt %%ax" ::"a"(0));
}
static void priv_ltr(void)
{
    __asm__ volatile("ltr %%ax" ::"a"(0x28));
}
static void priv_lmsw(void)
{
    __asm__ volatile("lmsw %%ax" ::"a"(0));
}
static void priv_clts(void)
{
    __asm__ volatile("clts");
}
static void priv_invlpg(void)
{
    __asm__ volatile("invlpg (%0)" ::"r"(buf) : "memory");
}
static void priv_invd(void)
{
    __asm__ volatile("invd");
}
static void priv_wbinvd(void)
{
    __asm__ volatile("wbinvd");
}
static void priv_rdmsr(void)
{
    __asm__ volatile("rdmsr" ::"c"(0x10) : "eax", "edx");
}
static void priv_wrmsr(void)
{
    __asm__ volatile("wrmsr" ::"c"(0x174), "a"(0), "d"(0));
}
static void priv_rdpmc(void)
{
    __asm__ volatile("rdpmc" ::"c"(0) : "eax", "edx");
}
static void priv_load_kernel_ds(void)
{
    __asm__ volatile("mov %%ax, %%ds" ::"a"(0x10));
}
static void priv_load_kernel_ss(void)
{
    __asm__ volatile("mov %%ax, %%ss" ::"a"(0x10));
}
static void priv_far_jump_kernel(void)
{
    __asm__ volatile("ljmp $0x08, $1f\n1:");
}
static void priv_far_call_kernel(void)
{
    __asm__ volatile("lcall $0x08, $1f\n1:");
}
static void priv_iret_to_ring0(void)
{
    __asm__ volatile("pushfl\n\t"
                     "pushl $0x08\n\t"
                     "pushl $1f\n\t"
                     "iret\n"
                     "1:");
}
static void priv_sysenter(void)
{
    __asm__ volatile("sysenter");
}
static void priv_sysexit(void)
{
    __asm__ volatile("sysexit");
}

static const struct {
    const char *name;
    void (*run)(void);
} privileged[] = {
    {"cli", priv_cli},
    {"sti", priv_sti},
    {"hlt", priv_hlt},
    {"in imm8", priv_in},
    {"in dx", priv_in_dx},
    {"out imm8", priv_out},
    {"out to isa-debug-exit", priv_out_exit},
    {"outsb", priv_outs},
    {"mov from cr0", priv_read_cr0},
    {"mov to cr0", priv_write_cr0},
    {"mov from cr3", priv_read_cr3},
    {"mov to cr3", priv_write_cr3},
    {"mov from cr4", priv_read_cr4},
    {"mov from dr7", priv_read_dr7},
    {"mov to dr0", priv_write_dr0},
    {"lgdt", priv_lgdt},
    {"lidt", priv_lidt},
    {"lldt", priv_lldt},
    {"ltr", priv_ltr},
    {"lmsw", priv_lmsw},
    {"clts", priv_clts},
    {"invlpg", priv_invlpg},
    {"invd", priv_invd},
    {"wbinvd", priv_wbinvd},
    {"rdmsr", priv_rdmsr},
    {"wrmsr", priv_wrmsr},
    {"rdpmc", priv_rdpmc},
    {"load kernel ds", priv_load_kernel_ds},
    {"load kernel ss", priv_load_kernel_ss},
    {"far jump to kernel cs", priv_far_jump_kernel},
    {"far call to kernel cs", priv_far_call_kernel},
    {"iret to ring 0", priv_iret_to_ring0},
    {"sysenter", priv_sysenter},
    {"sysexit", priv_sysexit},
};

static int child_privileged(uint32_t i)
{
    privileged[i].run();
    return 100; /* it ran */
}

static void test_privileged_instructions(void)
{
    const uint32_t n = sizeof privileged / sizeof privileged[0];
    uint32_t faulted = 0;
    for (uint32_t i = 0; i < n; i++) {
        struct wait_info info = reap(fork_child(child_privileged, i));
        if (info.cause == WAIT_FAULTED && info.vector == 13)
            faulted++;
        else
            printf("  %s: cause %u status %d vector %u, want a general protection fault\n",
                   privileged[i].name, info.cause, info.status, info.vector);
    }
    printf("  %u privileged instructions, %u killed by #GP\n", n, faulted);
    CHECK_EQ(faulted, n);
}

static int child_popf_cli(uint32_t unused)
{
    (void)unused;
    __asm__ volatile("pushl %0\n\tpopfl\n\tcli" ::"r"(0x3202u) : "cc");
    return 100;
}

/* popf in ring 3 cannot clear IF or raise IOPL: the CPU ignores those bits. */
static void test_popf_keeps_privileged_flags(void)
{
    uint32_t before, after;
    __asm__ volatile("pushfl\n\tpopl %0" : "=r"(before));
    __asm__ volatile("pushl %1\n\t"
                     "popfl\n\t"
                     "pushfl\n\t"
                     "popl %0"
                     : "=r"(after)
                     : "r"((before & ~0x200u) | 0x3000u)
                     : "cc");
    CHECK(before & 0x200u);        /* interrupts on in user mode */
    CHECK(after & 0x200u);         /* still on */
    CHECK_EQ(after & 0x3000u, 0u); /* IOPL still 0 */
    struct wait_info info = reap(fork_child(child_popf_cli, 0));
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.vector, 13);
}

/* ---- interrupt vectors ---- */

/* 256 stubs of 4 bytes: int $N; ret; nop. */
__asm__(".text\n"
        ".align 4\n"
        "int_stubs:\n"
        ".set vec, 0\n"
        ".rept 256\n"
        ".byte 0xCD, vec, 0xC3, 0x90\n"
        ".set vec, vec + 1\n"
        ".endr\n");
extern const uint8_t int_stubs[];

/* int $v with eax = SYS_getpid: only 0x80 comes back, with the pid. */
static int child_int(uint32_t v)
{
    int32_t ret;
    __asm__ volatile("call *%1"
                     : "=a"(ret)
                     : "r"(int_stubs + 4 * v), "a"(SYS_getpid)
                     : "ecx", "edx", "memory", "cc");
    return ret == getpid() ? 42 : 43;
}

static void test_only_syscall_vector(void)
{
    uint32_t faulted = 0, bad = 0;
    for (uint32_t v = 0; v < 256; v++) {
        const uint8_t *stub = int_stubs + 4 * v;
        struct wait_info info = reap(fork_child(child_int, v));
        int ok;
        if (v == ABI_TRAP) {
            ok = info.cause == WAIT_EXITED && info.status == 42;
        } else {
            ok = info.cause == WAIT_FAULTED && info.vector == 13 && info.eip == (uint32_t)stub;
            faulted += ok;
        }
        if (!ok && bad++ < 5)
            printf("  int 0x%x: cause %u status %d vector %u eip 0x%x\n", v, info.cause,
                   info.status, info.vector, info.eip);
    }
    printf("  int 0x%x made a syscall; the other %u vectors killed the caller with #GP\n", ABI_TRAP,
           faulted);
    CHECK_EQ(bad, 0);
    CHECK_EQ(faulted, 255);
}

/* ---- amc sources ---- */

static int32_t wait_blocked(int32_t pid)
{
    for (int i = 0; i < 500; i++) {
        struct proc_info pi;
        for (uint32_t slot = 1; proc_info(slot, &pi) != -EINVAL; slot++)
            if (proc_info(slot, &pi) == 0 && pi.pid == pid && pi.state == STATE_BLOCKED)
                return 1;
        sleep_ms(2);
    }
    return 0;
}

/* alice puts a whole fake header, naming kv and pid 1, at the start of her payload, then waits. */
static struct {
    struct amc_header fake;
    char text[8];
} forged;

static int child_alice(uint32_t unused)
{
    (void)unused;
    if (amc_register_service("alice") != 0 ||
        amc_message_send("sec-rx", &forged, sizeof forged) != 0)
        return 1;
    sleep_ms(0x7FFFFFFF);
    return 2;
}

/* Nobody else can take alice's name while she has it. */
static int child_mallory(uint32_t unused)
{
    (void)unused;
    return amc_register_service("alice") == -EEXIST ? 0 : 1;
}

/* Without a service the source is empty; a renamed sender shows its name at send time. */
static int child_carol(uint32_t unused)
{
    (void)unused;
    int ok = amc_message_send("sec-rx", "anon", 4) == 0 && amc_register_service("carol") == 0 &&
             amc_message_send("sec-rx", "one!", 4) == 0 && amc_unregister_service() == 0 &&
             amc_register_service("dave") == 0 && amc_message_send("sec-rx", "two!", 4) == 0;
    return ok ? 0 : 1;
}

static void test_amc_source_not_forged(void)
{
    CHECK_EQ(amc_register_service("sec-rx"), 0);
    memset(&forged, 0, sizeof forged);
    strcpy(forged.fake.source, "kv");
    strcpy(forged.fake.dest, "sec-rx");
    forged.fake.source_pid = 1;
    forged.fake.len = 4;
    memcpy(forged.text, "payload", 8);
    int32_t alice = fork_child(child_alice, 0);
    CHECK(wait_blocked(alice));
    fill(&rx, sizeof rx);
    CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + sizeof forged));
    CHECK(!strcmp(rx.hdr.source, "alice"));
    CHECK(!strcmp(rx.hdr.dest, "sec-rx"));
    CHECK_EQ(rx.hdr.source_pid, alice);
    CHECK_EQ(rx.hdr.len, sizeof forged);
    CHECK(!memcmp(rx.payload, &forged, sizeof forged)); /* the fake header is only payload */
    CHECK_EQ(reap(fork_child(child_mallory, 0)).status, 0);
    CHECK_EQ(kill(alice), 0);
    CHECK_EQ(reap(alice).cause, WAIT_KILLED);
    int32_t carol = fork_child(child_carol, 0);
    CHECK_EQ(reap(carol).status, 0);
    static const char *const sources[] = {"", "carol", "dave"};
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(amc_message_poll(&rx, sizeof rx), (int32_t)(sizeof rx.hdr + 4));
        CHECK(!strcmp(rx.hdr.source, sources[i]));
        CHECK_EQ(rx.hdr.source_pid, carol);
    }
    CHECK_EQ(amc_unregister_service(), 0);
}

static const struct gtest tests[] = {
    {"security_kernel_addresses_refused", test_kernel_addresses_refused},
    {"security_direct_access_faults", test_direct_access_faults},
    {"security_out_buffers_untouched_on_failure", test_out_buffers_untouched_on_failure},
    {"security_no_kernel_bytes_in_outputs", test_no_kernel_bytes_in_outputs},
    {"security_privileged_instructions", test_privileged_instructions},
    {"security_popf_keeps_privileged_flags", test_popf_keeps_privileged_flags},
    {"security_only_syscall_vector", test_only_syscall_vector},
    {"security_amc_source_not_forged", test_amc_source_not_forged},
};

int main(int argc, char **argv)
{
    (void)argc;
    argv_strings = argv[0];
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
