/* virtio-blk wire format (virtio spec "Block Device", id 2), the part the
 * decoder reads, like Linux's include/uapi/linux/virtio_blk.h. */
#ifndef VT_VIRTIO_VIRTIO_BLK_H
#define VT_VIRTIO_VIRTIO_BLK_H

#include <stdint.h>

#include "virtio/names.h"

/* Request: readable le32 type, le32 reserved, le64 sector, then data for
 * OUT; writable data for IN/GET_ID, then u8 status. */
#define VIRTIO_BLK_OUTHDR_SIZE 16
#define VIRTIO_BLK_T_IN           0
#define VIRTIO_BLK_T_OUT          1
#define VIRTIO_BLK_T_FLUSH        4
#define VIRTIO_BLK_T_GET_ID       8
#define VIRTIO_BLK_T_DISCARD      11
#define VIRTIO_BLK_T_WRITE_ZEROES 13
#define VIRTIO_BLK_T_SECURE_ERASE 14

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

extern const struct vt_tok vt_blk_type_names[];    /* "read", "write", "flush", "get-id" */
extern const struct vt_tok vt_blk_status_names[];  /* "OK", "IOERR", "UNSUPP" */

const char *vt_blk_type_name(uint32_t type);       /* "read", "type-3" */
const char *vt_blk_status_name(uint8_t status);    /* "OK", "status-7" */

#endif
