/* Describing how a child process ended, for init, sh and tests. */
#include <libsys.h>

/* Intel SDM vol. 3, table 6-1; vectors 15, 22-27 and 31 are reserved. */
static const char *const exception_names[32] = {
    "divide error",
    "debug exception",
    "NMI",
    "breakpoint",
    "overflow",
    "BOUND range exceeded",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not present",
    "stack-segment fault",
    "general protection fault",
    "page fault",
    "reserved exception",
    "x87 floating-point error",
    "alignment check",
    "machine check",
    "SIMD floating-point exception",
    "virtualization exception",
    "control protection exception",
    "reserved exception",
    "reserved exception",
    "reserved exception",
    "reserved exception",
    "reserved exception",
    "reserved exception",
    "hypervisor injection exception",
    "VMM communication exception",
    "security exception",
    "reserved exception",
};

const char *exception_name(uint32_t vector)
{
    return vector < 32 ? exception_names[vector] : "exception";
}

int wait_describe(const struct wait_info *info, char *buf, size_t cap)
{
    switch (info->cause) {
    case WAIT_EXITED:
        return snprintf(buf, cap, "exited with status %d", (int)info->status);
    case WAIT_FAULTED:
        if (info->vector == 14)
            return snprintf(buf, cap, "killed by %s (vector %u) at eip=0x%08x cr2=0x%08x",
                            exception_name(info->vector), (unsigned)info->vector,
                            (unsigned)info->eip, (unsigned)info->cr2);
        return snprintf(buf, cap, "killed by %s (vector %u) at eip=0x%08x",
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
