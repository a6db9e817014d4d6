/* Record -> view -> text or JSON (see print.h).
 *
 * The summary and the key fields (address, line, type, status, ...) come
 * from the device's decoder (lib/decode, found through the device
 * registry), run on the chain rebuilt from the record: the fields feed the
 * filter and the JSON object. */
#include "trace/print.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "devices/registry.h"
#include "trace/msgview.h"
#include "util/hexdump.h"
#include "util/json.h"
#include "util/log.h"
#include "vhost/msg.h"

const char *vt_trace_event_name(unsigned kind)
{
	if (kind == VT_TRACE_KIND_DROPS)
		return "drops";
	return vt_rec_kind_name(kind);
}

void vt_trace_device_name(uint32_t virtio_id, char *buf, size_t len)
{
	const struct vt_device_type *t = vt_device_by_id(virtio_id);

	if (t)
		snprintf(buf, len, "%s", t->name);
	else
		snprintf(buf, len, "virtio-%u", virtio_id);
}

/* ---- the view ---- */

static void format_time(char *buf, size_t len, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000u);
	struct tm tm;

	if (!localtime_r(&sec, &tm)) {
		snprintf(buf, len, "%" PRIu64 ".%06u", ns / 1000000000u, (unsigned)(ns % 1000000000u / 1000));
		return;
	}
	snprintf(buf, len, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned)(ns % 1000000000u / 1000));
}

/* Text of a record, printable (the record came from anywhere). */
static void put_text(struct vt_sb *sb, const char *t)
{
	for (; t && *t; t++) {
		unsigned char ch = (unsigned char)*t;
		if (ch >= 0x20 && ch < 0x7f)
			vt_sb_printf(sb, "%c", ch);
		else
			vt_sb_printf(sb, "\\x%02x", ch);
	}
}

static void decode_chain(struct vt_trace_view *v, const struct vt_rec *r, bool done)
{
	struct vt_chain c;
	struct vt_seg *segs = r->nseg ? calloc(r->nseg, sizeof(*segs)) : NULL;
	int rc = segs ? vt_rec_chain(r, &c, segs, r->nseg) : -1;

	if (rc < 0) {
		vt_sb_printf(&v->summary, "no chain, %u bytes", r->origlen);
		if (done)
			vt_sb_printf(&v->summary, " -> used %u", r->used_len);
		free(segs);
		return;
	}
	const struct vt_decoder *dec = vt_decoder_find(r->virtio_id);
	dec->summary(&v->summary, r->queue, &c, done, r->used_len);
	dec->fields(&v->f, r->queue, &c, done, r->used_len);
	free(segs);
}

void vt_trace_view_build(struct vt_trace_view *v, const struct vt_rec *r)
{
	memset(v, 0, sizeof(*v));
	vt_sb_init(&v->summary);
	v->rec = r;
	v->ts_ns = r->ts_ns;
	format_time(v->time, sizeof(v->time), r->ts_ns);
	vt_trace_device_name(r->virtio_id, v->device, sizeof(v->device));
	v->event = vt_trace_event_name(r->kind);
	v->timed_out = (r->flags & VT_REC_F_TIMED_OUT) || r->kind == VT_REC_TIMEOUT;
	v->late = (r->flags & VT_REC_F_LATE) || r->kind == VT_REC_LATE;
	v->ooo = r->flags & VT_REC_F_OUT_OF_ORDER;
	v->truncated = r->flags & VT_REC_F_TRUNCATED;
	v->msg_state = -1;

	switch (r->kind) {
	case VT_REC_AVAIL:
	case VT_REC_USED:
	case VT_REC_TIMEOUT:
	case VT_REC_LATE:
		v->has_queue = v->has_id = true;
		v->completion = r->kind == VT_REC_USED || r->kind == VT_REC_LATE;
		v->has_latency = r->kind != VT_REC_AVAIL;
		decode_chain(v, r, v->completion);
		break;
	case VT_REC_KICK:
	case VT_REC_CALL:
	case VT_REC_RING_ERROR:
		v->has_queue = true;
		put_text(&v->summary, r->text);
		break;
	case VT_REC_LOG:
		/* "warning: gpio: SET_IRQ_TYPE line 3: the line is an output" */
		v->level = vt_rec_level_name(vt_rec_log_level(r));
		vt_sb_printf(&v->summary, "%s: ", v->level);
		put_text(&v->summary, r->text);
		break;
	case VT_REC_VHOST_MSG:
		v->msg_state = vt_trace_msg_view(&v->summary, &v->f, r);
		v->marked = strstr(vt_sb_str(&v->summary), "[|vhost]") != NULL;
		if (r->text)
			vt_sb_printf(&v->summary, " ");
		put_text(&v->summary, r->text);
		break;
	default:
		/* irq, config, connect, disconnect, drops, kinds to come: their text. */
		put_text(&v->summary, r->text);
		break;
	}
}

/* ---- text ---- */

/* trace -v's segment dump (also top's): lib/util/hexdump.c's, indented. */
void vt_trace_hexdump(FILE *f, const uint8_t *p, uint32_t n)
{
	vt_hexdump(f, "\t    ", 4, 0, p, n);
}

/* tcpdump's -x / -X: the captured payload, 16 bytes a line in groups of
 * two, with -X the printable ASCII after them. */
static void hex_payload(FILE *f, const uint8_t *p, uint32_t n, bool ascii)
{
	for (uint32_t off = 0; off < n; off += 16) {
		uint32_t k = n - off < 16 ? n - off : 16;
		int col = 0;
		fprintf(f, "\t0x%04x: ", off);
		for (uint32_t i = 0; i < k; i += 2) {
			if (i + 1 < k)
				col += fprintf(f, " %02x%02x", p[off + i], p[off + i + 1]);
			else
				col += fprintf(f, " %02x", p[off + i]);
		}
		if (ascii) {
			fprintf(f, "%*s  ", 40 - col, "");
			for (uint32_t i = 0; i < k; i++)
				fputc(p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.', f);
		}
		fputc('\n', f);
	}
}

static void put_time(struct vt_sb *sb, const struct vt_trace_view *v, struct vt_trace_fmt *fmt)
{
	uint64_t ns = v->ts_ns;
	time_t sec = (time_t)(ns / 1000000000u);
	unsigned us = (unsigned)(ns % 1000000000u / 1000);
	struct tm tm;

	switch (fmt ? fmt->ts : VT_TS_TIME) {
	case VT_TS_NONE:
		return;
	case VT_TS_EPOCH:
		vt_sb_printf(sb, "%" PRIu64 ".%06u ", ns / 1000000000u, us);
		return;
	case VT_TS_DELTA: {
		/* Records of a live stream come in time order; a capture may
		 * not: a step back shows as 0. */
		uint64_t d = fmt->have_prev && ns > fmt->prev_ns ? ns - fmt->prev_ns : 0;
		uint64_t s = d / 1000000000u;
		vt_sb_printf(sb, "%02" PRIu64 ":%02u:%02u.%06u ", s / 3600, (unsigned)(s / 60 % 60), (unsigned)(s % 60),
			     (unsigned)(d % 1000000000u / 1000));
		fmt->prev_ns = ns;
		fmt->have_prev = true;
		return;
	}
	case VT_TS_DATE:
		if (localtime_r(&sec, &tm)) {
			vt_sb_printf(sb, "%04d-%02d-%02d %s ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, v->time);
			return;
		}
		break;
	case VT_TS_TIME:
		break;
	}
	vt_sb_printf(sb, "%s ", v->time);
}

void vt_trace_print_text(FILE *f, const struct vt_trace_view *v, struct vt_trace_fmt *fmt)
{
	const struct vt_rec *r = v->rec;
	bool verbose = fmt && fmt->verbose, quiet = fmt && fmt->quiet;
	struct vt_sb sb;

	vt_sb_init(&sb);
	put_time(&sb, v, fmt);
	vt_sb_printf(&sb, "%s", v->device);
	if (r->instance)
		vt_sb_printf(&sb, ".%u", r->instance);
	if (v->has_queue)
		vt_sb_printf(&sb, " q%u", r->queue);
	if (v->has_id)
		vt_sb_printf(&sb, " #%" PRIu64, r->req_id);
	vt_sb_printf(&sb, " %s", v->event);
	if (quiet && v->completion && v->f.status_name)
		vt_sb_printf(&sb, " %s", v->f.status_name);
	else if (quiet && v->level)
		vt_sb_printf(&sb, " %s", v->level);
	else if (quiet && v->msg_state != -1) {
		/* a message: its direction and name ("> GET_FEATURES") */
		const char *p = strchr(v->summary.buf, ' ');
		p = p ? strchr(p + 1, ' ') : NULL;
		vt_sb_printf(&sb, " %.*s", p ? (int)(p - v->summary.buf) : (int)v->summary.len, v->summary.buf);
	}
	else if (!quiet && v->summary.len)
		vt_sb_printf(&sb, " %s", v->summary.buf);
	if (v->answers_id)
		vt_sb_printf(&sb, " (cmd #%" PRIu64 ")", v->answers_id);
	if (v->has_latency)
		vt_sb_latency(&sb, r->latency_ns);
	if (v->timed_out && !v->late)   /* a late completion timed out first: one marker */
		vt_sb_printf(&sb, " [TIMEOUT]");
	if (v->late)
		vt_sb_printf(&sb, " [LATE]");
	if (v->ooo)
		vt_sb_printf(&sb, " [OOO]");
	if (v->overtook)
		vt_sb_printf(&sb, " [OVERTOOK]");
	if ((!quiet && v->summary.trunc) || (v->truncated && !v->marked))
		sb.trunc = true;
	fprintf(f, "%s\n", vt_sb_str(&sb));
	if (fmt && fmt->hex && r->caplen)
		hex_payload(f, r->payload, r->caplen, fmt->hex > 1);
	if (!verbose)
		return;

	/* The message header, then the chain layout (a message's payload is
	 * its one segment), then each segment's captured bytes. */
	if (r->has_msg)
		fprintf(f, "\tvhost-user to %s flags 0x%x%s%s size %u fds %u\n", vt_trace_msg_dest(r->msg_dir),
			r->msg_flags, (r->msg_flags & (1u << 2)) ? " reply" : "",
			(r->msg_flags & (1u << 3)) ? " need-reply" : "", r->msg_size, r->msg_nfds);
	/* A log line's flags are its level, already said. */
	if ((!r->nseg && !r->flags && !r->origlen && !r->head) || r->kind == VT_REC_LOG)
		return;
	fprintf(f, "\thead %u nseg %u read %llu write %llu used_len %u caplen %u origlen %u flags 0x%x%s%s%s\n",
		r->head, r->nseg, (unsigned long long)r->read_len, (unsigned long long)r->write_len,
		r->used_len, r->caplen, r->origlen, r->flags,
		(r->flags & VT_REC_F_INDIRECT) ? " indirect" : "",
		(r->flags & VT_REC_F_NO_CHAIN) ? " no-chain" : "",
		(r->flags & VT_REC_F_TRUNCATED) ? " truncated" : "");
	for (unsigned i = 0; i < r->nseg; i++) {
		struct vt_rec_seg s;
		if (vt_rec_seg(r, i, &s) < 0)
			break;
		fprintf(f, "\tseg %u %s len %u caplen %u\n", i, s.writable ? "w" : "r", s.len, s.caplen);
		vt_trace_hexdump(f, s.data, s.caplen);
	}
}

/* ---- the --print sink ---- */

static bool printer_takes(const struct vt_trace_printer *p, unsigned kind)
{
	switch (kind) {
	case VT_REC_USED:
	case VT_REC_TIMEOUT:
	case VT_REC_LATE:
	case VT_REC_RING_ERROR:
	case VT_REC_DROPS:
		return true;
	case VT_REC_LOG:
		return false;   /* the instance printed the line on stderr already */
	default:
		return p->verbose;
	}
}

void vt_trace_printer_record(struct vt_trace_printer *p, const uint8_t *rec, size_t len)
{
	struct vt_rec r;
	struct vt_trace_view v;
	char err[128];

	/* Every request goes through the pairing, printed or not: the
	 * answers printed later name it. */
	if (len < 2 || vt_rec_parse(rec, len, &r, err, sizeof(err)) < 0)
		return;
	vt_trace_view_build(&v, &r);
	vt_trace_pairs_note(&p->pairs, &v);
	if (!printer_takes(p, rec[1]))
		return;
	if (p->error) {
		p->lost++;
		return;
	}
	errno = 0;
	vt_trace_print_text(p->out, &v, NULL);
	if (fflush(p->out) != 0 || ferror(p->out)) {
		p->error = errno ? errno : EIO;
		p->lost++;
		vt_err("--print: standard output: %s: no longer printing (lost lines are counted in "
		       "trace-stats; the device serves on)", strerror(p->error));
		return;
	}
	p->lines++;
}

/* ---- JSON ---- */

static void json_hex(struct vt_json *j, const char *key, const uint8_t *p, uint32_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *s = malloc((size_t)n * 2 + 1);

	if (!s) {
		vt_json_null(j, key);
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[(size_t)n * 2] = '\0';
	vt_json_str(j, key, s);
	free(s);
}

/* The decoder's key fields, the data bytes in hex. */
static void json_fields(struct vt_json *j, const struct vt_decode_fields *f)
{
	for (unsigned i = 0; i < f->nkv; i++) {
		if (f->kv[i].is_data)
			json_hex(j, f->kv[i].key, f->data, f->ndata);
		else if (f->kv[i].is_str)
			vt_json_str(j, f->kv[i].key, f->kv[i].s);
		else
			vt_json_uint(j, f->kv[i].key, f->kv[i].u);
	}
}

/* "vhost": the message header words and its decoded fields. */
static void json_msg(struct vt_json *j, const struct vt_trace_view *v)
{
	const struct vt_rec *r = v->rec;

	vt_json_obj_begin(j, "vhost");
	vt_json_str(j, "to", vt_trace_msg_dest(r->msg_dir));
	vt_json_uint(j, "dir", r->msg_dir);
	vt_json_bool(j, "reply", r->msg_flags & (1u << 2));
	vt_json_uint(j, "flags", r->msg_flags);
	vt_json_uint(j, "size", r->msg_size);
	vt_json_uint(j, "nfds", r->msg_nfds);
	vt_json_bool(j, "valid", v->msg_state >= 0);
	json_fields(j, &v->f);
	vt_json_obj_end(j);
}

void vt_trace_print_json(FILE *f, const struct vt_trace_view *v, bool verbose)
{
	const struct vt_rec *r = v->rec;
	struct vt_json j;
	struct vt_sb sum = v->summary;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "time", v->time);
	vt_json_uint(&j, "ts_ns", v->ts_ns);
	vt_json_str(&j, "device", v->device);
	vt_json_uint(&j, "virtio_id", r->virtio_id);
	vt_json_uint(&j, "instance", r->instance);
	vt_json_str(&j, "event", v->event);
	vt_json_uint(&j, "kind", r->kind);
	if (v->has_queue)
		vt_json_uint(&j, "queue", r->queue);
	if (v->has_id) {
		vt_json_uint(&j, "req_id", r->req_id);
		vt_json_uint(&j, "head", r->head);
	}
	if (v->completion)
		vt_json_uint(&j, "used_len", r->used_len);
	if (v->has_latency)
		vt_json_uint(&j, "latency_ns", r->latency_ns);
	if (r->kind == VT_REC_VHOST_MSG) {
		vt_json_uint(&j, "vhost_request", r->vhost_request);
		vt_json_str(&j, "vhost_request_name", vt_vhost_request_name(r->vhost_request));
		if (v->msg_state != -1)
			json_msg(&j, v);
	}
	if (v->level)
		vt_json_str(&j, "level", v->level);
	if (r->text)
		vt_json_str(&j, "text", r->text);
	vt_json_str(&j, "summary", vt_sb_str(&sum));
	if (v->f.status_name)
		vt_json_str(&j, "status", v->f.status_name);
	vt_json_bool(&j, "timeout", v->timed_out);
	vt_json_bool(&j, "late", v->late);
	vt_json_bool(&j, "out_of_order", v->ooo);
	if (v->answers_id) {
		vt_json_uint(&j, "answers", v->answers_id);
		vt_json_bool(&j, "overtook", v->overtook);
	}
	vt_json_bool(&j, "truncated", v->truncated || v->summary.trunc);
	if (v->f.nkv && v->msg_state == -1) {
		vt_json_obj_begin(&j, v->device);
		json_fields(&j, &v->f);
		vt_json_obj_end(&j);
	}
	if (verbose) {
		vt_json_obj_begin(&j, "chain");
		vt_json_uint(&j, "flags", r->flags);
		vt_json_bool(&j, "indirect", r->flags & VT_REC_F_INDIRECT);
		vt_json_bool(&j, "no_chain", r->flags & VT_REC_F_NO_CHAIN);
		vt_json_uint(&j, "caplen", r->caplen);
		vt_json_uint(&j, "origlen", r->origlen);
		vt_json_arr_begin(&j, "segments");
		for (unsigned i = 0; i < r->nseg; i++) {
			struct vt_rec_seg s;
			if (vt_rec_seg(r, i, &s) < 0)
				break;
			vt_json_obj_begin(&j, NULL);
			vt_json_bool(&j, "writable", s.writable);
			vt_json_uint(&j, "len", s.len);
			vt_json_uint(&j, "caplen", s.caplen);
			json_hex(&j, "data", s.data, s.caplen);
			vt_json_obj_end(&j);
		}
		vt_json_arr_end(&j);
		vt_json_obj_end(&j);
	}
	vt_json_obj_end(&j);
	fprintf(f, "%s\n", vt_json_text(&j));
	vt_json_free(&j);
}
