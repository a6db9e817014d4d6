/* The simulated SCMI platform's configuration (see scmi_platform.h): serve
 * scmi's --sensor, --clock and --perf specs, the --config file whose
 * lines are the same specs, and finding a domain by id or name. */
#include "hw/scmi_platform.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/parse.h"
#include "virtio/virtio_scmi.h"

const char *vt_scmi_unit_name(uint8_t unit)
{
	return vt_tok_name(vt_scmi_unit_names, unit);
}

const char *vt_scmi_unit_word(unsigned i)
{
	for (unsigned k = 0; vt_scmi_unit_names[k].s; k++)
		if (k == i)
			return vt_scmi_unit_names[k].s;
	return NULL;
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A spec split at ':' into at most 8 fields (in a copy). */
struct fields {
	char buf[512];
	char *f[8];
	unsigned n;
};

static int split(struct fields *fl, const char *spec, char *err, size_t errlen)
{
	char *p = fl->buf;

	if (strlen(spec) >= sizeof(fl->buf))
		return bad(err, errlen, "'%s': too long", spec);
	snprintf(fl->buf, sizeof(fl->buf), "%s", spec);
	fl->n = 0;
	/* strsep, not strtok: "a::b" has an empty field, an error here. */
	while (p) {
		if (fl->n == sizeof(fl->f) / sizeof(fl->f[0]))
			return bad(err, errlen, "'%s': too many ':' fields", spec);
		fl->f[fl->n++] = strsep(&p, ":");
	}
	for (unsigned i = 0; i < fl->n; i++)
		if (!fl->f[i][0])
			return bad(err, errlen, "'%s': an empty field", spec);
	return 0;
}

/* A name: printable, no blanks (the control socket's words), at most
 * VT_SCMI_NAME_MAX characters. */
static int check_name(const char *name, char *err, size_t errlen)
{
	if (strlen(name) > VT_SCMI_NAME_MAX)
		return bad(err, errlen, "name '%s': at most %d characters", name, VT_SCMI_NAME_MAX);
	for (const char *c = name; *c; c++)
		if (!isgraph((unsigned char)*c))
			return bad(err, errlen, "name '%s': letters, digits and punctuation only", name);
	if (isdigit((unsigned char)name[0]))
		return bad(err, errlen, "name '%s': must not start with a digit (ids are numbers)", name);
	return 0;
}

/* A list "A,B,..." of ascending numbers (SI suffixes), at most max. */
static int parse_list(const char *what, const char *s, uint64_t limit, uint64_t *v, unsigned max, unsigned *n,
		      char *err, size_t errlen)
{
	char copy[512], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", s);
	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (*n == max)
			return bad(err, errlen, "at most %u %s", max, what);
		if (!vt_parse_si(t, limit, &v[*n]) || !v[*n])
			return bad(err, errlen, "%s '%s': want a number from 1 (k, M, G: x1000)", what, t);
		if (*n && v[*n] <= v[*n - 1])
			return bad(err, errlen, "%s %s: ascending, each once", what, s);
		(*n)++;
	}
	if (!*n)
		return bad(err, errlen, "no %s in '%s'", what, s);
	return 0;
}

static bool opt_value(const char *field, const char *key, const char **val)
{
	size_t k = strlen(key);

	if (strncmp(field, key, k) || field[k] != '=')
		return false;
	*val = field + k + 1;
	return true;
}

static const uint8_t default_scale_units[] = { 2, 5, 6, 7, 8 };   /* milli-units by default */

int vt_scmi_conf_sensor(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen)
{
	struct fields fl;
	struct vt_scmi_sensor s = { .unit = 2, .scale = 1000 };
	const char *v;

	if (p->nsensors == VT_SCMI_MAX_SENSORS)
		return bad(err, errlen, "at most %d sensors", VT_SCMI_MAX_SENSORS);
	if (split(&fl, spec, err, errlen) < 0)
		return -1;
	if (fl.n < 2)
		return bad(err, errlen, "'%s': want NAME:VALUE[:type=UNIT][:scale=N][:async][:trips=N]", spec);
	if (check_name(fl.f[0], err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < p->nsensors; i++)
		if (!strcmp(p->sensor[i].name, fl.f[0]))
			return bad(err, errlen, "sensor '%s' given twice", fl.f[0]);
	snprintf(s.name, sizeof(s.name), "%s", fl.f[0]);
	if (!vt_parse_i64(fl.f[1], &s.value))
		return bad(err, errlen, "'%s': value '%s': want a whole number (thousandths of the unit)", spec,
			   fl.f[1]);
	for (unsigned i = 2; i < fl.n; i++) {
		const char *f = fl.f[i];
		unsigned u;
		int64_t sc;
		if (!strcmp(f, "async")) {
			s.async = true;
		} else if (opt_value(f, "type", &v)) {
			bool found = false;
			for (unsigned k = 0; vt_scmi_unit_word(k); k++)
				if (!strcasecmp(v, vt_scmi_unit_word(k))) {
					s.unit = (uint8_t)vt_scmi_unit_names[k].v;
					found = true;
				}
			if (!found && !vt_parse_uint(v, 255, &u))
				return bad(err, errlen, "type '%s': want temperature, voltage, current, power, "
					   "energy, rpm, ... or a unit number 0-255", v);
			if (!found)
				s.unit = (uint8_t)u;
		} else if (opt_value(f, "scale", &v)) {
			if (!vt_parse_i64(v, &sc) || sc < -16 || sc > 15)
				return bad(err, errlen, "scale '%s': want a power of ten, -16 to 15", v);
			s.scale = (int)sc;
		} else if (opt_value(f, "trips", &v)) {
			if (!vt_parse_uint(v, VT_SCMI_MAX_TRIPS, &s.ntrips))
				return bad(err, errlen, "trips '%s': want 0-%d", v, VT_SCMI_MAX_TRIPS);
		} else {
			return bad(err, errlen, "'%s': unknown '%s' (type=UNIT, scale=N, async, trips=N)", spec, f);
		}
	}
	if (s.scale == 1000) {   /* not given: thousandths for the units hwmon shows */
		s.scale = 0;
		for (size_t k = 0; k < sizeof(default_scale_units); k++)
			if (s.unit == default_scale_units[k])
				s.scale = -3;
	}
	s.config = 1;
	p->sensor[p->nsensors++] = s;
	return 0;
}

int vt_scmi_conf_clock(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen)
{
	struct fields fl;
	struct vt_scmi_clock k = { .initial_on = true };
	const char *v;
	bool has_rate = false;

	if (p->nclocks == VT_SCMI_MAX_CLOCKS)
		return bad(err, errlen, "at most %d clocks", VT_SCMI_MAX_CLOCKS);
	if (split(&fl, spec, err, errlen) < 0)
		return -1;
	if (fl.n < 2)
		return bad(err, errlen, "'%s': want NAME:HZ[,HZ...] or NAME:MIN-MAX[/STEP], then [:rate=HZ][:off]",
			   spec);
	if (check_name(fl.f[0], err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < p->nclocks; i++)
		if (!strcmp(p->clock[i].name, fl.f[0]))
			return bad(err, errlen, "clock '%s' given twice", fl.f[0]);
	snprintf(k.name, sizeof(k.name), "%s", fl.f[0]);
	char *dash = strchr(fl.f[1], '-');
	if (dash) {
		char *slash = strchr(dash, '/');
		*dash = '\0';
		if (slash)
			*slash = '\0';
		k.range = true;
		k.step = 1;
		if (!vt_parse_si(fl.f[1], UINT64_MAX, &k.min) || !vt_parse_si(dash + 1, UINT64_MAX, &k.max) ||
		    (slash && !vt_parse_si(slash + 1, UINT64_MAX, &k.step)) || !k.min || !k.step || k.min >= k.max)
			return bad(err, errlen, "'%s': a range is MIN-MAX[/STEP] in Hz, MIN below MAX, STEP from 1",
				   spec);
		k.max = k.min + (k.max - k.min) / k.step * k.step;   /* on a step */
		k.initial_rate = k.min;
	} else {
		if (parse_list("rates", fl.f[1], UINT64_MAX, k.rates, VT_SCMI_MAX_RATES, &k.nrates, err, errlen) < 0)
			return -1;
		k.initial_rate = k.rates[0];
	}
	for (unsigned i = 2; i < fl.n; i++) {
		if (!strcmp(fl.f[i], "off")) {
			k.initial_on = false;
		} else if (opt_value(fl.f[i], "rate", &v)) {
			if (!vt_parse_si(v, UINT64_MAX, &k.initial_rate))
				return bad(err, errlen, "rate '%s': want Hz (k, M, G: x1000)", v);
			has_rate = true;
		} else {
			return bad(err, errlen, "'%s': unknown '%s' (rate=HZ, off)", spec, fl.f[i]);
		}
	}
	if (has_rate) {
		bool ok = k.range ? k.initial_rate >= k.min && k.initial_rate <= k.max &&
				    (k.initial_rate - k.min) % k.step == 0
				  : false;
		for (unsigned i = 0; !k.range && i < k.nrates; i++)
			ok |= k.rates[i] == k.initial_rate;
		if (!ok)
			return bad(err, errlen, "'%s': rate=%" PRIu64 " is not one of the clock's rates", spec,
				   k.initial_rate);
	}
	k.rate = k.initial_rate;
	k.enabled = k.initial_on;
	p->clock[p->nclocks++] = k;
	return 0;
}

int vt_scmi_conf_perf(struct vt_scmi_platform *p, const char *spec, char *err, size_t errlen)
{
	struct fields fl;
	struct vt_scmi_perf d = { 0 };
	uint64_t lv[VT_SCMI_MAX_LEVELS], initial = 0;
	const char *v;

	if (p->nperf == VT_SCMI_MAX_PERF)
		return bad(err, errlen, "at most %d performance domains", VT_SCMI_MAX_PERF);
	if (split(&fl, spec, err, errlen) < 0)
		return -1;
	if (fl.n < 2)
		return bad(err, errlen, "'%s': want NAME:LEVEL[,LEVEL...][:level=L]", spec);
	if (check_name(fl.f[0], err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < p->nperf; i++)
		if (!strcmp(p->perf[i].name, fl.f[0]))
			return bad(err, errlen, "performance domain '%s' given twice", fl.f[0]);
	snprintf(d.name, sizeof(d.name), "%s", fl.f[0]);
	if (parse_list("levels", fl.f[1], UINT32_MAX, lv, VT_SCMI_MAX_LEVELS, &d.nlevels, err, errlen) < 0)
		return -1;
	for (unsigned i = 0; i < d.nlevels; i++)
		d.levels[i] = (uint32_t)lv[i];
	d.initial_level = d.levels[d.nlevels - 1];
	for (unsigned i = 2; i < fl.n; i++) {
		bool ok = false;
		if (!opt_value(fl.f[i], "level", &v))
			return bad(err, errlen, "'%s': unknown '%s' (level=L)", spec, fl.f[i]);
		if (vt_parse_si(v, UINT32_MAX, &initial))
			for (unsigned k = 0; k < d.nlevels; k++)
				ok |= d.levels[k] == initial;
		if (!ok)
			return bad(err, errlen, "'%s': level=%s is not one of the domain's levels", spec, v);
		d.initial_level = (uint32_t)initial;
	}
	d.level = d.initial_level;
	d.min = d.levels[0];
	d.max = d.levels[d.nlevels - 1];
	p->perf[p->nperf++] = d;
	return 0;
}

void vt_scmi_platform_defaults(struct vt_scmi_platform *p)
{
	char err[128];

	if (p->nsensors || p->nclocks || p->nperf)
		return;
	vt_scmi_conf_sensor(p, "soc:45000", err, sizeof(err));
	vt_scmi_conf_clock(p, "uart:24M,48M", err, sizeof(err));
	vt_scmi_conf_perf(p, "cpu:500000,1000000,1500000", err, sizeof(err));
}

static int set_string(char *dst, size_t n, const char *key, const char *v, char *err, size_t errlen)
{
	if (strlen(v) >= n)
		return bad(err, errlen, "%s '%s': at most %zu characters", key, v, n - 1);
	snprintf(dst, n, "%s", v);
	return 0;
}

static int conf_line(struct vt_scmi_platform *p, char *line, char *err, size_t errlen)
{
	char *key = line + strspn(line, " \t"), *v;
	uint64_t u;

	key[strcspn(key, "\r\n")] = '\0';
	if (!*key || *key == '#')
		return 0;
	v = key + strcspn(key, " \t");
	if (*v)
		*v++ = '\0';
	v += strspn(v, " \t");
	for (size_t n = strlen(v); n && (v[n - 1] == ' ' || v[n - 1] == '\t'); n--)
		v[n - 1] = '\0';
	if (!*v)
		return bad(err, errlen, "'%s' wants a value", key);
	if (!strcmp(key, "sensor"))
		return vt_scmi_conf_sensor(p, v, err, errlen);
	if (!strcmp(key, "clock"))
		return vt_scmi_conf_clock(p, v, err, errlen);
	if (!strcmp(key, "perf"))
		return vt_scmi_conf_perf(p, v, err, errlen);
	if (!strcmp(key, "vendor"))
		return set_string(p->vendor, sizeof(p->vendor), key, v, err, errlen);
	if (!strcmp(key, "sub-vendor"))
		return set_string(p->sub_vendor, sizeof(p->sub_vendor), key, v, err, errlen);
	if (!strcmp(key, "impl-version")) {
		if (!vt_parse_u64(v, UINT32_MAX, &u))
			return bad(err, errlen, "impl-version '%s': want a number, 0-0xffffffff", v);
		p->impl_version = (uint32_t)u;
		return 0;
	}
	return bad(err, errlen, "unknown key '%s' (sensor, clock, perf, vendor, sub-vendor, impl-version)", key);
}

int vt_scmi_conf_file(struct vt_scmi_platform *p, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024], why[256];
	unsigned no = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -2;
	}
	while (fgets(line, sizeof(line), f)) {
		no++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return bad(err, errlen, "%s:%u: line too long", path, no);
		}
		if (conf_line(p, line, why, sizeof(why)) < 0) {
			fclose(f);
			return bad(err, errlen, "%s:%u: %s", path, no, why);
		}
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		snprintf(err, errlen, "%s: read error", path);
		return -2;
	}
	return 0;
}

/* ---- finding domains ---- */

static int find(const char *s, unsigned n, const char *(*name)(const struct vt_scmi_platform *, unsigned),
		const struct vt_scmi_platform *p)
{
	unsigned id;

	if (vt_parse_uint(s, n ? n - 1 : 0, &id) && id < n)
		return (int)id;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(name(p, i), s))
			return (int)i;
	return -1;
}

static const char *sensor_name(const struct vt_scmi_platform *p, unsigned i)
{
	return p->sensor[i].name;
}

static const char *clock_name(const struct vt_scmi_platform *p, unsigned i)
{
	return p->clock[i].name;
}

static const char *perf_name(const struct vt_scmi_platform *p, unsigned i)
{
	return p->perf[i].name;
}

int vt_scmi_find_sensor(const struct vt_scmi_platform *p, const char *s)
{
	return find(s, p->nsensors, sensor_name, p);
}

int vt_scmi_find_clock(const struct vt_scmi_platform *p, const char *s)
{
	return find(s, p->nclocks, clock_name, p);
}

int vt_scmi_find_perf(const struct vt_scmi_platform *p, const char *s)
{
	return find(s, p->nperf, perf_name, p);
}
