/* SCMI sensor management protocol (DEN0056 4.7), version 3.1: scalar
 * sensors (no axes) whose value the host sets; synchronous and, for a
 * sensor configured async, asynchronous reads (an empty immediate
 * response, then SENSOR_READING_COMPLETE as a delayed response on the
 * eventq); trip points with SENSOR_TRIP_POINT_EVENT; continuous update
 * notifications (SENSOR_UPDATE) on every change of the value.
 *
 * A reading is { value low, value high, timestamp low, timestamp high }:
 * the platform does not claim timestamps, so the timestamp words are 0. */
#include "hw/scmi_proto.h"

#include <stdio.h>

#include "virtio/virtio_scmi.h"

#define DESC_LEN 28          /* a descriptor without extended attributes */
#define MAX_PENDING_ASYNC 16 /* PROTOCOL_ATTRIBUTES max_requests */
/* LIST_UPDATE_INTERVALS: one interval, 1 s (seconds in bits 20:5,
 * exponent 0 in bits 4:0). */
#define UPDATE_INTERVAL (1u << 5)

static bool present(const struct vt_scmi_platform *p)
{
	return p->nsensors > 0;
}

/* num_sensors (15:0), max_requests (23:16); the sensor register block
 * (address low, high, length) is not there. */
static int32_t attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_put32(c, p->nsensors | (uint32_t)(p->p2a ? MAX_PENDING_ASYNC : 0) << 16);
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, 0);
	vt_scmi_put32(c, 0);
	return VIRTIO_SCMI_SUCCESS;
}

static void descriptor(const struct vt_scmi_platform *p, unsigned id, struct vt_scmi_cmd *c)
{
	const struct vt_scmi_sensor *s = &p->sensor[id];
	uint32_t low = s->ntrips, high = s->unit | ((uint32_t)s->scale & 0x1fu) << 11;

	if (s->async && p->p2a)
		low |= SCMI_SENSOR_ASYNC;
	if (p->p2a)
		low |= SCMI_SENSOR_UPDATE_NOTIFY;
	if (vt_scmi_long_name(s->name))
		low |= SCMI_SENSOR_EXTENDED_NAME;
	vt_scmi_put32(c, id);
	vt_scmi_put32(c, low);
	vt_scmi_put32(c, high);
	vt_scmi_putstr(c, s->name, SCMI_SHORT_NAME);
}

/* (desc_index) -> num_sensor_flags (returned 11:0, remaining 31:16), then
 * as many descriptors as fit. */
static int32_t description_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t first;

	if (!vt_scmi_arg32(c, 0, &first))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (first > p->nsensors)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	size_t room = vt_scmi_room(c);
	unsigned n = p->nsensors - first, fit = room >= 4 ? (unsigned)((room - 4) / DESC_LEN) : 0;
	if (n > fit)
		n = fit;
	vt_scmi_put32(c, n | (p->nsensors - first - n) << 16);
	for (unsigned i = 0; i < n; i++)
		descriptor(p, first + i, c);
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id, event_control): bit 0 enables its trip point events. */
static int32_t trip_point_notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, ctl;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &ctl))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	p->sensor[id].trip_notify = ctl & 1;
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id, event_control, value low, value high): event_control bits
 * 11:4 the trip point, 1:0 when it fires (0 never, 1 crossed upwards, 2
 * downwards, 3 either); the value is signed. */
static int32_t trip_point_config(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, ctl;
	uint64_t v;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &ctl) || !vt_scmi_arg64(c, 2, &v))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	struct vt_scmi_sensor *s = &p->sensor[id];
	if (SCMI_SENSOR_TP_ID(ctl) >= s->ntrips)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	s->trip[SCMI_SENSOR_TP_ID(ctl)] = (struct vt_scmi_trip){ .mode = (uint8_t)SCMI_SENSOR_TP_MODE(ctl),
								 .value = (int64_t)v };
	return VIRTIO_SCMI_SUCCESS;
}

static void reading(const struct vt_scmi_sensor *s, uint32_t w[4])
{
	w[0] = (uint32_t)(uint64_t)s->value;
	w[1] = (uint32_t)((uint64_t)s->value >> 32);
	w[2] = w[3] = 0;
}

/* (sensor_id, flags): bit 0 asks for an asynchronous read.  Sync: the
 * reading.  Async: nothing now, then SENSOR_READING_COMPLETE (sensor_id,
 * the reading) on the eventq. */
static int32_t reading_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, flags, w[5];
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &flags))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	const struct vt_scmi_sensor *s = &p->sensor[id];
	if (flags & SCMI_SENSOR_READ_ASYNC) {
		if (!s->async || !p->p2a)
			return VIRTIO_SCMI_NOT_SUPPORTED;
		w[0] = id;
		reading(s, w + 1);
		vt_scmi_post_delayed(p, c, w, 5);
		return VIRTIO_SCMI_SUCCESS;
	}
	reading(s, w);
	for (unsigned i = 0; i < 4; i++)
		vt_scmi_put32(c, w[i]);
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id, index) -> num_intervals_flags (returned 11:0, remaining
 * 31:16), the intervals: one, 1 s. */
static int32_t list_update_intervals(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, index;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &index))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (index > 1)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	vt_scmi_put32(c, index ? 0 : 1);
	if (!index)
		vt_scmi_put32(c, UPDATE_INTERVAL);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t config_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	vt_scmi_put32(c, p->sensor[id].config);
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id, sensor_config): kept as given; bit 0 enables the sensor. */
static int32_t config_set(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, cfg;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &cfg))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	p->sensor[id].config = cfg;
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id, notify_enable): bit 0 turns SENSOR_UPDATE on. */
static int32_t continuous_update_notify(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id, en;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_arg32(c, 1, &en))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	p->sensor[id].update_notify = en & 1;
	return VIRTIO_SCMI_SUCCESS;
}

/* (sensor_id) -> flags, name[64]: only for a sensor whose name does not
 * fit its descriptor. */
static int32_t name_get(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;
	int32_t st = vt_scmi_arg_domain(c, 0, p->nsensors, &id);

	if (st)
		return st;
	if (!vt_scmi_long_name(p->sensor[id].name))
		return VIRTIO_SCMI_NOT_SUPPORTED;
	vt_scmi_put32(c, 0);
	vt_scmi_putstr(c, p->sensor[id].name, SCMI_LONG_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

static const struct vt_scmi_msg_def msgs[] = {
	{ SCMI_SENSOR_DESCRIPTION_GET, description_get, false },
	{ SCMI_SENSOR_TRIP_POINT_NOTIFY, trip_point_notify, true },
	{ SCMI_SENSOR_TRIP_POINT_CONFIG, trip_point_config, false },
	{ SCMI_SENSOR_READING_GET, reading_get, false },
	{ SCMI_SENSOR_LIST_UPDATE_INTERVALS, list_update_intervals, false },
	{ SCMI_SENSOR_CONFIG_GET, config_get, false },
	{ SCMI_SENSOR_CONFIG_SET, config_set, false },
	{ SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, continuous_update_notify, true },
	{ SCMI_SENSOR_NAME_GET, name_get, false },
	{ 0, NULL, false },
};

const struct vt_scmi_protocol vt_scmi_sensor = {
	.id = SCMI_PROTO_SENSOR,
	.version = 0x30001,
	.present = present,
	.attributes = attributes,
	.msgs = msgs,
};

/* ---- the host changes a value ---- */

/* Trip point t of s fires going from old to now: it lies between them,
 * reached or passed, in a direction its mode takes. */
static int crossed(const struct vt_scmi_trip *t, int64_t old, int64_t now)
{
	if ((t->mode & SCMI_SENSOR_TP_POSITIVE) && old < t->value && now >= t->value)
		return 1;
	if ((t->mode & SCMI_SENSOR_TP_NEGATIVE) && old > t->value && now <= t->value)
		return -1;
	return 0;
}

int vt_scmi_set_sensor(struct vt_scmi_platform *p, unsigned id, int64_t value, char *err, size_t errlen)
{
	if (id >= p->nsensors) {
		snprintf(err, errlen, "no sensor %u (the platform has %u)", id, p->nsensors);
		return -1;
	}
	struct vt_scmi_sensor *s = &p->sensor[id];
	int64_t old = s->value;
	uint32_t w[3];

	s->value = value;
	for (unsigned i = 0; s->trip_notify && i < s->ntrips; i++) {
		int dir = crossed(&s->trip[i], old, value);
		if (!dir)
			continue;
		w[0] = VT_SCMI_AGENT_PLATFORM;
		w[1] = id;
		w[2] = i | (dir > 0 ? SCMI_SENSOR_TP_UPWARDS : 0);
		vt_scmi_post_notification(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_EVENT, w, 3);
	}
	if (s->update_notify && value != old) {
		uint32_t u[6] = { VT_SCMI_AGENT_PLATFORM, id };
		reading(s, u + 2);
		vt_scmi_post_notification(p, SCMI_PROTO_SENSOR, SCMI_SENSOR_UPDATE, u, 6);
	}
	return 0;
}
