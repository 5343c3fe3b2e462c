-- The guest benchmark rows (tests/bench/bench.c prints "bench KEY ..." for each), in table order:
-- label, target in ticks per operation ("<="), and reference points measured the same way on
-- this machine (guest ticks under QEMU -icount shift=0). Shared by tests/bench/run.lua (the
-- table) and tests/qemu/bench_boots.lua (the smoke boot checks that every row is printed).
local PIPE = "4-byte pipe ping-pong: Linux 6.1 15,962, xv6 27,458"

return {
    { key = "call_empty_function", label = "plain call to an empty function", ref = "2 (any kernel)" },
    { key = "null_syscall_getpid", label = "null syscall: getpid() wrapper + int 0x80 + dispatch",
      target = 30, ref = "int 0x80 getpid: Linux 6.1 331, xv6 1,393" },
    { key = "buffer_syscall_write_ebadf", label = "64-byte buffer check: write(-1, buf, 64) = -EBADF",
      target = 70 },
    -- issue 14: at most 1,000 with the released ABI unchanged
    { key = "amc_round_trip_4b", label = "amc round trip: 4-byte send + await, ping-pong", target = 1000,
      ref = PIPE },
    { key = "amc_one_way_4b", label = "amc one way: 4-byte message (send + receive)" },
    { key = "amc_one_way_512b", label = "amc one way: 512-byte message (send + receive)" },
    { key = "amc_call_regs", label = "amc_call round trip: 3 words each way, 2 processes",
      target = 250, ref = "L4Re IPC round trip about 1,174 (real hardware)" },
    { key = "amc_call_64b", label = "amc_call_buf round trip: 64 bytes each way", target = 500 },
    { key = "amc_call_60_clients", label = "60 clients calling one server: per call" },
    { key = "yield_switch", label = "yield to the other process (syscall + switch)", target = 90 },
    { key = "fpu_pair_yield", label = "yield between two FPU users (+ FPU state switch)", target = 150 },
    { key = "fork_exit_waitpid", label = "fork + exit + waitpid", target = 15000,
      ref = "Linux 6.1 about 93,000" },
    { key = "fork_write_exit_waitpid", label = "fork, child writes one page, exit + waitpid" },
    { key = "spawn_exit_waitpid", label = "spawn(\"nop\") + exit + waitpid", target = 20000 },
}
