/* The used counts of a running instance's queues, read from its `stats`
 * control command (vitool-control(7)): what loopback's summary counts and
 * what its gpio arm step watches for a returned eventq buffer. */
#ifndef VT_CTL_QUEUE_STATS_H
#define VT_CTL_QUEUE_STATS_H

#include <stdint.h>

#define VT_CTL_MAX_QUEUES 32

/* used[q] for each queue q the reply lists (others 0); the number of
 * entries filled (the highest queue index + 1), or -1 when the instance
 * did not answer or the reply does not parse. */
int vt_ctl_used_counts(int ctl, uint64_t used[VT_CTL_MAX_QUEUES]);

#endif
