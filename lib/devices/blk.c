/* virtio-blk device model (see blk.h).
 *
 * A request is one chain: readable le32 type, le32 reserved, le64 sector,
 * then the data of a write; writable the data of a read (or the id), then
 * the status byte, the last writable byte.  Every length and sector is the
 * driver's and checked before any byte moves: a request past the end, or
 * whose data is not whole sectors, answers IOERR, as qemu's does. */
#include "devices/blk.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util/bytes.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define SECTOR VIRTIO_BLK_SECTOR_SIZE
#define BLK_QUEUE_MAX 1024
/* Segments a request may have (config seg_max): Linux sizes its
 * scatterlists from it and takes 1 when it is not offered.  A chain of the
 * smallest queue Linux would use (128) less header and status. */
#define BLK_SEG_MAX 126
#define BLK_FEATURES                                                          \
	(VT_MODEL_RING_FEATURES | VT_BIT(VIRTIO_BLK_F_SEG_MAX) |               \
	 VT_BIT(VIRTIO_BLK_F_BLK_SIZE) | VT_BIT(VIRTIO_BLK_F_FLUSH))

struct blk_dev {
	struct vt_blk_conf conf;
	uint8_t *ram;                  /* conf.size bytes; NULL with null */
	uint8_t config[VIRTIO_BLK_CFG_SIZE];
	struct vt_blk_stats st;
};

void *vt_blk_dev_new(const struct vt_blk_conf *conf)
{
	struct blk_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->conf = *conf;
	if (!conf->null) {
		/* Pages come when first written: an untouched disk reads zeros
		 * and costs no memory. */
		void *p = mmap(NULL, conf->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			free(d);
			errno = e;
			return NULL;
		}
		d->ram = p;
	}
	vt_st_le64(d->config + VIRTIO_BLK_CFG_CAPACITY, conf->size / SECTOR);
	vt_st_le32(d->config + VIRTIO_BLK_CFG_SEG_MAX, BLK_SEG_MAX);
	vt_st_le32(d->config + VIRTIO_BLK_CFG_BLK_SIZE, SECTOR);
	return d;
}

void vt_blk_dev_free(void *dev)
{
	struct blk_dev *d = dev;

	if (!d)
		return;
	if (d->ram)
		munmap(d->ram, d->conf.size);
	free(d);
}

void vt_blk_dev_stats(const void *dev, struct vt_blk_stats *st)
{
	*st = ((const struct blk_dev *)dev)->st;
}

static void blk_get_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct blk_dev *d = dev;

	memcpy(buf, d->config + off, len);   /* the state checked off + len */
}

/* Whole sectors from sector on, inside the disk: the byte offset, or
 * false.  Overflow-safe: len and sector are the driver's. */
static bool range_ok(const struct blk_dev *d, uint64_t sector, uint64_t len, uint64_t *off)
{
	uint64_t cap = d->conf.size / SECTOR;

	if (len % SECTOR || sector > cap || len / SECTOR > cap - sector)
		return false;
	*off = sector * SECTOR;
	return true;
}

/* Performs the request; its status. */
static uint8_t perform(struct blk_dev *d, const struct vt_chain *c, uint32_t type, uint64_t sector)
{
	uint64_t wdata = c->read_len - VIRTIO_BLK_OUTHDR_SIZE;   /* write data bytes */
	uint64_t rdata = c->write_len - 1;                       /* read buffer bytes */
	uint64_t off;

	switch (type) {
	case VIRTIO_BLK_T_IN:
		if (!range_ok(d, sector, rdata, &off))
			return VIRTIO_BLK_S_IOERR;
		if (d->ram)
			vt_chain_write(c, 0, d->ram + off, (size_t)rdata);
		d->st.reads++;
		d->st.bytes_read += rdata;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_OUT:
		if (!range_ok(d, sector, wdata, &off))
			return VIRTIO_BLK_S_IOERR;
		if (d->ram)
			vt_chain_read(c, VIRTIO_BLK_OUTHDR_SIZE, d->ram + off, (size_t)wdata);
		d->st.writes++;
		d->st.bytes_written += wdata;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_FLUSH:
		/* RAM has no cache to write back; nothing is lost on a crash
		 * that was not lost already. */
		d->st.flushes++;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID: {
		/* 20 bytes, NUL-padded when the id is shorter. */
		uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
		memcpy(id, d->conf.serial, strnlen(d->conf.serial, sizeof(id)));
		vt_chain_write(c, 0, id, rdata < sizeof(id) ? (size_t)rdata : sizeof(id));
		d->st.ids++;
		return VIRTIO_BLK_S_OK;
	}
	default:
		/* DISCARD, WRITE_ZEROES, ...: not offered. */
		return VIRTIO_BLK_S_UNSUPP;
	}
}

static int blk_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct blk_dev *d = dev;
	uint8_t hdr[VIRTIO_BLK_OUTHDR_SIZE];

	(void)b;
	(void)q;
	if (c->read_len < sizeof(hdr) || c->write_len < 1 ||
	    vt_chain_read(c, 0, hdr, sizeof(hdr)) < sizeof(hdr)) {
		vt_warn("blk: bad request (head %u): %llu readable bytes (need 16), %llu writable (need 1): "
			"completed with used length 0", c->head, (unsigned long long)c->read_len,
			(unsigned long long)c->write_len);
		return 0;
	}
	uint8_t st = perform(d, c, vt_ld_le32(hdr), vt_ld_le64(hdr + 8));
	if (st != VIRTIO_BLK_S_OK)
		d->st.errors++;
	vt_chain_write(c, c->write_len - 1, &st, 1);
	/* The whole writable part, as qemu reports it, whatever the status. */
	return c->write_len > INT32_MAX ? INT32_MAX : (int)c->write_len;
}

const struct vt_device_model vt_model_blk = {
	.name = "blk",
	.virtio_id = VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.max_queue_size = BLK_QUEUE_MAX,
	.features = BLK_FEATURES,
	.protocol_features = VT_MODEL_PROTOCOL_FEATURES | VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG),
	.config_size = VIRTIO_BLK_CFG_SIZE,
	.get_config = blk_get_config,
	.handle = blk_handle,
};
