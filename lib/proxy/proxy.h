/* vhost-user proxy: sits between a VMM (QEMU) and any vhost-user back-end
 * and forwards their conversation, so that trace, faults, stats and
 * inflight work on a third-party back-end as on `vitool serve`.
 *
 * The VMM's side is a vt_backend (vhost/backend.h) whose device model
 * hands every chain on to the real back-end: the device state maps the
 * guest's memory and rings, the queue engine pops the guest's requests,
 * follows them in flight, runs the completion stage (faults) and notifies
 * the guest.  The real back-end gets the VMM's messages, with their fds,
 * except:
 *   - the rings it runs are the proxy's: the guest's descriptor table, and
 *     an avail and a used ring per queue in a memfd of the proxy's (a
 *     memory table region the guest never sees, at a GPA above its memory
 *     and a UVA no process has).  The proxy copies each head the guest made
 *     available into its avail ring and kicks the back-end; each used entry
 *     the back-end writes goes through the engine to the guest's used ring.
 *     So a completion reaches the guest only through the proxy: faults can
 *     delay, fail, hold and reorder it;
 *   - kick and call are the proxy's eventfds;
 *   - the offers are trimmed to what the proxy can follow: no packed or
 *     in-order rings, no IOMMU, no dirty logging (migration), no postcopy,
 *     host notifiers, in-band notifications or memory slots.
 * Replies go back to the VMM in order, REPLY_ACK included; config space
 * and inflight fds pass as they are; the back-end channel
 * (SET_BACKEND_REQ_FD) is relayed through a socketpair of the proxy's
 * (proxy/channel.h), so its messages are recorded too.
 *
 * The device type comes from what the back-end offers (drivers/ident.h),
 * or is given; an unknown one is recorded with the hex decoder.
 *
 * When the back-end dies the VMM keeps its connection: the proxy starts the
 * back-end again (exec) or reconnects, replays the set-up the VMM made, and
 * submits again (blk, rng, event queues) or fails (the others) the requests
 * the dead one held (vitool-proxy(1), "When the back-end dies"). */
#ifndef VT_PROXY_PROXY_H
#define VT_PROXY_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "devices/registry.h"
#include "util/json.h"
#include "util/loop.h"
#include "vhost/backend.h"

struct vt_proxy_conf {
	const char *backend;                 /* the back-end's socket */
	const char *exec;                    /* NULL, or the command that starts it */
	int connect_ms;                      /* how long to wait for its socket */
	const struct vt_device_type *type;   /* NULL: told from its offers */
};

struct vt_proxy;

/* Starts the back-end (exec), connects to it and asks it what it offers;
 * the VMM's side is ready to listen.  NULL with err set. */
struct vt_proxy *vt_proxy_new(struct vt_loop *loop, const struct vt_proxy_conf *c, char *err, size_t errlen);
/* Ends the spawned back-end too. */
void vt_proxy_free(struct vt_proxy *p);

/* The VMM's side: listen on it, observe it, install faults on it. */
struct vt_backend *vt_proxy_frontend(struct vt_proxy *p);
/* The device type (a pseudo-type "unknown" with the hex decoder when none
 * fits), and how it was found ("given", "offers"). */
const struct vt_device_type *vt_proxy_type(const struct vt_proxy *p);
const char *vt_proxy_type_source(const struct vt_proxy *p);
/* `info` members: backend socket, its pid (exec), what it offered. */
void vt_proxy_info(struct vt_json *j, const struct vt_proxy *p);
/* Why the proxy stopped its loop (the back-end went away and could not be
 * reached again), or NULL. */
const char *vt_proxy_failure(const struct vt_proxy *p);

#endif
