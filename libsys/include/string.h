/* libsys string and memory functions: the usual C names and meanings. */
#ifndef LIBSYS_STRING_H
#define LIBSYS_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);

size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strcpy(char *restrict dst, const char *restrict src);
char *strncpy(char *restrict dst, const char *restrict src, size_t n);
/* Copy src into dst[cap] always NUL-terminating (if cap > 0); returns strlen(src). */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t cap);
char *strcat(char *restrict dst, const char *restrict src);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
char *strdup(const char *s);

/* Message for an error number from abi.h; accepts err or -err (syscalls return -err). */
const char *strerror(int err);

#endif
