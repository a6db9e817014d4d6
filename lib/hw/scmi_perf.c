/* SCMI performance domain management protocol (DEN0056 4.5), version 4.0:
 * domains with a list of levels, limits and level get and set, and the
 * limits and level notifications.  Levels are kHz: each one's indicative
 * frequency is itself, and the sustained level (the highest) is given at
 * its own kHz, so Linux's level-to-frequency factor is 1000.  No fast
 * channels, no level indexing. */
#include "hw/scmi_proto.h"

#include <inttypes.h>
#include <stdio.h>

#include "virtio/virtio_scmi.h"

#define LEVEL_LEN 20           /* a level's entry in DESCRIBE_LEVELS (v4) */
#define TRANSITION_US 50       /* every level's transition latency */

static bool present(const struct vt_scmi_platform *p)
{
	return p->nperf > 0;
}

/* num_domains (15:0), flags (31:16: bit 16 power in mW), statistics
 * address low, high, length: none. */
static int32_t attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_put32(c, p->nperf | 1u << 16);
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, 0);
	return VIRTIO_SCMI_SUCCESS;
}

static uint32_t top_level(const struct vt_scmi_perf *d)
{
	return d->levels[d->nlevels - 1];
}

/* (domain_id) -> flags, rate_limit, sustained_freq (kHz),
 * sustained_perf_level, name[16]. */
static int32_t domain_attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	const struct vt_scmi_perf *d = &p->perf[id];
	uint32_t flags = SCMI_PERF_DOM_SET_LIMITS | SCMI_PERF_DOM_SET_LEVEL;
	if (p->p2a)
		flags |= SCMI_PERF_DOM_LIMITS_NOTIFY | SCMI_PERF_DOM_LEVEL_NOTIFY;
	if (vt_scmi_long_name(d->name))
		flags |= SCMI_PERF_DOM_EXTENDED_NAME;
	vt_scmi_put32(c, flags);
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, top_level(d));
	vt_scmi_put32(c, top_level(d));
	vt_scmi_putstr(c, d->name, SCMI_SHORT_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

/* (domain_id, level_index) -> num_levels (returned 11:0, remaining 31:16),
 * then per level: the level, its power cost (mW: the level's MHz, so
 * cost grows with the level), attributes (transition latency in us), the
 * indicative frequency (kHz), its index. */
static int32_t describe_levels(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, first;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &first))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	const struct vt_scmi_perf *d = &p->perf[id];
	if (first > d->nlevels)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	size_t room = vt_scmi_room(c);
	unsigned n = d->nlevels - first, fit = room >= 4 ? (unsigned)((room - 4) / LEVEL_LEN) : 0;
	if (n > fit)
		n = fit;
	vt_scmi_put32(c, n | (d->nlevels - first - n) << 16);
	for (unsigned i = first; i < first + n; i++) {
		vt_scmi_put32(c, d->levels[i]);
		vt_scmi_put32(c, d->levels[i] / 1000 ? d->levels[i] / 1000 : 1);
		vt_scmi_put32(c, TRANSITION_US);
		vt_scmi_put32(c, d->levels[i]);
		vt_scmi_put32(c, i);
	}
	return VIRTIO_SCMI_SUCCESS;
}

static void notify_level(struct vt_scmi_platform *p, unsigned id, uint32_t agent)
{
	uint32_t w[3] = { agent, id, p->perf[id].level };

	if (p->perf[id].level_notify)
		vt_scmi_post_notification(p, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_CHANGED, w, 3);
}

/* The highest level of d at most want and at least its lower limit (the
 * limits are levels of d, so there is one). */
static uint32_t snap(const struct vt_scmi_perf *d, uint32_t want)
{
	uint32_t got = d->min;

	for (unsigned i = 0; i < d->nlevels; i++)
		if (d->levels[i] <= want && d->levels[i] >= d->min && d->levels[i] <= d->max)
			got = d->levels[i];
	return got;
}

static bool has_level(const struct vt_scmi_perf *d, uint32_t level)
{
	for (unsigned i = 0; i < d->nlevels; i++)
		if (d->levels[i] == level)
			return true;
	return false;
}

/* New limits [min, max] (levels of the domain): PERFORMANCE_LIMITS_CHANGED,
 * and a level outside them moves in (PERFORMANCE_LEVEL_CHANGED). */
static void change_limits(struct vt_scmi_platform *p, unsigned id, uint32_t agent, uint32_t min, uint32_t max)
{
	struct vt_scmi_perf *d = &p->perf[id];
	uint32_t w[4] = { agent, id, max, min };
	bool changed = d->min != min || d->max != max;

	d->min = min;
	d->max = max;
	if (changed && d->limits_notify)
		vt_scmi_post_notification(p, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_CHANGED, w, 4);
	if (d->level < min || d->level > max) {
		d->level = d->level < min ? min : max;
		notify_level(p, id, agent);
	}
}

/* (domain_id, range_max, range_min): bounds the domain has, the lower one
 * not above the upper.  A bound between two levels is taken as the level
 * below it (upper) or above it (lower). */
static int32_t limits_set(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, max, min;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &max) || !vt_scmi_arg32(c, 2, &min))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	const struct vt_scmi_perf *d = &p->perf[id];
	if (min > max)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	if (max < d->levels[0] || min > top_level(d))
		return VIRTIO_SCMI_OUT_OF_RANGE;
	uint32_t lo = top_level(d), hi = d->levels[0];
	for (unsigned i = 0; i < d->nlevels; i++) {
		if (d->levels[i] >= min && d->levels[i] < lo)
			lo = d->levels[i];
		if (d->levels[i] <= max && d->levels[i] > hi)
			hi = d->levels[i];
	}
	if (lo > hi)   /* no level between them */
		return VIRTIO_SCMI_OUT_OF_RANGE;
	change_limits(p, id, VT_SCMI_AGENT_OSPM, lo, hi);
	return VIRTIO_SCMI_SUCCESS;
}

/* (domain_id) -> range_max, range_min. */
static int32_t limits_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	vt_scmi_put32(c, p->perf[id].max);
	vt_scmi_put32(c, p->perf[id].min);
	return VIRTIO_SCMI_SUCCESS;
}

/* (domain_id, level): within the limits, else OUT_OF_RANGE; a level
 * between two the domain has becomes the lower. */
static int32_t level_set(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, want;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &want))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	struct vt_scmi_perf *d = &p->perf[id];
	if (want < d->min || want > d->max)
		return VIRTIO_SCMI_OUT_OF_RANGE;
	uint32_t got = snap(d, want);
	if (got != d->level) {
		d->level = got;
		notify_level(p, id, VT_SCMI_AGENT_OSPM);
	}
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t level_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	vt_scmi_put32(c, p->perf[id].level);
	return VIRTIO_SCMI_SUCCESS;
}

/* (domain_id, notify_enable): bit 0. */
static int32_t notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c, bool level)
{
	uint32_t id, en;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &en))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (level)
		p->perf[id].level_notify = en & 1;
	else
		p->perf[id].limits_notify = en & 1;
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t notify_limits_cmd(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	return notify(p, c, false);
}

static int32_t notify_level_cmd(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	return notify(p, c, true);
}

static int32_t name_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nperf, &id);

	if (st)
		return st;
	if (!vt_scmi_long_name(p->perf[id].name))
		return VIRTIO_SCMI_NOT_SUPPORTED;
	vt_scmi_put32(c, 0);
	vt_scmi_putstr(c, p->perf[id].name, SCMI_LONG_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

static const struct vt_scmi_msg_def msgs[] = {
	{ SCMI_PERF_DOMAIN_ATTRIBUTES, domain_attributes, false },
	{ SCMI_PERF_DESCRIBE_LEVELS, describe_levels, false },
	{ SCMI_PERF_LIMITS_SET, limits_set, false },
	{ SCMI_PERF_LIMITS_GET, limits_get, false },
	{ SCMI_PERF_LEVEL_SET, level_set, false },
	{ SCMI_PERF_LEVEL_GET, level_get, false },
	{ SCMI_PERF_NOTIFY_LIMITS, notify_limits_cmd, true },
	{ SCMI_PERF_NOTIFY_LEVEL, notify_level_cmd, true },
	{ SCMI_PERF_DOMAIN_NAME_GET, name_get, false },
	{ 0, NULL, false },
};

const struct vt_scmi_protocol vt_scmi_perf = {
	.id = SCMI_PROTO_PERF,
	.version = 0x40000,
	.present = present,
	.attributes = attributes,
	.msgs = msgs,
};

static int domain(const struct vt_scmi_platform *p, unsigned id, char *err, size_t errlen)
{
	if (id < p->nperf)
		return 0;
	snprintf(err, errlen, "no performance domain %u (the platform has %u)", id, p->nperf);
	return -1;
}

int vt_scmi_set_perf_level(struct vt_scmi_platform *p, unsigned id, uint32_t level, char *err, size_t errlen)
{
	if (domain(p, id, err, errlen) < 0)
		return -1;
	struct vt_scmi_perf *d = &p->perf[id];
	if (!has_level(d, level)) {
		snprintf(err, errlen, "performance domain %u (%s) has no level %" PRIu32, id, d->name, level);
		return -1;
	}
	if (level < d->min || level > d->max) {
		snprintf(err, errlen, "level %" PRIu32 " is outside the limits %" PRIu32 "-%" PRIu32
			 " (set them first: set perf %u limits MIN MAX)", level, d->min, d->max, id);
		return -1;
	}
	if (d->level != level) {
		d->level = level;
		notify_level(p, id, VT_SCMI_AGENT_PLATFORM);
	}
	return 0;
}

int vt_scmi_set_perf_limits(struct vt_scmi_platform *p, unsigned id, uint32_t min, uint32_t max, char *err,
			    size_t errlen)
{
	if (domain(p, id, err, errlen) < 0)
		return -1;
	const struct vt_scmi_perf *d = &p->perf[id];
	if (!has_level(d, min) || !has_level(d, max) || min > max) {
		snprintf(err, errlen, "limits %" PRIu32 "-%" PRIu32 ": want two levels of domain %u (%s), the lower first",
			 min, max, id, d->name);
		return -1;
	}
	change_limits(p, id, VT_SCMI_AGENT_PLATFORM, min, max);
	return 0;
}
