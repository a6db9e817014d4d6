/* virtio-i2c code names (see virtio_i2c.h). */
#include "virtio/virtio_i2c.h"

const struct vt_tok vt_i2c_status_names[] = {
	{ VIRTIO_I2C_MSG_OK, "OK" },
	{ VIRTIO_I2C_MSG_ERR, "ERR" },
	{ 0, NULL },
};
