/*
 * echod: the echo service ("echo" in abi/syscalls.def). Answers every echo_request with an
 * echo_reply carrying the same text, upper-cased when the request's flags hold ECHO_UPPER.
 * Built only on the generated layer: echo_dispatch checks each message, echo_send_echo_reply
 * builds the answer. A bad message is reported on stderr and otherwise ignored: a client's
 * mistake must not stop the service.
 */
#include "amc_client.h" /* struct amc_received */

static int on_request(void *ctx, const struct amc_header *hdr, const struct echo_echo_request *msg)
{
    (void)ctx;
    static uint8_t text[ECHO_ECHO_REPLY_MAX_SIZE - ECHO_ECHO_REPLY_SIZE];
    /* A request's text is at most 500 bytes, a reply's 504: every request can be answered. */
    _Static_assert(ECHO_ECHO_REQUEST_MAX_SIZE - ECHO_ECHO_REQUEST_SIZE <= sizeof text,
                   "a reply must hold any request's text");
    for (uint32_t i = 0; i < msg->len; i++)
        text[i] = (msg->flags & ECHO_UPPER) ? (uint8_t)toupper(msg->text[i]) : msg->text[i];
    if (hdr->source[0] == '\0')
        return -ENOENT; /* the sender has no service name: nowhere to reply */
    return echo_send_echo_reply(hdr->source, text, msg->len);
}

int main(void)
{
    static struct amc_received rx;
    static const struct echo_handlers handlers = {.echo_request = on_request};
    int r = amc_register_service(ECHO_SERVICE_NAME);
    if (r < 0) {
        dprintf(STDERR_FILENO, "echod: cannot register service '%s': %s\n", ECHO_SERVICE_NAME,
                strerror(r));
        return 1;
    }
    for (;;) {
        r = amc_message_await(&rx, sizeof rx);
        if (r < 0) {
            dprintf(STDERR_FILENO, "echod: await: %s\n", strerror(r));
            return 1;
        }
        r = echo_dispatch(&handlers, 0, &rx.hdr, rx.payload, rx.hdr.len);
        if (r < 0)
            dprintf(STDERR_FILENO, "echod: message from '%s' (pid %d) not answered: %s\n",
                    rx.hdr.source, (int)rx.hdr.source_pid, strerror(r));
    }
}
