/* A proxy's back-end channel (SET_BACKEND_REQ_FD): the requests a back-end
 * sends its front-end unasked (CONFIG_CHANGE_MSG, VRING_HOST_NOTIFIER_MSG,
 * SHARED_OBJECT_*, ...) and the front-end's answers.
 *
 * The back-end never gets the VMM's end of the channel: it gets one end of
 * a socketpair of the proxy's, so the proxy sees, records and forwards
 * every message both ways, with its fds; a NEED_REPLY request waits for
 * the VMM's answer, which goes back to the back-end (REPLY_ACK on the
 * channel).  A restarted back-end gets a new pair; the VMM keeps its end
 * throughout.  Records: VT_MSG_CHANNEL_REQUEST and VT_MSG_CHANNEL_REPLY
 * (vhost/event.h). */
#ifndef VT_PROXY_CHANNEL_H
#define VT_PROXY_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "proxy/rx.h"
#include "util/loop.h"
#include "vhost/backend.h"

#define VT_PXCH_MAX_PENDING 32

struct vt_pxch {
	struct vt_loop *loop;
	struct vt_backend *fe;   /* records go through it */
	int vmm;                 /* the VMM's end, or -1: it gave none */
	int up;                  /* ours of the back-end's pair, or -1 */
	uint32_t pending[VT_PXCH_MAX_PENDING];   /* back-end requests the VMM owes an answer */
	unsigned head, n;
	unsigned discard;        /* answers still due for a back-end that is gone */
	uint64_t forwarded;      /* back-end requests passed to the VMM */
	struct vt_pxrx rx_vmm, rx_up;   /* each end's message as it arrives */
};

void vt_pxch_init(struct vt_pxch *ch, struct vt_loop *loop, struct vt_backend *fe);
/* The VMM's end of the channel (the proxy's from now on: closed by
 * vt_pxch_close or the next call).  -errno. */
int vt_pxch_set_vmm(struct vt_pxch *ch, int fd);
bool vt_pxch_active(const struct vt_pxch *ch);
/* A new pair for the back-end (SET_BACKEND_REQ_FD, first or replayed): the
 * end to send it, the caller's to close once sent; -errno.  The proxy's end
 * of an earlier pair is closed. */
int vt_pxch_backend_end(struct vt_pxch *ch);
/* The back-end is gone: its end closed; answers the VMM still owes it are
 * recorded and dropped when they come. */
void vt_pxch_backend_gone(struct vt_pxch *ch);
/* Everything closed (the VMM left). */
void vt_pxch_close(struct vt_pxch *ch);

#endif
