/* virtio-gpio decoder: one line per message, e.g.
 *   SET_DIRECTION line 3 out -> OK
 *   GET_VALUE line 3 -> OK value 1
 *   GET_LINE_NAMES -> OK 8 names [reset led button "" ...]
 *   irq line 3 armed -> VALID
 * Layout (virtio spec, GPIO Device): requestq readable le16 type, le16 gpio,
 * le32 value; writable u8 status, u8 value (GET_LINE_NAMES: u8 status, then
 * the names block).  eventq readable le16 gpio; writable u8 status. */
#include <string.h>

#include "decode/decode.h"
#include "util/bytes.h"
#include "virtio/virtio.h"
#include "virtio/virtio_gpio.h"

#define GPIO_REQ VIRTIO_GPIO_REQ_SIZE
#define NAMES_SHOWN 8     /* names printed before "..." */
#define NAME_MAX_SHOWN 32 /* characters of one name printed */

/* " N names [a b c ...]" from the names block: the writable bytes after the
 * status, len of them valid. */
static void show_names(struct vt_sb *out, const struct vt_chain *c, uint64_t len)
{
	char shown[NAMES_SHOWN][NAME_MAX_SHOWN + 4];
	unsigned count = 0, cur = 0;
	bool open = false;  /* a name without its NUL yet */
	uint8_t buf[256];

	memset(shown, 0, sizeof(shown));
	for (uint64_t off = 0; off < len;) {
		size_t want = len - off < sizeof(buf) ? (size_t)(len - off) : sizeof(buf);
		size_t got = vt_chain_read_writable(c, 1 + off, buf, want);
		if (got == 0)
			break;
		for (size_t i = 0; i < got; i++) {
			if (buf[i] == 0) {
				count++;
				cur = 0;
				open = false;
				continue;
			}
			open = true;
			if (count < NAMES_SHOWN && cur < NAME_MAX_SHOWN) {
				char ch = (buf[i] >= 0x20 && buf[i] < 0x7f) ? (char)buf[i] : '?';
				shown[count][cur++] = ch;
			} else if (count < NAMES_SHOWN && cur == NAME_MAX_SHOWN) {
				memcpy(&shown[count][cur], "...", 4);
				cur++;
			}
		}
		off += got;
	}
	vt_sb_printf(out, " %u name%s [", count, count == 1 ? "" : "s");
	unsigned n = count < NAMES_SHOWN ? count : NAMES_SHOWN;
	for (unsigned i = 0; i < n; i++)
		vt_sb_printf(out, "%s%s", i ? " " : "", shown[i][0] ? shown[i] : "\"\"");
	if (count > NAMES_SHOWN)
		vt_sb_printf(out, " ...");
	vt_sb_printf(out, "]");
	if (open)  /* the block does not end with a NUL */
		vt_sb_printf(out, " unterminated");
}

static void request_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	uint8_t req[GPIO_REQ];
	size_t got = vt_chain_read(c, 0, req, sizeof(req));

	if (got < sizeof(req)) {
		vt_sb_printf(out, "malformed: header %zu bytes", got);
		out->trunc = true;  /* vt_sb_str() ends the line with " [|]" */
		return;
	}
	uint16_t type = vt_ld_le16(req);
	uint16_t line = vt_ld_le16(req + 2);
	uint32_t value = vt_ld_le32(req + 4);
	const char *name = vt_gpio_msg_name(type);

	switch (type) {
	case VIRTIO_GPIO_MSG_GET_LINE_NAMES:
		vt_sb_printf(out, "%s", name);
		if (line || value)
			vt_sb_printf(out, " line %u value %u", line, value);
		break;
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
	case VIRTIO_GPIO_MSG_GET_VALUE:
		vt_sb_printf(out, "%s line %u", name, line);
		break;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		vt_sb_printf(out, "%s line %u %s", name, line, vt_tok2str(vt_gpio_direction_names, "dir-%u", value));
		break;
	case VIRTIO_GPIO_MSG_SET_VALUE:
		vt_sb_printf(out, "%s line %u = %u", name, line, value);
		break;
	case VIRTIO_GPIO_MSG_SET_IRQ_TYPE: {
		const char *t = vt_gpio_irq_type_name(value);
		if (t)
			vt_sb_printf(out, "%s line %u %s", name, line, t);
		else
			vt_sb_printf(out, "%s line %u irq-type-%u", name, line, value);
		break;
	}
	default:
		vt_sb_printf(out, "type %u line %u", type, line);
		if (value)
			vt_sb_printf(out, " value %u", value);
		break;
	}

	if (c->write_len == 0) {
		vt_sb_printf(out, " malformed: no response buffer");
		out->trunc = true;
		return;
	}
	if (type != VIRTIO_GPIO_MSG_GET_LINE_NAMES && c->write_len != 2)
		vt_sb_printf(out, " resp-buf %llu", (unsigned long long)c->write_len);
	if (!vt_decode_has_response(out, completed, used_len))
		return;
	uint8_t resp[2] = { 0xff, 0 };
	size_t n = vt_chain_read_writable(c, 0, resp, used_len < 2 ? used_len : 2);
	vt_sb_printf(out, " -> %s", vt_tok2str(vt_gpio_status_names, "status-%u", resp[0]));
	if (resp[0] == VIRTIO_GPIO_STATUS_OK) {
		if (type == VIRTIO_GPIO_MSG_GET_VALUE && n >= 2)
			vt_sb_printf(out, " value %u", resp[1]);
		else if (type == VIRTIO_GPIO_MSG_GET_DIRECTION && n >= 2)
			vt_sb_printf(out, " %s", vt_tok2str(vt_gpio_direction_names, "dir-%u", resp[1]));
		else if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES) {
			uint64_t blen = (uint64_t)used_len - 1;
			if (blen > c->write_len - 1)
				blen = c->write_len - 1;
			show_names(out, c, blen);
		}
	}
	if (type != VIRTIO_GPIO_MSG_GET_LINE_NAMES && used_len != 2)
		vt_sb_printf(out, " used %u", used_len);
	else if (type == VIRTIO_GPIO_MSG_GET_LINE_NAMES && used_len != c->write_len)
		vt_sb_printf(out, " used %u", used_len);
}

static void event_summary(struct vt_sb *out, const struct vt_chain *c, bool completed, uint32_t used_len)
{
	uint8_t req[2];
	size_t got = vt_chain_read(c, 0, req, sizeof(req));

	if (got < sizeof(req)) {
		vt_sb_printf(out, "irq malformed: header %zu bytes", got);
		out->trunc = true;
		return;
	}
	vt_sb_printf(out, "irq line %u armed", vt_ld_le16(req));
	if (c->write_len == 0) {
		vt_sb_printf(out, " malformed: no status byte");
		out->trunc = true;
		return;
	}
	if (c->write_len != 1)
		vt_sb_printf(out, " resp-buf %llu", (unsigned long long)c->write_len);
	if (!vt_decode_has_response(out, completed, used_len))
		return;
	uint8_t st = 0xff;
	vt_chain_read_writable(c, 0, &st, 1);
	vt_sb_printf(out, " -> %s", vt_tok2str(vt_gpio_irq_status_names, "status-%u", st));
	if (used_len != 1)
		vt_sb_printf(out, " used %u", used_len);
}

static void gpio_summary(struct vt_sb *out, unsigned queue, const struct vt_chain *c, bool completed,
			 uint32_t used_len)
{
	if (queue == VIRTIO_GPIO_EVENTQ)
		event_summary(out, c, completed, used_len);
	else
		request_summary(out, c, completed, used_len);
}

/* Key fields: line, message type ("irq" on the eventq), value, status. */
static void gpio_fields(struct vt_decode_fields *f, unsigned queue, const struct vt_chain *c, bool completed,
			uint32_t used_len)
{
	uint8_t req[GPIO_REQ], resp[2] = { 0xff, 0 };

	if (queue == VIRTIO_GPIO_EVENTQ) {
		if (vt_chain_read(c, 0, req, 2) < 2)
			return;
		f->has_line = true;
		f->line = vt_ld_le16(req);
		f->type = "irq";
		vt_decode_kv_str(f, "type", f->type);
		vt_decode_kv_uint(f, "line", f->line);
		if (!completed)
			return;
		if (used_len == 0 || vt_chain_read_writable(c, 0, resp, 1) < 1) {
			vt_decode_set_status(f, false, "used-0");
			return;
		}
		vt_decode_set_status(f, resp[0] == VIRTIO_GPIO_IRQ_STATUS_VALID,
				     vt_tok2str(vt_gpio_irq_status_names, "status-other", resp[0]));
		return;
	}
	if (vt_chain_read(c, 0, req, sizeof(req)) < sizeof(req))
		return;
	uint16_t type = vt_ld_le16(req);
	const char *name = vt_gpio_msg_name(type);
	f->has_line = true;
	f->line = vt_ld_le16(req + 2);
	f->type = name ? name : "unknown";
	vt_decode_kv_str(f, "type", f->type);
	vt_decode_kv_uint(f, "line", f->line);
	vt_decode_kv_uint(f, "value", vt_ld_le32(req + 4));
	if (!completed)
		return;
	size_t n = used_len ? vt_chain_read_writable(c, 0, resp, used_len < 2 ? used_len : 2) : 0;
	if (n < 1) {
		vt_decode_set_status(f, false, "used-0");
		return;
	}
	vt_decode_set_status(f, resp[0] == VIRTIO_GPIO_STATUS_OK,
			     vt_tok2str(vt_gpio_status_names, "status-other", resp[0]));
	if (n >= 2 && type != VIRTIO_GPIO_MSG_GET_LINE_NAMES)
		vt_decode_kv_uint(f, "resp_value", resp[1]);
}

const struct vt_decoder vt_decoder_gpio = {
	.virtio_id = VIRTIO_ID_GPIO,
	.name = "gpio",
	.summary = gpio_summary,
	.fields = gpio_fields,
};
