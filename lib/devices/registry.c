/* The registry's rows (see registry.h); each type is described in its
 * DEV_type.c. */
#include "devices/registry.h"

#include <stdio.h>
#include <string.h>

#include "util/bytes.h"

extern const struct vt_device_type vt_type_i2c;
extern const struct vt_device_type vt_type_gpio;
extern const struct vt_device_type vt_type_rng;
extern const struct vt_device_type vt_type_blk;
extern const struct vt_device_type vt_type_scmi;

static const struct vt_device_type *const types[] = {
	&vt_type_i2c,
	&vt_type_gpio,
	&vt_type_scmi,
	&vt_type_blk,
	&vt_type_rng,
};

size_t vt_device_count(void)
{
	return VT_ARRAY_SIZE(types);
}

const struct vt_device_type *vt_device_at(size_t i)
{
	return i < VT_ARRAY_SIZE(types) ? types[i] : NULL;
}

const struct vt_device_type *vt_device_find(const char *name)
{
	for (size_t i = 0; i < VT_ARRAY_SIZE(types); i++)
		if (!strcmp(types[i]->name, name))
			return types[i];
	return NULL;
}

const struct vt_device_type *vt_device_by_id(uint32_t virtio_id)
{
	for (size_t i = 0; i < VT_ARRAY_SIZE(types); i++)
		if (types[i]->virtio_id == virtio_id)
			return types[i];
	return NULL;
}

bool vt_device_has(const struct vt_device_type *t, enum vt_device_role role)
{
	switch (role) {
	case VT_DEVICE_SERVE:
		return t->serve != NULL;
	case VT_DEVICE_FRONT:
		return t->front != NULL;
	case VT_DEVICE_LOOPBACK:
		return t->loopback && t->serve && t->front;
	}
	return false;
}

void vt_device_names(char *buf, size_t len, enum vt_device_role role, const char *sep)
{
	size_t at = 0;

	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < VT_ARRAY_SIZE(types) && at < len; i++) {
		if (!vt_device_has(types[i], role))
			continue;
		int n = snprintf(buf + at, len - at, "%s%s", at ? sep : "", types[i]->name);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}

void vt_device_list(char *buf, size_t len, bool front)
{
	vt_device_names(buf, len, front ? VT_DEVICE_FRONT : VT_DEVICE_SERVE, ", ");
}

const struct vt_device_type *vt_device_option_owner(const struct vt_device_type *t, const char *name)
{
	for (size_t i = 0; i < VT_ARRAY_SIZE(types); i++) {
		if (types[i] == t || !types[i]->serve)
			continue;
		for (const struct vt_device_option *o = types[i]->serve->options; o->name; o++)
			if (!strcmp(o->name, name))
				return types[i];
	}
	return NULL;
}
