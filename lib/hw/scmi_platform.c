/* The simulated SCMI platform's dispatcher (see scmi_platform.h): finds
 * the protocol and message of a command, answers the three messages every
 * protocol has, and builds the response around the handler's return
 * values.
 *
 * Statuses for what a platform does not do (DEN0056 4.1.4): a protocol it
 * does not implement, or one it lists no domain of, is NOT_SUPPORTED; so
 * is a message of a protocol it does not implement;
 * PROTOCOL_MESSAGE_ATTRIBUTES of such a message is NOT_FOUND, which is
 * what Linux's protocol_msg_check() tests before it uses an optional
 * command. */
#include "hw/scmi_proto.h"

#include <stdio.h>
#include <string.h>

#include "util/bytes.h"
#include "virtio/virtio_scmi.h"

static const struct vt_scmi_protocol *const protocols[] = {
	&vt_scmi_base, &vt_scmi_perf, &vt_scmi_clock, &vt_scmi_sensor,
};

const struct vt_scmi_protocol *vt_scmi_protocol_at(unsigned i)
{
	return i < sizeof(protocols) / sizeof(protocols[0]) ? protocols[i] : NULL;
}

void vt_scmi_platform_init(struct vt_scmi_platform *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->vendor, sizeof(p->vendor), "vitool");
	snprintf(p->sub_vendor, sizeof(p->sub_vendor), "sim");
	p->impl_version = 0x10000;
	p->p2a = true;
}

void vt_scmi_platform_reset(struct vt_scmi_platform *p)
{
	p->error_notify = false;
	for (unsigned i = 0; i < p->nsensors; i++) {
		struct vt_scmi_sensor *s = &p->sensor[i];
		s->config = 1;
		s->trip_notify = s->update_notify = false;
		memset(s->trip, 0, sizeof(s->trip));
	}
	for (unsigned i = 0; i < p->nclocks; i++) {
		struct vt_scmi_clock *k = &p->clock[i];
		k->rate = k->initial_rate;
		k->enabled = k->initial_on;
		k->rate_notify = k->request_notify = false;
	}
	for (unsigned i = 0; i < p->nperf; i++) {
		struct vt_scmi_perf *d = &p->perf[i];
		d->level = d->initial_level;
		d->min = d->levels[0];
		d->max = d->levels[d->nlevels - 1];
		d->limits_notify = d->level_notify = false;
	}
}

/* ---- the handlers' helpers ---- */

bool vt_scmi_arg32(const struct vt_scmi_cmd *c, unsigned i, uint32_t *v)
{
	if (!vt_range_ok((uint64_t)i * 4, 4, c->plen))
		return false;
	*v = vt_ld_le32(c->param + (size_t)i * 4);
	return true;
}

bool vt_scmi_arg64(const struct vt_scmi_cmd *c, unsigned i, uint64_t *v)
{
	uint32_t lo, hi;

	if (!vt_scmi_arg32(c, i, &lo) || !vt_scmi_arg32(c, i + 1, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

void vt_scmi_put32(struct vt_scmi_cmd *c, uint32_t v)
{
	if (!vt_range_ok(c->len, 4, c->cap)) {
		c->full = true;
		return;
	}
	vt_st_le32(c->out + c->len, v);
	c->len += 4;
}

void vt_scmi_put64(struct vt_scmi_cmd *c, uint64_t v)
{
	if (!vt_range_ok(c->len, 8, c->cap)) {
		c->full = true;
		return;
	}
	vt_scmi_put32(c, (uint32_t)v);
	vt_scmi_put32(c, (uint32_t)(v >> 32));
}

void vt_scmi_putstr(struct vt_scmi_cmd *c, const char *s, size_t n)
{
	size_t k = strlen(s);

	if (!vt_range_ok(c->len, n, c->cap)) {
		c->full = true;
		return;
	}
	if (k > n - 1)
		k = n - 1;
	memset(c->out + c->len, 0, n);
	memcpy(c->out + c->len, s, k);
	c->len += n;
}

size_t vt_scmi_room(const struct vt_scmi_cmd *c)
{
	return c->cap - c->len;
}

int32_t vt_scmi_arg_domain(const struct vt_scmi_cmd *c, unsigned i, unsigned n, uint32_t *id)
{
	if (!vt_scmi_arg32(c, i, id))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	return *id < n ? VIRTIO_SCMI_SUCCESS : VIRTIO_SCMI_NOT_FOUND;
}

bool vt_scmi_long_name(const char *name)
{
	return strlen(name) >= SCMI_SHORT_NAME;
}

static void post(struct vt_scmi_platform *p, uint32_t hdr, bool status, const uint32_t *w, unsigned nw)
{
	uint8_t msg[VT_SCMI_MSG_MAX];
	size_t n = 0;

	if (!p->p2a || !p->post || (size_t)nw * 4 + 8 > sizeof(msg))
		return;
	vt_st_le32(msg, hdr);
	n = 4;
	if (status) {
		vt_st_le32(msg + n, VIRTIO_SCMI_SUCCESS);
		n += 4;
	}
	for (unsigned i = 0; i < nw; i++, n += 4)
		vt_st_le32(msg + n, w[i]);
	p->post(p->post_arg, msg, n);
}

void vt_scmi_post_delayed(struct vt_scmi_platform *p, const struct vt_scmi_cmd *c, const uint32_t *w,
			  unsigned nw)
{
	post(p, VIRTIO_SCMI_HDR_RETYPE(c->hdr, VIRTIO_SCMI_TYPE_DELAYED_RESP), true, w, nw);
}

void vt_scmi_post_notification(struct vt_scmi_platform *p, unsigned proto, unsigned msg, const uint32_t *w,
			       unsigned nw)
{
	post(p, VIRTIO_SCMI_HDR(proto, msg, VIRTIO_SCMI_TYPE_NOTIFICATION, 0), false, w, nw);
}

/* ---- dispatch ---- */

static const struct vt_scmi_protocol *find_protocol(const struct vt_scmi_platform *p, unsigned id)
{
	for (unsigned i = 0; vt_scmi_protocol_at(i); i++) {
		const struct vt_scmi_protocol *pr = vt_scmi_protocol_at(i);
		if (pr->id == id)
			return pr->present && !pr->present(p) ? NULL : pr;
	}
	return NULL;
}

static const struct vt_scmi_msg_def *find_msg(const struct vt_scmi_platform *p,
					      const struct vt_scmi_protocol *pr, unsigned id)
{
	for (const struct vt_scmi_msg_def *m = pr->msgs; m->fn; m++)
		if (m->id == id)
			return m->notify && !p->p2a ? NULL : m;
	return NULL;
}

/* PROTOCOL_MESSAGE_ATTRIBUTES(message_id): attributes 0 for every message
 * it implements (no fast channels), NOT_FOUND for the others. */
static int32_t message_attributes(struct vt_scmi_platform *p, const struct vt_scmi_protocol *pr,
				  struct vt_scmi_cmd *c)
{
	uint32_t id;

	if (!vt_scmi_arg32(c, 0, &id))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (id > 0xff)
		return VIRTIO_SCMI_NOT_FOUND;
	if (id > SCMI_PROTOCOL_MESSAGE_ATTRIBUTES && !find_msg(p, pr, id))
		return VIRTIO_SCMI_NOT_FOUND;
	vt_scmi_put32(c, 0);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t dispatch(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	const struct vt_scmi_protocol *pr = find_protocol(p, VIRTIO_SCMI_HDR_PROTOCOL(c->hdr));
	unsigned id = VIRTIO_SCMI_HDR_MSG_ID(c->hdr);
	const struct vt_scmi_msg_def *m;

	if (!pr)
		return VIRTIO_SCMI_NOT_SUPPORTED;
	switch (id) {
	case SCMI_PROTOCOL_VERSION:
		vt_scmi_put32(c, pr->version);
		return VIRTIO_SCMI_SUCCESS;
	case SCMI_PROTOCOL_ATTRIBUTES:
		return pr->attributes(p, c);
	case SCMI_PROTOCOL_MESSAGE_ATTRIBUTES:
		return message_attributes(p, pr, c);
	}
	m = find_msg(p, pr, id);
	return m ? m->fn(p, c) : VIRTIO_SCMI_NOT_SUPPORTED;
}

size_t vt_scmi_platform_command(struct vt_scmi_platform *p, const uint8_t *msg, size_t len, uint8_t *resp,
				size_t cap)
{
	if (len < 4 || cap < 8)
		return 0;
	struct vt_scmi_cmd c = { .hdr = vt_ld_le32(msg), .param = msg + 4, .plen = len - 4, .out = resp + 8,
				 .cap = cap - 8 };
	int32_t st;

	/* Only commands come on the cmdq: a response or notification there
	 * is a protocol error, answered as one. */
	if (VIRTIO_SCMI_HDR_TYPE(c.hdr) != VIRTIO_SCMI_TYPE_COMMAND)
		st = VIRTIO_SCMI_PROTOCOL_ERROR;
	else
		st = dispatch(p, &c);
	vt_st_le32(resp, c.hdr);
	vt_st_le32(resp + 4, (uint32_t)st);
	return st == VIRTIO_SCMI_SUCCESS ? 8 + c.len : 8;
}
