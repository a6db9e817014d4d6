/* vhost-user per-message rules (see rules.h). */
#include "vhost/rules.h"

#include <errno.h>
#include <stddef.h>

#include "util/log.h"
#include "vhost/msg.h"
#include "virtio/virtio.h"

#define ANY_FDS 0, VT_VHOST_MAX_FDS
#define NO_FDS 0, 0

/* Unsupported requests take any fds so that their fds are closed by the
 * generic path and the error reply names the real problem. */
static const struct vt_vhost_rule rules[VHOST_USER_REQUEST_MAX] = {
	[VHOST_USER_GET_FEATURES] = { NO_FDS, false, true },
	[VHOST_USER_SET_FEATURES] = { NO_FDS, false, false },
	[VHOST_USER_SET_OWNER] = { NO_FDS, false, false },
	[VHOST_USER_RESET_OWNER] = { NO_FDS, false, false },
	[VHOST_USER_SET_MEM_TABLE] = { ANY_FDS, false, false },
	[VHOST_USER_SET_LOG_BASE] = { ANY_FDS, false, false },
	[VHOST_USER_SET_LOG_FD] = { ANY_FDS, false, false },
	[VHOST_USER_SET_VRING_NUM] = { NO_FDS, true, false },
	[VHOST_USER_SET_VRING_ADDR] = { NO_FDS, true, false },
	[VHOST_USER_SET_VRING_BASE] = { NO_FDS, true, false },
	[VHOST_USER_GET_VRING_BASE] = { NO_FDS, true, true },
	[VHOST_USER_SET_VRING_KICK] = { 0, 1, false, false },
	[VHOST_USER_SET_VRING_CALL] = { 0, 1, false, false },
	[VHOST_USER_SET_VRING_ERR] = { 0, 1, false, false },
	[VHOST_USER_GET_PROTOCOL_FEATURES] = { NO_FDS, false, true },
	[VHOST_USER_SET_PROTOCOL_FEATURES] = { NO_FDS, false, false },
	[VHOST_USER_GET_QUEUE_NUM] = { NO_FDS, false, true },
	[VHOST_USER_SET_VRING_ENABLE] = { NO_FDS, true, false },
	[VHOST_USER_SEND_RARP] = { ANY_FDS, false, false },
	[VHOST_USER_NET_SET_MTU] = { ANY_FDS, false, false },
	[VHOST_USER_SET_BACKEND_REQ_FD] = { 1, 1, false, false },
	[VHOST_USER_IOTLB_MSG] = { ANY_FDS, false, false },
	[VHOST_USER_SET_VRING_ENDIAN] = { ANY_FDS, false, false },
	[VHOST_USER_GET_CONFIG] = { NO_FDS, false, true },
	[VHOST_USER_SET_CONFIG] = { NO_FDS, false, false },
	[VHOST_USER_CREATE_CRYPTO_SESSION] = { ANY_FDS, false, false },
	[VHOST_USER_CLOSE_CRYPTO_SESSION] = { ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_ADVISE] = { ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_LISTEN] = { ANY_FDS, false, false },
	[VHOST_USER_POSTCOPY_END] = { ANY_FDS, false, false },
	[VHOST_USER_GET_INFLIGHT_FD] = { ANY_FDS, false, true },   /* its reply carries the region */
	[VHOST_USER_SET_INFLIGHT_FD] = { ANY_FDS, false, false },
	[VHOST_USER_GPU_SET_SOCKET] = { ANY_FDS, false, false },
	[VHOST_USER_RESET_DEVICE] = { NO_FDS, false, false },
	[VHOST_USER_VRING_KICK] = { NO_FDS, true, false },
	[VHOST_USER_GET_MAX_MEM_SLOTS] = { NO_FDS, false, true },
	[VHOST_USER_ADD_MEM_REG] = { 1, 1, false, false },
	[VHOST_USER_REM_MEM_REG] = { 0, 1, false, false },
	[VHOST_USER_SET_STATUS] = { NO_FDS, false, false },
	[VHOST_USER_GET_STATUS] = { NO_FDS, false, true },
};

const struct vt_vhost_rule *vt_vhost_rule(uint32_t request)
{
	/* Every known request has a rule: a zero entry means unknown. */
	if (request == 0 || request >= VHOST_USER_REQUEST_MAX)
		return NULL;
	return &rules[request];
}

int vt_vhost_check(const struct vt_vhost_msg *m, unsigned nq)
{
	const struct vt_vhost_rule *h = vt_vhost_rule(m->request);
	const char *name = vt_vhost_request_name(m->request);
	int want = vt_vhost_payload_size(m->request);

	if (!h) {
		vt_err("vhost-user: unknown request %u", m->request);
		return -EOPNOTSUPP;
	}
	if (want >= 0 && m->size != (uint32_t)want) {
		vt_err("vhost-user: %s: payload is %u bytes, expected %d", name, m->size, want);
		return -EINVAL;
	}
	if (m->nfds < h->min_fds || m->nfds > h->max_fds) {
		vt_err("vhost-user: %s: %u fds, expected %u..%u", name, m->nfds, h->min_fds, h->max_fds);
		return -EINVAL;
	}
	if (h->queue_arg && m->p.state.index >= nq) {
		vt_err("vhost-user: %s: queue %u out of range (device has %u)", name,
		       m->p.state.index, nq);
		return -EINVAL;
	}
	return 0;
}

bool vt_vhost_reply_expected(const struct vt_vhost_msg *m, uint64_t protocol_features)
{
	const struct vt_vhost_rule *h = vt_vhost_rule(m->request);

	if (h && h->mandatory)
		return true;
	return (m->flags & VT_VHOST_FLAG_NEED_REPLY) &&
	       (protocol_features & VT_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK));
}
