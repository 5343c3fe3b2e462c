/* amc, the message center: named services and per-service message queues. */
#ifndef LAYERCAKE_AMC_H
#define LAYERCAKE_AMC_H

#include <stdint.h>

struct proc;

/* Drops the process's service, if any, with its undelivered messages (process exit). */
void amc_release(struct proc *p);
void amc_stats(uint32_t *queued, uint32_t *dropped);

#endif
