/*
 * The guest side of fuzz-cov (the coverage-guided fuzzer, tests/fuzzcov/): what the executor
 * (exec.c) and the reproducers it writes (tests/guest/repro/) share.
 *
 * A program is a sequence of calls whose arguments are literals, results of earlier calls (a
 * produced resource: a pid from fork or spawn...), or addresses inside the process's own
 * memory (scratch, or just below the end of the heap, where a range runs into an unmapped
 * page). The host (tests/fuzzcov/, in Lua) chooses them from the model of abi/syscalls.def; the
 * guest only resolves addresses and traps (the trap vector and the order of the argument
 * registers come from the .def, through the generated abi.h), keeping every register the call
 * leaves: a call's extra results (amc_reply_wait's badge) feed later calls too.
 */
#ifndef LAYERCAKE_FC_H
#define LAYERCAKE_FC_H

#include "fuzz.h"
#include "libsys.h"

#define FC_SCRATCH_SIZE 65536u
#define FC_MAX_CALLS 64
#define FC_BATCH_SIZE 65536 /* the executor's batch section (tests/fuzzcov/batch.lua writes it) */
#define FC_STATE_ZOMBIE 4   /* proc_info.state */

/* What a forked child does (the program's fork calls say which, in the low 4 bits of their
 * child field): first the calls of its span (the next FC_CHILD_SPAN(child) calls of the program,
 * which the parent skips: a partner that serves or calls what the parent set up), then it ends
 * its own children and does its action. Whatever a program leaves running is killed with it
 * (fc_kill_tree), so a program leaves nothing behind. */
enum fc_child {
    FC_CHILD_EXIT,  /* exit(0) at once */
    FC_CHILD_YIELD, /* yield a few times, then exit(3) */
    FC_CHILD_SLEEP, /* sleep 2 ms (blocked: a kill finds it asleep), then exit(7) */
    FC_CHILD_FAULT, /* write to NULL: killed by a page fault */
    FC_CHILD_COUNT
};
#define FC_CHILD_SPAN(child) ((child) >> 4)
#define FC_CHILD_ACTION(child) ((child)&15u)

/* The registers a call leaves, in the CPU's own order of their numbers (esp and ebp left out;
 * tests/fuzzcov/desc.lua reads FC_REG_NAMES: an extra result is the register the .def's
 * result_registers name). CPU facts, not ABI ones. */
#define FC_REG_NAMES "eax ecx edx ebx esi edi"
enum { fc_reg_eax, fc_reg_ecx, fc_reg_edx, fc_reg_ebx, fc_reg_esi, fc_reg_edi, FC_NREGS };

extern uint8_t fc_scratch[FC_SCRATCH_SIZE];
extern uint32_t fc_heap_end; /* first address past the heap's last mapped page */
extern int32_t fc_self;      /* the program's process */

/* The address tokens of programs (tests/fuzzcov/exec.c): scratch + off, the heap's end - off. */
#define FC_SCR(off) ((uint32_t)fc_scratch + (off) % FC_SCRATCH_SIZE)
#define FC_HEAP(off) (fc_heap_end - (off))
/* Writes n bytes and a NUL at scratch + off (a string argument); returns their address. */
uint32_t fc_put(uint32_t off, const void *bytes, uint32_t n);

/* Lays the program's process out (scratch contents from seed, two heap pages). */
void fc_setup(uint32_t seed);
/* Traps with nr and args (in the argument registers, in the .def's order); stores every register
 * the call left in regs (FC_NREGS of them, indexed fc_reg_*; 0: none wanted); returns eax. */
uint32_t fc_trap(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t *regs);
/* 1 when a call that returned ret returned it in a new process (a fork's child), which is
 * fc_self from then on. */
int fc_new_process(uint32_t ret);
/* The end of a forked child: its children end (fc_end_children), then it does child's action. */
__attribute__((noreturn)) void fc_child_exit(uint32_t child);
/* fc_trap without the registers; in a child a fork left, fc_child_exit(child) at once. */
uint32_t fc_call(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t child);
/* Fails the program (exit 99, with a line saying why) when ret is an error not in errors
 * (0-ended): the call returned an error the .def does not declare for it. */
void fc_check_error(uint32_t k, const char *name, uint32_t ret, const uint16_t *errors);
/* Runs body(arg) in a new process (which must exit), killing it if it has not ended after
 * FC_DEADLINE_MS; fills info; returns 1 when it was killed, 0 when it ended, -1 without fork. */
int fc_run(void (*body)(const void *), const void *arg, struct wait_info *info);
#define FC_DEADLINE_MS 400
/* Guards: bytes of scratch the next call must leave alone, snapshotted before it (at most
 * FC_MAX_GUARDS of them; fc_setup and fc_check_guard forget them, fc_guard_clear too).
 * fc_guard_take: scratch + off .. + off + len, the bytes just past an out buffer whose length
 * the program gave (len 0: none). fc_guard_value_result: the len bytes just past the capacity a
 * value-result length gives its buffer (bytes[*LEN]): *lenp elements of es bytes, at most max,
 * read now, just before the call; none unless buf and the word at lenp lie in scratch, and never
 * over that word (the kernel writes the size back there). Returns the capacity *lenp held (0
 * when lenp is not in scratch). */
enum fc_guard_kind { FC_GUARD_NONE, FC_GUARD_BUF, FC_GUARD_CAP };
#define FC_MAX_GUARDS 4
void fc_guard_clear(void);
void fc_guard_take(uint32_t off, uint32_t len);
uint32_t fc_guard_value_result(uint32_t buf, uint32_t lenp, uint32_t max, uint32_t es,
                               uint32_t len);
/* The kind of the first guard the call changed, or FC_GUARD_NONE. */
enum fc_guard_kind fc_guard_broken(void);
/* Fails the program (exit 99, with a line saying why) when a guard changed; then forgets them. */
void fc_check_guard(uint32_t k, const char *name);
/* Writes the u32 v at scratch + off (a value-result length's capacity); returns its address. */
uint32_t fc_word(uint32_t off, uint32_t v);
/* Gives the caller's children a few ms to end on their own, then kills every descendant of the
 * caller (fc_kill_tree) and reaps its children. */
void fc_end_children(void);
/* Kills every live descendant of root, the deepest first (an orphan would be out of reach),
 * and root too when with_root. */
void fc_kill_tree(int32_t root, int with_root);
/* Live children of init_pid whose pid is above self's: processes a program started that
 * outlived their parent (one that forked while its tree was being killed), which nobody but
 * init may end. */
uint32_t fc_orphans(int32_t init_pid, int32_t self);
/* Waits (a few seconds of guest time at most) until the kernel's counters are back to base;
 * returns 1 when they are, else 0 with the difference in why. */
int fc_counters_back(const struct kstat *base, char *why, size_t cap);

#endif
