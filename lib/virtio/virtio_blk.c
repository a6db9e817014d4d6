/* virtio-blk code names (see virtio_blk.h). */
#include "virtio/virtio_blk.h"

const struct vt_tok vt_blk_type_names[] = {
	{ VIRTIO_BLK_T_IN, "read" },
	{ VIRTIO_BLK_T_OUT, "write" },
	{ VIRTIO_BLK_T_FLUSH, "flush" },
	{ VIRTIO_BLK_T_GET_ID, "get-id" },
	{ VIRTIO_BLK_T_DISCARD, "discard" },
	{ VIRTIO_BLK_T_WRITE_ZEROES, "write-zeroes" },
	{ VIRTIO_BLK_T_SECURE_ERASE, "secure-erase" },
	{ 0, NULL },
};

const struct vt_tok vt_blk_status_names[] = {
	{ VIRTIO_BLK_S_OK, "OK" },
	{ VIRTIO_BLK_S_IOERR, "IOERR" },
	{ VIRTIO_BLK_S_UNSUPP, "UNSUPP" },
	{ 0, NULL },
};

const char *vt_blk_type_name(uint32_t type)
{
	return vt_tok2str(vt_blk_type_names, "type-%u", type);
}

const char *vt_blk_status_name(uint8_t status)
{
	return vt_tok2str(vt_blk_status_names, "status-%u", status);
}
