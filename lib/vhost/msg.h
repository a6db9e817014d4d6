/* vhost-user message I/O over a unix stream socket, shared by the backend,
 * the front-end and (later) the proxy. */
#ifndef VT_VHOST_MSG_H
#define VT_VHOST_MSG_H

#include <stdbool.h>

#include "vhost/proto.h"

/* Reads one message (header, payload, SCM_RIGHTS fds).
 * 0 ok; -ECONNRESET: peer closed (EOF, also mid-message); -EPROTO: malformed
 * (bad version bits, size > VT_VHOST_MAX_PAYLOAD, more than 8 fds or a
 * truncated control message) with a reason logged; -errno otherwise.  On any
 * error no fd is left open.  Received fds are the caller's to close
 * (vt_vhost_close_fds). */
int vt_vhost_recv(int sock, struct vt_vhost_msg *m);

/* Writes m (header and m->size payload bytes) with nfds fds attached. */
int vt_vhost_send(int sock, const struct vt_vhost_msg *m, const int *fds, unsigned nfds);

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
