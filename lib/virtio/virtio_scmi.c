/* virtio-scmi code names (see virtio_scmi.h). */
#include "virtio/virtio_scmi.h"

#include <stdio.h>

const struct vt_tok vt_scmi_protocol_names[] = {
	{ 0x10, "BASE" },
	{ 0x11, "POWER" },
	{ 0x12, "SYSTEM" },
	{ 0x13, "PERF" },
	{ 0x14, "CLOCK" },
	{ 0x15, "SENSOR" },
	{ 0x16, "RESET" },
	{ 0x17, "VOLTAGE" },
	{ 0x18, "POWERCAP" },
	{ 0x19, "PINCTRL" },
	{ 0, NULL },
};

const struct vt_tok vt_scmi_type_names[] = {
	{ VIRTIO_SCMI_TYPE_COMMAND, "cmd" },
	{ VIRTIO_SCMI_TYPE_DELAYED_RESP, "delayed-resp" },
	{ VIRTIO_SCMI_TYPE_NOTIFICATION, "notification" },
	{ 0, NULL },
};

const struct vt_tok vt_scmi_status_names[] = {
	{ VIRTIO_SCMI_SUCCESS, "SUCCESS" },
	{ (uint32_t)-1, "NOT_SUPPORTED" },
	{ (uint32_t)-2, "INVALID_PARAMETERS" },
	{ (uint32_t)-3, "DENIED" },
	{ (uint32_t)-4, "NOT_FOUND" },
	{ (uint32_t)-5, "OUT_OF_RANGE" },
	{ (uint32_t)-6, "BUSY" },
	{ (uint32_t)-7, "COMMS_ERROR" },
	{ (uint32_t)-8, "GENERIC_ERROR" },
	{ (uint32_t)-9, "HARDWARE_ERROR" },
	{ (uint32_t)-10, "PROTOCOL_ERROR" },
	{ (uint32_t)-11, "IN_USE" },
	{ 0, NULL },
};

const char *vt_scmi_protocol_name(unsigned proto)
{
	return vt_tok2str(vt_scmi_protocol_names, "proto-0x%02x", proto);
}

const char *vt_scmi_type_name(unsigned type)
{
	return vt_tok2str(vt_scmi_type_names, "type-%u", type);
}

const char *vt_scmi_status_name(uint32_t status)
{
	static char buf[24];
	const char *s = vt_tok_name(vt_scmi_status_names, status);

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "status-%d", (int32_t)status);
	return buf;
}
