/*
 * Fixed helpers and types of the generated amc layer (build/gen/libsys/amc_services.c, from
 * gen/out_amc_c.lua): what every send helper, call stub and server loop needs whatever the .def
 * says. Implemented in libsys/amc_runtime.c.
 */
#ifndef LIBSYS_AMC_RUNTIME_H
#define LIBSYS_AMC_RUNTIME_H

#include <stdint.h>

/* Stores C string s in a char[size] field, NUL-padded. Returns 0, or -1 when s does not fit
 * with its NUL (the field is then left partly written: the caller sends nothing). */
int amc_put_str(char *field, uint32_t size, const char *s);

struct amc_header;

/* One request as a server loop hands it to a handler. */
struct amc_request {
    const uint8_t *payload; /* discriminator first */
    uint32_t len;           /* payload bytes */
    uint32_t badge;         /* the call being answered; 0: a plain message (amc_message_send) */
    int32_t pid;            /* the sender, as the kernel knows it */
    const struct amc_header *hdr; /* a plain message's header (its source name), else NULL */
};

/* What a server loop counted for one message of its service. */
struct amc_counters {
    uint32_t requests; /* received with this discriminator */
    uint32_t bad_size; /* of them, refused for their size (-EBADMSG) */
    uint32_t refused;  /* of them, refused by (or for lack of) the handler */
    uint32_t replies;  /* answers the handler wrote */
};

#endif
