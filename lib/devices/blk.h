/* virtio-blk device model (virtio spec "Block Device", id 2): a disk in
 * RAM, or a null disk that stores nothing (`vitool serve blk --null`).
 * A test disk for virtio-blk driver authors (serve's faults act on it like
 * on any device) and the device vitool's engine is compared on with
 * qemu-storage-daemon's (`make bench`). */
#ifndef VT_DEVICES_BLK_H
#define VT_DEVICES_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"

extern const struct vt_device_model vt_model_blk;

/* Default and largest disk (bytes), and the id string's default. */
#define VT_BLK_DEV_SIZE_DEFAULT (UINT64_C(64) << 20)
#define VT_BLK_DEV_SIZE_MAX (UINT64_C(1) << 40)
#define VT_BLK_DEV_SERIAL_DEFAULT "vitool-blk"

struct vt_blk_conf {
	uint64_t size;        /* bytes, a multiple of 512 */
	bool null;            /* store nothing: writes are dropped, reads leave
	                         the buffer as the driver gave it (qemu's null-co
	                         without read-zeroes) */
	char serial[21];      /* GET_ID's answer, at most 20 bytes */
};

/* What `info` shows. */
struct vt_blk_stats {
	uint64_t reads, writes, flushes, ids, errors;   /* errors: IOERR or UNSUPP */
	uint64_t bytes_read, bytes_written;
};

/* NULL with errno set (ENOMEM: the RAM disk cannot be mapped). */
void *vt_blk_dev_new(const struct vt_blk_conf *conf);
void vt_blk_dev_free(void *dev);
void vt_blk_dev_stats(const void *dev, struct vt_blk_stats *st);

#endif
