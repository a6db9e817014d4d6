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

/* Feature bits the front-end uses. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Config space: le64 capacity (512-byte sectors), le32 size_max, le32
 * seg_max, geometry (4 bytes), le32 blk_size. */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX  12
#define VIRTIO_BLK_CFG_BLK_SIZE 20
#define VIRTIO_BLK_CFG_SIZE     24

#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_ID_BYTES    20

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

extern const struct vt_tok vt_blk_type_names[];    /* "read", "write", "flush", "get-id" */
extern const struct vt_tok vt_blk_status_names[];  /* "OK", "IOERR", "UNSUPP" */

const char *vt_blk_type_name(uint32_t type);       /* "read", "type-3" */
const char *vt_blk_status_name(uint8_t status);    /* "OK", "status-7" */

#endif
