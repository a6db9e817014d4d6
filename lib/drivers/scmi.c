/* virtio-scmi driver (see scmi.h).
 *
 * Which came first, a delayed response or its immediate one, is told from
 * the rings themselves: when a delayed response is read, the cmdq's used
 * ring is read again right after it; if the immediate response is not
 * there either, the device used it later.  The device publishes the
 * immediate response before it sends the delayed one, so in the normal
 * order it is always found. */
#include "drivers/scmi.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "virtio/virtio.h"
#include "virtio/virtio_scmi.h"

#define CMDQ VIRTIO_SCMI_VQ_TX
#define EVENTQ VIRTIO_SCMI_VQ_RX
#define MAX_EV 16

static int fail(struct vt_frontend *fe, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct vt_frontend *fe, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	return rc;
}

void vt_scmi_xfer_init(struct vt_scmi_xfer *x, unsigned proto, unsigned msg, const uint32_t *param,
		       unsigned nparam)
{
	memset(x, 0, sizeof(*x));
	x->proto = (uint8_t)proto;
	x->msg = (uint8_t)msg;
	x->nparam = nparam < VT_SCMI_DRV_PARAMS ? nparam : VT_SCMI_DRV_PARAMS;
	for (unsigned i = 0; i < x->nparam; i++)
		x->param[i] = param[i];
}

static int post_event_buffer(struct vt_scmi_driver *d, unsigned i)
{
	struct vt_dseg seg = { .gpa = vt_gmem_gpa(&d->fe->mem, d->ev + (size_t)i * VT_SCMI_DRV_MSG),
			       .len = VT_SCMI_DRV_MSG, .writable = true };

	return vt_dvq_add(&d->fe->vq[EVENTQ], &seg, 1, false, d->ev + (size_t)i * VT_SCMI_DRV_MSG);
}

int vt_scmi_driver_start(struct vt_scmi_driver *d, struct vt_frontend *fe, uint16_t queue_size)
{
	struct vt_fe_opts o = {
		.nqueues = 2,
		.queue_size = queue_size,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_EVENT_IDX) |
				 VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS),
		.use_event_idx = true,
	};
	uint64_t gpa;

	memset(d, 0, sizeof(*d));
	d->fe = fe;
	int rc = vt_fe_start(fe, &o);
	if (rc < 0)
		return rc;
	d->p2a = fe->features & VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS);
	if (!d->p2a)
		return 0;
	d->nev = queue_size < MAX_EV ? queue_size : MAX_EV;
	d->ev = vt_gmem_alloc(&fe->mem, (uint64_t)d->nev * VT_SCMI_DRV_MSG, 8, &gpa);
	if (!d->ev)
		return fail(fe, -ENOMEM, "no guest memory for %u eventq buffers", d->nev);
	for (unsigned i = 0; i < d->nev; i++)
		if ((rc = post_event_buffer(d, i)) < 0)
			return fail(fe, rc, "eventq: %s", strerror(-rc));
	vt_debug("scmi: eventq: %u buffers of %d bytes", d->nev, VT_SCMI_DRV_MSG);
	return vt_fe_kick(fe, EVENTQ);
}

/* ---- tokens and commands in flight ---- */

static bool token_busy(const struct vt_scmi_driver *d, uint16_t t)
{
	for (unsigned i = 0; i < d->ninflight; i++)
		if (d->inflight[i]->token == t)
			return true;
	return false;
}

static uint16_t new_token(struct vt_scmi_driver *d)
{
	uint16_t t;

	do
		t = d->next_token++ & 0x3ff;
	while (token_busy(d, t));
	return t;
}

static void forget(struct vt_scmi_driver *d, const struct vt_scmi_xfer *x)
{
	for (unsigned i = 0; i < d->ninflight; i++)
		if (d->inflight[i] == x) {
			d->inflight[i] = d->inflight[--d->ninflight];
			return;
		}
}

static struct vt_scmi_xfer *by_token(const struct vt_scmi_driver *d, uint16_t t)
{
	for (unsigned i = 0; i < d->ninflight; i++)
		if (d->inflight[i]->token == t)
			return d->inflight[i];
	return NULL;
}

static bool complete(const struct vt_scmi_xfer *x)
{
	if (!x->done)
		return false;
	return !x->async || x->status != VIRTIO_SCMI_SUCCESS || x->delayed;
}

struct waiting {
	unsigned left;
	void (*done)(void *arg, const struct vt_scmi_xfer *x);
	void *arg;
};

static void finished(struct vt_scmi_driver *d, struct vt_scmi_xfer *x, struct waiting *w)
{
	if (!complete(x))
		return;
	forget(d, x);
	w->left--;
	if (w->done)
		w->done(w->arg, x);
}

static int32_t status_of(const uint8_t *b)
{
	return (int32_t)vt_ld_le32(b);
}

/* Every immediate response the cmdq has. */
static int reap_cmdq(struct vt_scmi_driver *d, struct waiting *w)
{
	struct vt_frontend *fe = d->fe;
	struct vt_scmi_xfer *x;
	uint32_t len;
	uint16_t head;

	while ((x = vt_dvq_get(&fe->vq[CMDQ], &len, &head))) {
		if (len < 8 || len > VT_SCMI_DRV_MSG)
			return fail(fe, -EPROTO, "%s: a response of %u bytes (want 8-%d: header, status, values)",
				    vt_scmi_msg_name(x->proto, x->msg, 0) ? vt_scmi_msg_name(x->proto, x->msg, 0) : "command",
				    len, VT_SCMI_DRV_MSG);
		uint32_t h = vt_ld_le32(x->g_resp);
		if (h != VIRTIO_SCMI_HDR(x->proto, x->msg, VIRTIO_SCMI_TYPE_COMMAND, x->token))
			return fail(fe, -EPROTO, "token %u: the response's header is 0x%08x, not the command's", x->token, h);
		x->done = true;
		x->status = status_of(x->g_resp + 4);
		x->retlen = len - 8;
		memcpy(x->ret, x->g_resp + 8, x->retlen);
		vt_debug("scmi: token %u: immediate response %s, %u bytes", x->token, vt_scmi_status_name((uint32_t)x->status),
			 x->retlen);
		finished(d, x, w);
	}
	return fe->vq[CMDQ].broken ? fail(fe, -EPROTO, "cmdq: the device broke the used ring") : 0;
}

static void to_inbox(struct vt_scmi_driver *d, uint32_t h, const uint8_t *p, uint32_t len)
{
	if (d->ninbox == VT_SCMI_DRV_INBOX) {
		vt_warn("scmi: %d notifications not read: the oldest is dropped", VT_SCMI_DRV_INBOX);
		d->inbox_first = (d->inbox_first + 1) % VT_SCMI_DRV_INBOX;
		d->ninbox--;
	}
	struct vt_scmi_note *n = &d->inbox[(d->inbox_first + d->ninbox++) % VT_SCMI_DRV_INBOX];
	n->hdr = h;
	n->len = len;
	memcpy(n->payload, p, len);
}

/* Every message the eventq has; each buffer goes back at once. */
static int reap_eventq(struct vt_scmi_driver *d, struct waiting *w)
{
	struct vt_frontend *fe = d->fe;
	uint8_t msg[VT_SCMI_DRV_MSG], *buf;
	uint32_t len;
	uint16_t head;
	bool reposted = false;
	int rc = 0;

	if (!d->p2a)
		return 0;
	while (rc == 0 && (buf = vt_dvq_get(&fe->vq[EVENTQ], &len, &head))) {
		if (len > VT_SCMI_DRV_MSG)
			len = VT_SCMI_DRV_MSG;
		memcpy(msg, buf, len);
		rc = post_event_buffer(d, (unsigned)((buf - d->ev) / VT_SCMI_DRV_MSG));
		reposted = true;
		if (len < 4) {
			vt_warn("scmi: eventq: a message of %u bytes: ignored", len);
			continue;
		}
		uint32_t h = vt_ld_le32(msg);
		if (VIRTIO_SCMI_HDR_TYPE(h) == VIRTIO_SCMI_TYPE_NOTIFICATION) {
			to_inbox(d, h, msg + 4, len - 4);
			continue;
		}
		struct vt_scmi_xfer *x = by_token(d, (uint16_t)VIRTIO_SCMI_HDR_TOKEN(h));
		if (VIRTIO_SCMI_HDR_TYPE(h) != VIRTIO_SCMI_TYPE_DELAYED_RESP || len < 8 || !x || !x->async ||
		    x->delayed) {
			d->unmatched++;
			vt_warn("scmi: eventq: header 0x%08x, %u bytes: no command waits for it", h, len);
			continue;
		}
		/* Has its immediate response been used by now? */
		if (!x->done && (rc = reap_cmdq(d, w)) < 0)
			break;
		x->overtook = !x->done;
		x->delayed = true;
		x->dstatus = status_of(msg + 4);
		x->dretlen = len - 8;
		memcpy(x->dret, msg + 8, x->dretlen);
		vt_debug("scmi: token %u: delayed response %s%s", x->token, vt_scmi_status_name((uint32_t)x->dstatus),
			 x->overtook ? ", before the immediate one" : "");
		finished(d, x, w);
	}
	if (reposted && rc == 0)
		rc = vt_fe_kick(fe, EVENTQ);
	return rc;
}

int vt_scmi_run(struct vt_scmi_driver *d, struct vt_scmi_xfer *const *x, unsigned n, int timeout_ms,
		void (*done)(void *arg, const struct vt_scmi_xfer *x), void *arg)
{
	struct vt_frontend *fe = d->fe;
	uint64_t mark = vt_gmem_mark(&fe->mem);
	struct waiting w = { .left = 0, .done = done, .arg = arg };
	int rc = 0;

	if (n > sizeof(d->inflight) / sizeof(d->inflight[0]) - d->ninflight)
		return fail(fe, -EINVAL, "%u commands at once: at most %zu", n, sizeof(d->inflight) / sizeof(d->inflight[0]));
	for (unsigned i = 0; i < n && rc == 0; i++) {
		uint64_t gpa_req, gpa_resp;
		size_t rl = 4 + (size_t)x[i]->nparam * 4;
		uint8_t *req = vt_gmem_alloc(&fe->mem, rl, 8, &gpa_req);
		x[i]->g_resp = req ? vt_gmem_alloc(&fe->mem, VT_SCMI_DRV_MSG, 8, &gpa_resp) : NULL;
		if (!x[i]->g_resp) {
			rc = fail(fe, -ENOMEM, "no guest memory for %u commands", n);
			break;
		}
		x[i]->token = new_token(d);
		x[i]->done = x[i]->delayed = x[i]->overtook = false;
		vt_st_le32(req, VIRTIO_SCMI_HDR(x[i]->proto, x[i]->msg, VIRTIO_SCMI_TYPE_COMMAND, x[i]->token));
		for (unsigned k = 0; k < x[i]->nparam; k++)
			vt_st_le32(req + 4 + 4 * k, x[i]->param[k]);
		memset(x[i]->g_resp, 0xff, VT_SCMI_DRV_MSG);
		struct vt_dseg segs[2] = {
			{ .gpa = gpa_req, .len = (uint32_t)rl, .writable = false },
			{ .gpa = gpa_resp, .len = VT_SCMI_DRV_MSG, .writable = true },
		};
		rc = vt_dvq_add(&fe->vq[CMDQ], segs, 2, false, x[i]);
		if (rc < 0) {
			rc = fail(fe, rc, "cmdq: %s", rc == -ENOSPC ? "no room on the ring" : strerror(-rc));
			break;
		}
		d->inflight[d->ninflight++] = x[i];
		w.left++;
		vt_debug("scmi: cmdq: %s 0x%x msg 0x%x token %u%s", vt_scmi_protocol_name(x[i]->proto), x[i]->proto,
			 x[i]->msg, x[i]->token, x[i]->async ? " (async)" : "");
	}
	if (rc == 0 && w.left)
		rc = vt_fe_kick(fe, CMDQ);
	uint64_t deadline = vt_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 1000) * 1000000u;
	while (rc == 0 && w.left) {
		if ((rc = reap_cmdq(d, &w)) < 0 || (rc = reap_eventq(d, &w)) < 0 || !w.left)
			break;
		int ms = vt_ms_until(deadline);
		if (!ms) {
			const struct vt_scmi_xfer *late = NULL;
			for (unsigned i = 0; i < n && !late; i++)
				if (!complete(x[i]))
					late = x[i];
			rc = fail(fe, -ETIMEDOUT, "token %u: no %s response within %d ms", late ? late->token : 0,
				  late && late->done ? "delayed" : "immediate", timeout_ms);
			break;
		}
		int r = vt_fe_wait_any(fe, d->p2a ? 3u : 1u, ms);
		if (r < 0)
			rc = r;
	}
	for (unsigned i = 0; i < n; i++)
		forget(d, x[i]);
	vt_gmem_release(&fe->mem, mark);
	return rc;
}

int vt_scmi_call(struct vt_scmi_driver *d, struct vt_scmi_xfer *x, int timeout_ms)
{
	return vt_scmi_run(d, &x, 1, timeout_ms, NULL, NULL);
}

int vt_scmi_next_note(struct vt_scmi_driver *d, struct vt_scmi_note *out, int timeout_ms)
{
	struct waiting w = { 0 };
	uint64_t deadline = vt_now_ns() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * 1000000u;
	int rc;

	if (!d->p2a)
		return fail(d->fe, -ENOTSUP, "no eventq: the device did not offer P2A_CHANNELS");
	for (;;) {
		if ((rc = reap_eventq(d, &w)) < 0)
			return rc;
		if (d->ninbox) {
			*out = d->inbox[d->inbox_first];
			d->inbox_first = (d->inbox_first + 1) % VT_SCMI_DRV_INBOX;
			d->ninbox--;
			return 0;
		}
		int ms = vt_ms_until(deadline);
		if (!ms)
			return fail(d->fe, -ETIMEDOUT, "no notification within %d ms", timeout_ms);
		if ((rc = vt_fe_wait(d->fe, EVENTQ, ms)) < 0)
			return rc;
	}
}
