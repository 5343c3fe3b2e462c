/*
 * A static 32-bit Linux program built only on the wrappers generated from abi/linux-i386.def
 * (build/gen-linux-i386/libsys/syscalls.asm): no C library, our own _start (start.asm).
 *
 *   linux_abi_test DIR      run the tests, using DIR for a scratch file; print `pid N` and one
 *                           `ok NAME` / `FAIL NAME: why` line per test; exit with the failures
 *   linux_abi_test exit N   exit with status N (the runner checks it)
 *
 * tests/linux/suite.lua runs it natively when the host can execute i386 binaries, otherwise under
 * qemu-i386, and checks what only the outside can see (the pid, the output, the exit status).
 */
#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "mem.h"
#include "syscalls.h"

static int mem_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *p = a, *q = b;
    for (size_t i = 0; i < n; i++)
        if (p[i] != q[i])
            return 0;
    return 1;
}

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void put(const char *s)
{
    linux_write(1, s, str_len(s));
}

/* Appends the decimal form of v to buf at *n. */
static void append_dec(char *buf, size_t *n, int32_t v)
{
    char digits[12];
    int i = 0;
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    do {
        digits[i++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[(*n)++] = '-';
    while (i)
        buf[(*n)++] = digits[--i];
}

static void append(char *buf, size_t *n, const char *s)
{
    while (*s)
        buf[(*n)++] = *s++;
}

static int failures;

/* One result line, written whole with one write. */
static void result(const char *name, int ok, const char *why, int32_t value)
{
    char line[160];
    size_t n = 0;
    append(line, &n, ok ? "ok " : "FAIL ");
    append(line, &n, name);
    if (!ok) {
        append(line, &n, ": ");
        append(line, &n, why);
        append(line, &n, " (got ");
        append_dec(line, &n, value);
        append(line, &n, ")");
        failures++;
    }
    line[n++] = '\n';
    linux_write(1, line, n);
}

#define EXPECT(name, cond, value) result(name, (cond), #cond, (int32_t)(value))

static char path[256];
static char page[8192];

static void test_write(void)
{
    static const char hello[] = "linux-i386: hello from int 0x80\n";
    int32_t n = linux_write(1, hello, sizeof hello - 1);
    EXPECT("linux_write_returns_length", n == (int32_t)sizeof hello - 1, n);
    EXPECT("linux_write_bad_fd", linux_write(-1, hello, 1) == -EBADF, linux_write(-1, hello, 1));
}

static void test_getpid(void)
{
    int32_t a = linux_getpid(), b = linux_getpid();
    EXPECT("linux_getpid_stable", a > 0 && a == b, a);
    char line[32];
    size_t n = 0;
    append(line, &n, "pid ");
    append_dec(line, &n, a);
    line[n++] = '\n';
    linux_write(1, line, n);
}

/* Creates the scratch file: two pages, the second starting with "PAGE-TWO". */
static void test_file_roundtrip(void)
{
    for (size_t i = 0; i < sizeof page; i++)
        page[i] = (char)('a' + i % 26);
    memcpy(page + 4096, "PAGE-TWO", 8);
    int32_t fd = linux_open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
    EXPECT("linux_open_create", fd >= 0, fd);
    int32_t n = linux_write(fd, page, sizeof page);
    EXPECT("linux_write_file", n == (int32_t)sizeof page, n);
    EXPECT("linux_close", linux_close(fd) == 0, fd);
    EXPECT("linux_close_twice_ebadf", linux_close(fd) == -EBADF, linux_close(fd));
    fd = linux_open(path, O_RDONLY, 0);
    EXPECT("linux_open_read", fd >= 0, fd);
    char back[32];
    n = linux_read(fd, back, sizeof back);
    EXPECT("linux_read_file", n == (int32_t)sizeof back && mem_equal(back, page, sizeof back), n);
    n = linux_read(fd, (void *)16, 8); /* an address no process maps */
    EXPECT("linux_read_bad_pointer_efault", n == -EFAULT, n);
    linux_close(fd);
    fd = linux_open("/nonexistent-layercake/file", O_RDONLY, 0);
    EXPECT("linux_open_missing_enoent", fd == -ENOENT, fd);
}

/* mmap2 takes six arguments: the page offset travels in ebp, so mapping page 1 of the file and
 * finding "PAGE-TWO" there shows that the sixth register arrived. */
static void test_mmap2_six_args(void)
{
    int32_t fd = linux_open(path, O_RDONLY, 0);
    uint32_t p = linux_mmap2(0, 4096, PROT_READ, MAP_PRIVATE, fd, 1);
    EXPECT("linux_mmap2_file_page_1", p < 0xFFFFF001u && mem_equal((void *)p, "PAGE-TWO", 8), p);
    if (p < 0xFFFFF001u)
        EXPECT("linux_munmap", linux_munmap(p, 4096) == 0, p);
    linux_close(fd);
    uint32_t anon =
        linux_mmap2(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int ok = anon < 0xFFFFF001u;
    if (ok) {
        ((volatile char *)anon)[4095] = 7;
        ok = ((volatile char *)anon)[4095] == 7 && ((volatile char *)anon)[0] == 0;
        linux_munmap(anon, 4096);
    }
    EXPECT("linux_mmap2_anonymous", ok, anon);
    uint32_t bad = linux_mmap2(0, 4096, PROT_READ, MAP_PRIVATE, -1, 0); /* no fd, not anonymous */
    EXPECT("linux_mmap2_bad_fd_errno", bad == (uint32_t)-EBADF, bad);
}

/* The kinds of language v2, on the scratch file: a 64-bit offset in a register pair (4096 reads
 * "PAGE-TWO"; 4 GiB + 4096 is past the end: 0 bytes, so the high word arrived in edi), arrays by
 * count (readv's two iovecs, poll's pollfd), a flags set (dup3 refuses an undefined bit). */
static void test_v2_kinds(void)
{
    int32_t fd = linux_open(path, O_RDONLY, 0);
    char buf[8];
    int32_t n = linux_pread64(fd, buf, 8, 4096);
    EXPECT("linux_pread64_offset_4096", n == 8 && mem_equal(buf, "PAGE-TWO", 8), n);
    n = linux_pread64(fd, buf, 8, (1ull << 32) + 4096);
    EXPECT("linux_pread64_high_word", n == 0, n);
    char a[4], b[4];
    struct iovec iov[2] = {{(uint32_t)a, 4}, {(uint32_t)b, 4}};
    n = linux_preadv(fd, iov, 2, 4096);
    EXPECT("linux_preadv_two_iovecs", n == 8 && mem_equal(a, "PAGE", 4) && mem_equal(b, "-TWO", 4),
           n);
    n = linux_readv(fd, iov, UIO_MAXIOV + 1);
    EXPECT("linux_readv_over_max_einval", n == -EINVAL, n);
    struct pollfd p = {fd, 1 /* POLLIN */, 0};
    n = linux_poll(&p, 1, 0);
    EXPECT("linux_poll_one_fd", n == 1 && (p.revents & 1), n);
    n = linux_dup3(fd, fd + 1, 0x1);
    EXPECT("linux_dup3_undefined_flag_einval", n == -EINVAL, n);
    n = linux_dup3(fd, fd + 1, O_CLOEXEC);
    EXPECT("linux_dup3_cloexec", n == fd + 1, n);
    linux_close(fd + 1);
    linux_close(fd);
}

static void test_unlink(void)
{
    EXPECT("linux_unlink", linux_unlink(path) == 0, 0);
    int32_t fd = linux_open(path, O_RDONLY, 0);
    EXPECT("linux_unlink_gone", fd == -ENOENT, fd);
}

/* brk returns an address: the current break for 0, the new one when it could move. */
static void test_brk(void)
{
    uint32_t b0 = linux_brk(0);
    EXPECT("linux_brk_query", b0 != 0 && b0 < 0xFFFFF001u, b0);
    uint32_t b1 = linux_brk(b0 + 8192);
    EXPECT("linux_brk_grows", b1 == b0 + 8192, b1 - b0);
    if (b1 == b0 + 8192) {
        volatile char *mem = (volatile char *)b0;
        mem[0] = 1;
        mem[8191] = 2;
        EXPECT("linux_brk_memory_usable", mem[0] + mem[8191] == 3, 0);
    }
    EXPECT("linux_brk_shrinks", linux_brk(b0) == b0, linux_brk(0) - b0);
}

static void test_uname(void)
{
    struct utsname u;
    memset(&u, 0xFF, sizeof u);
    int32_t r = linux_uname(&u);
    EXPECT("linux_uname", r == 0, r);
    EXPECT("linux_uname_sysname_linux", mem_equal(u.sysname, "Linux", 6), u.sysname[0]);
    EXPECT("linux_uname_bad_pointer_efault", linux_uname((struct utsname *)16) == -EFAULT,
           linux_uname((struct utsname *)16));
    put("uname machine ");
    linux_write(1, u.machine, str_len(u.machine));
    put("\n");
}

static int32_t parse_dec(const char *s)
{
    int32_t v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return v;
}

int test_main(int argc, char **argv)
{
    if (argc == 3 && mem_equal(argv[1], "exit", 5))
        linux_exit(parse_dec(argv[2]));
    if (argc != 2 || str_len(argv[1]) > 200) {
        put("usage: linux_abi_test DIR | linux_abi_test exit N\n");
        return 2;
    }
    size_t n = 0;
    append(path, &n, argv[1]);
    append(path, &n, "/linux-abi-scratch");
    path[n] = '\0';
    test_write();
    test_getpid();
    test_file_roundtrip();
    test_mmap2_six_args();
    test_v2_kinds();
    test_unlink();
    test_brk();
    test_uname();
    return failures;
}
