/*
 * The guest side of fuzz-cov (the coverage-guided fuzzer, tests/fuzzcov/): what the executor
 * (exec.c) and the reproducers it writes (tests/guest/repro/) share.
 *
 * A program is a sequence of calls whose arguments are literals, results of earlier calls (a
 * produced resource: a pid from fork or spawn...), or addresses inside the process's own
 * memory (scratch, or just below the end of the heap, where a range runs into an unmapped
 * page). The host (tests/fuzzcov/, in Lua) chooses them from the model of abi/syscalls.def; the
 * guest only resolves addresses and traps, through the generated fuzz_trap (the trap vector and
 * the argument registers come from the .def).
 */
#ifndef LAYERCAKE_FC_H
#define LAYERCAKE_FC_H

#include "fuzz.h"
#include "libsys.h"

#define FC_SCRATCH_SIZE 65536u
#define FC_MAX_CALLS 64
#define FC_BATCH_SIZE 65536 /* the executor's batch section (tests/fuzzcov/batch.lua writes it) */
#define FC_STATE_ZOMBIE 4   /* proc_info.state */

/* What a forked child does (the program's fork calls say which): every one of them ends on
 * its own, so a program leaves nothing behind even when it is killed. */
enum fc_child {
    FC_CHILD_EXIT,  /* exit(0) at once */
    FC_CHILD_YIELD, /* yield a few times, then exit(3) */
    FC_CHILD_SLEEP, /* sleep 2 ms (blocked: a kill finds it asleep), then exit(7) */
    FC_CHILD_FAULT, /* write to NULL: killed by a page fault */
    FC_CHILD_COUNT
};

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
/* Traps with nr and args; in a child a fork left (fork returned 0 in a new process), does what
 * child says and never returns. */
uint32_t fc_call(uint32_t nr, const uint32_t *args, uint32_t nargs, uint32_t child);
/* Fails the program (exit 99, with a line saying why) when ret is an error not in errors
 * (0-ended): the call returned an error the .def does not declare for it. */
void fc_check_error(uint32_t k, const char *name, uint32_t ret, const uint16_t *errors);
/* Runs body(arg) in a new process (which must exit), killing it if it has not ended after
 * FC_DEADLINE_MS; fills info; returns 1 when it was killed, 0 when it ended, -1 without fork. */
int fc_run(void (*body)(const void *), const void *arg, struct wait_info *info);
#define FC_DEADLINE_MS 400
/* Remembers scratch + off .. + off + len (bytes the next call must leave alone: those just past
 * an out buffer); fc_guard_intact tells whether they are unchanged since. len 0: no guard. */
void fc_guard_take(uint32_t off, uint32_t len);
int fc_guard_intact(void);
/* Fails the program (exit 99, with a line saying why) when the guard is not intact. */
void fc_check_guard(uint32_t k, const char *name);
/* Kills and reaps every child of the caller. */
void fc_end_children(void);
/* Waits (a few seconds of guest time at most) until the kernel's counters are back to base;
 * returns 1 when they are, else 0 with the difference in why. */
int fc_counters_back(const struct kstat *base, char *why, size_t cap);

#endif
