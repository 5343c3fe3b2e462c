/* Controls of the host stand-in kernel (host_kernel.c) for libsys host tests. */
#ifndef LIBSYS_HOST_KERNEL_H
#define LIBSYS_HOST_KERNEL_H

#include <stddef.h>

struct host_capture {
    int active;
    int writes; /* write() calls while capturing */
    size_t len;
    char data[8192]; /* what they wrote, NUL-terminated, truncated */
};

extern struct host_capture host_capture;

void host_capture_start(void);
void host_capture_stop(void);
/* Make read() return these chunks one per call (NULL-terminated list), then end of input. */
void host_script_input(const char *const *chunks);
/* Make sbrk fail with -ENOMEM once the heap would exceed bytes. */
void host_set_heap_limit(size_t bytes);
size_t host_heap_break(void);

#endif
