/*
 * Host half of tests/amc/suite.lua's call tests: the code generated from tests/amc/calls.def
 * (client stubs, calc_handle, the calc_serve loop) against a stand-in kernel.
 *
 * The stand-in's amc_call and amc_call_buf hand the request to calc_handle at once, as the
 * kernel would hand it to a server blocked in amc_reply_wait, and return its answer the way the
 * kernel does (a negative word is a refusal). `tamper` corrupts that answer, or replaces it
 * with a kernel error, to attack the stubs' reply checks. The loop is driven by a script of
 * what amc_reply_wait returns (calls, plain messages, refused answers) and records what the
 * loop answered each time.
 */
#include <stdio.h>
#include <string.h>

#include "amc_services.h"
#include "syscalls.h"

static int failures;

static void check(const char *name, int ok)
{
    printf(ok ? "ok %s\n" : "FAIL %s: check failed\n", name);
    failures += !ok;
}

/* ---- the service: handlers ------------------------------------------------------------------ */

static int on_add(void *ctx, const struct amc_request *rq, const struct calc_add *req,
                  struct calc_sum *reply)
{
    (void)ctx;
    (void)rq;
    reply->value = req->a + req->b;
    return 0;
}

static int on_upper(void *ctx, const struct amc_request *rq, const struct calc_upper *req,
                    union calc_text_room *reply)
{
    (void)ctx;
    (void)rq;
    for (uint32_t i = 0; i < req->len; i++) {
        uint8_t c = req->text[i];
        reply->m.text[i] = c >= 'a' && c <= 'z' ? (uint8_t)(c - 'a' + 'A') : c;
    }
    reply->m.len = req->len;
    return 0;
}

/* "big" answers with a length past the reply's max: the loop must refuse to send it. */
static int on_lookup(void *ctx, const struct amc_request *rq, const struct calc_lookup *req,
                     union calc_text_room *reply)
{
    (void)ctx;
    (void)rq;
    if (strcmp(req->key, "big") == 0) {
        reply->m.len = 101;
        return 0;
    }
    if (strcmp(req->key, "pi") != 0)
        return -ENOENT;
    memcpy(reply->m.text, "3.14", 4);
    reply->m.len = 4;
    return 0;
}

static uint32_t notes;

static int on_note(void *ctx, const struct amc_request *rq, const struct calc_note *msg)
{
    (void)ctx;
    (void)rq;
    notes += msg->value;
    return 0;
}

/* pair has no handler: calls of it are refused with -EPROTO. */
static const struct calc_server server = {
    .add = on_add, .upper = on_upper, .lookup = on_lookup, .note = on_note};
static struct calc_stats stats;

/* ---- the stand-in kernel: calls ---------------------------------------------------------------
 */

enum tamper { NONE, WRONG_EVENT, SHORT_REPLY, LONG_REPLY, KERNEL_ERROR };
static enum tamper tamper;
static uint8_t last_request[600];
static uint32_t last_len, last_timeout, calls_made;

/* Serve one call as the kernel hands it over; returns the answer's length or a refusal. */
static int serve_call(const void *req, uint32_t len, void *answer)
{
    static union {
        uint8_t raw[512];
        uint64_t align;
    } in;
    memcpy(in.raw, req, len);
    memcpy(last_request, req, len);
    last_len = len;
    calls_made++;
    struct amc_request rq = {.payload = in.raw, .len = len, .badge = 77, .pid = 5};
    int n = calc_handle(&server, 0, &stats, &rq, answer);
    if (n > 0 && tamper == WRONG_EVENT)
        ((uint32_t *)answer)[0] = CALC_NOTE;
    if (n > 0 && tamper == SHORT_REPLY)
        n--;
    if (n > 0 && tamper == LONG_REPLY)
        n++;
    if (tamper == KERNEL_ERROR)
        return -ETIMEDOUT;
    return n;
}

int32_t amc_call(amc_handle_t h, uint32_t disc, uint32_t w0, uint32_t w1, uint32_t timeout_ms,
                 uint32_t *r_reply_w0, uint32_t *r_reply_w1)
{
    (void)h;
    uint32_t words[3] = {disc, w0, w1}, answer[3] = {0, 0, 0};
    last_timeout = timeout_ms;
    int n = serve_call(words, sizeof words, answer);
    if (n < 0)
        return n;
    if (n < 4 || n > 12)
        return -EMSGSIZE;
    *r_reply_w0 = answer[1];
    *r_reply_w1 = answer[2];
    return (int32_t)answer[0];
}

int32_t amc_call_buf(amc_handle_t h, void *msg, uint32_t len, uint32_t cap, uint32_t timeout_ms)
{
    (void)h;
    static union {
        uint8_t raw[600];
        uint64_t align;
    } answer;
    last_timeout = timeout_ms;
    if (len < 4 || len > cap)
        return -EINVAL;
    int n = serve_call(msg, len, &answer);
    if (n < 0)
        return n;
    if ((uint32_t)n > cap)
        return -EMSGSIZE;
    memcpy(msg, &answer, (uint32_t)n);
    return n;
}

/* ---- the stand-in kernel: the server's side ---------------------------------------------------
 */

/* One turn of amc_reply_wait: what it hands the loop, and what the loop answered before it. */
struct turn {
    uint32_t badge;     /* 0: a plain message */
    const char *source; /* its sender's name */
    const void *payload;
    uint32_t len;
    int32_t refuse_answer; /* the kernel refuses the loop's answer with this (-ESRCH...) */
    /* recorded: the answer the next amc_reply_wait carried */
    int recorded;
    uint32_t answered_badge;
    uint32_t answer_len;
    uint8_t answer[600];
};

static struct turn *script;
static unsigned turns, next_turn;

int32_t amc_reply_wait(amc_badge_t badge, void *buf, uint32_t len, uint32_t cap,
                       amc_badge_t *r_caller, int32_t *r_pid)
{
    if (next_turn > 0 && !script[next_turn - 1].recorded) {
        struct turn *prev = &script[next_turn - 1];
        prev->recorded = 1;
        prev->answered_badge = badge;
        prev->answer_len = len;
        memcpy(prev->answer, buf, len);
    }
    if (next_turn > 0 && badge && script[next_turn - 1].refuse_answer) {
        int32_t r = script[next_turn - 1].refuse_answer;
        script[next_turn - 1].refuse_answer = 0; /* the loop's retry receives */
        return r;
    }
    if (next_turn == turns)
        return -EFAULT; /* the end of the script ends the loop */
    struct turn *t = &script[next_turn++];
    *r_caller = t->badge;
    *r_pid = 40 + (int32_t)next_turn;
    if (t->badge) {
        memcpy(buf, t->payload, t->len);
        return (int32_t)t->len;
    }
    struct amc_header hdr = {.source_pid = *r_pid, .len = t->len};
    strcpy(hdr.source, t->source);
    strcpy(hdr.dest, "calc");
    if (sizeof hdr + t->len > cap)
        return -EMSGSIZE;
    memcpy(buf, &hdr, sizeof hdr);
    memcpy((uint8_t *)buf + sizeof hdr, t->payload, t->len);
    return (int32_t)(sizeof hdr + t->len);
}

static char sent_to[32];
static uint8_t sent[600];
static uint32_t sent_len, sends;

int32_t amc_message_send(const char *dest, const void *buf, uint32_t len)
{
    strcpy(sent_to, dest);
    memcpy(sent, buf, len);
    sent_len = len;
    sends++;
    return 0;
}

/* ---- the tests ----------------------------------------------------------------------------------
 */

static void test_register_call(void)
{
    struct calc_sum sum = {0, 0};
    int r = calc_add(3, 2, 40, &sum, 250);
    uint32_t want[3] = {CALC_ADD, 2, 40};
    check("amc_call_register_reply", r == 0 && sum.event == CALC_SUM && sum.value == 42);
    check("amc_call_register_request",
          last_len == 12 && memcmp(last_request, want, 12) == 0 && last_timeout == 250);
    check("amc_call_register_counted", stats.add.requests == 1 && stats.add.replies == 1);

    /* A request shorter than the register words arrives padded to them, from a call. */
    struct calc_two two;
    uint32_t before = stats.pair.refused;
    check("amc_call_no_handler_refused", calc_pair(3, 9, &two, 10) == -EPROTO &&
                                             stats.pair.refused == before + 1 && last_len == 12);
}

static void test_buffer_call(void)
{
    union calc_text_room text;
    int r = calc_upper(3, "abc", 3, &text, 5);
    check("amc_call_buffer_reply", r == 0 && text.m.event == CALC_TEXT && text.m.len == 3 &&
                                       memcmp(text.m.text, "ABC", 3) == 0);
    check("amc_call_buffer_request", last_len == CALC_UPPER_SIZE + 3 && last_timeout == 5);
    r = calc_lookup(3, "pi", &text, 5);
    check("amc_call_fixed_request_variable_reply",
          r == 0 && text.m.len == 4 && memcmp(text.m.text, "3.14", 4) == 0);
    check("amc_call_refusal_returned",
          calc_lookup(3, "e", &text, 5) == -ENOENT && stats.lookup.refused == 1);
    check("amc_call_reply_over_max_refused",
          calc_lookup(3, "big", &text, 5) == -EMSGSIZE && stats.lookup.refused == 2);
}

/* Bad input is refused before anything is sent. */
static void test_stub_input(void)
{
    union calc_text_room text;
    static uint8_t long_text[200];
    uint32_t before = calls_made;
    check("amc_call_string_too_long", calc_lookup(3, "sixteen-bytes-ab", &text, 5) == -EINVAL);
    check("amc_call_array_too_long", calc_upper(3, long_text, 101, &text, 5) == -EMSGSIZE);
    check("amc_call_nothing_sent", calls_made == before);
}

/* A reply that is not the declared message is refused, and *reply is left alone. */
static void test_bad_replies(void)
{
    union calc_text_room text;
    struct calc_sum sum = {0, 7};
    memset(&text, 0x55, sizeof text);
    tamper = WRONG_EVENT;
    check("amc_call_reply_wrong_event",
          calc_upper(3, "abc", 3, &text, 5) == -EPROTO && text.raw[0] == 0x55);
    check("amc_call_register_reply_wrong_event",
          calc_add(3, 1, 1, &sum, 5) == -EPROTO && sum.value == 7);
    tamper = SHORT_REPLY;
    check("amc_call_reply_short",
          calc_upper(3, "abc", 3, &text, 5) == -EBADMSG && text.raw[0] == 0x55);
    tamper = LONG_REPLY;
    check("amc_call_reply_long",
          calc_upper(3, "abc", 3, &text, 5) == -EBADMSG && text.raw[0] == 0x55);
    tamper = KERNEL_ERROR;
    check("amc_call_kernel_error", calc_upper(3, "abc", 3, &text, 5) == -ETIMEDOUT &&
                                       calc_add(3, 1, 1, &sum, 5) == -ETIMEDOUT && sum.value == 7);
    tamper = NONE;
}

/* What calc_handle refuses before a handler runs. */
static void test_handle_checks(void)
{
    static union {
        uint8_t raw[600];
        uint64_t align;
    } in, out;
    struct amc_request rq = {.payload = in.raw, .badge = 9};
    uint32_t w[4] = {99, 0, 0, 0};
    memcpy(in.raw, w, sizeof w);
    rq.len = 16;
    check("amc_handle_unknown_event",
          calc_handle(&server, 0, &stats, &rq, &out) == -EPROTO && stats.bad_event == 1);
    rq.len = 3;
    check("amc_handle_no_event",
          calc_handle(&server, 0, &stats, &rq, &out) == -EBADMSG && stats.bad_event == 2);
    w[0] = CALC_ADD;
    memcpy(in.raw, w, sizeof w);
    rq.len = 16;
    uint32_t before = stats.add.bad_size;
    check("amc_handle_too_long", calc_handle(&server, 0, &stats, &rq, &out) == -EBADMSG &&
                                     stats.add.bad_size == before + 1);
    w[0] = CALC_UPPER;
    w[1] = 5; /* says 5 bytes of text, carries 3 */
    memcpy(in.raw, w, sizeof w);
    rq.len = CALC_UPPER_SIZE + 3;
    check("amc_handle_length_field_lies",
          calc_handle(&server, 0, &stats, &rq, &out) == -EBADMSG && stats.upper.bad_size == 1);
    w[0] = CALC_NOTE;
    w[1] = 1;
    memcpy(in.raw, w, sizeof w);
    rq.len = CALC_NOTE_SIZE;
    check("amc_handle_one_way_as_call_refused",
          calc_handle(&server, 0, &stats, &rq, &out) == -EPROTO && notes == 0 &&
              stats.note.refused == 1);
    rq.badge = 0;
    check("amc_handle_one_way", calc_handle(&server, 0, &stats, &rq, &out) == 0 && notes == 1);
    w[0] = CALC_PAIR;
    memcpy(in.raw, w, sizeof w);
    rq.len = 12; /* a plain pair must have its exact size, 8: only a register call pads */
    check("amc_handle_padding_only_for_calls",
          calc_handle(&server, 0, &stats, &rq, &out) == -EBADMSG);
}

/* The loop: a plain request answered by message, calls answered by badge, a refusal word, an
 * answer the kernel refuses, and the end of the script ending calc_serve with its error. */
static void test_loop(void)
{
    struct calc_upper_buf {
        struct calc_upper m;
        uint8_t text[3];
    };
    static union {
        struct calc_upper_buf b;
        uint8_t raw[sizeof(struct calc_upper_buf)];
    } up;
    up.b.m.event = CALC_UPPER;
    up.b.m.len = 3;
    memcpy(up.b.m.text, "xyz", 3);
    uint32_t add[3] = {CALC_ADD, 20, 22};
    uint32_t bad[2] = {1234, 0};
    uint32_t note[2] = {CALC_NOTE, 5};
    struct turn t[6] = {
        {.badge = 0, .source = "cli.9", .payload = &up, .len = CALC_UPPER_SIZE + 3},
        {.badge = 11, .payload = add, .len = 12},
        {.badge = 12, .payload = bad, .len = 8},
        {.badge = 13, .payload = add, .len = 12, .refuse_answer = -ESRCH},
        {.badge = 0, .source = "cli.9", .payload = note, .len = 8},
        {.badge = 14, .payload = add, .len = 12},
    };
    script = t;
    turns = 6;
    next_turn = 0;
    memset(&stats, 0, sizeof stats);
    notes = 0;
    int r = calc_serve(&server, 0, &stats, 0);
    check("amc_serve_ends_with_kernel_error", r == -EFAULT && next_turn == 6);
    check("amc_serve_plain_request_answered_by_message",
          sends == 1 && strcmp(sent_to, "cli.9") == 0 && sent_len == CALC_TEXT_SIZE + 3 &&
              memcmp(sent + CALC_TEXT_SIZE, "XYZ", 3) == 0 && t[0].answered_badge == 0 &&
              t[0].answer_len == 0);
    uint32_t sum[2];
    memcpy(sum, t[1].answer, sizeof sum);
    check("amc_serve_call_answered_by_badge", t[1].answered_badge == 11 &&
                                                  t[1].answer_len == CALC_SUM_SIZE &&
                                                  sum[0] == CALC_SUM && sum[1] == 42);
    int32_t status;
    memcpy(&status, t[2].answer, sizeof status);
    check("amc_serve_refusal_is_one_negative_word", t[2].answered_badge == 12 &&
                                                        t[2].answer_len == 4 && status == -EPROTO &&
                                                        stats.bad_event == 1);
    check("amc_serve_refused_answer_counted", t[3].answered_badge == 13 && stats.lost_replies == 1);
    check("amc_serve_one_way_plain", notes == 5 && sends == 1 && t[4].answered_badge == 0);
    check("amc_serve_counters", stats.add.requests == 3 && stats.add.replies == 3 &&
                                    stats.upper.replies == 1 && stats.note.requests == 1 &&
                                    t[5].answered_badge == 14);
}

int main(void)
{
    test_register_call();
    test_buffer_call();
    test_stub_input();
    test_bad_replies();
    test_handle_checks();
    test_loop();
    return failures ? 1 : 0;
}
