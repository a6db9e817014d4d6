/* virtio-blk in the device registry: the decoder (a trace of any blk
 * backend, through the proxy), the fault selectors, and the front-end for
 * drive.  vitool serves no block device: qemu-storage-daemon does. */
#include "devices/registry.h"

#include <stdlib.h>

#include "decode/decode.h"
#include "drivers/blk.h"
#include "fault/fault.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

static const struct vt_tok blk_features[] = {
	{ 1, "SIZE_MAX" }, { 2, "SEG_MAX" }, { 4, "GEOMETRY" }, { 5, "RO" }, { 6, "BLK_SIZE" },
	{ 9, "FLUSH" }, { 10, "TOPOLOGY" }, { 11, "CONFIG_WCE" }, { 12, "MQ" }, { 13, "DISCARD" },
	{ 14, "WRITE_ZEROES" }, { 15, "LIFETIME" }, { 16, "SECURE_ERASE" }, { 17, "ZONED" },
	{ 0, NULL },
};

static const char *const one_requestq[] = { "requestq", NULL };

/* blk faults: sector A-B, size N, type read|write|flush|...; fail answers
 * VIRTIO_BLK_S_IOERR in the status byte (the last writable one). */
static const struct vt_fault_selector blk_selectors[] = {
	{ "sector", "sector", NULL },
	{ "size", "len", NULL },
	{ NULL, NULL, NULL },
};

static uint32_t blk_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	(void)queue;
	return vt_fault_fail_status_last(c, VIRTIO_BLK_S_IOERR, used_len);
}

static const struct vt_device_faults blk_faults = {
	.selectors = blk_selectors,
	.types = vt_blk_type_names,
	.fail = blk_fail,
};

/* ---- front-end ---- */

static void *blk_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	struct vt_blk_disk *d = malloc(sizeof(*d));

	if (!d) {
		snprintf(fe->err, sizeof(fe->err), "out of memory");
		return NULL;
	}
	if (vt_blk_driver_start(fe, queue_size, ro->indirect, d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static enum vt_run_result blk_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				  char *err, size_t errlen)
{
	return vt_blk_run_words(drv, words, n, ro, stdout, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "blk: OPs are read SECTOR [COUNT] (512-byte sectors, default 1: printed\n"
		    "as a hex dump with an ASCII column, offsets in disk bytes), write SECTOR\n"
		    "FILE|- (the file's bytes, the last sector padded with zeros), flush, id\n"
		    "(the device's id string), capacity (sectors, from the config space),\n"
		    "wait-config (until the back-end says its config changed, e.g. resized:\n"
		    "at most --timeout), e.g.\n"
		    "  vitool drive blk -S /tmp/blk.sock write 8 data.bin flush read 8 2\n",
	.indirect = true,
	.check = vt_blk_check_words,
	.start = blk_start,
	.run = blk_run,
	.stop = free,
};

const struct vt_device_type vt_type_blk = {
	.name = "blk", .virtio_id = VIRTIO_ID_BLOCK, .num_queues = 1, .queue_names = one_requestq,
	.decoder = &vt_decoder_blk, .faults = &blk_faults, .front = &front,
	/* SIZE_MAX 1, SEG_MAX 2, GEOMETRY 4, RO 5, BLK_SIZE 6, FLUSH 9,
	 * TOPOLOGY 10, CONFIG_WCE 11, MQ 12, DISCARD 13, WRITE_ZEROES 14,
	 * LIFETIME 15, SECURE_ERASE 16, ZONED 17; config: at least capacity. */
	.device_features = UINT64_C(0x3fe76), .config_size = 8, .feature_names = blk_features,
};
