/*
 * bench: guest micro-benchmarks of the syscall, IPC and process paths.
 *
 * Every figure is a difference of rdtsc readings. Under QEMU TCG with -icount shift=0 the
 * guest TSC advances by one tick per executed instruction, so a figure is an exact instruction
 * count and two runs print the same numbers (tests/bench/run.lua checks that). Without icount
 * the numbers are only host-dependent estimates; the bench-smoke boot runs that way, with few
 * iterations, to prove only that every row still runs.
 *
 * Usage: bench [full|smoke]. Output, one line per row, after a line "bench start MODE":
 *   bench ROW ops=N loops=L ticks=T timer=K
 * T is the total of the timed window, in which L iterations of a measuring loop (in one or two
 * processes) performed N operations, and K timer interrupts arrived. The host subtracts
 * L times the empty loop's cost per iteration (row empty_loop) and divides by N. The last line
 * is "bench done", or "bench FAIL ROW: why" when a syscall misbehaved.
 */
#include <libsys.h>

#define ME "bench"
#define PEER "peer"
#define NOP_PROGRAM "nop"
#define CALL_SERVER "callsrv"
#define CALL_CLIENTS 60

/* Discriminators of the benchmark's own amc messages (the first payload word). */
enum { MSG_DATA = 1, MSG_READY, MSG_ACK, MSG_STOP };

struct mode {
    const char *name;
    uint32_t fast;  /* iterations of the cheap rows (null syscall, amc round trip, yield) */
    uint32_t procs; /* iterations of fork + exit + waitpid and of spawn */
};

static const struct mode MODES[] = {
    {"full", 100000, 1000},
    {"smoke", 100, 3},
    {"trace", 4, 1}, /* for an instruction trace of one pass (README, "The amc fast path") */
};

/* An amc receive buffer that fits in one page, as a server's static buffer usually does. */
static struct {
    struct amc_header hdr;
    uint8_t payload[AMC_MAX_MESSAGE];
} rx __attribute__((aligned(1024)));

static uint8_t tx[AMC_MAX_MESSAGE];
static char write_buf[64];

static inline uint64_t rdtsc(void)
{
    uint64_t t;
    __asm__ volatile("rdtsc" : "=A"(t));
    return t;
}

static uint32_t timer_ticks(void)
{
    struct kstat k;
    return kstat(&k) == 0 ? k.ticks : 0;
}

/*
 * Times n iterations of body. The empty row uses the same loop with a body that only clobbers
 * what a call clobbers, so the loop counter lives in the same register in every row and the
 * per-iteration cost of the loop itself is the same.
 */
#define TIMED_LOOP(result, n, body)                                                                \
    do {                                                                                           \
        uint32_t timer0_ = timer_ticks();                                                          \
        uint64_t t0_ = rdtsc();                                                                    \
        for (uint32_t i_ = 0; i_ < (n); i_++) {                                                    \
            body;                                                                                  \
        }                                                                                          \
        uint64_t t1_ = rdtsc();                                                                    \
        (result).ticks = t1_ - t0_;                                                                \
        (result).timer = timer_ticks() - timer0_;                                                  \
    } while (0)

#define CALL_CLOBBERS() __asm__ volatile("" ::: "eax", "ecx", "edx", "memory")

struct result {
    uint64_t ticks;
    uint32_t timer;
};

static const char *failed_row;
static char failure[96];

/* Records the first failure; the row is then not reported and the run ends with FAIL. */
static int fail(const char *row, const char *what, int32_t got)
{
    if (!failed_row) {
        failed_row = row;
        snprintf(failure, sizeof failure, "%s returned %d (%s)", what, got,
                 got < 0 ? strerror(got) : "unexpected");
    }
    return -1;
}

static void report(const char *row, uint32_t ops, uint32_t loops, struct result r)
{
    printf("bench %s ops=%u loops=%u ticks=%llu timer=%u\n", row, ops, loops,
           (unsigned long long)r.ticks, r.timer);
}

__attribute__((noinline)) static void empty_function(void)
{
    __asm__ volatile("");
}

static void bench_empty(uint32_t n)
{
    struct result r;
    TIMED_LOOP(r, n, CALL_CLOBBERS());
    report("empty_loop", n, n, r);
    TIMED_LOOP(r, n, empty_function());
    report("call_empty_function", n, n, r);
}

static void bench_getpid(uint32_t n)
{
    int32_t me = getpid();
    struct result r;
    TIMED_LOOP(r, n, getpid());
    if (getpid() != me)
        fail("null_syscall_getpid", "getpid", getpid());
    report("null_syscall_getpid", n, n, r);
}

static void bench_write_ebadf(uint32_t n)
{
    int32_t got = write(-1, write_buf, sizeof write_buf);
    if (got != -EBADF) {
        fail("buffer_syscall_write_ebadf", "write(-1, buf, 64)", got);
        return;
    }
    struct result r;
    TIMED_LOOP(r, n, write(-1, write_buf, sizeof write_buf));
    report("buffer_syscall_write_ebadf", n, n, r);
}

static int32_t reap(int32_t pid)
{
    struct wait_info info;
    int32_t r = waitpid(pid, &info, 0);
    if (r != pid)
        return r < 0 ? r : -ECHILD;
    return info.cause == WAIT_EXITED ? info.status : -1;
}

/* Two processes yield to each other: n yields each, 2n context switches in the window. */
static void bench_yield(uint32_t n)
{
    int32_t pid = fork();
    if (pid == 0) {
        for (uint32_t i = 0; i < n; i++)
            yield();
        exit(0);
    }
    if (pid < 0) {
        fail("yield_switch", "fork", pid);
        return;
    }
    struct result r;
    TIMED_LOOP(r, n, yield());
    int32_t status = reap(pid);
    if (status != 0) {
        fail("yield_switch", "the yielding child", status);
        return;
    }
    report("yield_switch", 2 * n, 2 * n, r);
}

/* One x87 multiply on a value kept in memory: enough to make the process an FPU user. */
static volatile double fpu_value = 1.0;

static inline void fpu_touch(void)
{
    fpu_value = fpu_value * 1.0000001;
}

/* Two processes that both use the FPU yield to each other: every switch must also switch the
 * FPU state (eagerly, or on the first FPU instruction after it with fpu=lazy). */
static void bench_fpu_pair(uint32_t n)
{
    int32_t pid = fork();
    if (pid == 0) {
        for (uint32_t i = 0; i < n; i++) {
            fpu_touch();
            yield();
        }
        exit(0);
    }
    if (pid < 0) {
        fail("fpu_pair_yield", "fork", pid);
        return;
    }
    struct result r;
    TIMED_LOOP(r, n, (fpu_touch(), yield()));
    int32_t status = reap(pid);
    if (status != 0) {
        fail("fpu_pair_yield", "the yielding child", status);
        return;
    }
    report("fpu_pair_yield", 2 * n, 2 * n, r);
}

static int32_t send_word(const char *dest, uint32_t word)
{
    return amc_message_send(dest, &word, sizeof word);
}

static uint32_t received_word(void)
{
    uint32_t w;
    memcpy(&w, rx.payload, sizeof w);
    return w;
}

/*
 * The peer: registers PEER, says it is ready, then answers every MSG_DATA with one MSG_DATA
 * (echo mode) or acknowledges every batch of them (sink mode) until MSG_STOP. Exits 0 when
 * every syscall worked.
 */
static _Noreturn void peer(int echo, uint32_t batch)
{
    if (amc_register_service(PEER) < 0 || send_word(ME, MSG_READY) < 0)
        exit(2);
    uint32_t got = 0;
    for (;;) {
        if (amc_message_await(&rx, sizeof rx) < 0)
            exit(3);
        uint32_t w = received_word();
        if (w == MSG_STOP)
            exit(0);
        if (echo && send_word(ME, MSG_DATA) < 0)
            exit(4);
        if (!echo && ++got % batch == 0 && send_word(ME, MSG_ACK) < 0)
            exit(5);
    }
}

static int32_t start_peer(const char *row, int echo, uint32_t batch)
{
    int32_t pid = fork();
    if (pid == 0)
        peer(echo, batch);
    if (pid < 0)
        return fail(row, "fork", pid);
    int32_t got = amc_message_await(&rx, sizeof rx);
    if (got < 0 || received_word() != MSG_READY)
        return fail(row, "await ready", got);
    return pid;
}

static int stop_peer(const char *row, int32_t pid)
{
    int32_t got = send_word(PEER, MSG_STOP);
    if (got < 0)
        return fail(row, "send stop", got);
    got = reap(pid);
    return got == 0 ? 0 : fail(row, "the peer", got);
}

/* Ping-pong: one 4-byte send and one await in each process per round trip. */
static void bench_amc_round_trip(uint32_t n)
{
    const char *row = "amc_round_trip_4b";
    int32_t pid = start_peer(row, 1, 1);
    if (pid < 0)
        return;
    uint32_t word = MSG_DATA;
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        bad |= amc_message_send(PEER, &word, sizeof word);
        bad |= amc_message_await(&rx, sizeof rx) < 0;
    });
    if (bad)
        fail(row, "send or await", bad);
    if (stop_peer(row, pid) == 0 && !bad)
        report(row, n, 2 * n, r);
}

/* One-way: batches of AMC_QUEUE_DEPTH messages of size bytes, each batch acknowledged. */
static void bench_amc_one_way(const char *row, uint32_t n, uint32_t size)
{
    uint32_t batch = AMC_QUEUE_DEPTH;
    uint32_t batches = (n + batch - 1) / batch;
    int32_t pid = start_peer(row, 0, batch);
    if (pid < 0)
        return;
    uint32_t word = MSG_DATA;
    memcpy(tx, &word, sizeof word);
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, batches, {
        for (uint32_t k = 0; k < batch; k++)
            bad |= amc_message_send(PEER, tx, size);
        bad |= amc_message_await(&rx, sizeof rx) < 0;
    });
    if (bad)
        fail(row, "send or await", bad);
    if (stop_peer(row, pid) == 0 && !bad)
        report(row, batches * batch, batches * (batch + 1) + batches * batch, r);
}

/* ---- amc calls ---- */

enum { CALL_ECHO = 1, CALL_STOP };

/* The call server: answers every call with its own request (discriminator 0), until CALL_STOP,
 * which it leaves unanswered (the caller gets EPIPE). */
static _Noreturn void call_server(void)
{
    static uint32_t buf[(sizeof(struct amc_header) + AMC_MAX_MESSAGE) / 4];
    if (amc_register_service(CALL_SERVER) < 0)
        exit(2);
    uint32_t badge = AMC_NO_CALL, len = 0;
    for (;;) {
        uint32_t b;
        int32_t n = amc_reply_wait(badge, buf, len, sizeof buf, &b, 0);
        if (n < 0)
            exit(3);
        badge = AMC_NO_CALL;
        len = 0;
        if (b == AMC_NO_CALL)
            continue;
        if (buf[0] == CALL_STOP)
            exit(0);
        buf[0] = 0;
        badge = b;
        len = (uint32_t)n;
    }
}

/* Starts the call server; returns its pid with *h a handle on it, or -1. */
static int32_t start_call_server(const char *row, int32_t *h)
{
    int32_t pid = fork();
    if (pid == 0)
        call_server();
    if (pid < 0)
        return fail(row, "fork", pid);
    for (int i = 0; i < 1000; i++) {
        *h = amc_open(CALL_SERVER);
        if (*h > 0)
            return pid;
        sleep_ms(1);
    }
    return fail(row, "amc_open", *h);
}

static int stop_call_server(const char *row, int32_t pid, int32_t h)
{
    int32_t got = amc_call(h, CALL_STOP, 0, 0, AMC_FOREVER, 0, 0);
    amc_close(h);
    if (got != -EPIPE)
        return fail(row, "the stop call", got);
    got = reap(pid);
    return got == 0 ? 0 : fail(row, "the call server", got);
}

/* amc_call: a register request and a register reply, client and server in two processes. */
static void bench_amc_call_regs(uint32_t n)
{
    const char *row = "amc_call_regs";
    int32_t h = 0, pid = start_call_server(row, &h);
    if (pid < 0)
        return;
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        uint32_t w0;
        bad |= amc_call(h, CALL_ECHO, i_, 2, AMC_FOREVER, &w0, 0);
        bad |= (int32_t)(w0 ^ i_);
    });
    if (bad)
        fail(row, "amc_call", bad);
    if (stop_call_server(row, pid, h) == 0 && !bad)
        report(row, n, n, r);
}

/* amc_call_buf: a 64-byte request answered with a 64-byte reply. */
static void bench_amc_call_64b(uint32_t n)
{
    const char *row = "amc_call_64b";
    int32_t h = 0, pid = start_call_server(row, &h);
    if (pid < 0)
        return;
    static uint32_t msg[16];
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        msg[0] = CALL_ECHO;
        bad |= amc_call_buf(h, msg, sizeof msg, sizeof msg, AMC_FOREVER) != (int32_t)sizeof msg;
    });
    if (bad)
        fail(row, "amc_call_buf", bad);
    if (stop_call_server(row, pid, h) == 0 && !bad)
        report(row, n, n, r);
}

/* One of CALL_CLIENTS clients: says it is ready, waits for the start, makes calls register
 * calls, says it is done. Exits 0 when every call was answered with its own request. */
static _Noreturn void call_client(uint32_t k, uint32_t calls)
{
    char name[16];
    snprintf(name, sizeof name, "client%u", k);
    int32_t h = amc_open(CALL_SERVER);
    if (h <= 0 || amc_register_service(name) < 0 || send_word(ME, MSG_READY) < 0 ||
        amc_message_await(&rx, sizeof rx) < 0)
        exit(2);
    for (uint32_t i = 0; i < calls; i++) {
        uint32_t w0 = 0, w1 = 0;
        if (amc_call(h, CALL_ECHO, i, k, AMC_FOREVER, &w0, &w1) != 0 || w0 != i || w1 != k)
            exit(3);
    }
    exit(send_word(ME, MSG_ACK) < 0 ? 4 : 0);
}

/* CALL_CLIENTS clients call one server at once: the window runs from the start signal to the
 * last client's "done". */
static void bench_amc_call_clients(uint32_t n)
{
    const char *row = "amc_call_60_clients";
    uint32_t calls = n / CALL_CLIENTS ? n / CALL_CLIENTS : 1;
    int32_t h = 0, srv = start_call_server(row, &h);
    if (srv < 0)
        return;
    int32_t pids[CALL_CLIENTS], bad = 0;
    for (uint32_t k = 0; k < CALL_CLIENTS; k++) {
        pids[k] = fork();
        if (pids[k] == 0)
            call_client(k, calls);
        bad |= pids[k] < 0 || amc_message_await(&rx, sizeof rx) < 0; /* its "ready" */
    }
    struct result r;
    uint32_t timer0 = timer_ticks();
    uint64_t t0 = rdtsc();
    for (uint32_t k = 0; k < CALL_CLIENTS && !bad; k++) {
        char name[16];
        snprintf(name, sizeof name, "client%u", k);
        bad |= send_word(name, MSG_DATA) < 0;
    }
    for (uint32_t k = 0; k < CALL_CLIENTS && !bad; k++)
        bad |= amc_message_await(&rx, sizeof rx) < 0 || received_word() != MSG_ACK;
    r.ticks = rdtsc() - t0;
    r.timer = timer_ticks() - timer0;
    for (uint32_t k = 0; k < CALL_CLIENTS; k++)
        bad |= pids[k] > 0 && reap(pids[k]) != 0;
    if (bad)
        fail(row, "a client", bad);
    if (stop_call_server(row, srv, h) == 0 && !bad)
        report(row, calls * CALL_CLIENTS, calls * CALL_CLIENTS, r);
}

/* fork returns twice; keeping it in its own function keeps the timed loop's state out of its way.
 */
static __attribute__((noinline)) int32_t fork_child_that_exits(void)
{
    int32_t pid = fork();
    if (pid == 0)
        exit(0);
    return pid;
}

static void bench_fork(uint32_t n)
{
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        int32_t pid = fork_child_that_exits();
        bad |= pid < 0 || reap(pid) != 0;
    });
    if (bad) {
        fail("fork_exit_waitpid", "fork or waitpid", bad);
        return;
    }
    report("fork_exit_waitpid", n, n, r);
}

/* A page of data the child of the next row writes: shared copy-on-write after fork, so the
 * child's first write to it costs a page-fault and a copy of the page. */
static uint8_t cow_page[4096] __attribute__((aligned(4096))) = {1};

static __attribute__((noinline)) int32_t fork_child_that_writes(void)
{
    int32_t pid = fork();
    if (pid == 0) {
        cow_page[0] = 2;
        exit(0);
    }
    return pid;
}

static void bench_fork_write(uint32_t n)
{
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        int32_t pid = fork_child_that_writes();
        bad |= pid < 0 || reap(pid) != 0;
    });
    if (bad || cow_page[0] != 1) {
        fail("fork_write_exit_waitpid", "fork or waitpid", bad);
        return;
    }
    report("fork_write_exit_waitpid", n, n, r);
}

static void bench_spawn(uint32_t n)
{
    static const char argv[] = NOP_PROGRAM;
    int32_t bad = 0;
    struct result r;
    TIMED_LOOP(r, n, {
        int32_t pid = spawn(NOP_PROGRAM, argv, sizeof argv);
        bad |= pid < 0 || reap(pid) != 0;
    });
    if (bad) {
        fail("spawn_exit_waitpid", "spawn " NOP_PROGRAM " or waitpid", bad);
        return;
    }
    report("spawn_exit_waitpid", n, n, r);
}

int main(int argc, char **argv)
{
    const struct mode *mode = &MODES[0];
    if (argc > 1) {
        mode = 0;
        for (uint32_t i = 0; i < sizeof MODES / sizeof MODES[0]; i++)
            if (!strcmp(argv[1], MODES[i].name))
                mode = &MODES[i];
        if (!mode) {
            dprintf(STDERR_FILENO, "usage: bench [full|smoke|trace]\n");
            return 2;
        }
    }
    int32_t got = amc_register_service(ME);
    if (got < 0) {
        printf("bench FAIL setup: amc_register_service returned %d\n", got);
        return 1;
    }
    printf("bench start %s\n", mode->name);
    uint32_t n = mode->fast;
    if (!strcmp(mode->name, "trace")) { /* only the amc rows: a trace of all is huge */
        bench_amc_round_trip(n);
        bench_amc_call_regs(n);
        bench_amc_call_64b(n);
        printf("bench done\n");
        return 0;
    }
    bench_empty(n);
    bench_getpid(n);
    bench_write_ebadf(n);
    bench_yield(n);
    bench_fpu_pair(n);
    bench_amc_round_trip(n);
    bench_amc_one_way("amc_one_way_4b", n, 4);
    bench_amc_one_way("amc_one_way_512b", n, AMC_MAX_MESSAGE);
    bench_amc_call_regs(n);
    bench_amc_call_64b(n);
    bench_fork(mode->procs);
    bench_fork_write(mode->procs);
    bench_spawn(mode->procs);
    /* Last: its 60 clients leave the process table's scans longer for every later row. */
    bench_amc_call_clients(n);
    if (failed_row) {
        printf("bench FAIL %s: %s\n", failed_row, failure);
        return 1;
    }
    printf("bench done\n");
    return 0;
}
