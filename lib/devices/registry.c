/* The device model table: the word on the command line -> model.  Adding a
 * device type is one row here (plus its model and decoder files). */
#include <string.h>

#include "devices/device.h"
#include "devices/i2c.h"
#include "util/bytes.h"

static const struct {
	const char *name;
	const struct vt_device_model *model;
} models[] = {
	{ "i2c", &vt_model_i2c },
};

const struct vt_device_model *vt_device_model_find(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < VT_ARRAY_SIZE(models); i++)
		if (strcmp(models[i].name, name) == 0)
			return models[i].model;
	return NULL;
}
