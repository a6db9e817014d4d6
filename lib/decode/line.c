/* Event -> one text line, through the device's decoder. */
#include "decode/line.h"

#include <inttypes.h>

#include "decode/decode.h"
#include "vhost/msg.h"

void vt_line_print_event(void *arg, const struct vt_event *ev)
{
	const struct vt_line_printer *p = arg;
	const struct vt_decoder *dec = vt_decoder_find(p->virtio_id);
	struct vt_sb sb;

	vt_sb_init(&sb);
	switch (ev->kind) {
	case VT_EV_USED:
		vt_sb_printf(&sb, "%s q%u #%" PRIu64 " ", p->device, ev->queue, ev->req_id);
		if (ev->chain)
			dec->summary(&sb, ev->queue, ev->chain, true, ev->used_len);
		else
			vt_sb_printf(&sb, "head %u used %u", ev->head, ev->used_len);
		vt_sb_latency(&sb, ev->latency_ns);
		break;
	case VT_EV_RING_ERROR:
		vt_sb_printf(&sb, "%s q%u ring error: %s", p->device, ev->queue,
			     ev->text ? ev->text : "?");
		break;
	case VT_EV_AVAIL:
		if (!p->verbose)
			return;
		vt_sb_printf(&sb, "%s q%u #%" PRIu64 " avail ", p->device, ev->queue, ev->req_id);
		if (ev->chain)
			dec->summary(&sb, ev->queue, ev->chain, false, 0);
		break;
	case VT_EV_KICK:
	case VT_EV_CALL:
		if (!p->verbose)
			return;
		vt_sb_printf(&sb, "%s q%u %s", p->device, ev->queue,
			     ev->kind == VT_EV_KICK ? "kick" : "call");
		break;
	case VT_EV_VHOST_MSG:
		if (!p->verbose)
			return;
		/* The backend also reports the replies it sends: say which. */
		vt_sb_printf(&sb, "%s vhost-user %s%s", p->device, vt_vhost_request_name(ev->request),
			     (ev->msg_flags & VT_VHOST_FLAG_REPLY) ? " reply" : "");
		break;
	case VT_EV_CONNECT:
	case VT_EV_DISCONNECT:
		if (!p->verbose)
			return;
		vt_sb_printf(&sb, "%s front-end %s", p->device,
			     ev->kind == VT_EV_CONNECT ? "connected" : "disconnected");
		break;
	}
	fprintf(p->out, "%s\n", vt_sb_str(&sb));
	fflush(p->out);
}
