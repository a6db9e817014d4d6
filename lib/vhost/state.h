/* The vhost-user device state: what a front-end has told a device over the
 * protocol.  Feature and protocol-feature negotiation, status, the memory
 * table (mapped), per vring its size, addresses, base index, kick/call/err
 * fds and enable bit, and the back-end request fd; every message checked
 * (rules.h) and validated before it changes anything.
 *
 * It owns no socket and runs no queue: vt_vhost_state_handle() applies one
 * message and says what the reply is; the owner sends it (or, in a proxy,
 * compares it with the real back-end's).  What a message means for running
 * queues reaches the owner through vt_vhost_state_ops.  The backend owns one
 * (its device); a proxy owns one per side: the VMM's view and the one it
 * builds for the back-end. */
#ifndef VT_VHOST_STATE_H
#define VT_VHOST_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "vhost/proto.h"
#include "virtio/mem.h"

#define VT_VHOST_MAX_QUEUES 8

/* One vring as configured: the queue engine starts from this. */
struct vt_vhost_vring {
	uint16_t num;                 /* SET_VRING_NUM; 0: not yet */
	uint16_t base;                /* SET_VRING_BASE, or where the ring last stopped */
	bool addr_set;                /* SET_VRING_ADDR accepted */
	bool mapped;                  /* ... and the rings lie in the current memory table */
	uint64_t desc_uva, avail_uva, used_uva;
	int kick_fd, call_fd, err_fd; /* -1: none; owned by the state */
	bool enabled;                 /* SET_VRING_ENABLE */
};

/* The owner's side of the messages; every member may be NULL. */
struct vt_vhost_state_ops {
	/* Queue q's configuration changed (kick fd, enable, addresses,
	 * features, memory): start, pause or resume it per
	 * vt_vhost_state_ring_ready(). */
	void (*ring_changed)(void *arg, unsigned q);
	/* Queue q must stop (GET_VRING_BASE, reset, disconnect).  Returns the
	 * avail index to resume from; not called for a queue not running. */
	uint16_t (*ring_stop)(void *arg, unsigned q);
	bool (*ring_running)(void *arg, unsigned q);
	/* The memory table changed: running rings follow their UVAs (and stop
	 * when their memory is gone), then ring_changed is called for each. */
	void (*mem_changed)(void *arg);
	void (*set_features)(void *arg, uint64_t features);
	/* RESET_OWNER / RESET_DEVICE, after the rings were stopped. */
	void (*reset)(void *arg);
	/* Config space bytes; the range is checked against config_size.
	 * get_config NULL: no config space; set_config NULL: read-only. */
	void (*get_config)(void *arg, uint32_t off, uint8_t *buf, uint32_t len);
	int (*set_config)(void *arg, uint32_t off, const uint8_t *buf, uint32_t len);
	/* In-band kick (VHOST_USER_VRING_KICK). */
	void (*kick)(void *arg, unsigned q);
	/* A front-end other than the last one (see last below) set up its
	 * first ring: the last driver's device state must not reach it. */
	void (*new_frontend)(void *arg);
};

struct vt_vhost_state {
	/* What the device offers: set before the first message. */
	const char *name;                   /* "i2c": for log lines */
	uint64_t offered_features;          /* VHOST_USER_F_PROTOCOL_FEATURES is added */
	uint64_t offered_protocol_features;
	unsigned nq;
	uint16_t max_queue_size;            /* 0: VT_VQ_MAX_SIZE */
	uint32_t config_size;

	/* Negotiated. */
	uint64_t features;
	uint64_t protocol_features;
	uint8_t status;
	int backend_req_fd;
	struct vt_mem mem;
	struct vt_vhost_vring vr[VT_VHOST_MAX_QUEUES];

	const struct vt_vhost_state_ops *ops;
	void *arg;

	/* The last front-end's memory table and ring addresses, kept at
	 * disconnect.  A VMM that reconnects to the same guest sends the same
	 * again and the device keeps its state (the guest's driver still holds
	 * it); any other front-end is a new driver, told before its first
	 * ring starts (ops->new_frontend). */
	struct {
		bool valid;
		unsigned nregions;
		struct { uint64_t gpa, size, uaddr; } region[VT_MEM_MAX_REGIONS];
		struct { bool set; uint64_t desc, avail, used; } ring[VT_VHOST_MAX_QUEUES];
	} last;
	bool compared;                      /* this connection's first ring was checked */
};

/* nq must be 1..VT_VHOST_MAX_QUEUES. */
void vt_vhost_state_init(struct vt_vhost_state *st, const struct vt_vhost_state_ops *ops, void *arg);
/* The connection is gone: stops every running ring, closes every fd,
 * unmaps memory, forgets negotiation (init state, offers kept). */
void vt_vhost_state_disconnect(struct vt_vhost_state *st);

/* What vt_vhost_state_handle() did about a reply. */
enum vt_vhost_answer {
	VT_VHOST_NO_REPLY,   /* the front-end expects none */
	VT_VHOST_REPLY,      /* send *reply (payload, size) */
};

/* Checks and applies message m: fds it keeps are taken out of m, the
 * others closed.  On REPLY, reply holds request, flags (version|REPLY) and
 * payload.  Problems get one vt_err line and the protocol's error answer
 * (a u64 errno with REPLY_ACK, an empty payload for mandatory replies). */
enum vt_vhost_answer vt_vhost_state_handle(struct vt_vhost_state *st, struct vt_vhost_msg *m,
					   struct vt_vhost_msg *reply);

/* Queue q is configured to run: kick fd, addresses inside memory, enabled
 * (or no PROTOCOL_FEATURES, where rings run once they start). */
bool vt_vhost_state_ring_ready(const struct vt_vhost_state *st, unsigned q);
/* Host pointers of queue q's rings in the current memory table; false
 * (all NULL) when some part lies outside it. */
bool vt_vhost_state_ring_map(const struct vt_vhost_state *st, unsigned q, void **desc, void **avail,
			     void **used);
bool vt_vhost_state_acked(const struct vt_vhost_state *st, unsigned feature_bit);

#endif
