/* Telling a backend's device type from what it says (see ident.h). */
#include "drivers/ident.h"

#include "vhost/proto.h"
#include "virtio/virtio.h"

/* Device-type feature bits: 0-23 and 50-127 (virtio spec 2.2, "Feature
 * Bits"); vitool's words have 64. */
#define DEVICE_BITS ((VT_BIT(24) - 1) | ~(VT_BIT(50) - 1))

/* The smallest config space among the types that have one: a backend that
 * answers a read of that many bytes has a config space. */
static uint32_t probe_size(void)
{
	uint32_t n = 0;

	for (size_t i = 0; i < vt_device_count(); i++) {
		uint32_t c = vt_device_at(i)->config_size;
		if (c && (!n || c < n))
			n = c;
	}
	return n;
}

void vt_ident_facts(struct vt_frontend *fe, const struct vt_device_type *want, bool started,
		    struct vt_backend_facts *f)
{
	*f = (struct vt_backend_facts){ .config = -1 };
	if (!fe->got_features)
		return;
	f->known = true;
	f->offered = fe->offered;
	f->nqueues = (unsigned)(fe->queue_num > 0xffff ? 0xffff : fe->queue_num);
	if (!(fe->offered & VT_BIT(VHOST_USER_F_PROTOCOL_FEATURES))) {
		f->config = 0;   /* no protocol features: no GET_CONFIG either */
		return;
	}
	if (!fe->got_protocol)
		return;
	if (!(fe->offered_protocol & VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG))) {
		f->config = 0;
		return;
	}
	/* A type with a config space reads it as it starts: a start that got
	 * that far read it. */
	if (want->config_size) {
		if (started)
			f->config = 1;
		return;
	}
	uint32_t n = probe_size();
	uint8_t buf[VT_VHOST_CONFIG_MAX];
	if (started && n && n <= sizeof(buf) && (fe->protocol_features & VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG)))
		f->config = vt_fe_get_config(fe, 0, buf, n) == 0;
}

static bool fits(const struct vt_device_type *t, const struct vt_backend_facts *f)
{
	uint64_t dev = f->offered & DEVICE_BITS;

	if (f->nqueues && f->nqueues != t->num_queues)
		return false;
	if (dev & ~t->device_features)
		return false;
	if (t->required_features & ~f->offered)
		return false;
	if (f->config >= 0 && f->config != (t->config_size != 0))
		return false;
	return true;
}

bool vt_ident_mismatch(const struct vt_device_type *want, const struct vt_backend_facts *f,
		       const struct vt_device_type **is)
{
	const struct vt_device_type *found = NULL;
	unsigned n = 0;

	*is = NULL;
	if (!f->known || (fits(want, f) && !f->bad_answer))
		return false;
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (t != want && fits(t, f)) {
			found = t;
			n++;
		}
	}
	*is = n == 1 ? found : NULL;
	return true;
}

const struct vt_device_type *vt_ident_guess(const struct vt_backend_facts *f)
{
	const struct vt_device_type *found = NULL;

	if (!f->known)
		return NULL;
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		if (!fits(t, f))
			continue;
		if (found)
			return NULL;
		found = t;
	}
	return found;
}
