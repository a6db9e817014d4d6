/* Feature names (see features.h).  Numbers from the virtio 1.3 and vhost-user
 * specifications, through the headers' defines. */
#include "virtio/features.h"

#include <stdio.h>

#include "vhost/proto.h"
#include "virtio/virtio.h"

const struct vt_tok vt_virtio_feature_names[] = {
	{ VIRTIO_F_NOTIFY_ON_EMPTY, "NOTIFY_ON_EMPTY" },
	{ VIRTIO_F_ANY_LAYOUT, "ANY_LAYOUT" },
	{ VIRTIO_RING_F_INDIRECT_DESC, "INDIRECT_DESC" },
	{ VIRTIO_RING_F_EVENT_IDX, "EVENT_IDX" },
	{ VHOST_USER_F_PROTOCOL_FEATURES, "PROTOCOL_FEATURES" },
	{ VIRTIO_F_VERSION_1, "VERSION_1" },
	{ 33, "ACCESS_PLATFORM" },
	{ 34, "RING_PACKED" },
	{ 35, "IN_ORDER" },
	{ 36, "ORDER_PLATFORM" },
	{ 37, "SR_IOV" },
	{ 38, "NOTIFICATION_DATA" },
	{ 39, "NOTIF_CONFIG_DATA" },
	{ VIRTIO_F_RING_RESET, "RING_RESET" },
	{ 0, NULL },
};

const struct vt_tok vt_vhost_protocol_feature_names[] = {
	{ VHOST_USER_PROTOCOL_F_MQ, "MQ" },
	{ VHOST_USER_PROTOCOL_F_LOG_SHMFD, "LOG_SHMFD" },
	{ 2, "RARP" },
	{ VHOST_USER_PROTOCOL_F_REPLY_ACK, "REPLY_ACK" },
	{ 4, "NET_MTU" },
	{ VHOST_USER_PROTOCOL_F_BACKEND_REQ, "BACKEND_REQ" },
	{ 6, "CROSS_ENDIAN" },
	{ 7, "CRYPTO_SESSION" },
	{ 8, "PAGEFAULT" },
	{ VHOST_USER_PROTOCOL_F_CONFIG, "CONFIG" },
	{ VHOST_USER_PROTOCOL_F_BACKEND_SEND_FD, "BACKEND_SEND_FD" },
	{ VHOST_USER_PROTOCOL_F_HOST_NOTIFIER, "HOST_NOTIFIER" },
	{ VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD, "INFLIGHT_SHMFD" },
	{ VHOST_USER_PROTOCOL_F_RESET_DEVICE, "RESET_DEVICE" },
	{ VHOST_USER_PROTOCOL_F_INBAND_NOTIFICATIONS, "INBAND_NOTIFICATIONS" },
	{ VHOST_USER_PROTOCOL_F_CONFIGURE_MEM_SLOTS, "CONFIGURE_MEM_SLOTS" },
	{ VHOST_USER_PROTOCOL_F_STATUS, "STATUS" },
	{ 17, "XEN_MMAP" },
	{ 18, "SHARED_OBJECT" },
	{ 19, "DEVICE_STATE" },
	{ 0, NULL },
};

void vt_feature_list(char *buf, size_t len, uint64_t f, const struct vt_tok *dev, const struct vt_tok *common)
{
	size_t at = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (!f) {
		snprintf(buf, len, "none");
		return;
	}
	for (unsigned b = 0; b < 64 && at < len; b++) {
		if (!(f & VT_BIT(b)))
			continue;
		const char *s = vt_tok_name(dev, b);
		if (!s)
			s = vt_tok_name(common, b);
		int n = s ? snprintf(buf + at, len - at, "%s%s", at ? " " : "", s)
			  : snprintf(buf + at, len - at, "%sbit%u", at ? " " : "", b);
		if (n < 0)
			break;
		at += (size_t)n;
	}
}
