/* `domains` and `set` on the control socket of an scmi instance (see
 * scmi_cmds.h). */
#include "ctl/scmi_cmds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/scmi.h"
#include "util/log.h"
#include "util/parse.h"

struct scmi_ctl {
	struct vt_scmi_platform *p;
	void *dev;
};

static const char *const trip_modes[] = { "off", "up", "down", "both" };

static void sensor_json(struct vt_json *j, const struct vt_scmi_sensor *s, unsigned id)
{
	const char *unit = vt_scmi_unit_name(s->unit);
	unsigned armed = 0;

	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "id", id);
	vt_json_str(j, "name", s->name);
	if (unit)
		vt_json_str(j, "unit", unit);
	else
		vt_json_uint(j, "unit", s->unit);
	vt_json_int(j, "scale", s->scale);
	vt_json_int(j, "value", s->value);
	vt_json_bool(j, "async", s->async);
	vt_json_bool(j, "enabled", s->config & 1);
	vt_json_bool(j, "update_notify", s->update_notify);
	vt_json_bool(j, "trip_notify", s->trip_notify);
	vt_json_arr_begin(j, "trips");
	for (unsigned i = 0; i < s->ntrips; i++) {
		if (!s->trip[i].mode)
			continue;
		armed++;
		vt_json_obj_begin(j, NULL);
		vt_json_uint(j, "id", i);
		vt_json_str(j, "when", trip_modes[s->trip[i].mode & 3]);
		vt_json_int(j, "value", s->trip[i].value);
		vt_json_obj_end(j);
	}
	vt_json_arr_end(j);
	vt_json_uint(j, "trip_points", s->ntrips);
	vt_json_obj_end(j);
	(void)armed;
}

static void clock_json(struct vt_json *j, const struct vt_scmi_clock *k, unsigned id)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "id", id);
	vt_json_str(j, "name", k->name);
	vt_json_uint(j, "rate", k->rate);
	vt_json_bool(j, "enabled", k->enabled);
	vt_json_bool(j, "rate_notify", k->rate_notify);
	if (k->range) {
		vt_json_uint(j, "min", k->min);
		vt_json_uint(j, "max", k->max);
		vt_json_uint(j, "step", k->step);
	} else {
		vt_json_arr_begin(j, "rates");
		for (unsigned i = 0; i < k->nrates; i++)
			vt_json_uint(j, NULL, k->rates[i]);
		vt_json_arr_end(j);
	}
	vt_json_obj_end(j);
}

static void perf_json(struct vt_json *j, const struct vt_scmi_perf *d, unsigned id)
{
	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "id", id);
	vt_json_str(j, "name", d->name);
	vt_json_uint(j, "level", d->level);
	vt_json_uint(j, "min", d->min);
	vt_json_uint(j, "max", d->max);
	vt_json_bool(j, "level_notify", d->level_notify);
	vt_json_bool(j, "limits_notify", d->limits_notify);
	vt_json_arr_begin(j, "levels");
	for (unsigned i = 0; i < d->nlevels; i++)
		vt_json_uint(j, NULL, d->levels[i]);
	vt_json_arr_end(j);
	vt_json_obj_end(j);
}

static void cmd_domains(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	const struct vt_scmi_platform *p = ((struct scmi_ctl *)arg)->p;
	struct vt_json *j = vt_ctl_json(r);

	(void)argv;
	if (argc) {
		vt_ctl_fail(r, "domains takes no arguments");
		return;
	}
	vt_json_arr_begin(j, "sensors");
	for (unsigned i = 0; i < p->nsensors; i++)
		sensor_json(j, &p->sensor[i], i);
	vt_json_arr_end(j);
	vt_json_arr_begin(j, "clocks");
	for (unsigned i = 0; i < p->nclocks; i++)
		clock_json(j, &p->clock[i], i);
	vt_json_arr_end(j);
	vt_json_arr_begin(j, "perf");
	for (unsigned i = 0; i < p->nperf; i++)
		perf_json(j, &p->perf[i], i);
	vt_json_arr_end(j);
}

/* Messages for the eventq so far: what a change added is the difference. */
static uint64_t posted(void *dev)
{
	struct vt_scmi_stats st;

	vt_scmi_dev_stats(dev, &st);
	return st.notifications + st.delayed + st.pending + st.dropped;
}

static const char set_usage[] = "set sensor ID|NAME VALUE | set clock ID|NAME HZ | set perf ID|NAME LEVEL | "
				"set perf ID|NAME limits MIN MAX";

static void cmd_set(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct scmi_ctl *sc = arg;
	struct vt_scmi_platform *p = sc->p;
	struct vt_json *j = vt_ctl_json(r);
	char err[200];
	int id, rc = -1;
	uint64_t before = posted(sc->dev), a, b;
	int64_t v;

	if (argc < 3) {
		vt_ctl_fail(r, "usage: %s", set_usage);
		return;
	}
	if (!strcmp(argv[0], "sensor")) {
		if ((id = vt_scmi_find_sensor(p, argv[1])) < 0) {
			vt_ctl_fail(r, "no sensor '%s' (domains lists them)", argv[1]);
			return;
		}
		if (argc != 3 || !vt_parse_i64(argv[2], &v)) {
			vt_ctl_fail(r, "set sensor %s: want one whole number, got '%s'", argv[1], argv[2]);
			return;
		}
		rc = vt_scmi_set_sensor(p, (unsigned)id, v, err, sizeof(err));
		vt_json_str(j, "sensor", p->sensor[id].name);
		vt_json_int(j, "value", v);
	} else if (!strcmp(argv[0], "clock")) {
		if ((id = vt_scmi_find_clock(p, argv[1])) < 0) {
			vt_ctl_fail(r, "no clock '%s' (domains lists them)", argv[1]);
			return;
		}
		if (argc != 3 || !vt_parse_si(argv[2], UINT64_MAX, &a)) {
			vt_ctl_fail(r, "set clock %s: want a rate in Hz (k, M, G: x1000), got '%s'", argv[1], argv[2]);
			return;
		}
		rc = vt_scmi_set_clock(p, (unsigned)id, a, err, sizeof(err));
		vt_json_str(j, "clock", p->clock[id].name);
		vt_json_uint(j, "rate", a);
	} else if (!strcmp(argv[0], "perf")) {
		if ((id = vt_scmi_find_perf(p, argv[1])) < 0) {
			vt_ctl_fail(r, "no performance domain '%s' (domains lists them)", argv[1]);
			return;
		}
		if (!strcmp(argv[2], "limits")) {
			if (argc != 5 || !vt_parse_si(argv[3], UINT32_MAX, &a) ||
			    !vt_parse_si(argv[4], UINT32_MAX, &b)) {
				vt_ctl_fail(r, "set perf %s limits: want MIN MAX, two levels", argv[1]);
				return;
			}
			rc = vt_scmi_set_perf_limits(p, (unsigned)id, (uint32_t)a, (uint32_t)b, err, sizeof(err));
			vt_json_str(j, "perf", p->perf[id].name);
			vt_json_uint(j, "min", a);
			vt_json_uint(j, "max", b);
		} else {
			if (argc != 3 || !vt_parse_si(argv[2], UINT32_MAX, &a)) {
				vt_ctl_fail(r, "set perf %s: want a level, got '%s'", argv[1], argv[2]);
				return;
			}
			rc = vt_scmi_set_perf_level(p, (unsigned)id, (uint32_t)a, err, sizeof(err));
			vt_json_str(j, "perf", p->perf[id].name);
			vt_json_uint(j, "level", a);
		}
	} else {
		vt_ctl_fail(r, "set %s: want sensor, clock or perf (%s)", argv[0], set_usage);
		return;
	}
	if (rc < 0) {
		vt_ctl_fail(r, "%s", err);
		return;
	}
	vt_json_uint(j, "id", (unsigned)id);
	/* The notifications the driver asked for, on their way to the eventq. */
	vt_json_uint(j, "notifications", posted(sc->dev) - before);
}

static const struct vt_ctl_command scmi_cmds[] = {
	{ "domains", "", "the sensors, clocks and performance domains, their values and notifications", cmd_domains },
	{ "set", "sensor|clock|perf ID|NAME VALUE | perf ID|NAME limits MIN MAX",
	  "change a sensor's value, a clock's rate or a performance level as the hardware would", cmd_set },
};

static void set_words(struct vt_json *j, void *arg)
{
	(void)arg;
	vt_json_arr_begin(j, "kind");
	vt_json_str(j, NULL, "sensor");
	vt_json_str(j, NULL, "clock");
	vt_json_str(j, NULL, "perf");
	vt_json_arr_end(j);
}

void vt_ctl_add_scmi(struct vt_ctl_server *s, struct vt_scmi_platform *p, void *scmi_dev)
{
	struct scmi_ctl *sc = calloc(1, sizeof(*sc));

	if (!sc) {
		vt_err("control: out of memory for the scmi commands");
		return;
	}
	sc->p = p;
	sc->dev = scmi_dev;
	vt_ctl_server_add(s, scmi_cmds, sizeof(scmi_cmds) / sizeof(scmi_cmds[0]), sc);
	vt_ctl_set_words(s, "set", set_words, NULL);
	vt_ctl_server_on_free(s, free, sc);
}
