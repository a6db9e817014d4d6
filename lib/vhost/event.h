/* What happened on a device, for observers (the trace recorder, --print,
 * loopback's one-liners). */
#ifndef VT_VHOST_EVENT_H
#define VT_VHOST_EVENT_H

#include <stdint.h>

#include "virtio/vq.h"

enum vt_event_kind {
	VT_EV_AVAIL,       /* a chain was popped */
	VT_EV_USED,        /* a chain was completed */
	VT_EV_KICK,        /* the driver kicked queue */
	VT_EV_CALL,        /* we notified the driver */
	VT_EV_RING_ERROR,  /* the queue stopped: text says why */
	VT_EV_VHOST_MSG,   /* a vhost-user message, either way: request, msg_* */
	VT_EV_CONNECT,
	VT_EV_DISCONNECT,
};

/* Which way a vhost-user message went (VT_EV_VHOST_MSG).  The values are
 * the trace record's msg_dir byte (man/vitool-pcap.5). */
enum vt_msg_dir {
	VT_MSG_TO_BACKEND = 1,    /* front-end -> back-end: requests */
	VT_MSG_TO_FRONTEND = 2,   /* back-end -> front-end: replies */
	/* On the back-end channel (SET_BACKEND_REQ_FD), whose request
	 * numbers are the back-end's own (vt_vhost_backend_request_name): */
	VT_MSG_CHANNEL_REQUEST = 3,   /* back-end -> front-end: its requests */
	VT_MSG_CHANNEL_REPLY = 4,     /* front-end -> back-end: the answers */
};

struct vt_event {
	enum vt_event_kind kind;
	unsigned queue;
	uint16_t head;
	uint64_t req_id;        /* pairs AVAIL with USED; counts from 1 per backend */
	uint64_t t_ns;          /* vt_now_ns() */
	uint64_t latency_ns;    /* USED: time since AVAIL */
	uint32_t used_len;      /* USED */
	const struct vt_chain *chain;  /* AVAIL, USED: the chain (NULL if it could not be walked) */
	uint32_t request;       /* VHOST_MSG */
	/* VHOST_MSG: the message as on the wire (header words, payload), its
	 * direction and how many fds came with it (fds are not payload). */
	uint8_t msg_dir;        /* enum vt_msg_dir; 0: unknown */
	uint8_t msg_nfds;
	uint32_t msg_flags;
	uint32_t msg_size;
	const void *msg_payload;   /* msg_size bytes */
	const char *text;       /* RING_ERROR: reason */
};

typedef void (*vt_observer_fn)(void *arg, const struct vt_event *ev);

#endif
