/*
 * Host tests of libsys: formatting, strings, number parsing, the heap, argv packing, line
 * input and wait descriptions. Runs on the build host against host_kernel.c and prints one
 * line per test, "ok NAME" or "FAIL NAME: reason"; exits 1 if any test failed.
 */
#include "host_kernel.h"

#include <libsys.h>

static int failures;
static int test_failed; /* the running test has reported a failure */
static char why[256];

/* Record the first failure of the running test; later ones add nothing. */
#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond) && !test_failed) {                                                             \
            test_failed = 1;                                                                       \
            snprintf(why, sizeof(why), __VA_ARGS__);                                               \
        }                                                                                          \
    } while (0)

static void run(const char *name, void (*test)(void))
{
    test_failed = 0;
    why[0] = '\0';
    test();
    if (test_failed) {
        failures++;
        printf("FAIL %s: %s\n", name, why);
    } else {
        printf("ok %s\n", name);
    }
}

/* Format through a non-literal pointer so that GCC does not check deliberately odd formats. */
static const char *volatile odd_format;

static void check_format(const char *expect, const char *got, int ret)
{
    CHECK(strcmp(got, expect) == 0, "expected \"%s\", got \"%s\"", expect, got);
    CHECK(ret == (int)strlen(expect), "for \"%s\" returned %d", expect, ret);
}

#define FMT(expect, ...)                                                                           \
    do {                                                                                           \
        char out_[128];                                                                            \
        int ret_ = snprintf(out_, sizeof(out_), __VA_ARGS__);                                      \
        check_format(expect, out_, ret_);                                                          \
    } while (0)

static void test_printf_integers(void)
{
    FMT("42 -42 0", "%d %i %d", 42, -42, 0);
    FMT("-2147483648 2147483647", "%d %d", (int)0x80000000u, 0x7fffffff);
    FMT("4294967295", "%u", 0xffffffffu);
    FMT("beef BEEF", "%x %X", 0xbeefu, 0xbeefu);
    FMT("0xff 0XFF 0", "%#x %#X %#x", 255u, 255u, 0u);
    FMT("[   42][42   ][00042][-0042]", "[%5d][%-5d][%05d][%05d]", 42, 42, 42, -42);
    FMT("[  007][007]", "[%5.3d][%.3d]", 7, 7);
    FMT("[][+5][ 5]", "[%.0d][%+d][% d]", 0, 5, 5);
    FMT("[   7][7   ]", "[%*d][%-*d]", 4, 7, 4, 7);
    FMT("00001234", "%08x", 0x1234u);
    FMT("123 456", "%lu %ld", 123ul, 456l);
    FMT("-1234567890123 18446744073709551615", "%lld %llu", -1234567890123ll,
        18446744073709551615ull);
    FMT("123456789abcdef", "%llx", 0x123456789abcdefull);
    FMT("-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
    FMT("7 9", "%zu %hd", (size_t)7, (short)9);
}

static void test_printf_strings(void)
{
    FMT("abc|ab|   ab|ab   |", "%s|%.2s|%5s|%-5s|", "abc", "abc", "ab", "ab");
    static const char *volatile null_string = NULL; /* hidden from GCC's format checks */
    FMT("(null)", "%s", null_string);
    FMT("x|  y|z  |%", "%c|%3c|%-3c|%%", 'x', 'y', 'z');
    FMT("0x00001000 0x00000000", "%p %p", (void *)0x1000, (void *)0);
    char out[32];
    odd_format = "a%qb%";
    int ret = snprintf(out, sizeof(out), odd_format);
    check_format("a%qb%", out, ret);
}

static void test_snprintf_truncates(void)
{
    char out[4] = "zzz";
    int ret = snprintf(out, sizeof(out), "abcdef");
    CHECK(ret == 6 && strcmp(out, "abc") == 0, "got %d \"%s\"", ret, out);
    ret = snprintf(NULL, 0, "%d", 12345);
    CHECK(ret == 5, "size query returned %d", ret);
    out[0] = 'q';
    ret = snprintf(out, 1, "hello");
    CHECK(ret == 5 && out[0] == '\0', "cap 1 gave %d \"%s\"", ret, out);
}

static void test_printf_one_write(void)
{
    host_capture_start();
    int ret = printf("ok %s %d\n", "line", 7);
    dprintf(2, "%s", "");
    host_capture_stop();
    CHECK(host_capture.writes == 1, "printf took %d writes", host_capture.writes);
    CHECK(strcmp(host_capture.data, "ok line 7\n") == 0, "wrote \"%s\"", host_capture.data);
    CHECK(ret == 10, "returned %d", ret);

    /* Longer than the buffer: several writes, nothing lost or reordered. */
    char big[2000];
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof(big) - 1] = '\0';
    host_capture_start();
    ret = printf("<%s>", big);
    host_capture_stop();
    CHECK(ret == 2001, "long printf returned %d", ret);
    CHECK(host_capture.len == 2001 && host_capture.data[0] == '<' &&
              memcmp(host_capture.data + 1, big, 1999) == 0 && host_capture.data[2000] == '>',
          "long output mangled (%u bytes)", (unsigned)host_capture.len);
    CHECK(host_capture.writes == (2001 + PRINTF_BUF - 1) / PRINTF_BUF, "long printf: %d writes",
          host_capture.writes);

    host_capture_start();
    puts("hello");
    host_capture_stop();
    CHECK(host_capture.writes == 1 && strcmp(host_capture.data, "hello\n") == 0,
          "puts: %d writes, \"%s\"", host_capture.writes, host_capture.data);
    CHECK(dprintf(7, "x") == -EBADF, "dprintf to a bad fd did not return -EBADF");
}

static void test_strings(void)
{
    char buf[16] = "abcdefgh";
    memmove(buf + 2, buf, 6);
    CHECK(memcmp(buf, "ababcdef", 8) == 0, "memmove up: %.8s", buf);
    memmove(buf, buf + 2, 6);
    CHECK(memcmp(buf, "abcdefef", 8) == 0, "memmove down: %.8s", buf);
    CHECK(strlen("") == 0 && strlen("abc") == 3 && strnlen("abcdef", 4) == 4, "strlen");
    CHECK(strcmp("abc", "abd") < 0 && strcmp("b", "a") > 0 && strcmp("x", "x") == 0, "strcmp");
    CHECK(strcmp("\xff", "a") > 0, "strcmp must compare as unsigned char");
    CHECK(strncmp("abcx", "abcy", 3) == 0 && strncmp("ab", "abc", 5) < 0, "strncmp");
    const char *s = "a/b/c";
    CHECK(strchr(s, '/') == s + 1 && strrchr(s, '/') == s + 3 && strchr(s, 'z') == NULL,
          "strchr/strrchr");
    CHECK(strchr(s, '\0') == s + 5, "strchr of NUL must find the terminator");
    CHECK(strstr("hello world", "o w") != NULL && strstr("abc", "abd") == NULL, "strstr");
    char small[4];
    CHECK(strlcpy(small, "abcdef", sizeof(small)) == 6 && strcmp(small, "abc") == 0, "strlcpy");
    char padded[6];
    memset(padded, 'x', sizeof(padded));
    strncpy(padded, "ab", sizeof(padded));
    CHECK(memcmp(padded, "ab\0\0\0\0", 6) == 0, "strncpy must pad with NULs");
    memset(buf, 0, sizeof(buf));
    strcpy(buf, "ab");
    strcat(buf, "cd");
    CHECK(strcmp(buf, "abcd") == 0, "strcpy/strcat: %s", buf);
    CHECK(memchr("abc", 'c', 3) != NULL && memchr("abc", 'c', 2) == NULL, "memchr");
    /* Every error's text, as abi/syscalls.def has it, for the positive and the negative number. */
#define ERROR_TEXT_MATCHES(name, number, text)                                                     \
    CHECK(strcmp(strerror(number), text) == 0 && strcmp(strerror(-number), text) == 0,             \
          "strerror(%s) = %s", #name, strerror(number));
    ABI_ERRORS(ERROR_TEXT_MATCHES)
#undef ERROR_TEXT_MATCHES
    CHECK(strcmp(strerror(9999), "Unknown error") == 0 && strcmp(strerror(0), "Unknown error") == 0,
          "strerror of an unknown number");
    CHECK(isdigit('7') && !isdigit('a') && isspace('\t') && !isspace('x') && toupper('q') == 'Q',
          "ctype");
}

static void test_strtol(void)
{
    char *end;
    CHECK(strtol("123", &end, 10) == 123 && *end == '\0', "decimal");
    CHECK(strtol("  -45x", &end, 10) == -45 && *end == 'x', "sign, spaces and end");
    CHECK(strtol("+7", NULL, 10) == 7, "plus sign");
    CHECK(strtol("0x1f", &end, 0) == 31 && *end == '\0', "hex prefix, base 0");
    CHECK(strtol("1f", NULL, 16) == 31 && strtol("0X1F", NULL, 16) == 31, "base 16");
    CHECK(strtol("017", NULL, 0) == 15, "octal, base 0");
    CHECK(strtol("zz", NULL, 36) == 35 * 36 + 35, "base 36");
    const char *junk = "abc";
    CHECK(strtol(junk, &end, 10) == 0 && end == junk, "no digits: end must be the input");
    const char *zx = "0x";
    CHECK(strtol(zx, &end, 0) == 0 && end == zx + 1, "\"0x\" parses as 0");
    const long max = (long)((unsigned long)-1 >> 1);
    CHECK(strtol("99999999999999999999999", NULL, 10) == max, "overflow saturates high");
    CHECK(strtol("-99999999999999999999999", NULL, 10) == -max - 1, "overflow saturates low");
    char min_text[32];
    snprintf(min_text, sizeof(min_text), "%lld", (long long)(-max - 1));
    CHECK(strtol(min_text, NULL, 10) == -max - 1, "LONG_MIN itself: %s", min_text);
    CHECK(strtoul("4294967295", NULL, 10) == 4294967295ul, "strtoul");
    CHECK(atoi("-12") == -12 && atoi("x") == 0, "atoi");
    CHECK(strtol("12", &end, 1) == 0 && strtol("12", NULL, 37) == 0, "bad base");
}

static int aligned(void *p)
{
    return ((uintptr_t)p & 15) == 0;
}

static void test_malloc_basic(void)
{
    struct heap_stats st;
    char *a = malloc(10), *b = malloc(100), *c = malloc(0);
    CHECK(a && b && c, "allocation failed");
    CHECK(aligned(a) && aligned(b) && aligned(c), "not 16-byte aligned: %p %p %p", (void *)a,
          (void *)b, (void *)c);
    CHECK(a != b && b != c && a != c, "same pointer twice");
    memset(a, 1, 10);
    memset(b, 2, 100);
    CHECK(a[9] == 1 && b[0] == 2, "blocks overlap");
    free(b);
    char *d = malloc(90);
    CHECK(d == b, "first fit must reuse the freed block");
    free(a);
    free(c);
    free(d);
    heap_stats(&st);
    CHECK(st.used_bytes == 0, "%u bytes still used", (unsigned)st.used_bytes);
    CHECK(st.free_blocks == 1, "free list not merged: %u blocks", (unsigned)st.free_blocks);
    free(NULL);
}

static void test_calloc_realloc(void)
{
    unsigned char *p = calloc(64, 4);
    CHECK(p != NULL, "calloc failed");
    int zero = 1;
    for (int i = 0; p && i < 256; i++)
        zero &= p[i] == 0;
    CHECK(zero, "calloc memory not zeroed");
    CHECK(calloc((size_t)-1 / 2, 4) == NULL, "calloc overflow must fail");

    for (int i = 0; p && i < 256; i++)
        p[i] = (unsigned char)i;
    unsigned char *q = realloc(p, 100); /* shrink: in place */
    CHECK(q == p, "shrinking realloc moved the block");
    unsigned char *r = realloc(q, 5000);
    int same = r != NULL;
    for (int i = 0; r && i < 100; i++)
        same &= r[i] == (unsigned char)i;
    CHECK(same, "realloc lost the contents");
    unsigned char *s = realloc(NULL, 10);
    CHECK(s != NULL, "realloc(NULL) must allocate");
    free(r);
    free(s);
    CHECK(malloc((size_t)-1) == NULL && malloc((size_t)-1 - 8) == NULL, "huge malloc must fail");
    struct heap_stats st;
    heap_stats(&st);
    CHECK(st.used_bytes == 0 && st.free_blocks == 1, "leak: %u used, %u free blocks",
          (unsigned)st.used_bytes, (unsigned)st.free_blocks);
}

/* Allocate, fill, check and free pseudo-random blocks; every block keeps its own byte. */
static void test_malloc_stress(void)
{
    enum { SLOTS = 64, ROUNDS = 4000 };
    unsigned char *ptr[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint32_t seed = 12345;
    for (int round = 0; round < ROUNDS && !test_failed; round++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 16) % SLOTS);
        if (ptr[i]) {
            for (size_t k = 0; k < len[i]; k++)
                CHECK(ptr[i][k] == (unsigned char)i, "slot %d corrupted at %u", i, (unsigned)k);
            if (seed & 1) {
                free(ptr[i]);
                ptr[i] = NULL;
                continue;
            }
            size_t n = (seed >> 4) % 3000;
            unsigned char *grown = realloc(ptr[i], n);
            CHECK(grown != NULL || n == 0, "realloc(%u) failed", (unsigned)n);
            if (!grown)
                continue;
            ptr[i] = grown;
            for (size_t k = len[i]; k < n; k++)
                grown[k] = (unsigned char)i;
            len[i] = n;
        } else {
            len[i] = (seed >> 4) % 3000;
            ptr[i] = malloc(len[i]);
            CHECK(ptr[i] != NULL && aligned(ptr[i]), "malloc(%u) failed", (unsigned)len[i]);
            if (ptr[i])
                memset(ptr[i], i, len[i]);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        free(ptr[i]);
    struct heap_stats st;
    heap_stats(&st);
    CHECK(st.used_bytes == 0 && st.free_blocks == 1, "after stress: %u used, %u free blocks",
          (unsigned)st.used_bytes, (unsigned)st.free_blocks);
    CHECK(st.arena_bytes <= 256 * 1024, "heap grew to %u bytes", (unsigned)st.arena_bytes);
}

static void test_malloc_out_of_memory(void)
{
    host_set_heap_limit(host_heap_break() + 64 * 1024);
    /* Free memory left by earlier tests counts too: allow for it. */
    enum { MAX_BLOCKS = 200 };
    void *blocks[MAX_BLOCKS];
    int n = 0;
    while (n < MAX_BLOCKS && (blocks[n] = malloc(8000)) != NULL)
        n++;
    CHECK(n > 0 && n < MAX_BLOCKS, "expected the limit to stop malloc, got %d blocks", n);
    CHECK(malloc(1 << 20) == NULL, "malloc beyond the limit must return NULL");
    /* Memory freed after a failure is usable again. */
    for (int i = 0; i < n; i++)
        free(blocks[i]);
    void *again = malloc(8000);
    CHECK(again != NULL, "malloc after freeing failed");
    free(again);
    host_set_heap_limit((size_t)-1);
}

static void test_argv_pack(void)
{
    char buf[16];
    char *args[] = {"echo", "a b", "", "c"};
    int n = argv_pack(buf, sizeof(buf), 4, args);
    CHECK(n == 12 && memcmp(buf, "echo\0a b\0\0c\0", 12) == 0, "packed %d bytes", n);
    CHECK(argv_pack(buf, 12, 4, args) == 12, "exact fit must succeed");
    CHECK(argv_pack(buf, 11, 4, args) == -E2BIG, "one byte short must be -E2BIG");
    CHECK(argv_pack(buf, sizeof(buf), 0, args) == 0, "no arguments must pack to 0 bytes");
    char *holes[] = {"x", NULL};
    CHECK(argv_pack(buf, sizeof(buf), 2, holes) == -EINVAL, "NULL entry must be -EINVAL");
    CHECK(argv_pack(buf, sizeof(buf), -1, args) == -EINVAL, "negative argc must be -EINVAL");
}

static void test_readline(void)
{
    /* The "\n" after "cr\r" completes a CRLF pair split across two reads: no empty line. */
    static const char *const input[] = {"first\n", "two\nlines\n",        "crlf\r\n", "\n", "cr\r",
                                        "\n",      "longer than eight\n", "tail",     NULL};
    static const char *const expect[] = {"first\n", "two\n",   "lines\n", "crlf\n", "\n",
                                         "cr\n",    "longer ", "than ei", "ght\n",  "tail"};
    host_script_input(input);
    char line[8];
    for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
        int n = readline(0, line, sizeof(line));
        CHECK(n == (int)strlen(expect[i]) && strcmp(line, expect[i]) == 0,
              "line %u: expected \"%s\", got %d \"%s\"", (unsigned)i, expect[i], n, line);
    }
    CHECK(readline(0, line, sizeof(line)) == 0, "end of input must return 0");
    CHECK(readline(0, line, 1) == -EINVAL, "cap 1 must be -EINVAL");
    CHECK(readline(3, line, sizeof(line)) == -EBADF, "read errors must be passed on");
}

static void test_wait_describe(void)
{
    char out[128];
    struct wait_info exited = {.pid = 5, .status = 3, .cause = WAIT_EXITED};
    wait_describe(&exited, out, sizeof(out));
    CHECK(strcmp(out, "exited with status 3") == 0, "exited: %s", out);
    CHECK(wait_failed(&exited), "status 3 must count as failed");
    exited.status = 0;
    CHECK(!wait_failed(&exited), "status 0 must not count as failed");

    struct wait_info pf = {.cause = WAIT_FAULTED, .vector = 14, .eip = 0x401234, .cr2 = 0};
    wait_describe(&pf, out, sizeof(out));
    CHECK(strcmp(out, "killed: Page fault (vector 14) at eip=0x00401234 cr2=0x00000000") == 0,
          "page fault: %s", out);
    struct wait_info gp = {.cause = WAIT_FAULTED, .vector = 13, .eip = 0x400010};
    wait_describe(&gp, out, sizeof(out));
    CHECK(strcmp(out, "killed: General protection fault (vector 13) at eip=0x00400010") == 0,
          "gp: %s", out);
    CHECK(wait_failed(&gp), "a fault must count as failed");
    struct wait_info killed = {.cause = WAIT_KILLED};
    wait_describe(&killed, out, sizeof(out));
    CHECK(strcmp(out, "killed") == 0, "killed: %s", out);
    CHECK(strcmp(exception_name(0), "Divide error") == 0 &&
              strcmp(exception_name(6), "Invalid opcode") == 0 &&
              strcmp(exception_name(3), "Breakpoint") == 0 &&
              strcmp(exception_name(99), "Unknown exception") == 0,
          "exception names");
}

int main(void)
{
    run("libsys_printf_integers", test_printf_integers);
    run("libsys_printf_strings", test_printf_strings);
    run("libsys_snprintf_truncates", test_snprintf_truncates);
    run("libsys_printf_one_write", test_printf_one_write);
    run("libsys_strings", test_strings);
    run("libsys_strtol", test_strtol);
    run("libsys_malloc_basic", test_malloc_basic);
    run("libsys_calloc_realloc", test_calloc_realloc);
    run("libsys_malloc_stress", test_malloc_stress);
    run("libsys_malloc_out_of_memory", test_malloc_out_of_memory);
    run("libsys_argv_pack", test_argv_pack);
    run("libsys_readline", test_readline);
    run("libsys_wait_describe", test_wait_describe);
    return failures ? 1 : 0;
}
