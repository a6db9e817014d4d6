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
	{ VIRTIO_SCMI_TYPE_DELAYED_RESP, "delayed" },
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

/* Commands and notifications by protocol: message id -> name (DEN0056's
 * names without the protocol prefix where the protocol is printed next to
 * them). */
static const struct vt_tok common_msgs[] = {
	{ SCMI_PROTOCOL_VERSION, "PROTOCOL_VERSION" },
	{ SCMI_PROTOCOL_ATTRIBUTES, "PROTOCOL_ATTRIBUTES" },
	{ SCMI_PROTOCOL_MESSAGE_ATTRIBUTES, "PROTOCOL_MESSAGE_ATTRIBUTES" },
	{ SCMI_NEGOTIATE_PROTOCOL_VERSION, "NEGOTIATE_PROTOCOL_VERSION" },
	{ 0, NULL },
};

static const struct vt_tok base_msgs[] = {
	{ SCMI_BASE_DISCOVER_VENDOR, "DISCOVER_VENDOR" },
	{ SCMI_BASE_DISCOVER_SUB_VENDOR, "DISCOVER_SUB_VENDOR" },
	{ SCMI_BASE_DISCOVER_IMPL_VERSION, "DISCOVER_IMPLEMENTATION_VERSION" },
	{ SCMI_BASE_DISCOVER_LIST_PROTOCOLS, "DISCOVER_LIST_PROTOCOLS" },
	{ SCMI_BASE_DISCOVER_AGENT, "DISCOVER_AGENT" },
	{ SCMI_BASE_NOTIFY_ERRORS, "NOTIFY_ERRORS" },
	{ SCMI_BASE_SET_DEVICE_PERMISSIONS, "SET_DEVICE_PERMISSIONS" },
	{ SCMI_BASE_SET_PROTOCOL_PERMISSIONS, "SET_PROTOCOL_PERMISSIONS" },
	{ SCMI_BASE_RESET_AGENT_CONFIG, "RESET_AGENT_CONFIGURATION" },
	{ 0, NULL },
};

static const struct vt_tok perf_msgs[] = {
	{ SCMI_PERF_DOMAIN_ATTRIBUTES, "DOMAIN_ATTRIBUTES" },
	{ SCMI_PERF_DESCRIBE_LEVELS, "DESCRIBE_LEVELS" },
	{ SCMI_PERF_LIMITS_SET, "LIMITS_SET" },
	{ SCMI_PERF_LIMITS_GET, "LIMITS_GET" },
	{ SCMI_PERF_LEVEL_SET, "LEVEL_SET" },
	{ SCMI_PERF_LEVEL_GET, "LEVEL_GET" },
	{ SCMI_PERF_NOTIFY_LIMITS, "NOTIFY_LIMITS" },
	{ SCMI_PERF_NOTIFY_LEVEL, "NOTIFY_LEVEL" },
	{ SCMI_PERF_DESCRIBE_FASTCHANNEL, "DESCRIBE_FASTCHANNEL" },
	{ SCMI_PERF_DOMAIN_NAME_GET, "DOMAIN_NAME_GET" },
	{ 0, NULL },
};

static const struct vt_tok clock_msgs[] = {
	{ SCMI_CLOCK_ATTRIBUTES, "ATTRIBUTES" },
	{ SCMI_CLOCK_DESCRIBE_RATES, "DESCRIBE_RATES" },
	{ SCMI_CLOCK_RATE_SET, "RATE_SET" },
	{ SCMI_CLOCK_RATE_GET, "RATE_GET" },
	{ SCMI_CLOCK_CONFIG_SET, "CONFIG_SET" },
	{ SCMI_CLOCK_NAME_GET, "NAME_GET" },
	{ SCMI_CLOCK_RATE_NOTIFY, "RATE_NOTIFY" },
	{ SCMI_CLOCK_RATE_CHANGE_REQ_NOTIFY, "RATE_CHANGE_REQUESTED_NOTIFY" },
	{ SCMI_CLOCK_CONFIG_GET, "CONFIG_GET" },
	{ 0xc, "POSSIBLE_PARENTS_GET" },
	{ 0xd, "PARENT_SET" },
	{ 0xe, "PARENT_GET" },
	{ 0xf, "GET_PERMISSIONS" },
	{ 0, NULL },
};

static const struct vt_tok sensor_msgs[] = {
	{ SCMI_SENSOR_DESCRIPTION_GET, "DESCRIPTION_GET" },
	{ SCMI_SENSOR_TRIP_POINT_NOTIFY, "TRIP_POINT_NOTIFY" },
	{ SCMI_SENSOR_TRIP_POINT_CONFIG, "TRIP_POINT_CONFIG" },
	{ SCMI_SENSOR_READING_GET, "READING_GET" },
	{ SCMI_SENSOR_AXIS_DESCRIPTION_GET, "AXIS_DESCRIPTION_GET" },
	{ SCMI_SENSOR_LIST_UPDATE_INTERVALS, "LIST_UPDATE_INTERVALS" },
	{ SCMI_SENSOR_CONFIG_GET, "CONFIG_GET" },
	{ SCMI_SENSOR_CONFIG_SET, "CONFIG_SET" },
	{ SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY, "CONTINUOUS_UPDATE_NOTIFY" },
	{ SCMI_SENSOR_NAME_GET, "NAME_GET" },
	{ SCMI_SENSOR_AXIS_NAME_GET, "AXIS_NAME_GET" },
	{ 0, NULL },
};

static const struct vt_tok base_events[] = { { SCMI_BASE_ERROR_EVENT, "BASE_ERROR_EVENT" }, { 0, NULL } };
static const struct vt_tok perf_events[] = {
	{ SCMI_PERF_LIMITS_CHANGED, "PERFORMANCE_LIMITS_CHANGED" },
	{ SCMI_PERF_LEVEL_CHANGED, "PERFORMANCE_LEVEL_CHANGED" },
	{ 0, NULL },
};
static const struct vt_tok clock_events[] = {
	{ SCMI_CLOCK_RATE_CHANGED, "CLOCK_RATE_CHANGED" },
	{ SCMI_CLOCK_RATE_CHANGE_REQUESTED, "CLOCK_RATE_CHANGE_REQUESTED" },
	{ 0, NULL },
};
static const struct vt_tok sensor_events[] = {
	{ SCMI_SENSOR_TRIP_POINT_EVENT, "SENSOR_TRIP_POINT_EVENT" },
	{ SCMI_SENSOR_UPDATE, "SENSOR_UPDATE" },
	{ 0, NULL },
};

const char *vt_scmi_msg_name(unsigned proto, unsigned msg, int notification)
{
	const struct vt_tok *t = NULL;

	switch (proto) {
	case SCMI_PROTO_BASE: t = notification ? base_events : base_msgs; break;
	case SCMI_PROTO_PERF: t = notification ? perf_events : perf_msgs; break;
	case SCMI_PROTO_CLOCK: t = notification ? clock_events : clock_msgs; break;
	case SCMI_PROTO_SENSOR: t = notification ? sensor_events : sensor_msgs; break;
	default: break;
	}
	if (!notification && msg <= SCMI_PROTOCOL_MESSAGE_ATTRIBUTES)
		return vt_tok_name(common_msgs, msg);
	if (!notification && msg == SCMI_NEGOTIATE_PROTOCOL_VERSION)
		return vt_tok_name(common_msgs, msg);
	return t ? vt_tok_name(t, msg) : NULL;
}

/* Sensor unit types (DEN0056 table "Sensor Unit Type Values"), the first
 * ones, by the words serve's type= takes. */
const struct vt_tok vt_scmi_unit_names[] = {
	{ 0, "none" }, { 1, "unspecified" }, { 2, "temperature" }, { 3, "fahrenheit" }, { 4, "kelvin" },
	{ 5, "voltage" }, { 6, "current" }, { 7, "power" }, { 8, "energy" }, { 9, "charge" },
	{ 10, "va" }, { 11, "nits" }, { 12, "lumens" }, { 13, "lux" }, { 14, "candelas" }, { 15, "kpa" },
	{ 16, "psi" }, { 17, "newton" }, { 18, "cfm" }, { 19, "rpm" }, { 20, "hertz" },
	{ 0, NULL },
};
