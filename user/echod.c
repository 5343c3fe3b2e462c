/*
 * echod: the echo service ("echo" in abi/syscalls.def). Answers every echo_request call with an
 * echo_reply carrying the same text, upper-cased when the request's flags hold ECHO_UPPER. Built
 * only on the generated layer: echo_serve receives each request, checks its size and
 * discriminator and answers it; this file is the handler. A bad request is refused (a caller's
 * stub gets the error), reported on stderr, and otherwise ignored: a client's mistake must not
 * stop the service.
 */
#include <libsys.h>

#include "amc_services.h"

static int on_request(void *ctx, const struct amc_request *rq, const struct echo_echo_request *req,
                      union echo_echo_reply_room *reply)
{
    (void)ctx;
    (void)rq;
    /* A request's text is at most 504 bytes, and so is a reply's: every request can be answered. */
    _Static_assert(ECHO_ECHO_REQUEST_MAX_SIZE - ECHO_ECHO_REQUEST_SIZE <=
                       ECHO_ECHO_REPLY_MAX_SIZE - ECHO_ECHO_REPLY_SIZE,
                   "a reply must hold any request's text");
    for (uint32_t i = 0; i < req->len; i++)
        reply->m.text[i] =
            (req->flags & ECHO_UPPER) ? (uint8_t)toupper(req->text[i]) : req->text[i];
    reply->m.len = req->len;
    return 0;
}

/* One line per refused request: who sent it (a plain message has a name, a call a pid) and why. */
static void refused(void *ctx, const struct amc_request *rq, int err)
{
    (void)ctx;
    if (rq->hdr)
        dprintf(STDERR_FILENO, "echod: message from '%s' (pid %d) not answered: %s\n",
                rq->hdr->source, (int)rq->pid, strerror(err));
    else
        dprintf(STDERR_FILENO, "echod: call from pid %d refused: %s\n", (int)rq->pid,
                strerror(err));
}

int main(void)
{
    static const struct echo_server server = {.echo_request = on_request};
    static struct echo_stats stats;
    int r = amc_register_service(ECHO_SERVICE_NAME);
    if (r < 0) {
        dprintf(STDERR_FILENO, "echod: cannot register service '%s': %s\n", ECHO_SERVICE_NAME,
                strerror(r));
        return 1;
    }
    r = echo_serve(&server, 0, &stats, refused);
    dprintf(STDERR_FILENO, "echod: amc_reply_wait: %s\n", strerror(r));
    return 1;
}
