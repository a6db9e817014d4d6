/* SCMI clock management protocol (DEN0056 4.6), version 3.0: clocks with
 * a list of rates or a range, rate get and set (a rate between the
 * supported ones is rounded as the request's flags say; an asynchronous
 * set answers with CLOCK_RATE_SET_COMPLETE on the eventq), enable and
 * disable (CONFIG_SET/CONFIG_GET in their 3.0 form), and the rate change
 * notifications.  No parents, no OEM configuration, no permissions
 * command: their attribute bits are clear, which Linux takes as absent. */
#include "hw/scmi_proto.h"

#include <inttypes.h>
#include <stdio.h>

#include "virtio/virtio_scmi.h"

/* PROTOCOL_ATTRIBUTES max_async_req: asynchronous rate sets the platform
 * takes at once.  Linux then sets rates asynchronously. */
#define MAX_ASYNC 16

static bool present(const struct vt_scmi_platform *p)
{
	return p->nclocks > 0;
}

/* num_clocks (15:0), max_async_req (23:16). */
static int32_t attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_put32(c, p->nclocks | (uint32_t)(p->p2a ? MAX_ASYNC : 0) << 16);
	return VIRTIO_SCMI_SUCCESS;
}

/* (clock_id) -> attributes, name[16], clock_enable_latency. */
static int32_t clock_attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	const struct vt_scmi_clock *k = &p->clock[id];
	uint32_t a = k->enabled ? SCMI_CLOCK_ATTR_ENABLED : 0;
	if (p->p2a)
		a |= SCMI_CLOCK_ATTR_RATE_NOTIFY | SCMI_CLOCK_ATTR_REQ_NOTIFY;
	if (vt_scmi_long_name(k->name))
		a |= SCMI_CLOCK_ATTR_EXTENDED_NAME;
	vt_scmi_put32(c, a);
	vt_scmi_putstr(c, k->name, SCMI_SHORT_NAME);
	vt_scmi_put32(c, 0);
	return VIRTIO_SCMI_SUCCESS;
}

/* (clock_id, rate_index) -> num_rates_flags (returned 11:0, bit 12 a
 * range, remaining 31:16), then the rates: from rate_index as many as fit,
 * or a range's lowest, highest and step. */
static int32_t describe_rates(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, first;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &first))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	const struct vt_scmi_clock *k = &p->clock[id];
	if (k->range) {
		if (first)
			return VIRTIO_SCMI_INVALID_PARAMETERS;
		vt_scmi_put32(c, 3 | SCMI_CLOCK_RATES_RANGE);
		vt_scmi_put64(c, k->min);
		vt_scmi_put64(c, k->max);
		vt_scmi_put64(c, k->step);
		return VIRTIO_SCMI_SUCCESS;
	}
	if (first > k->nrates)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	size_t room = vt_scmi_room(c);
	unsigned n = k->nrates - first, fit = room >= 4 ? (unsigned)((room - 4) / 8) : 0;
	if (n > fit)
		n = fit;
	vt_scmi_put32(c, n | (k->nrates - first - n) << 16);
	for (unsigned i = 0; i < n; i++)
		vt_scmi_put64(c, k->rates[first + i]);
	return VIRTIO_SCMI_SUCCESS;
}

/* The supported rate a request for want gets: itself when supported, else
 * the next lower one, the next higher (round up) or the nearer of the two
 * (round auto).  false: want lies outside the clock's rates. */
static bool round_rate(const struct vt_scmi_clock *k, uint64_t want, uint32_t flags, uint64_t *got)
{
	uint64_t lo, hi;

	if (k->range) {
		if (want < k->min || want > k->max)
			return false;
		uint64_t off = (want - k->min) / k->step * k->step;
		lo = k->min + off;
		hi = lo == want || lo + k->step > k->max ? lo : lo + k->step;
	} else {
		if (want < k->rates[0] || want > k->rates[k->nrates - 1])
			return false;
		unsigned i = 0;
		while (i + 1 < k->nrates && k->rates[i + 1] <= want)
			i++;
		lo = k->rates[i];
		hi = lo == want || i + 1 == k->nrates ? lo : k->rates[i + 1];
	}
	if (flags & SCMI_CLOCK_SET_ROUND_AUTO)
		*got = want - lo <= hi - want ? lo : hi;
	else if (flags & SCMI_CLOCK_SET_ROUND_UP)
		*got = hi;
	else
		*got = lo;
	return true;
}

static void notify_rate(struct vt_scmi_platform *p, unsigned id, unsigned event, uint32_t agent, uint64_t rate)
{
	uint32_t w[4] = { agent, id, (uint32_t)rate, (uint32_t)(rate >> 32) };

	vt_scmi_post_notification(p, SCMI_PROTO_CLOCK, event, w, 4);
}

/* The rate of clock id becomes rate: CLOCK_RATE_CHANGED for an agent that
 * asked. */
static void change_rate(struct vt_scmi_platform *p, unsigned id, uint32_t agent, uint64_t rate)
{
	struct vt_scmi_clock *k = &p->clock[id];
	bool changed = k->rate != rate;

	k->rate = rate;
	if (changed && k->rate_notify)
		notify_rate(p, id, SCMI_CLOCK_RATE_CHANGED, agent, rate);
}

/* (flags, clock_id, rate low, rate high).  Async (flags bit 0): nothing
 * now, then CLOCK_RATE_SET_COMPLETE (clock_id, the rate set) on the
 * eventq, unless flags bit 1 says not to send it. */
static int32_t rate_set(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t flags, id;
	uint64_t want, got;

	if (!vt_scmi_arg32(c, 0, &flags))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	int32_t st = vt_scmi_arg_domain(c, 1, p->nclocks, &id);
	if (st)
		return st;
	if (!vt_scmi_arg64(c, 2, &want))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if ((flags & SCMI_CLOCK_SET_ASYNC) && !p->p2a)
		return VIRTIO_SCMI_NOT_SUPPORTED;
	if (!round_rate(&p->clock[id], want, flags, &got))
		return VIRTIO_SCMI_OUT_OF_RANGE;
	if (p->clock[id].request_notify)
		notify_rate(p, id, SCMI_CLOCK_RATE_CHANGE_REQUESTED, VT_SCMI_AGENT_OSPM, want);
	if (flags & SCMI_CLOCK_SET_ASYNC && !(flags & SCMI_CLOCK_SET_IGNORE_RESP)) {
		uint32_t w[3] = { id, (uint32_t)got, (uint32_t)(got >> 32) };
		vt_scmi_post_delayed(p, c, w, 3);
	}
	change_rate(p, id, VT_SCMI_AGENT_OSPM, got);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t rate_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	vt_scmi_put64(c, p->clock[id].rate);
	return VIRTIO_SCMI_SUCCESS;
}

/* (clock_id, attributes[, oem_config_val]): attributes 1:0 are the state
 * (0 off, 1 on, 3 unchanged), 23:16 an OEM configuration type, which this
 * platform has none of. */
static int32_t config_set(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, attr;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &attr))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if ((attr >> 16) & 0xff)
		return VIRTIO_SCMI_NOT_SUPPORTED;
	switch (attr & 3) {
	case 0:
	case 1:
		p->clock[id].enabled = attr & 1;
		return VIRTIO_SCMI_SUCCESS;
	case 3:
		return VIRTIO_SCMI_SUCCESS;
	default:
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	}
}

/* (clock_id, flags) -> attributes, config (bit 0 on), oem_config_val. */
static int32_t config_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, flags;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &flags))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (flags & 0xff)
		return VIRTIO_SCMI_NOT_SUPPORTED;
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, p->clock[id].enabled ? 1 : 0);
	vt_scmi_put32(c, 0);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t name_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	if (!vt_scmi_long_name(p->clock[id].name))
		return VIRTIO_SCMI_NOT_SUPPORTED;
	vt_scmi_put32(c, 0);
	vt_scmi_putstr(c, p->clock[id].name, SCMI_LONG_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

/* (clock_id, notify_enable): bit 0. */
static int32_t notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c, bool request)
{
	uint32_t id, en;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nclocks, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &en))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (request)
		p->clock[id].request_notify = en & 1;
	else
		p->clock[id].rate_notify = en & 1;
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t rate_notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	return notify(p, c, false);
}

static int32_t request_notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	return notify(p, c, true);
}

static const struct vt_scmi_msg_def msgs[] = {
	{ SCMI_CLOCK_ATTRIBUTES, clock_attributes, false },
	{ SCMI_CLOCK_DESCRIBE_RATES, describe_rates, false },
	{ SCMI_CLOCK_RATE_SET, rate_set, false },
	{ SCMI_CLOCK_RATE_GET, rate_get, false },
	{ SCMI_CLOCK_CONFIG_SET, config_set, false },
	{ SCMI_CLOCK_NAME_GET, name_get, false },
	{ SCMI_CLOCK_RATE_NOTIFY, rate_notify, true },
	{ SCMI_CLOCK_RATE_CHANGE_REQ_NOTIFY, request_notify, true },
	{ SCMI_CLOCK_CONFIG_GET, config_get, false },
	{ 0, NULL, false },
};

const struct vt_scmi_protocol vt_scmi_clock = {
	.id = SCMI_PROTO_CLOCK,
	.version = 0x30000,
	.present = present,
	.attributes = attributes,
	.msgs = msgs,
};

int vt_scmi_set_clock(struct vt_scmi_platform *p, unsigned id, uint64_t rate, char *err, size_t errlen)
{
	uint64_t got;

	if (id >= p->nclocks) {
		snprintf(err, errlen, "no clock %u (the platform has %u)", id, p->nclocks);
		return -1;
	}
	if (!round_rate(&p->clock[id], rate, 0, &got) || got != rate) {
		snprintf(err, errlen, "clock %u (%s) has no rate %" PRIu64 " Hz", id, p->clock[id].name, rate);
		return -1;
	}
	change_rate(p, id, VT_SCMI_AGENT_PLATFORM, rate);
	return 0;
}
