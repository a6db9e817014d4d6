/* Decoder lookup (through the device registry), the response rule and the
 * field helpers shared by every decoder. */
#include "decode/decode.h"

#include <stdio.h>

#include "devices/registry.h"

const struct vt_decoder *vt_decoder_find(uint32_t virtio_id)
{
	const struct vt_device_type *t = vt_device_by_id(virtio_id);

	return t && t->decoder ? t->decoder : &vt_decoder_hex;
}

bool vt_decode_has_response(struct vt_sb *out, bool completed, uint32_t used_len)
{
	if (!completed)
		return false;
	if (used_len == 0) {
		vt_sb_printf(out, " -> used 0");
		return false;
	}
	return true;
}

void vt_decode_kv_uint(struct vt_decode_fields *f, const char *key, uint64_t u)
{
	if (f->nkv < VT_DECODE_MAX_KV)
		f->kv[f->nkv++] = (struct vt_decode_kv){ .key = key, .u = u };
}

void vt_decode_kv_str(struct vt_decode_fields *f, const char *key, const char *s)
{
	if (f->nkv >= VT_DECODE_MAX_KV)
		return;
	struct vt_decode_kv *kv = &f->kv[f->nkv++];
	*kv = (struct vt_decode_kv){ .key = key, .is_str = true };
	snprintf(kv->s, sizeof(kv->s), "%s", s);
}

void vt_decode_kv_data(struct vt_decode_fields *f, const char *key, const struct vt_chain *c, bool writable,
		       uint64_t off, uint64_t len)
{
	if (f->nkv >= VT_DECODE_MAX_KV)
		return;
	for (unsigned i = 0; i < f->nkv; i++)
		if (f->kv[i].is_data)
			return;
	size_t want = len < VT_DECODE_DATA_MAX ? (size_t)len : VT_DECODE_DATA_MAX;
	f->ndata = (uint32_t)(writable ? vt_chain_read_writable(c, off, f->data, want)
				       : vt_chain_read(c, off, f->data, want));
	f->kv[f->nkv++] = (struct vt_decode_kv){ .key = key, .is_data = true, .u = f->ndata };
}

void vt_decode_set_status(struct vt_decode_fields *f, bool ok, const char *name)
{
	f->status = ok ? VT_DECODE_ST_OK : VT_DECODE_ST_ERR;
	f->status_name = name;
	vt_decode_kv_str(f, "status", name);
}

int vt_decode_status_byte(struct vt_decode_fields *f, const struct vt_chain *c, uint32_t used_len)
{
	uint8_t st;

	if (used_len == 0) {
		vt_decode_set_status(f, false, "used-0");
		return -1;
	}
	if (vt_chain_read_writable(c, c->write_len - 1, &st, 1) < 1) {
		vt_decode_set_status(f, false, "status-other");
		return -1;
	}
	return st;
}
