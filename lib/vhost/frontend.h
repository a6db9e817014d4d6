/* vhost-user front-end: plays the VMM (memfd guest memory, feature
 * negotiation, ring setup, kick and call eventfds) so vitool can drive any
 * backend without a VM. */
#ifndef VT_VHOST_FRONTEND_H
#define VT_VHOST_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/dvq.h"
#include "virtio/gmem.h"

#define VT_FE_MAX_QUEUES 8

struct vt_vhost_msg;

struct vt_fe_opts {
	unsigned nqueues;          /* queues to set up */
	uint16_t queue_size;       /* power of two */
	uint64_t want_features;    /* acked = want & offered; VERSION_1 required */
	uint64_t mem_size;         /* guest memory (default 4 MiB when 0) */
	bool use_event_idx;        /* negotiate EVENT_IDX if offered */
};

struct vt_frontend {
	int sock;
	uint64_t offered;          /* backend's GET_FEATURES */
	uint64_t features;         /* what we acked */
	uint64_t protocol_features;/* negotiated */
	/* What the backend said about itself, kept after a failed start so
	 * drive can tell which device type it serves (drivers/ident.h). */
	bool got_features;         /* GET_FEATURES answered (offered is valid) */
	bool got_protocol;         /* GET_PROTOCOL_FEATURES answered */
	uint64_t offered_protocol; /* its raw reply */
	uint64_t queue_num;        /* GET_QUEUE_NUM's reply; 0: not asked (no MQ) */
	unsigned nqueues;
	struct vt_gmem mem;
	struct vt_dvq vq[VT_FE_MAX_QUEUES];
	int kick_fd[VT_FE_MAX_QUEUES];
	int call_fd[VT_FE_MAX_QUEUES];
	int channel_fd;            /* our end of the back-end channel, or -1 (no BACKEND_REQ) */
	/* Set before vt_fe_start: ask for an inflight region as QEMU's
	 * vhost-user-blk does (GET_INFLIGHT_FD, mapped, given back with
	 * SET_INFLIGHT_FD before the rings start), offered or not. */
	bool want_inflight;
	int inflight_fd;           /* the back-end's region, or -1 */
	uint64_t inflight_size;
	char err[256];             /* why the last call failed */
	/* Set between vt_fe_connect and a driver's start, to change what any
	 * driver asks for (drive --bench): at least this much guest memory,
	 * and EVENT_IDX left out even when the driver wants it. */
	uint64_t mem_size_min;
	bool no_event_idx;
	/* Since the start: kick eventfd writes, and the waits that slept
	 * until a call (the notifications each side actually sent). */
	uint64_t kicks, calls_waited;
	/* The call eventfds, edge-triggered: a wait sleeps in one
	 * epoll_wait and needs no read to re-arm (one syscall per wait). */
	int epfd;
	/* Optional (set after vt_fe_connect): sees each message sent (dir
	 * VT_MSG_TO_BACKEND) and each reply received (VT_MSG_TO_FRONTEND), for
	 * drive -vv. */
	void (*msg_tap)(void *arg, const struct vt_vhost_msg *m, unsigned dir);
	void *msg_tap_arg;
};

/* Connects to the backend socket, retrying for up to timeout_ms while it
 * does not exist yet / refuses.  -errno (err set). */
int vt_fe_connect(struct vt_frontend *fe, const char *path, int timeout_ms);
/* Full start sequence: GET_FEATURES, GET/SET_PROTOCOL_FEATURES,
 * GET_QUEUE_NUM, SET_BACKEND_REQ_FD (when BACKEND_REQ is offered: a
 * socketpair), SET_OWNER, SET_FEATURES, SET_MEM_TABLE, and per queue
 * SET_VRING_NUM/BASE/ADDR/KICK/CALL and SET_VRING_ENABLE 1.  Uses REPLY_ACK
 * when offered.  -errno (err set). */
int vt_fe_start(struct vt_frontend *fe, const struct vt_fe_opts *o);
/* The next request on the back-end channel (SET_BACKEND_REQ_FD, set up at
 * start when the backend offers BACKEND_REQ), answered (0: done) when it
 * asks for an answer; *request its number (VHOST_USER_BACKEND_*), its fds
 * closed.  1: one came; 0: none within timeout_ms; -ENOTSUP: no channel;
 * -errno (err set). */
int vt_fe_channel_wait(struct vt_frontend *fe, int timeout_ms, uint32_t *request);
/* GET_CONFIG; needs protocol feature CONFIG.  -errno. */
int vt_fe_get_config(struct vt_frontend *fe, uint32_t off, void *buf, uint32_t len);
/* Publishes queue q's new chains and kicks if the device wants it. */
int vt_fe_kick(struct vt_frontend *fe, unsigned q);
/* Waits for a call on queue q (or any of its used entries being already
 * there). 1: called/used available; 0: timeout; -errno.  The call fd is
 * never read: its counter only grows (2^64 calls are far away). */
int vt_fe_wait(struct vt_frontend *fe, unsigned q, int timeout_ms);
/* The same for any of the queues in the mask (bit q: queue q). */
int vt_fe_wait_any(struct vt_frontend *fe, uint32_t queues, int timeout_ms);
/* GET_VRING_BASE for each queue, then closes everything. */
void vt_fe_stop(struct vt_frontend *fe);

#endif
