/*
 * Loader tests: every boot module named bad-* (the malformed shapes tests/guest/badelf.lua makes
 * from a valid program) must be refused with ENOEXEC, every good-* one must run, and nothing may
 * leak. W^X at run time: a program's own text and read-only data are not writable.
 */
#include "gtest.h"

#define MAX_MODULES 256

static const char rodata_word[4] = "ro!";
static volatile uint32_t sink;

static int kstat_same(const struct kstat *a, const struct kstat *b)
{
    return a->frames_free == b->frames_free && a->heap_used == b->heap_used && a->procs == b->procs;
}

/* Spawns every module whose name starts with prefix; returns how many there were, or -1 after
 * printing the first that did not give want (ENOEXEC as a negative number, or 0 for "runs and
 * exits with status 0"). */
static int spawn_all(const char *prefix, int32_t want)
{
    int count = 0;
    for (uint32_t i = 0; i < MAX_MODULES; i++) {
        char name[PROG_NAME_MAX + 1];
        if (module_name(i, name, sizeof name) < 0)
            break;
        if (strncmp(name, prefix, strlen(prefix)) != 0)
            continue;
        count++;
        int32_t r = spawn(name, "", 0);
        if (want == 0 && r > 0) {
            struct wait_info info;
            if (waitpid(r, &info, 0) != r || info.cause != WAIT_EXITED || info.status != 0) {
                printf("  %s: did not run to a clean exit\n", name);
                return -1;
            }
        } else if (r != want) {
            printf("  %s: spawn returned %d, expected %d\n", name, (int)r, (int)want);
            return -1;
        }
    }
    return count;
}

static void test_bad_shapes_refused(void)
{
    struct kstat before, after;
    kstat(&before);
    int n = spawn_all("bad-", -ENOEXEC);
    CHECK(n >= 15); /* half of the shapes per boot */
    kstat(&after);
    CHECK(kstat_same(&before, &after));
}

static void test_good_shapes_run(void)
{
    struct kstat before, after;
    kstat(&before);
    CHECK(spawn_all("good-", 0) >= 1);
    kstat(&after);
    CHECK(kstat_same(&before, &after));
}

/* Runs fn in a child; returns how the child ended. */
static __attribute__((noinline)) struct wait_info run_child(void (*fn)(void))
{
    struct wait_info info = {0};
    int32_t pid = fork();
    if (pid == 0) {
        fn();
        exit(0);
    }
    waitpid(pid, &info, 0);
    return info;
}

static void write_text(void)
{
    *(volatile uint8_t *)(uintptr_t)&write_text = 0xC3;
}

static void write_rodata(void)
{
    *(volatile char *)(uintptr_t)rodata_word = 'X';
}

static void test_text_not_writable(void)
{
    struct wait_info info = run_child(write_text);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.vector, 14);
    CHECK_EQ(info.cr2, (uint32_t)(uintptr_t)&write_text);
}

static void test_rodata_not_writable(void)
{
    struct wait_info info = run_child(write_rodata);
    CHECK_EQ(info.cause, WAIT_FAULTED);
    CHECK_EQ(info.cr2, (uint32_t)(uintptr_t)rodata_word);
    sink = (uint8_t)rodata_word[0];
}

static const struct gtest tests[] = {
    {"elf_bad_shapes_refused", test_bad_shapes_refused},
    {"elf_good_shapes_run", test_good_shapes_run},
    {"elf_text_not_writable", test_text_not_writable},
    {"elf_rodata_not_writable", test_rodata_not_writable},
};

int main(void)
{
    return gtest_run(tests, sizeof tests / sizeof tests[0]) ? 1 : 0;
}
