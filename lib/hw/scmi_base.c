/* SCMI base protocol (DEN0056 4.2), version 2.1: what Linux's base.c asks
 * at probe (attributes, vendor, sub-vendor, implementation version, the
 * protocol list, each agent) and NOTIFY_ERRORS.  There is one agent, the
 * OSPM on the other end of the virtio device. */
#include "hw/scmi_proto.h"

#include "virtio/virtio_scmi.h"

/* The protocols the agent may use: every one but base that has domains. */
static unsigned listed(const struct vt_scmi_platform *p, uint8_t *ids, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; vt_scmi_protocol_at(i); i++) {
		const struct vt_scmi_protocol *pr = vt_scmi_protocol_at(i);
		if (pr->id == SCMI_PROTO_BASE || (pr->present && !pr->present(p)))
			continue;
		if (n < max)
			ids[n] = pr->id;
		n++;
	}
	return n;
}

/* num_protocols in bits 7:0, num_agents in 15:8. */
static int32_t attributes(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint8_t ids[8];

	vt_scmi_put32(c, listed(p, ids, sizeof(ids)) | 1u << 8);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t vendor(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_putstr(c, p->vendor, SCMI_SHORT_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t sub_vendor(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_putstr(c, p->sub_vendor, SCMI_SHORT_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

static int32_t impl_version(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	vt_scmi_put32(c, p->impl_version);
	return VIRTIO_SCMI_SUCCESS;
}

/* (skip) -> num_protocols, then the ids packed four to a word, the last
 * word zero-padded; as many as fit after skip. */
static int32_t list_protocols(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint8_t ids[8];
	uint32_t skip;
	unsigned n = listed(p, ids, sizeof(ids));

	if (!vt_scmi_arg32(c, 0, &skip))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (skip > n)
		return VIRTIO_SCMI_INVALID_PARAMETERS;
	size_t room = vt_scmi_room(c);
	unsigned k = n - skip, fit = room >= 8 ? (unsigned)((room - 4) / 4 * 4) : 0;
	if (k > fit)
		k = fit;
	vt_scmi_put32(c, k);
	for (unsigned i = 0; i < k; i += 4) {
		uint32_t w = 0;
		for (unsigned j = 0; j < 4 && i + j < k; j++)
			w |= (uint32_t)ids[skip + i + j] << (8 * j);
		vt_scmi_put32(c, w);
	}
	return VIRTIO_SCMI_SUCCESS;
}

/* (agent_id) -> agent_id, name[16]: 0 is the platform, 1 the OSPM, and
 * 0xffffffff the agent that asks. */
static int32_t discover_agent(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t id;

	(void)p;
	if (!vt_scmi_arg32(c, 0, &id))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	if (id == 0xffffffffu)
		id = VT_SCMI_AGENT_OSPM;
	if (id > VT_SCMI_AGENT_OSPM)
		return VIRTIO_SCMI_NOT_FOUND;
	vt_scmi_put32(c, id);
	vt_scmi_putstr(c, id == VT_SCMI_AGENT_PLATFORM ? "platform" : "OSPM", SCMI_SHORT_NAME);
	return VIRTIO_SCMI_SUCCESS;
}

/* (event_control): bit 0 enables BASE_ERROR_EVENT, which this platform
 * never has reason to send. */
static int32_t notify_errors(struct vt_scmi_platform *p, struct vt_scmi_cmd *c)
{
	uint32_t ctl;

	if (!vt_scmi_arg32(c, 0, &ctl))
		return VIRTIO_SCMI_PROTOCOL_ERROR;
	p->error_notify = ctl & 1;
	return VIRTIO_SCMI_SUCCESS;
}

static const struct vt_scmi_msg_def msgs[] = {
	{ SCMI_BASE_DISCOVER_VENDOR, vendor, false },
	{ SCMI_BASE_DISCOVER_SUB_VENDOR, sub_vendor, false },
	{ SCMI_BASE_DISCOVER_IMPL_VERSION, impl_version, false },
	{ SCMI_BASE_DISCOVER_LIST_PROTOCOLS, list_protocols, false },
	{ SCMI_BASE_DISCOVER_AGENT, discover_agent, false },
	{ SCMI_BASE_NOTIFY_ERRORS, notify_errors, true },
	{ 0, NULL, false },
};

const struct vt_scmi_protocol vt_scmi_base = {
	.id = SCMI_PROTO_BASE,
	.version = 0x20001,
	.attributes = attributes,
	.msgs = msgs,
};
