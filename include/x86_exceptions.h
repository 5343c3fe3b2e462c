/*
 * The names of the CPU exception vectors 0-31 (Intel SDM vol. 3, table 6-1), written once for
 * the kernel's fault and panic reports (kernel/trap.c) and libsys's description of how a child
 * ended (libsys/wait.c, from wait_info.vector). A CPU fact, not an ABI one, so it is not in
 * abi/syscalls.def; both sides include this file by its relative path.
 *
 * X86_EXCEPTIONS(X) calls X(vector, "name") for every vector in order.
 */
#ifndef LAYERCAKE_X86_EXCEPTIONS_H
#define LAYERCAKE_X86_EXCEPTIONS_H

#define X86_EXCEPTION_COUNT 32

#define X86_EXCEPTIONS(X)                                                                          \
    X(0, "Divide error")                                                                           \
    X(1, "Debug")                                                                                  \
    X(2, "NMI")                                                                                    \
    X(3, "Breakpoint")                                                                             \
    X(4, "Overflow")                                                                               \
    X(5, "BOUND range exceeded")                                                                   \
    X(6, "Invalid opcode")                                                                         \
    X(7, "Device not available")                                                                   \
    X(8, "Double fault")                                                                           \
    X(9, "Coprocessor segment overrun")                                                            \
    X(10, "Invalid TSS")                                                                           \
    X(11, "Segment not present")                                                                   \
    X(12, "Stack-segment fault")                                                                   \
    X(13, "General protection fault")                                                              \
    X(14, "Page fault")                                                                            \
    X(15, "Reserved (15)")                                                                         \
    X(16, "x87 floating-point error")                                                              \
    X(17, "Alignment check")                                                                       \
    X(18, "Machine check")                                                                         \
    X(19, "SIMD floating-point error")                                                             \
    X(20, "Virtualization exception")                                                              \
    X(21, "Control protection exception")                                                          \
    X(22, "Reserved (22)")                                                                         \
    X(23, "Reserved (23)")                                                                         \
    X(24, "Reserved (24)")                                                                         \
    X(25, "Reserved (25)")                                                                         \
    X(26, "Reserved (26)")                                                                         \
    X(27, "Reserved (27)")                                                                         \
    X(28, "Hypervisor injection exception")                                                        \
    X(29, "VMM communication exception")                                                           \
    X(30, "Security exception")                                                                    \
    X(31, "Reserved (31)")

#endif
