/* libsys general utilities: heap, number parsing, process exit. */
#ifndef LIBSYS_STDLIB_H
#define LIBSYS_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

/*
 * Heap on sbrk(): a first-fit, address-ordered free list that merges neighbouring free blocks.
 * Every block is 16-byte aligned. malloc returns NULL when sbrk cannot grow the heap; free and
 * realloc of a pointer malloc did not return stop the program with a message (exit 127).
 */
void *malloc(size_t size);
void free(void *ptr);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);

/* Heap statistics, for tests: bytes obtained from sbrk and bytes currently handed out. */
struct heap_stats {
    size_t arena_bytes;
    size_t used_bytes;
    size_t free_blocks;
};
void heap_stats(struct heap_stats *out);

long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
int abs(int x);

/* Print "PROGRAM: message" to fd 2 and exit with status 127; for broken invariants. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn)) void abort(void);

/* Program name for messages: argv[0] as crt0 found it, or "?" before main. */
extern const char *progname;

#endif
