/* virtio-i2c in the device registry. */
#include "devices/registry.h"

#include "decode/decode.h"
#include "virtio/virtio.h"

static const char *const queues[] = { "requestq", NULL };

const struct vt_device_type vt_type_i2c = {
	.name = "i2c",
	.virtio_id = VIRTIO_ID_I2C,
	.num_queues = 1,
	.queue_names = queues,
	.decoder = &vt_decoder_i2c,
};
