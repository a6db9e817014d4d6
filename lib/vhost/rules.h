/* The per-message rules of vhost-user that do not depend on who applies
 * the message: how many fds a request may carry, whether its payload starts
 * with a queue index, and when the back-end must answer.  The device state
 * (state.c) checks every message with them before a handler sees it; a
 * proxy uses the same rules on both of its sides, to check what the VMM
 * sends and to know whether to wait for the back-end's reply. */
#ifndef VT_VHOST_RULES_H
#define VT_VHOST_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost/proto.h"

struct vt_vhost_rule {
	uint8_t min_fds, max_fds;
	bool queue_arg;   /* payload starts with a u32 queue index to check */
	bool mandatory;   /* always answered, even without REPLY_ACK */
};

/* The rule of a known request, NULL for an unknown one. */
const struct vt_vhost_rule *vt_vhost_rule(uint32_t request);

/* The checks every message of a kind needs: exact payload size where the
 * request has one, fd count, queue index below nq.  0, or -EINVAL with one
 * vt_err line ("vhost-user: NAME: ..."); -EOPNOTSUPP for an unknown
 * request. */
int vt_vhost_check(const struct vt_vhost_msg *m, unsigned nq);

/* Whether the back-end answers m: a mandatory reply, or NEED_REPLY with
 * REPLY_ACK among the acked protocol features. */
bool vt_vhost_reply_expected(const struct vt_vhost_msg *m, uint64_t protocol_features);

#endif
