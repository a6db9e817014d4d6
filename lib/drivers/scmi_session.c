/* drive scmi's operations (see scmi_session.h). */
#include "drivers/scmi_session.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "util/bytes.h"
#include "util/parse.h"
#include "util/strbuf.h"
#include "virtio/virtio_scmi.h"

enum op_kind {
	OP_BASE, OP_SENSORS, OP_CLOCKS, OP_PERFS, OP_SENSOR_READ, OP_SENSOR_NOTIFY, OP_SENSOR_TRIP,
	OP_CLOCK_RATE, OP_CLOCK_SET, OP_CLOCK_ON, OP_CLOCK_OFF, OP_CLOCK_NOTIFY, OP_PERF_LEVEL,
	OP_PERF_LIMITS, OP_PERF_NOTIFY, OP_EVENTS, OP_RAW,
};

#define MAX_IDS 16

struct op {
	enum op_kind kind;
	char label[96];           /* "sensor read 0": names the op in errors */
	uint32_t id[MAX_IDS];     /* sensor read's ids; others: id[0] */
	unsigned nids;
	bool async, off, set;     /* set: perf level/limits with values */
	uint64_t a, b;            /* clock set's rate; perf's level or min, max */
	int64_t value;            /* trip point value */
	unsigned trip, mode;      /* trip point, its mode (1 up, 2 down, 3 both, 0 off) */
	unsigned count;           /* events */
	int ms;                   /* events: per notification; 0 the --timeout */
	uint32_t w[VT_SCMI_DRV_PARAMS + 2];   /* raw: proto, msg, words */
	unsigned nw;
};

#define OPS_HELP "base, sensors, clocks, perf, sensor read|notify|trip, clock rate|set|on|off|notify, " \
	"perf level|limits|notify, events N [MS], raw PROTO MSG [WORD...]"

/* ---- parsing ---- */

static bool op_word(const char *w)
{
	static const char *const words[] = { "base", "sensors", "clocks", "perf", "sensor", "clock", "events",
					     "raw" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

static bool bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* The word after words[*i], consumed: NULL at the end or at an op word. */
static const char *next_word(char *const *words, unsigned n, unsigned *i)
{
	if (*i + 1 >= n || op_word(words[*i + 1]))
		return NULL;
	return words[++*i];
}

static bool take_id(char *const *words, unsigned n, unsigned *i, const char *what, uint32_t *id, char *err,
		    size_t errlen)
{
	const char *w = next_word(words, n, i);
	unsigned v;

	if (!w || !vt_parse_uint(w, UINT32_MAX, &v))
		return bad(err, errlen, "%s: want a %s id (a number), got %s", words[*i - (w ? 1 : 0)], what,
			   w ? w : "nothing");
	*id = v;
	return true;
}

/* An optional trailing word among choices: consumed when it is one. */
static bool maybe(char *const *words, unsigned n, unsigned *i, const char *word)
{
	if (*i + 1 < n && !strcmp(words[*i + 1], word)) {
		++*i;
		return true;
	}
	return false;
}

static bool parse_sensor(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *sub = next_word(words, n, i), *w;

	if (!sub)
		return bad(err, errlen, "sensor: want read, notify or trip");
	if (!strcmp(sub, "read")) {
		char copy[256], *save = NULL;
		op->kind = OP_SENSOR_READ;
		if (!(w = next_word(words, n, i)))
			return bad(err, errlen, "sensor read: want sensor ids, e.g. 0 or 0,1");
		snprintf(copy, sizeof(copy), "%s", w);
		for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			unsigned v;
			if (op->nids == MAX_IDS)
				return bad(err, errlen, "sensor read: at most %d sensors at once", MAX_IDS);
			if (!vt_parse_uint(t, UINT32_MAX, &v))
				return bad(err, errlen, "sensor read: '%s' is not a sensor id", t);
			op->id[op->nids++] = v;
		}
		if (!op->nids)
			return bad(err, errlen, "sensor read: want sensor ids, e.g. 0 or 0,1");
		op->async = maybe(words, n, i, "async");
		return true;
	}
	if (!strcmp(sub, "notify")) {
		op->kind = OP_SENSOR_NOTIFY;
		op->nids = 1;
		if (!take_id(words, n, i, "sensor", &op->id[0], err, errlen))
			return false;
		op->off = maybe(words, n, i, "off");
		return true;
	}
	if (!strcmp(sub, "trip")) {
		static const char *const modes[] = { "off", "up", "down", "both" };
		op->kind = OP_SENSOR_TRIP;
		op->nids = 1;
		op->mode = 3;
		if (!take_id(words, n, i, "sensor", &op->id[0], err, errlen))
			return false;
		if (!(w = next_word(words, n, i)) || !vt_parse_uint(w, 255, &op->trip))
			return bad(err, errlen, "sensor trip: want ID TRIP VALUE [up|down|both|off]");
		if (!(w = next_word(words, n, i)) || !vt_parse_i64(w, &op->value))
			return bad(err, errlen, "sensor trip: want ID TRIP VALUE [up|down|both|off], VALUE a whole number");
		for (unsigned k = 0; k < 4; k++)
			if (maybe(words, n, i, modes[k]))
				op->mode = k;
		return true;
	}
	return bad(err, errlen, "sensor %s: want read, notify or trip", sub);
}

static bool parse_clock(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *sub = next_word(words, n, i), *w;

	op->nids = 1;
	if (!sub)
		return bad(err, errlen, "clock: want rate, set, on, off or notify");
	if (!strcmp(sub, "rate"))
		op->kind = OP_CLOCK_RATE;
	else if (!strcmp(sub, "set"))
		op->kind = OP_CLOCK_SET;
	else if (!strcmp(sub, "on"))
		op->kind = OP_CLOCK_ON;
	else if (!strcmp(sub, "off"))
		op->kind = OP_CLOCK_OFF;
	else if (!strcmp(sub, "notify"))
		op->kind = OP_CLOCK_NOTIFY;
	else
		return bad(err, errlen, "clock %s: want rate, set, on, off or notify", sub);
	if (!take_id(words, n, i, "clock", &op->id[0], err, errlen))
		return false;
	if (op->kind == OP_CLOCK_SET) {
		if (!(w = next_word(words, n, i)) || !vt_parse_si(w, UINT64_MAX, &op->a))
			return bad(err, errlen, "clock set: want ID HZ [async], HZ with k, M or G (x1000)");
		op->async = maybe(words, n, i, "async");
	}
	if (op->kind == OP_CLOCK_NOTIFY)
		op->off = maybe(words, n, i, "off");
	return true;
}

static bool parse_perf(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *w;

	op->kind = OP_PERFS;
	if (*i + 1 >= n || (strcmp(words[*i + 1], "level") && strcmp(words[*i + 1], "limits") &&
			    strcmp(words[*i + 1], "notify")))
		return true;   /* the list */
	const char *sub = words[++*i];
	op->nids = 1;
	op->kind = !strcmp(sub, "level") ? OP_PERF_LEVEL : !strcmp(sub, "limits") ? OP_PERF_LIMITS : OP_PERF_NOTIFY;
	if (!take_id(words, n, i, "performance domain", &op->id[0], err, errlen))
		return false;
	if (op->kind == OP_PERF_NOTIFY) {
		op->off = maybe(words, n, i, "off");
		return true;
	}
	if (*i + 1 >= n || !vt_parse_si(words[*i + 1], UINT32_MAX, &op->a))
		return true;   /* get */
	++*i;
	op->set = true;
	if (op->kind == OP_PERF_LIMITS &&
	    (!(w = next_word(words, n, i)) || !vt_parse_si(w, UINT32_MAX, &op->b)))
		return bad(err, errlen, "perf limits: want ID [MIN MAX]");
	return true;
}

static bool parse_op(char *const *words, unsigned n, unsigned *i, struct op *op, char *err, size_t errlen)
{
	const char *w = words[*i], *x;
	unsigned start = *i;

	memset(op, 0, sizeof(*op));
	if (!strcmp(w, "base"))
		op->kind = OP_BASE;
	else if (!strcmp(w, "sensors"))
		op->kind = OP_SENSORS;
	else if (!strcmp(w, "clocks"))
		op->kind = OP_CLOCKS;
	else if (!strcmp(w, "perf")) {
		if (!parse_perf(words, n, i, op, err, errlen))
			return false;
	} else if (!strcmp(w, "sensor")) {
		if (!parse_sensor(words, n, i, op, err, errlen))
			return false;
	} else if (!strcmp(w, "clock")) {
		if (!parse_clock(words, n, i, op, err, errlen))
			return false;
	} else if (!strcmp(w, "events")) {
		op->kind = OP_EVENTS;
		if (!(x = next_word(words, n, i)) || !vt_parse_uint(x, 1000000, &op->count) || !op->count)
			return bad(err, errlen, "events: want a count, 1-1000000, then [MS]");
		unsigned ms;
		if (*i + 1 < n && vt_parse_uint(words[*i + 1], 3600000, &ms)) {
			if (!ms)
				return bad(err, errlen, "events %u 0: want milliseconds, 1-3600000", op->count);
			op->ms = (int)ms;
			++*i;
		}
	} else if (!strcmp(w, "raw")) {
		op->kind = OP_RAW;
		while ((x = next_word(words, n, i))) {
			uint64_t v;
			if (op->nw == sizeof(op->w) / sizeof(op->w[0]))
				return bad(err, errlen, "raw: at most %d parameter words", VT_SCMI_DRV_PARAMS);
			if (!vt_parse_u64(x, UINT32_MAX, &v))
				return bad(err, errlen, "raw: '%s' is not a 32-bit number", x);
			op->w[op->nw++] = (uint32_t)v;
		}
		if (op->nw < 2 || op->w[0] > 0xff || op->w[1] > 0xff)
			return bad(err, errlen, "raw: want PROTO MSG [WORD...], PROTO and MSG 0-0xff");
	} else {
		return bad(err, errlen, "'%s': unknown operation (%s)", w, OPS_HELP);
	}
	size_t at = 0;
	for (unsigned k = start; k <= *i && at < sizeof(op->label); k++)
		at += (size_t)snprintf(op->label + at, sizeof(op->label) - at, "%s%s", k > start ? " " : "", words[k]);
	++*i;
	return true;
}

bool vt_scmi_check_words(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct op op;

	for (unsigned i = 0; i < n;)
		if (!parse_op(words, n, &i, &op, err, errlen))
			return false;
	return true;
}

/* ---- running ---- */

struct session {
	struct vt_scmi_driver *d;
	const struct vt_run_opts *o;
	FILE *out;
	char *err;
	size_t errlen;
	const struct op *op;
};

static enum vt_run_result transport(struct session *s)
{
	snprintf(s->err, s->errlen, "%s: %s", s->op->label, s->d->fe->err);
	return VT_RUN_TRANSPORT;
}

/* One command; VT_RUN_DEVICE_ERR for a status other than SUCCESS. */
static enum vt_run_result call(struct session *s, struct vt_scmi_xfer *x, unsigned proto, unsigned msg,
			       const uint32_t *p, unsigned np)
{
	vt_scmi_xfer_init(x, proto, msg, p, np);
	if (vt_scmi_call(s->d, x, s->o->timeout_ms) < 0)
		return transport(s);
	if (x->status != VIRTIO_SCMI_SUCCESS) {
		const char *name = vt_scmi_msg_name(proto, msg, 0);
		snprintf(s->err, s->errlen, "%s: %s %s: %s", s->op->label, vt_scmi_protocol_name(proto),
			 name ? name : "command", vt_scmi_status_name((uint32_t)x->status));
		return VT_RUN_DEVICE_ERR;
	}
	return VT_RUN_OK;
}

static uint32_t ret32(const struct vt_scmi_xfer *x, unsigned i)
{
	return (size_t)i * 4 + 4 <= x->retlen ? vt_ld_le32(x->ret + 4 * i) : 0;
}

static uint64_t ret64(const struct vt_scmi_xfer *x, unsigned i)
{
	return (uint64_t)ret32(x, i + 1) << 32 | ret32(x, i);
}

/* A name field at byte off of the return values (n bytes, NUL-padded). */
static void ret_name(const struct vt_scmi_xfer *x, size_t off, size_t n, char *buf, size_t len)
{
	size_t k = 0;

	for (; k + 1 < len && off + k < x->retlen && k < n && x->ret[off + k]; k++)
		buf[k] = x->ret[off + k] >= 0x20 && x->ret[off + k] < 0x7f ? (char)x->ret[off + k] : '?';
	buf[k] = '\0';
}

static enum vt_run_result run_base(struct session *s)
{
	struct vt_scmi_xfer x;
	char vendor[17], sub[17], name[17];
	enum vt_run_result r;
	uint32_t version, impl, attr;

	if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_PROTOCOL_VERSION, NULL, 0)))
		return r;
	version = ret32(&x, 0);
	if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0)))
		return r;
	attr = ret32(&x, 0);
	if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, NULL, 0)))
		return r;
	ret_name(&x, 0, 16, vendor, sizeof(vendor));
	if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_SUB_VENDOR, NULL, 0)))
		return r;
	ret_name(&x, 0, 16, sub, sizeof(sub));
	if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_IMPL_VERSION, NULL, 0)))
		return r;
	impl = ret32(&x, 0);
	fprintf(s->out, "base %u.%u vendor %s sub-vendor %s implementation 0x%x\n", version >> 16, version & 0xffff,
		vendor, sub, impl);
	/* The list, as many calls as it takes (skip = what we have). */
	unsigned nproto = attr & 0xff, got = 0;
	fprintf(s->out, "protocols");
	while (got < nproto) {
		uint32_t skip = got;
		if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &skip, 1)))
			return r;
		uint32_t k = ret32(&x, 0);
		if (!k || k > nproto - got || 4 + (size_t)k > x.retlen) {
			snprintf(s->err, s->errlen, "%s: DISCOVER_LIST_PROTOCOLS returned %u of %u after %u", s->op->label,
				 k, nproto, got);
			return VT_RUN_NOT_DEVICE;
		}
		for (uint32_t j = 0; j < k; j++)
			fprintf(s->out, " 0x%02x %s", x.ret[4 + j], vt_scmi_protocol_name(x.ret[4 + j]));
		got += k;
	}
	fprintf(s->out, "\n");
	for (uint32_t id = 0; id <= ((attr >> 8) & 0xff); id++) {
		if ((r = call(s, &x, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &id, 1)))
			return r;
		ret_name(&x, 4, 16, name, sizeof(name));
		fprintf(s->out, "agent %u %s\n", ret32(&x, 0), name);
	}
	return VT_RUN_OK;
}

/* How many domains a protocol has: PROTOCOL_ATTRIBUTES bits 15:0. */
static enum vt_run_result count(struct session *s, unsigned proto, unsigned *n)
{
	struct vt_scmi_xfer x;
	enum vt_run_result r = call(s, &x, proto, SCMI_PROTOCOL_ATTRIBUTES, NULL, 0);

	*n = ret32(&x, 0) & 0xffff;
	return r;
}

static enum vt_run_result run_sensors(struct session *s)
{
	struct vt_scmi_xfer x;
	enum vt_run_result r;
	unsigned n, got = 0;
	char name[17];

	if ((r = count(s, SCMI_PROTO_SENSOR, &n)))
		return r;
	while (got < n) {
		uint32_t first = got;
		if ((r = call(s, &x, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &first, 1)))
			return r;
		uint32_t flags = ret32(&x, 0), k = flags & 0xfff;
		if (!k || k > n - got || 4 + (size_t)k * 28 > x.retlen) {
			snprintf(s->err, s->errlen, "%s: DESCRIPTION_GET returned %u of %u after %u", s->op->label, k, n, got);
			return VT_RUN_NOT_DEVICE;
		}
		for (uint32_t j = 0; j < k; j++) {
			size_t off = 4 + (size_t)j * 28;
			uint32_t id = ret32(&x, (unsigned)off / 4), lo = ret32(&x, (unsigned)off / 4 + 1),
				 hi = ret32(&x, (unsigned)off / 4 + 2);
			int scale = (int)((hi >> 11) & 0x1f);
			if (scale & 0x10)
				scale -= 32;
			ret_name(&x, off + 12, 16, name, sizeof(name));
			const char *u = vt_tok_name(vt_scmi_unit_names, hi & 0xff);
			fprintf(s->out, "sensor %u %s ", id, name);
			if (u)
				fprintf(s->out, "%s", u);
			else
				fprintf(s->out, "unit %u", hi & 0xff);
			fprintf(s->out, " scale %d%s%s trips %u\n", scale, lo & SCMI_SENSOR_ASYNC ? " async" : "",
				lo & SCMI_SENSOR_UPDATE_NOTIFY ? " notify" : "", lo & 0xff);
		}
		got += k;
	}
	return VT_RUN_OK;
}

/* sensor read: a line per value as it comes. */
static void read_done(void *arg, const struct vt_scmi_xfer *x)
{
	struct session *s = arg;
	const uint8_t *v = x->async ? x->dret + 4 : x->ret;
	uint32_t len = x->async ? (x->dretlen >= 4 ? x->dretlen - 4 : 0) : x->retlen;
	int32_t st = x->async && x->status == VIRTIO_SCMI_SUCCESS ? x->dstatus : x->status;

	fprintf(s->out, "sensor %u: ", x->param[0]);
	if (st != VIRTIO_SCMI_SUCCESS)
		fprintf(s->out, "%s", vt_scmi_status_name((uint32_t)st));
	else if (len < 8)
		fprintf(s->out, "a reading of %u bytes", len);
	else
		fprintf(s->out, "%" PRId64, (int64_t)vt_ld_le64(v));
	if (x->async && x->delayed)
		fprintf(s->out, " (delayed%s)", x->overtook ? ", before its immediate response" : "");
	fprintf(s->out, "\n");
	fflush(s->out);
}

static enum vt_run_result run_read(struct session *s)
{
	const struct op *op = s->op;
	struct vt_scmi_xfer x[MAX_IDS], *xp[MAX_IDS];
	enum vt_run_result r = VT_RUN_OK;

	for (unsigned i = 0; i < op->nids; i++) {
		uint32_t p[2] = { op->id[i], op->async ? SCMI_SENSOR_READ_ASYNC : 0 };
		vt_scmi_xfer_init(&x[i], SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, p, 2);
		x[i].async = op->async;
		xp[i] = &x[i];
	}
	if (vt_scmi_run(s->d, xp, op->nids, s->o->timeout_ms, read_done, s) < 0)
		return transport(s);
	for (unsigned i = 0; i < op->nids && !r; i++) {
		int32_t st = x[i].status ? x[i].status : x[i].async ? x[i].dstatus : 0;
		if (st) {
			snprintf(s->err, s->errlen, "%s: sensor %u: %s", op->label, op->id[i],
				 vt_scmi_status_name((uint32_t)st));
			r = VT_RUN_DEVICE_ERR;
		}
	}
	return r;
}

static enum vt_run_result run_clocks(struct session *s)
{
	struct vt_scmi_xfer x;
	enum vt_run_result r;
	unsigned n;
	char name[17];

	if ((r = count(s, SCMI_PROTO_CLOCK, &n)))
		return r;
	for (uint32_t id = 0; id < n; id++) {
		uint32_t p[2] = { id, 0 };
		if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_ATTRIBUTES, p, 1)))
			return r;
		bool on = ret32(&x, 0) & SCMI_CLOCK_ATTR_ENABLED;
		ret_name(&x, 4, 16, name, sizeof(name));
		if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET, p, 1)))
			return r;
		fprintf(s->out, "clock %u %s %" PRIu64 " Hz %s rates", id, name, ret64(&x, 0), on ? "on" : "off");
		for (uint32_t got = 0;;) {
			p[1] = got;
			if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_DESCRIBE_RATES, p, 2)))
				return r;
			uint32_t f = ret32(&x, 0), k = f & 0xfff;
			if (4 + (size_t)k * 8 > x.retlen || (f & SCMI_CLOCK_RATES_RANGE && k != 3)) {
				snprintf(s->err, s->errlen, "%s: DESCRIBE_RATES returned %u rates in %u bytes", s->op->label,
					 k, x.retlen);
				return VT_RUN_NOT_DEVICE;
			}
			if (f & SCMI_CLOCK_RATES_RANGE) {
				fprintf(s->out, " %" PRIu64 "-%" PRIu64 "/%" PRIu64, ret64(&x, 1), ret64(&x, 3), ret64(&x, 5));
				break;
			}
			for (uint32_t j = 0; j < k; j++)
				fprintf(s->out, "%s%" PRIu64, got + j ? "," : " ", ret64(&x, 1 + 2 * j));
			got += k;
			if (!k || !(f >> 16))
				break;
		}
		fprintf(s->out, "\n");
	}
	return VT_RUN_OK;
}

static enum vt_run_result run_perfs(struct session *s)
{
	struct vt_scmi_xfer x;
	enum vt_run_result r;
	unsigned n;
	char name[17];

	if ((r = count(s, SCMI_PROTO_PERF, &n)))
		return r;
	for (uint32_t id = 0; id < n; id++) {
		uint32_t p[2] = { id, 0 };
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_DOMAIN_ATTRIBUTES, p, 1)))
			return r;
		ret_name(&x, 16, 16, name, sizeof(name));
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET, p, 1)))
			return r;
		uint32_t level = ret32(&x, 0);
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_GET, p, 1)))
			return r;
		fprintf(s->out, "perf %u %s level %u limits %u-%u levels", id, name, level, ret32(&x, 1), ret32(&x, 0));
		for (uint32_t got = 0;;) {
			p[1] = got;
			if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_DESCRIBE_LEVELS, p, 2)))
				return r;
			uint32_t f = ret32(&x, 0), k = f & 0xfff;
			if (4 + (size_t)k * 20 > x.retlen) {
				snprintf(s->err, s->errlen, "%s: DESCRIBE_LEVELS returned %u levels in %u bytes", s->op->label,
					 k, x.retlen);
				return VT_RUN_NOT_DEVICE;
			}
			for (uint32_t j = 0; j < k; j++)
				fprintf(s->out, "%s%u", got + j ? "," : " ", ret32(&x, 1 + 5 * j));
			got += k;
			if (!k || !(f >> 16))
				break;
		}
		fprintf(s->out, "\n");
	}
	return VT_RUN_OK;
}

static void clock_set_done(void *arg, const struct vt_scmi_xfer *x)
{
	(void)arg;
	(void)x;
}

static enum vt_run_result run_clock_set(struct session *s)
{
	const struct op *op = s->op;
	uint32_t p[4] = { op->async ? SCMI_CLOCK_SET_ASYNC : 0, op->id[0], (uint32_t)op->a, (uint32_t)(op->a >> 32) };
	struct vt_scmi_xfer x, *xp = &x;

	vt_scmi_xfer_init(&x, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_SET, p, 4);
	x.async = op->async;
	if (vt_scmi_run(s->d, &xp, 1, s->o->timeout_ms, clock_set_done, NULL) < 0)
		return transport(s);
	int32_t st = x.status ? x.status : x.async ? x.dstatus : 0;
	if (st) {
		snprintf(s->err, s->errlen, "%s: CLOCK RATE_SET: %s", op->label, vt_scmi_status_name((uint32_t)st));
		return VT_RUN_DEVICE_ERR;
	}
	fprintf(s->out, "clock %u: set %" PRIu64 " Hz", op->id[0], op->a);
	if (x.async && x.dretlen >= 12)
		fprintf(s->out, " (delayed: %" PRIu64 " Hz%s)", vt_ld_le64(x.dret + 4),
			x.overtook ? ", before its immediate response" : "");
	fprintf(s->out, "\n");
	return VT_RUN_OK;
}

static enum vt_run_result run_events(struct session *s)
{
	struct vt_scmi_note note;
	uint8_t msg[4 + VT_SCMI_DRV_MSG];
	struct vt_sb sb;
	int ms = s->op->ms ? s->op->ms : s->o->timeout_ms > 0 ? s->o->timeout_ms : 1000;

	for (unsigned i = 0; i < s->op->count; i++) {
		int rc = vt_scmi_next_note(s->d, &note, ms);
		if (rc == -ETIMEDOUT) {
			snprintf(s->err, s->errlen, "%s: %u of %u notifications came within %d ms each", s->op->label, i,
				 s->op->count, ms);
			return VT_RUN_DEVICE_ERR;
		}
		if (rc < 0)
			return transport(s);
		vt_st_le32(msg, note.hdr);
		memcpy(msg + 4, note.payload, note.len);
		vt_sb_init(&sb);
		vt_scmi_decode_message(&sb, msg, 4 + note.len);
		fprintf(s->out, "%s\n", vt_sb_str(&sb));
		fflush(s->out);
	}
	return VT_RUN_OK;
}

static enum vt_run_result run_raw(struct session *s)
{
	const struct op *op = s->op;
	struct vt_scmi_xfer x;

	vt_scmi_xfer_init(&x, op->w[0], op->w[1], op->w + 2, op->nw - 2);
	if (vt_scmi_call(s->d, &x, s->o->timeout_ms) < 0)
		return transport(s);
	fprintf(s->out, "%s", vt_scmi_status_name((uint32_t)x.status));
	for (uint32_t i = 0; i * 4 + 4 <= x.retlen; i++)
		fprintf(s->out, " 0x%08x", ret32(&x, i));
	fprintf(s->out, "\n");
	return x.status == VIRTIO_SCMI_SUCCESS ? VT_RUN_OK : VT_RUN_DEVICE_ERR;
}

static enum vt_run_result run_op(struct session *s)
{
	const struct op *op = s->op;
	struct vt_scmi_xfer x;
	enum vt_run_result r;
	uint32_t id = op->id[0];

	switch (op->kind) {
	case OP_BASE: return run_base(s);
	case OP_SENSORS: return run_sensors(s);
	case OP_CLOCKS: return run_clocks(s);
	case OP_PERFS: return run_perfs(s);
	case OP_SENSOR_READ: return run_read(s);
	case OP_SENSOR_NOTIFY: {
		uint32_t p[2] = { id, !op->off };
		if ((r = call(s, &x, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, p, 2)))
			return r;
		fprintf(s->out, "sensor %u: update notifications %s\n", id, op->off ? "off" : "on");
		return VT_RUN_OK;
	}
	case OP_SENSOR_TRIP: {
		uint32_t p[4] = { id, op->mode | op->trip << 4, (uint32_t)(uint64_t)op->value,
				  (uint32_t)((uint64_t)op->value >> 32) };
		static const char *const modes[] = { "off", "up", "down", "both" };
		if ((r = call(s, &x, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG, p, 4)))
			return r;
		p[1] = 1;
		if ((r = call(s, &x, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY, p, 2)))
			return r;
		fprintf(s->out, "sensor %u: trip point %u at %" PRId64 " %s\n", id, op->trip, op->value, modes[op->mode]);
		return VT_RUN_OK;
	}
	case OP_CLOCK_RATE:
		if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_GET, &id, 1)))
			return r;
		fprintf(s->out, "clock %u: %" PRIu64 " Hz\n", id, ret64(&x, 0));
		return VT_RUN_OK;
	case OP_CLOCK_SET: return run_clock_set(s);
	case OP_CLOCK_ON:
	case OP_CLOCK_OFF: {
		uint32_t p[3] = { id, op->kind == OP_CLOCK_ON, 0 };
		if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_CONFIG_SET, p, 3)))
			return r;
		fprintf(s->out, "clock %u: %s\n", id, op->kind == OP_CLOCK_ON ? "on" : "off");
		return VT_RUN_OK;
	}
	case OP_CLOCK_NOTIFY: {
		uint32_t p[2] = { id, !op->off };
		if ((r = call(s, &x, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_NOTIFY, p, 2)))
			return r;
		fprintf(s->out, "clock %u: rate notifications %s\n", id, op->off ? "off" : "on");
		return VT_RUN_OK;
	}
	case OP_PERF_LEVEL: {
		uint32_t p[2] = { id, (uint32_t)op->a };
		if (op->set) {
			if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_SET, p, 2)))
				return r;
		}
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_GET, p, 1)))
			return r;
		fprintf(s->out, "perf %u: level %u\n", id, ret32(&x, 0));
		return VT_RUN_OK;
	}
	case OP_PERF_LIMITS: {
		uint32_t p[3] = { id, (uint32_t)op->b, (uint32_t)op->a };
		if (op->set) {
			if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_SET, p, 3)))
				return r;
		}
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_GET, p, 1)))
			return r;
		fprintf(s->out, "perf %u: limits %u-%u\n", id, ret32(&x, 1), ret32(&x, 0));
		return VT_RUN_OK;
	}
	case OP_PERF_NOTIFY: {
		uint32_t p[2] = { id, !op->off };
		if ((r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LEVEL, p, 2)) ||
		    (r = call(s, &x, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LIMITS, p, 2)))
			return r;
		fprintf(s->out, "perf %u: level and limits notifications %s\n", id, op->off ? "off" : "on");
		return VT_RUN_OK;
	}
	case OP_EVENTS: return run_events(s);
	case OP_RAW: return run_raw(s);
	}
	return VT_RUN_USAGE;
}

enum vt_run_result vt_scmi_run_words(struct vt_scmi_driver *d, char *const *words, unsigned n,
				     const struct vt_run_opts *o, FILE *out, char *err, size_t errlen)
{
	struct session s = { .d = d, .o = o, .out = out, .err = err, .errlen = errlen };
	struct op op;

	for (unsigned i = 0; i < n;) {
		if (!parse_op(words, n, &i, &op, err, errlen))
			return VT_RUN_USAGE;
		s.op = &op;
		enum vt_run_result r = run_op(&s);
		fflush(out);
		if (r != VT_RUN_OK)
			return r;
	}
	return VT_RUN_OK;
}
