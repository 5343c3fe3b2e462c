/* Describing how a child process ended, for init, sh and tests. */
#include <libsys.h>

#include "../include/x86_exceptions.h"

#define EXCEPTION_NAME(vector, name) [vector] = name,
static const char *const exception_names[X86_EXCEPTION_COUNT] = {X86_EXCEPTIONS(EXCEPTION_NAME)};
#undef EXCEPTION_NAME

const char *exception_name(uint32_t vector)
{
    return vector < X86_EXCEPTION_COUNT ? exception_names[vector] : "Unknown exception";
}

int wait_describe(const struct wait_info *info, char *buf, size_t cap)
{
    switch (info->cause) {
    case WAIT_EXITED:
        return snprintf(buf, cap, "exited with status %d", (int)info->status);
    case WAIT_FAULTED:
        if (info->vector == 14)
            return snprintf(buf, cap, "killed: %s (vector %u) at eip=0x%08x cr2=0x%08x",
                            exception_name(info->vector), (unsigned)info->vector,
                            (unsigned)info->eip, (unsigned)info->cr2);
        return snprintf(buf, cap, "killed: %s (vector %u) at eip=0x%08x",
                        exception_name(info->vector), (unsigned)info->vector, (unsigned)info->eip);
    case WAIT_KILLED:
        return snprintf(buf, cap, "killed");
    default:
        return snprintf(buf, cap, "ended with unknown cause %u", (unsigned)info->cause);
    }
}

int wait_failed(const struct wait_info *info)
{
    return info->cause != WAIT_EXITED || info->status != 0;
}
