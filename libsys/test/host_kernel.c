/*
 * A stand-in kernel for running libsys on the build host (x86_64 Linux), so its C code can be
 * tested before and without QEMU: _start, and the syscalls libsys uses. write goes to Linux
 * (or into a capture buffer), read replays scripted input, sbrk hands out a static arena whose
 * size limit a test can lower to make sbrk fail, exit is exit_group.
 */
#include "host_kernel.h"

#include <libsys.h>

__asm__(".globl _start\n"
        "_start:\n"
        "    xorl %ebp, %ebp\n"
        "    movq %rsp, %rdi\n"
        "    andq $-16, %rsp\n"
        "    call host_start\n"
        "    hlt\n");

int main(int argc, char **argv);

static long linux_syscall3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

__attribute__((used, noreturn)) void host_start(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    if (argc > 0)
        progname = argv[0];
    exit(main(argc, argv));
}

void exit(int32_t status)
{
    for (;;)
        linux_syscall3(231, status, 0, 0); /* exit_group */
}

/* ---- write, with optional capture ---- */

struct host_capture host_capture;

int32_t write(int32_t fd, const void *buf, uint32_t len)
{
    if (fd != 1 && fd != 2)
        return -EBADF;
    if (host_capture.active) {
        host_capture.writes++;
        size_t room = sizeof(host_capture.data) - 1 - host_capture.len;
        size_t n = len < room ? len : room;
        memcpy(host_capture.data + host_capture.len, buf, n);
        host_capture.len += n;
        host_capture.data[host_capture.len] = '\0';
        return (int32_t)len;
    }
    return (int32_t)linux_syscall3(1, fd, (long)buf, len);
}

void host_capture_start(void)
{
    memset(&host_capture, 0, sizeof(host_capture));
    host_capture.active = 1;
}

void host_capture_stop(void)
{
    host_capture.active = 0;
}

/* ---- read from a script: each read returns the next chunk, then 0 (end of input) ---- */

static const char *const *script;
static size_t script_pos;

void host_script_input(const char *const *chunks)
{
    script = chunks;
    script_pos = 0;
}

int32_t read(int32_t fd, void *buf, uint32_t len)
{
    if (fd != 0)
        return -EBADF;
    if (!script || !script[script_pos])
        return 0;
    const char *chunk = script[script_pos++];
    uint32_t n = (uint32_t)strlen(chunk);
    if (n > len)
        n = len; /* tests keep chunks shorter than libsys's buffer */
    memcpy(buf, chunk, n);
    return (int32_t)n;
}

/* ---- sbrk over a static arena; the break starts unaligned on purpose ---- */

static char arena[4 << 20];
static size_t brk_offset = 3;
static size_t brk_limit = sizeof(arena);

void host_set_heap_limit(size_t bytes)
{
    brk_limit = bytes < sizeof(arena) ? bytes : sizeof(arena);
}

size_t host_heap_break(void)
{
    return brk_offset;
}

/* The generated prototype returns uintptr_t (64 bits on the host); errors keep the guest's 32-bit
 * encoding, which is what libsys checks after truncating to uint32_t. */
uintptr_t sbrk(int32_t increment)
{
    size_t old = brk_offset;
    if (increment < 0 && (size_t)(-(int64_t)increment) > old)
        return (uint32_t)-EINVAL;
    if (increment > 0 && (size_t)increment > brk_limit - old)
        return (uint32_t)-ENOMEM;
    brk_offset = old + (size_t)(int64_t)increment;
    /* The test binary is linked without PIE, so the arena lies below 4 GiB. */
    return (uint32_t)(uintptr_t)(arena + old);
}
