# gdb helpers for layercake, loaded by kernel/gdb/layercake.gdb (gdb's Python API).
#
# - An unwinder for the interrupt stubs of kernel/trap.asm, which have no CFI: the frame after a
#   handler's is the trapped context itself, read from the struct trap_frame the stub built, so
#   `bt` goes on from sys_write through the shim and the trap into the user program (whose
#   symbols `user-symbols PROG` loads) or into the kernel code an interrupt hit.
# - `trapframe [ADDR]`: the registers of a trap frame (default: the current process's);
#   `user-bt [ADDR]`: the user-space backtrace from that frame, with every variable readable.
# - `user-symbols PROG`, `user-break PROG FUNC|LINE`: every program is linked at 0x00400000,
#   so only one program's symbols are loaded at a time, and a user breakpoint is a hardware one
#   (the same linear address in every address space) that stops only when the current process
#   is PROG. The program's text is declared read-only to gdb, so the breakpoints `next` and
#   `finish` plant there are hardware ones too, never an int3 written into a page that other
#   processes may share.
# - `lc-ps`: the process table.
import os
import struct

import gdb
from gdb.unwinder import Unwinder

USER_BASE = 0x00400000
TRAP_FRAME_FIELDS = ("gs", "fs", "es", "ds", "edi", "esi", "ebp", "esp_pusha", "ebx", "edx",
                     "ecx", "eax", "vector", "error", "eip", "cs", "eflags", "user_esp", "user_ss")
STATES = ("free", "runnable", "running", "blocked", "zombie")


def build_dir():
    return os.environ.get("BUILD", "build")


def read_u32(addr):
    mem = gdb.selected_inferior().read_memory(addr, 4)
    return struct.unpack("<I", bytes(mem))[0]


def address_of(symbol):
    try:
        return int(gdb.parse_and_eval("(unsigned int)&" + symbol))
    except gdb.error:
        return None


def read_trap_frame(addr):
    mem = bytes(gdb.selected_inferior().read_memory(addr, 4 * len(TRAP_FRAME_FIELDS)))
    return dict(zip(TRAP_FRAME_FIELDS, struct.unpack("<%dI" % len(TRAP_FRAME_FIELDS), mem)))


def from_user(tf):
    return tf["cs"] & 3 == 3


def trap_name(vector):
    try:
        return gdb.parse_and_eval("trap_name(%d)" % vector).string()
    except gdb.error:
        return "vector %d" % vector


class FrameId:
    """A frame's identity for gdb's unwinder API: its stack and code addresses."""

    def __init__(self, sp, pc):
        self.sp = gdb.Value(sp)
        self.pc = gdb.Value(pc)


# gdb stops a backtrace whose caller's stack address is below its callee's ("corrupt stack").
# The user stack (just below 0xC0000000) is below every kernel stack, so frames found across a
# trap carry their user stack address moved up by this much: above the kernel's, still in order
# among themselves, and only an identity (the registers gdb unwinds are the real ones).
USER_ID_SHIFT = 0x40000000

# User stack pointers of the traps unwound since the target last stopped: a user frame at or
# above one of them is a caller of kernel frames.
crossed_traps = []
gdb.events.cont.connect(lambda event: crossed_traps.clear())


class TrapFrameUnwinder(Unwinder):
    """Unwinds the frame of an interrupt stub: its caller is the context in the trap frame.

    The stubs of trap_common call C with `push esp; call ...`, so in the stub's frame the word at
    sp is the struct trap_frame pointer, and the frame sits right above it. The syscall stub
    reserves syscall_entry_room bytes below the frame instead (kernel/syscall_desc.h), and at its
    bound check (where a #BR leaves it for the slow path) sp is the frame itself."""

    def __init__(self):
        super().__init__("layercake trap frame")
        self.ranges = None

    def stub_ranges(self):
        if self.ranges is None:
            first, ret = (address_of(s) for s in ("trap_stub_0", "trap_return"))
            self.ranges = [(first, ret)] if None not in (first, ret) else []
        return self.ranges

    @staticmethod
    def syscall_frame(pc, sp):
        """The trap frame of the syscall stub when pc is inside it, else None."""
        start, ret = address_of("trap_stub_syscall"), address_of("trap_return")
        if None in (start, ret) or not start <= pc < ret:
            return None
        if pc == read_u32(address_of("syscall_bound_insn")):
            return sp
        return sp + read_u32(address_of("syscall_entry_room"))

    def __call__(self, pending):
        pc = int(pending.read_register("eip"))
        if not any(lo <= pc < hi for lo, hi in self.stub_ranges()):
            return None
        sp = int(pending.read_register("esp"))
        try:
            tf_addr = self.syscall_frame(pc, sp)
            if tf_addr is None:
                tf_addr = read_u32(sp)
                if not sp <= tf_addr < sp + 64:
                    return None  # not at one of the calls: a stub being stepped through
            tf = read_trap_frame(tf_addr)
        except gdb.MemoryError:
            return None
        info = pending.create_unwind_info(FrameId(sp, pc))
        # Kernel traps push no ss:esp; the interrupted esp is where the frame's user_esp would be.
        esp = tf["user_esp"] if from_user(tf) else tf_addr + 4 * TRAP_FRAME_FIELDS.index("user_esp")
        if from_user(tf):
            crossed_traps.append(esp)
        u32 = gdb.lookup_type("unsigned int")
        for reg in ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "eip", "eflags"):
            info.add_saved_register(reg, gdb.Value(tf[reg]).cast(u32))
        info.add_saved_register("esp", gdb.Value(esp).cast(u32))
        return info


POP_OPCODES = {0x5B: "ebx", 0x5D: "ebp", 0x5E: "esi", 0x5F: "edi"}


def wrapper_pops(pc):
    """The registers a libsys wrapper (build/gen/libsys/syscalls.asm) pops before its `ret`, when
    pc is just after its `int N`; None for any other code."""
    try:
        code = bytes(gdb.selected_inferior().read_memory(pc - 2, 8))
    except gdb.MemoryError:
        return None
    if code[0] != 0xCD:
        return None
    pops = []
    for byte in code[2:]:
        if byte == 0xC3:
            return pops
        if byte not in POP_OPCODES:
            return None
        pops.append(POP_OPCODES[byte])
    return None


class UserFrameUnwinder(Unwinder):
    """User frames: a libsys wrapper stopped after its int (no CFI: what follows is `pop REG`...
    `ret`, so the saved registers and the return address are the next words on the stack), and,
    above a trap, every caller by its frame pointer chain (user code keeps ebp frames), with the
    shifted identities that let gdb go on from the kernel's stack to the user's."""

    def __init__(self):
        super().__init__("layercake user frames")

    def __call__(self, pending):
        pc = int(pending.read_register("eip"))
        if not USER_BASE <= pc < 0xC0000000:
            return None
        sp = int(pending.read_register("esp"))
        above_trap = any(t <= sp for t in crossed_traps)
        u32 = gdb.lookup_type("unsigned int")
        saved = {}
        try:
            pops = wrapper_pops(pc)
            if pops is not None:
                for i, reg in enumerate(pops):
                    saved[reg] = read_u32(sp + 4 * i)
                saved["eip"] = read_u32(sp + 4 * len(pops))
                saved["esp"] = sp + 4 * len(pops) + 4
            elif above_trap:
                ebp = int(pending.read_register("ebp"))
                if not sp <= ebp < 0xC0000000 - 8:
                    return None
                saved.update(eip=read_u32(ebp + 4), ebp=read_u32(ebp), esp=ebp + 8)
            else:
                return None  # gdb's own DWARF unwinding knows better
        except gdb.MemoryError:
            return None
        if saved["eip"] == 0:
            return None  # the outermost frame
        cfa = saved["esp"] + (USER_ID_SHIFT if above_trap else 0)
        info = pending.create_unwind_info(FrameId(cfa, pc))
        for reg in ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "eflags"):
            if reg not in saved:  # unchanged by the code being unwound
                info.add_saved_register(reg, pending.read_register(reg))
        for reg, value in saved.items():
            info.add_saved_register(reg, gdb.Value(value).cast(u32))
        return info


gdb.unwinder.register_unwinder(None, TrapFrameUnwinder(), replace=True)
gdb.unwinder.register_unwinder(None, UserFrameUnwinder(), replace=True)


class TrapFrameCommand(gdb.Command):
    """trapframe [ADDR]: print the struct trap_frame at ADDR (default: the current process's tf),
    with the trap's name and whether it came from ring 3."""

    def __init__(self):
        super().__init__("trapframe", gdb.COMMAND_DATA, gdb.COMPLETE_EXPRESSION)

    def invoke(self, arg, from_tty):
        expr = arg.strip() or "current->tf"
        addr = int(gdb.parse_and_eval("(unsigned int)(%s)" % expr))
        tf = read_trap_frame(addr)
        ring = "from ring 3" if from_user(tf) else "from the kernel"
        name = "System call" if tf["vector"] == 0x80 else trap_name(tf["vector"])
        print("trap frame at 0x%08x: vector %d (%s), error 0x%x, %s" %
              (addr, tf["vector"], name, tf["error"], ring))
        print("  eip 0x%08x  cs 0x%x  eflags 0x%08x" % (tf["eip"], tf["cs"], tf["eflags"]))
        print("  eax 0x%08x  ebx 0x%08x  ecx 0x%08x  edx 0x%08x" %
              (tf["eax"], tf["ebx"], tf["ecx"], tf["edx"]))
        print("  esi 0x%08x  edi 0x%08x  ebp 0x%08x" % (tf["esi"], tf["edi"], tf["ebp"]))
        if from_user(tf):
            print("  user esp 0x%08x  ss 0x%x" % (tf["user_esp"], tf["user_ss"]))
        print("  ds 0x%x  es 0x%x  fs 0x%x  gs 0x%x" % (tf["ds"], tf["es"], tf["fs"], tf["gs"]))
        symbol = gdb.execute("info symbol 0x%x" % tf["eip"], to_string=True).strip()
        print("  at %s" % symbol)


TrapFrameCommand()


class UserBacktraceCommand(gdb.Command):
    """user-bt [ADDR]: the backtrace of the user context saved in the trap frame at ADDR (default:
    the current process's tf), unwound from its own registers. `bt` already runs on into user
    space, but the frames it finds there carry shifted stack identities, and a variable gdb finds
    relative to the frame's CFA reads wrong there; user-bt shows them as if stopped in ring 3.
    The CPU's registers are set to the trapped ones for the backtrace and restored after it."""

    def __init__(self):
        super().__init__("user-bt", gdb.COMMAND_STACK)

    def invoke(self, arg, from_tty):
        addr = int(gdb.parse_and_eval("(unsigned int)(%s)" % (arg.strip() or "current->tf")))
        tf = read_trap_frame(addr)
        if not from_user(tf):
            raise gdb.GdbError("the trap frame at 0x%08x did not come from ring 3" % addr)
        regs = ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip", "eflags")
        saved = {r: int(gdb.parse_and_eval("(unsigned int)$" + r)) for r in regs}
        trapped = dict((r, tf[r]) for r in regs if r != "esp")
        trapped["esp"] = tf["user_esp"]
        crossed_traps.clear()
        def load(values):
            for r in regs:
                gdb.newest_frame().select()  # registers are the CPU's only in frame 0
                gdb.execute("set $%s = %d" % (r, values[r]), to_string=True)

        try:
            load(trapped)
            # Frames unwound while the registers were half loaded (a kernel pc with the user's
            # esp) may have recorded a trap: forget them.
            crossed_traps.clear()
            gdb.execute("backtrace", from_tty)
        finally:
            load(saved)
            crossed_traps.clear()


UserBacktraceCommand()

loaded_program = {"name": None, "path": None, "text": None}


def elf_text_range(path):
    """[low, high) of the executable PT_LOAD segments of a 32-bit ELF file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 1:
        raise gdb.GdbError("%s is not a 32-bit ELF file" % path)
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    low, high = None, None
    for i in range(phnum):
        p_type, _, p_vaddr, _, _, p_memsz, p_flags, _ = struct.unpack_from(
            "<8I", data, phoff + i * phentsize)
        if p_type == 1 and p_flags & 1:  # PT_LOAD, PF_X
            low = p_vaddr if low is None else min(low, p_vaddr)
            high = p_vaddr + p_memsz if high is None else max(high, p_vaddr + p_memsz)
    if low is None:
        raise gdb.GdbError("%s has no executable segment" % path)
    return low, high


def program_path(name):
    for d in ("user", "tests"):
        path = os.path.join(build_dir(), d, name + ".elf")
        if os.path.exists(path):
            return path
    raise gdb.GdbError("no program %s: looked for %s/user/%s.elf and %s/tests/%s.elf" %
                       (name, build_dir(), name, build_dir(), name))


def load_program(name):
    """Make PROG's symbols the user-space ones, replacing the previous program's."""
    if loaded_program["name"] == name:
        return
    path = program_path(name)
    if loaded_program["path"]:
        gdb.execute("remove-symbol-file -a 0x%x" % loaded_program["text"][0], to_string=True)
    low, high = elf_text_range(path)
    gdb.execute("add-symbol-file %s -o 0" % path, to_string=True)
    # Read-only text: gdb then uses hardware breakpoints there (breakpoint auto-hw), also for
    # the ones `next` and `finish` plant.
    gdb.execute("mem 0x%x 0x%x ro" % (low, high), to_string=True)
    loaded_program.update(name=name, path=path, text=(low, high))
    print("user symbols: %s (text 0x%08x-0x%08x)" % (path, low, high))


class UserSymbolsCommand(gdb.Command):
    """user-symbols PROG: load build/user/PROG.elf's symbols (or build/tests/PROG.elf) as the
    user-space ones, unloading the previous program's (all are linked at 0x00400000)."""

    def __init__(self):
        super().__init__("user-symbols", gdb.COMMAND_FILES)

    def invoke(self, arg, from_tty):
        if not arg.strip():
            raise gdb.GdbError("usage: user-symbols PROG")
        load_program(arg.strip())


UserSymbolsCommand()


class UserBreakCommand(gdb.Command):
    """user-break PROG LOCATION: a hardware breakpoint at LOCATION (a function or FILE:LINE of
    PROG) that stops only while the current process is called PROG."""

    def __init__(self):
        super().__init__("user-break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        words = arg.split()
        if len(words) != 2:
            raise gdb.GdbError("usage: user-break PROG FUNC|FILE:LINE")
        name, location = words
        if len(name) > 31:
            raise gdb.GdbError("program names are at most 31 bytes")
        load_program(name)
        gdb.execute('hbreak %s if $_streq(current->name, "%s")' % (location, name))


UserBreakCommand()


class PsCommand(gdb.Command):
    """lc-ps: the process table (pid, parent, state, name; * marks the current process)."""

    def __init__(self):
        super().__init__("lc-ps", gdb.COMMAND_STATUS)

    def invoke(self, arg, from_tty):
        procs = gdb.parse_and_eval("procs")
        current = int(gdb.parse_and_eval("(unsigned int)current"))
        count = int(procs.type.sizeof // procs[0].type.sizeof)
        print("  pid  ppid  state     name")
        for i in range(1, count):
            p = procs[i]
            state = int(p["state"])
            if state == 0:
                continue
            mark = "*" if int(p.address) == current else " "
            print("%s%4d  %4d  %-8s  %s" % (mark, int(p["pid"]), int(p["ppid"]),
                                             STATES[state] if state < len(STATES) else state,
                                             p["name"].string()))


PsCommand()
