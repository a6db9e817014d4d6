/* Feature bits by name, for what drive -v prints: the transport bits (one
 * table, here), the vhost-user protocol features, and a device type's own
 * bits from its registry row (vt_device_type.feature_names). */
#ifndef VT_VIRTIO_FEATURES_H
#define VT_VIRTIO_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "virtio/names.h"

extern const struct vt_tok vt_virtio_feature_names[];   /* "VERSION_1", "EVENT_IDX" */
extern const struct vt_tok vt_vhost_protocol_feature_names[];  /* "MQ", "REPLY_ACK" */

/* "VERSION_1 EVENT_IDX IRQ bit45": each set bit of f by its name in dev
 * (may be NULL), then in common (may be NULL), else "bitN"; "none" for 0.
 * Cut at len. */
void vt_feature_list(char *buf, size_t len, uint64_t f, const struct vt_tok *dev, const struct vt_tok *common);

#endif
