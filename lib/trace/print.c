/* Record -> view -> text or JSON (see print.h).
 *
 * The summary comes from the device's decoder (lib/decode), run on the
 * chain rebuilt from the record.  The key fields (address, line, type,
 * status, ...) are read here from the same chain through the same
 * bounds-checked accessors: they feed the filter and the JSON object. */
#include "trace/print.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode/decode.h"
#include "virtio/virtio_gpio.h"
#include "util/bytes.h"
#include "util/json.h"
#include "vhost/msg.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_i2c.h"
#include "virtio/virtio_scmi.h"

const char *vt_trace_event_name(unsigned kind)
{
	if (kind == VT_TRACE_KIND_DROPS)
		return "drops";
	return vt_rec_kind_name(kind);
}

void vt_trace_device_name(uint32_t virtio_id, char *buf, size_t len)
{
	const struct vt_decoder *d = vt_decoder_find(virtio_id);

	if (d->virtio_id == virtio_id && d != &vt_decoder_hex)
		snprintf(buf, len, "%s", d->name);
	else
		snprintf(buf, len, "virtio-%u", virtio_id);
}

/* ---- key fields ---- */

static void kv_uint(struct vt_trace_view *v, const char *key, uint64_t u)
{
	if (v->nkv < VT_TRACE_MAX_KV)
		v->kv[v->nkv++] = (struct vt_trace_kv){ .key = key, .u = u };
}

static void kv_str(struct vt_trace_view *v, const char *key, const char *s)
{
	if (v->nkv >= VT_TRACE_MAX_KV)
		return;
	struct vt_trace_kv *kv = &v->kv[v->nkv++];
	*kv = (struct vt_trace_kv){ .key = key, .is_str = true };
	snprintf(kv->s, sizeof(kv->s), "%s", s);
}

static void set_status(struct vt_trace_view *v, bool ok, const char *name)
{
	v->status = ok ? VT_TRACE_ST_OK : VT_TRACE_ST_ERR;
	v->status_name = name;
	kv_str(v, "status", name);
}

static void fields_i2c(struct vt_trace_view *v, const struct vt_chain *c, bool done, uint32_t used)
{
	uint8_t h[8];

	if (vt_chain_read(c, 0, h, 8) < 8)
		return;
	uint16_t raw = vt_ld_le16(h);
	uint32_t flags = vt_ld_le32(h + 4);
	uint64_t wdata = c->read_len - 8, rdata = c->write_len ? c->write_len - 1 : 0;
	bool rd = flags & VIRTIO_I2C_FLAGS_M_RD;

	v->has_addr = true;
	v->addr = raw <= 0xfe && !(raw & 1) ? raw >> 1 : raw;
	kv_uint(v, "addr", v->addr);
	kv_uint(v, "flags", flags);
	v->type = rd ? "read" : (wdata || rdata) ? "write" : "probe";
	kv_str(v, "type", v->type);
	kv_uint(v, "len", rd ? rdata : wdata);
	if (!done || c->write_len == 0)
		return;
	if (used == 0) {
		set_status(v, false, "used-0");
		return;
	}
	uint8_t st = 0xff;
	vt_chain_read_writable(c, c->write_len - 1, &st, 1);
	set_status(v, st == VIRTIO_I2C_MSG_OK,
		   st == VIRTIO_I2C_MSG_OK ? "OK" : st == VIRTIO_I2C_MSG_ERR ? "ERR" : "status-other");
}

static void fields_gpio(struct vt_trace_view *v, unsigned queue, const struct vt_chain *c, bool done,
			uint32_t used)
{
	uint8_t req[8], resp[2] = { 0xff, 0 };

	if (queue == VIRTIO_GPIO_EVENTQ) {
		if (vt_chain_read(c, 0, req, 2) < 2)
			return;
		v->has_line = true;
		v->line = vt_ld_le16(req);
		v->type = "irq";
		kv_str(v, "type", v->type);
		kv_uint(v, "line", v->line);
		if (!done)
			return;
		if (used == 0 || vt_chain_read_writable(c, 0, resp, 1) < 1) {
			set_status(v, false, "used-0");
			return;
		}
		set_status(v, resp[0] == VIRTIO_GPIO_IRQ_STATUS_VALID,
			   resp[0] == VIRTIO_GPIO_IRQ_STATUS_VALID ? "VALID"
			   : resp[0] == VIRTIO_GPIO_IRQ_STATUS_INVALID ? "INVALID" : "status-other");
		return;
	}
	if (vt_chain_read(c, 0, req, 8) < 8)
		return;
	uint16_t type = vt_ld_le16(req);
	const char *name = vt_gpio_msg_name(type);
	v->has_line = true;
	v->line = vt_ld_le16(req + 2);
	v->type = name ? name : "unknown";
	kv_str(v, "type", v->type);
	kv_uint(v, "line", v->line);
	kv_uint(v, "value", vt_ld_le32(req + 4));
	if (!done)
		return;
	size_t n = used ? vt_chain_read_writable(c, 0, resp, used < 2 ? used : 2) : 0;
	if (n < 1) {
		set_status(v, false, "used-0");
		return;
	}
	set_status(v, resp[0] == VIRTIO_GPIO_STATUS_OK,
		   resp[0] == VIRTIO_GPIO_STATUS_OK ? "OK" : resp[0] == VIRTIO_GPIO_STATUS_ERR ? "ERR" : "status-other");
	if (n >= 2 && type != VIRTIO_GPIO_MSG_GET_LINE_NAMES)
		kv_uint(v, "resp_value", resp[1]);
}

static void scmi_header(struct vt_trace_view *v, uint32_t h)
{
	v->type = vt_scmi_type_name((h >> 8) & 3);
	kv_str(v, "type", v->type);
	kv_str(v, "protocol", vt_scmi_protocol_name((h >> 10) & 0xff));
	kv_uint(v, "protocol_id", (h >> 10) & 0xff);
	kv_uint(v, "msg_id", h & 0xff);
	kv_uint(v, "token", (h >> 18) & 0x3ff);
}

static void fields_scmi(struct vt_trace_view *v, unsigned queue, const struct vt_chain *c, bool done,
			uint32_t used)
{
	uint8_t b[8];

	if (queue == 1) {   /* eventq: the message is the response */
		if (!done || used < 4 || vt_chain_read_writable(c, 0, b, 4) < 4)
			return;
		uint32_t h = vt_ld_le32(b);
		scmi_header(v, h);
		if (((h >> 8) & 3) == 2 && used >= 8 && vt_chain_read_writable(c, 4, b + 4, 4) == 4) {
			uint32_t st = vt_ld_le32(b + 4);
			set_status(v, st == 0, vt_scmi_status_name(st));
		}
		return;
	}
	if (vt_chain_read(c, 0, b, 4) < 4)
		return;
	scmi_header(v, vt_ld_le32(b));
	if (!done)
		return;
	if (used < 8 || vt_chain_read_writable(c, 0, b, 8) < 8) {
		set_status(v, false, "used-short");
		return;
	}
	uint32_t st = vt_ld_le32(b + 4);
	set_status(v, st == 0, vt_scmi_status_name(st));
}

static void fields_blk(struct vt_trace_view *v, const struct vt_chain *c, bool done, uint32_t used)
{
	uint8_t h[16];

	if (vt_chain_read(c, 0, h, 16) < 16)
		return;
	uint32_t type = vt_ld_le32(h);
	v->type = vt_blk_type_name(type);
	kv_str(v, "type", v->type);
	kv_uint(v, "sector", vt_ld_le64(h + 8));
	uint64_t len = type == 1 ? c->read_len - 16 : (c->write_len ? c->write_len - 1 : 0);
	kv_uint(v, "len", len);
	if (!done || c->write_len == 0)
		return;
	uint8_t st = 0xff;
	if (used == 0 || vt_chain_read_writable(c, c->write_len - 1, &st, 1) < 1) {
		set_status(v, false, used ? "status-other" : "used-0");
		return;
	}
	set_status(v, st == 0, vt_blk_status_name(st));
}

static void fields_rng(struct vt_trace_view *v, const struct vt_chain *c, bool done, uint32_t used)
{
	kv_uint(v, "len", c->write_len);
	if (done)
		kv_uint(v, "got", used);
}

static void fields_hex(struct vt_trace_view *v, const struct vt_chain *c, bool done, uint32_t used)
{
	kv_uint(v, "read_len", c->read_len);
	kv_uint(v, "write_len", c->write_len);
	if (done)
		kv_uint(v, "used_len", used);
}

static void fields(struct vt_trace_view *v, uint32_t id, unsigned queue, const struct vt_chain *c,
		   bool done, uint32_t used)
{
	switch (id) {
	case VIRTIO_ID_I2C: fields_i2c(v, c, done, used); break;
	case VIRTIO_ID_GPIO: fields_gpio(v, queue, c, done, used); break;
	case VIRTIO_ID_SCMI: fields_scmi(v, queue, c, done, used); break;
	case VIRTIO_ID_BLOCK: fields_blk(v, c, done, used); break;
	case VIRTIO_ID_RNG: fields_rng(v, c, done, used); break;
	default: fields_hex(v, c, done, used); break;
	}
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
	fields(v, r->virtio_id, r->queue, &c, done, r->used_len);
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
	case VT_REC_VHOST_MSG:
		vt_sb_printf(&v->summary, "%s", vt_vhost_request_name(r->vhost_request));
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

static void hexdump(FILE *f, const uint8_t *p, uint32_t n)
{
	for (uint32_t off = 0; off < n; off += 16) {
		char ascii[17];
		uint32_t k = n - off < 16 ? n - off : 16;
		fprintf(f, "\t    0x%04x: ", off);
		for (uint32_t i = 0; i < 16; i++) {
			if (i < k)
				fprintf(f, " %02x", p[off + i]);
			else
				fputs("   ", f);
			ascii[i] = i < k ? (p[off + i] >= 0x20 && p[off + i] < 0x7f ? (char)p[off + i] : '.') : '\0';
		}
		ascii[k] = '\0';
		fprintf(f, "  %s\n", ascii);
	}
}

void vt_trace_print_text(FILE *f, const struct vt_trace_view *v, bool verbose)
{
	const struct vt_rec *r = v->rec;
	struct vt_sb sb;

	vt_sb_init(&sb);
	vt_sb_printf(&sb, "%s %s", v->time, v->device);
	if (r->instance)
		vt_sb_printf(&sb, ".%u", r->instance);
	if (v->has_queue)
		vt_sb_printf(&sb, " q%u", r->queue);
	if (v->has_id)
		vt_sb_printf(&sb, " #%" PRIu64, r->req_id);
	vt_sb_printf(&sb, " %s", v->event);
	if (v->summary.len)
		vt_sb_printf(&sb, " %s", v->summary.buf);
	if (v->has_latency)
		vt_sb_latency(&sb, r->latency_ns);
	if (v->timed_out && !v->late)   /* a late completion timed out first: one marker */
		vt_sb_printf(&sb, " [TIMEOUT]");
	if (v->late)
		vt_sb_printf(&sb, " [LATE]");
	if (v->ooo)
		vt_sb_printf(&sb, " [OOO]");
	if (v->summary.trunc || v->truncated)
		sb.trunc = true;
	fprintf(f, "%s\n", vt_sb_str(&sb));
	if (!verbose)
		return;

	/* Chain layout, then each segment's captured bytes. */
	if (!r->nseg && !r->flags && !r->origlen && !r->head)
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
		hexdump(f, s.data, s.caplen);
	}
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
	}
	if (r->text)
		vt_json_str(&j, "text", r->text);
	vt_json_str(&j, "summary", vt_sb_str(&sum));
	if (v->status_name)
		vt_json_str(&j, "status", v->status_name);
	vt_json_bool(&j, "timeout", v->timed_out);
	vt_json_bool(&j, "late", v->late);
	vt_json_bool(&j, "out_of_order", v->ooo);
	vt_json_bool(&j, "truncated", v->truncated || v->summary.trunc);
	if (v->nkv) {
		vt_json_obj_begin(&j, v->device);
		for (unsigned i = 0; i < v->nkv; i++) {
			if (v->kv[i].is_str)
				vt_json_str(&j, v->kv[i].key, v->kv[i].s);
			else
				vt_json_uint(&j, v->kv[i].key, v->kv[i].u);
		}
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
