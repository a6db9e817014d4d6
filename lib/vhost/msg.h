/* vhost-user message I/O over a unix stream socket, shared by the backend,
 * the front-end and (later) the proxy. */
#ifndef VT_VHOST_MSG_H
#define VT_VHOST_MSG_H

#include <stdbool.h>
#include <stddef.h>

#include "vhost/proto.h"

/* Reads one message (header, payload, SCM_RIGHTS fds).
 * 0 ok; -ECONNRESET: peer closed (EOF, also mid-message); -EPROTO: malformed
 * (bad version bits, size > VT_VHOST_MAX_PAYLOAD, more than 8 fds or a
 * truncated control message) with a reason logged; -errno otherwise.  On any
 * error no fd is left open.  Received fds are the caller's to close
 * (vt_vhost_close_fds). */
int vt_vhost_recv(int sock, struct vt_vhost_msg *m);

/* Reading without ever waiting (the backend's event loop): each call takes
 * what the socket has and no more than the current message, so a peer that
 * stops inside a message costs nothing but its buffer; the caller bounds
 * how long a begun message may take (got > 0).  vt_vhost_recv is this plus
 * a bounded wait. */
struct vt_vhost_rx {
	struct vt_vhost_msg m;   /* the message being read */
	uint32_t hdr[3];         /* its header as it arrives (m's payload is 8-aligned) */
	size_t got;              /* header and payload bytes so far */
};
void vt_vhost_rx_init(struct vt_vhost_rx *rx);
/* 1: rx->m is a whole message, its fds the caller's (vt_vhost_rx_init
 * before the next); 0: nothing more to read now (got > 0: a message has
 * begun); < 0 as vt_vhost_recv, the partial message dropped (its fds
 * closed). */
int vt_vhost_rx_read(int sock, struct vt_vhost_rx *rx);
/* Drops a partial message (closes its fds) and starts over. */
void vt_vhost_rx_reset(struct vt_vhost_rx *rx);
/* The bytes the current message has in all, as far as known (the header's
 * until it is whole). */
size_t vt_vhost_rx_total(const struct vt_vhost_rx *rx);

/* How long a begun message may take to arrive whole (vt_vhost_recv waits
 * that long at most; the backend drops a front-end that takes longer). */
#define VT_VHOST_RECV_TIMEOUT_MS 5000

/* Writes m (header and m->size payload bytes) with nfds fds attached. */
int vt_vhost_send(int sock, const struct vt_vhost_msg *m, const int *fds, unsigned nfds);

/* Sends len bytes as they are, with nfds fds (at most VT_VHOST_SEND_FDS_MAX)
 * on the first: no framing and no checks, for what plays a hostile
 * front-end (tests, the fuzzer) and must send what vt_vhost_send refuses,
 * and for the queue of vhost/tx.c.  One sendmsg, without waiting; its
 * result. */
#define VT_VHOST_SEND_FDS_MAX (2 * VT_VHOST_MAX_FDS)   /* room for too many */
long vt_vhost_send_bytes(int sock, const void *buf, size_t len, const int *fds, unsigned nfds);

/* Builds and sends a reply to req: flags = version | REPLY. */
int vt_vhost_reply(int sock, const struct vt_vhost_msg *req, const void *payload, uint32_t size);
int vt_vhost_reply_u64(int sock, const struct vt_vhost_msg *req, uint64_t v);

void vt_vhost_close_fds(struct vt_vhost_msg *m);

/* "SET_VRING_KICK" etc., or "UNKNOWN". */
const char *vt_vhost_request_name(uint32_t request);

/* A back-end channel request's name ("CONFIG_CHANGE_MSG"), or "UNKNOWN". */
const char *vt_vhost_backend_request_name(uint32_t request);
/* Whether the front-end answers back-end channel request m: NEED_REPLY
 * (REPLY_ACK), or SHARED_OBJECT_LOOKUP, whose answer carries the object. */
bool vt_vhost_backend_reply_expected(const struct vt_vhost_msg *m);

/* Exact payload size the request must carry, or -1 when variable / none
 * checked here (SET_MEM_TABLE, GET_CONFIG, SET_CONFIG, unknown). */
int vt_vhost_payload_size(uint32_t request);

#endif
