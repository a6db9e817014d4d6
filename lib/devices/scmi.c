/* virtio-scmi device model (see scmi.h).
 *
 * cmdq: one chain per command
 *   device-readable:  le32 header; parameters
 *   device-writable:  le32 header; le32 status; return values
 * The platform answers at once; the used length is what it wrote.
 *
 * eventq: device-writable buffers only, kept (by head) until the platform
 * has a message for one: a delayed response (header type 2, the command's
 * token; le32 status; return values) or a notification (type 3).
 *
 * A message the platform posts while answering a command waits for that
 * command's immediate response: until it is in the used ring and notified
 * (the loop's timers run after the kick that answered it), and then until
 * the driver has taken it.  Both notifications reach the guest at nearly
 * the same time otherwise, and the guest may take the eventq's interrupt
 * first: Linux's arm_scmi then logs "Received valid OoO Delayed Response"
 * and rejects the immediate response that follows (the VM suite saw it for
 * most async reads).  The driver has taken it when its used_event
 * (EVENT_IDX, written when it re-enables the cmdq's callbacks after
 * reading the used entries) is past the used index the immediate response
 * went to; without EVENT_IDX, or after VT_SCMI_ORDER_WAIT_MS, the message
 * goes anyway.  A command a fault rule keeps (hold, delay, reorder) does
 * not wait: its delayed response overtakes it, as the rule asks.
 * Buffers are re-walked through the current memory table when used. */
#include "devices/scmi.h"

#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/proto.h"
#include "virtio/virtio.h"

#define SCMI_QUEUE_MAX 1024
#define PARAM_MAX 256         /* parameter bytes read of a command; more are ignored */
#define POLL_NS 1000000u      /* how often a waiting message looks at used_event */

struct pending {
	uint16_t len;
	uint8_t msg[VT_SCMI_MSG_MAX];
	/* The command whose answer posted it (req_id 0: none, a `set`). */
	uint64_t cmd_req;
	uint16_t cmd_head;
	/* Its immediate response is used: the driver has it when used_event
	 * is past used; since when it waits. */
	bool cmd_used;
	uint16_t used;
	uint64_t since_ns;
};

struct scmi_dev {
	struct vt_loop *loop;
	struct vt_backend *b;
	struct vt_scmi_platform *p;
	/* eventq buffers, oldest first: a ring of heads */
	uint16_t buf[SCMI_QUEUE_MAX];
	unsigned buf_first, nbuf;
	/* messages waiting for a buffer, oldest first */
	struct pending pend[VT_SCMI_PENDING_MAX];
	unsigned pend_first, npend;
	struct vt_timer *timer;
	uint64_t order_wait_ns;
	/* The command being answered (posts made now wait for it). */
	uint64_t cur_req;
	uint16_t cur_head;
	struct vt_scmi_stats st;
};

static void send_events(struct vt_loop *loop, void *arg);

static void arm_after(struct scmi_dev *d, uint64_t delay_ns)
{
	if (d->timer || !d->npend || !d->nbuf)
		return;
	d->timer = vt_loop_timer(d->loop, delay_ns, send_events, d);
	if (!d->timer)
		vt_warn("scmi: cannot arm a timer: %u eventq messages wait for the next buffer", d->npend);
}

static void arm(struct scmi_dev *d)
{
	arm_after(d, 0);
}

/* The platform's post(): queued for the eventq. */
static void post(void *arg, const uint8_t *msg, size_t len)
{
	struct scmi_dev *d = arg;

	if (!d->st.p2a) {
		d->st.dropped++;
		return;
	}
	if (len > VT_SCMI_MSG_MAX)
		len = VT_SCMI_MSG_MAX;
	if (d->npend == VT_SCMI_PENDING_MAX) {
		vt_warn("scmi: %d eventq messages wait for a buffer: the oldest is dropped", VT_SCMI_PENDING_MAX);
		d->pend_first = (d->pend_first + 1) % VT_SCMI_PENDING_MAX;
		d->npend--;
		d->st.dropped++;
	}
	struct pending *m = &d->pend[(d->pend_first + d->npend++) % VT_SCMI_PENDING_MAX];
	m->len = (uint16_t)len;
	memcpy(m->msg, msg, len);
	m->cmd_req = d->cur_req;
	m->cmd_head = d->cur_head;
	m->cmd_used = false;
	arm(d);
}

/* May m go out now (see the top of the file)? */
static bool may_send(struct scmi_dev *d, struct pending *m)
{
	struct vt_queue *q = vt_backend_engine_queue(d->b, VIRTIO_SCMI_VQ_TX);
	uint16_t ev;

	if (!m->cmd_req || !q || !q->started)
		return true;
	if (!m->cmd_used) {
		if (vt_backend_req_id(d->b, VIRTIO_SCMI_VQ_TX, m->cmd_head) == m->cmd_req)
			return true;            /* a fault rule keeps the command */
		/* Used by now; at this used index or before it. */
		m->cmd_used = true;
		m->used = q->vq.used_idx;
		m->since_ns = vt_now_ns();
	}
	if (!vt_vq_used_event(&q->vq, &ev))
		return true;
	if ((uint16_t)(ev - m->used) < 0x8000u)
		return true;
	if (vt_now_ns() - m->since_ns < d->order_wait_ns)
		return false;
	d->st.unordered++;
	vt_debug("scmi: the driver did not take the cmdq's used entries up to %u within %llu ms (used_event %u): "
		 "the eventq message goes anyway", m->used, (unsigned long long)(d->order_wait_ns / 1000000u), ev);
	return true;
}

/* Writes the oldest message into the oldest buffer, while both exist. */
static void send_events(struct vt_loop *loop, void *arg)
{
	struct scmi_dev *d = arg;
	struct vt_chain c;

	(void)loop;
	d->timer = NULL;
	while (d->npend && d->nbuf && d->b) {
		if (!may_send(d, &d->pend[d->pend_first])) {
			arm_after(d, POLL_NS);
			return;
		}
		uint16_t head = d->buf[d->buf_first];
		d->buf_first = (d->buf_first + 1) % SCMI_QUEUE_MAX;
		d->nbuf--;
		if (vt_backend_chain(d->b, VIRTIO_SCMI_VQ_RX, head, &c) < 0) {
			vt_warn("scmi: eventq head %u: chain is no longer valid: completed with used length 0", head);
			vt_backend_complete(d->b, VIRTIO_SCMI_VQ_RX, head, 0);
			continue;
		}
		const struct pending *m = &d->pend[d->pend_first];
		size_t n = m->len;
		if (c.write_len < n) {
			vt_warn("scmi: eventq head %u: %llu-byte buffer for a %zu-byte message: cut", head,
				(unsigned long long)c.write_len, n);
			n = (size_t)c.write_len;
		}
		n = vt_chain_write(&c, 0, m->msg, n);
		if (VIRTIO_SCMI_HDR_TYPE(vt_ld_le32(m->msg)) == VIRTIO_SCMI_TYPE_DELAYED_RESP)
			d->st.delayed++;
		else
			d->st.notifications++;
		d->pend_first = (d->pend_first + 1) % VT_SCMI_PENDING_MAX;
		d->npend--;
		vt_backend_complete(d->b, VIRTIO_SCMI_VQ_RX, head, (uint32_t)n);
	}
}

static int handle_command(struct scmi_dev *d, const struct vt_chain *c)
{
	uint8_t msg[4 + PARAM_MAX], resp[VT_SCMI_MSG_MAX];
	size_t len = vt_chain_read(c, 0, msg, sizeof(msg));

	if (len < 4) {
		vt_warn("scmi: cmdq head %u: %llu readable bytes, no message header: used length 0", c->head,
			(unsigned long long)c->read_len);
		return 0;
	}
	if (c->write_len < 8) {
		vt_warn("scmi: cmdq head %u: %llu-byte response buffer, no room for header and status: "
			"used length 0", c->head, (unsigned long long)c->write_len);
		return 0;
	}
	size_t cap = c->write_len < sizeof(resp) ? (size_t)c->write_len : sizeof(resp);
	d->cur_req = vt_backend_req_id(d->b, VIRTIO_SCMI_VQ_TX, c->head);
	d->cur_head = c->head;
	size_t n = vt_scmi_platform_command(d->p, msg, len, resp, cap);
	d->cur_req = 0;
	d->st.commands++;
	return (int)vt_chain_write(c, 0, resp, n);
}

static int handle_event_buffer(struct scmi_dev *d, const struct vt_chain *c)
{
	if (c->read_len || !c->write_len) {
		vt_warn("scmi: eventq head %u: %llu readable, %llu writable bytes (want writable only): "
			"used length 0", c->head, (unsigned long long)c->read_len,
			(unsigned long long)c->write_len);
		return 0;
	}
	if (d->nbuf == SCMI_QUEUE_MAX) {   /* more than a queue holds: a bad ring */
		vt_warn("scmi: eventq head %u: more buffers than a queue holds: used length 0", c->head);
		return 0;
	}
	d->buf[(d->buf_first + d->nbuf++) % SCMI_QUEUE_MAX] = c->head;
	arm(d);
	return VT_DEFER;
}

static int scmi_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct scmi_dev *d = dev;

	d->b = b;
	if (q == VIRTIO_SCMI_VQ_TX)
		return handle_command(d, c);
	if (q == VIRTIO_SCMI_VQ_RX)
		return handle_event_buffer(d, c);
	return 0;
}

static void scmi_attach(void *dev, struct vt_backend *b)
{
	((struct scmi_dev *)dev)->b = b;
}

/* Without the P2A channel the platform has no eventq: it answers async
 * requests and NOTIFY commands NOT_SUPPORTED. */
static void scmi_set_features(void *dev, uint64_t features)
{
	struct scmi_dev *d = dev;

	d->st.p2a = features & VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS);
	d->p->p2a = d->st.p2a;
}

/* The eventq's buffers went with its ring; waiting messages stay for the
 * next ones (the platform did send them). */
static void scmi_queue_stopped(void *dev, unsigned q)
{
	struct scmi_dev *d = dev;

	if (q != VIRTIO_SCMI_VQ_RX)
		return;
	d->nbuf = d->buf_first = 0;
	if (d->timer)
		vt_loop_timer_cancel(d->loop, d->timer);
	d->timer = NULL;
}

/* A new driver finds the platform as after power-on (values stay: they
 * are the host's), and nothing meant for the last one. */
static void scmi_new_frontend(void *dev)
{
	struct scmi_dev *d = dev;

	scmi_queue_stopped(d, VIRTIO_SCMI_VQ_RX);
	d->npend = d->pend_first = 0;
	vt_scmi_platform_reset(d->p);
}

static void scmi_reset(void *dev)
{
	struct scmi_dev *d = dev;

	scmi_new_frontend(d);
	d->st.p2a = true;
	d->p->p2a = true;
}

void *vt_scmi_dev_new(struct vt_loop *loop, struct vt_scmi_platform *p)
{
	struct scmi_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->loop = loop;
	d->p = p;
	d->order_wait_ns = VT_SCMI_ORDER_WAIT_MS * 1000000ull;
	p->post = post;
	p->post_arg = d;
	d->st.p2a = p->p2a = true;
	vt_scmi_platform_reset(p);
	return d;
}

void vt_scmi_dev_free(void *dev)
{
	struct scmi_dev *d = dev;

	if (!d)
		return;
	if (d->timer)
		vt_loop_timer_cancel(d->loop, d->timer);
	d->p->post = NULL;
	free(d);
}

void vt_scmi_dev_set_order_wait(void *dev, uint64_t ns)
{
	((struct scmi_dev *)dev)->order_wait_ns = ns;
}

void vt_scmi_dev_stats(void *dev, struct vt_scmi_stats *st)
{
	const struct scmi_dev *d = dev;

	*st = d->st;
	st->pending = d->npend;
	st->buffers = d->nbuf;
}

const struct vt_device_model vt_model_scmi = {
	.name = "scmi",
	.virtio_id = VIRTIO_ID_SCMI,
	.num_queues = 2,
	.max_queue_size = SCMI_QUEUE_MAX,
	.features = VT_MODEL_RING_FEATURES | VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS),
	.protocol_features = VT_MODEL_PROTOCOL_FEATURES,
	.attach = scmi_attach,
	.set_features = scmi_set_features,
	.handle = scmi_handle,
	.queue_stopped = scmi_queue_stopped,
	.reset = scmi_reset,
	.new_frontend = scmi_new_frontend,
};
