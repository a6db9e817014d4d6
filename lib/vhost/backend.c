/* vhost-user backend: the device side of the protocol, put together from
 * its parts.  One front-end at a time talks to us over a unix stream socket
 * (util/listen.c accepts); each message goes to the device state
 * (vhost/state.c), whose reply we send and whose effects on the rings reach
 * the queue engine (vhost/queue.c), which runs the device model.  Framing
 * errors and failed sends drop the connection; the backend listens again.
 * Messages are read as their bytes come (vt_vhost_rx), never waited for: a
 * front-end that stops inside a message held the whole loop for up to 5 s
 * a wait; now it has VT_VHOST_RECV_TIMEOUT_MS for the message, then it is
 * dropped, while everything else on the loop goes on.  Replies go out the
 * same way (vt_vhost_tx): what the socket does not take waits, the
 * backend reads nothing more meanwhile, and a front-end that does not read
 * its replies for VT_VHOST_RECV_TIMEOUT_MS is dropped. */
#include "vhost/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "trace/source.h"
#include "util/listen.h"
#include "util/log.h"
#include "vhost/msg.h"
#include "vhost/queue.h"
#include "vhost/state.h"
#include "vhost/tx.h"

struct vt_backend {
	struct vt_loop *loop;
	const struct vt_device_model *model;
	void *dev;
	struct vt_listener *listener;   /* NULL: attached only (tests) */
	int conn_fd;
	bool once, send_failed, dispatching;
	const struct vt_backend_hooks *hooks;
	struct vt_vhost_state st;
	struct vt_engine e;
	struct vt_vhost_rx rx;            /* the message arriving */
	struct vt_timer *rx_deadline;     /* armed while a message is incomplete */
	struct vt_vhost_tx tx;            /* what the front-end has not taken yet */
	struct vt_timer *tx_deadline;     /* armed while tx is not empty */
	struct vt_vhost_msg msg, reply;   /* 4 KiB each: kept off the stack */
};

static void emit(struct vt_backend *b, struct vt_event *ev)
{
	ev->t_ns = vt_now_ns();
	b->e.obs(b->e.obs_arg, ev);
}

/* ---- the state's effects ---- */

static void op_ring_changed(void *arg, unsigned q)
{
	vt_engine_update(&((struct vt_backend *)arg)->e, q);
}

static uint16_t op_ring_stop(void *arg, unsigned q)
{
	return vt_engine_stop(&((struct vt_backend *)arg)->e, q);
}

static bool op_ring_running(void *arg, unsigned q)
{
	return vt_engine_running(&((struct vt_backend *)arg)->e, q);
}

static void op_mem_changed(void *arg)
{
	vt_engine_remap(&((struct vt_backend *)arg)->e);
}

static void op_set_features(void *arg, uint64_t f)
{
	struct vt_backend *b = arg;

	if (b->model->set_features)
		b->model->set_features(b->dev, f);
}

static void op_reset(void *arg)
{
	struct vt_backend *b = arg;

	if (b->model->reset)
		b->model->reset(b->dev);
}

static void op_get_config(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct vt_backend *b = arg;

	b->model->get_config(b->dev, off, buf, len);
}

static int op_set_config(void *arg, uint32_t off, const uint8_t *buf, uint32_t len)
{
	struct vt_backend *b = arg;

	return b->model->set_config(b->dev, off, buf, len);
}

static void op_kick(void *arg, unsigned q)
{
	vt_engine_kick(&((struct vt_backend *)arg)->e, q);
}

static void op_new_frontend(void *arg)
{
	struct vt_backend *b = arg;

	if (b->model->new_frontend)
		b->model->new_frontend(b->dev);
}

static const struct vt_vhost_state_ops ops_full = {
	op_ring_changed, op_ring_stop, op_ring_running, op_mem_changed, op_set_features,
	op_reset, op_get_config, op_set_config, op_kick, op_new_frontend,
};
/* The model's optional callbacks decide what the state may call. */
static const struct vt_vhost_state_ops ops_no_set_config = {
	op_ring_changed, op_ring_stop, op_ring_running, op_mem_changed, op_set_features,
	op_reset, op_get_config, NULL, op_kick, op_new_frontend,
};
static const struct vt_vhost_state_ops ops_no_config = {
	op_ring_changed, op_ring_stop, op_ring_running, op_mem_changed, op_set_features,
	op_reset, NULL, NULL, op_kick, op_new_frontend,
};

static const struct vt_vhost_state_ops *ops_for(const struct vt_device_model *m)
{
	if (!m->get_config)
		return &ops_no_config;
	return m->set_config ? &ops_full : &ops_no_set_config;
}

/* A message either way, for the trace: header words, payload, fd count. */
static void emit_msg(struct vt_backend *b, const struct vt_vhost_msg *m, enum vt_msg_dir dir)
{
	if (!b->e.obs)
		return;
	struct vt_event ev = {
		.kind = VT_EV_VHOST_MSG, .request = m->request, .msg_dir = (uint8_t)dir,
		.msg_nfds = (uint8_t)m->nfds, .msg_flags = m->flags,
		.msg_size = m->size <= sizeof(m->p) ? m->size : (uint32_t)sizeof(m->p),
		.msg_payload = m->p.raw,
	};
	emit(b, &ev);
}

static void disconnect(struct vt_backend *b, int err);

static void on_tx_deadline(struct vt_loop *loop, void *arg)
{
	struct vt_backend *b = arg;

	(void)loop;
	b->tx_deadline = NULL;   /* fired: the loop frees it */
	vt_err("vhost-user: the front-end did not read its replies for %d ms (%u messages waiting)",
	       VT_VHOST_RECV_TIMEOUT_MS, b->tx.n);
	disconnect(b, -ETIMEDOUT);
}

/* A message to the front-end: sent now, or queued; then the connection
 * waits to be writable, not readable, for at most the deadline. */
static int tx_send(struct vt_backend *b, const struct vt_vhost_msg *m, const int *fds, unsigned nfds)
{
	bool was = vt_vhost_tx_pending(&b->tx);
	int r = vt_vhost_tx_send(b->conn_fd, &b->tx, m, fds, nfds);

	if (r <= 0 || was)
		return r;
	r = vt_loop_mod_fd(b->loop, b->conn_fd, EPOLLOUT);
	if (r == 0) {
		b->tx_deadline = vt_loop_timer(b->loop, (uint64_t)VT_VHOST_RECV_TIMEOUT_MS * 1000000u,
					       on_tx_deadline, b);
		if (!b->tx_deadline)
			r = -ENOMEM;
	}
	return r;
}

/* The connection is writable: out with the queue, then read again. */
static int tx_flush(struct vt_backend *b)
{
	int r = vt_vhost_tx_flush(b->conn_fd, &b->tx);

	if (r != 0)
		return r < 0 ? r : 0;
	if (b->tx_deadline) {
		vt_loop_timer_cancel(b->loop, b->tx_deadline);
		b->tx_deadline = NULL;
	}
	return vt_loop_mod_fd(b->loop, b->conn_fd, EPOLLIN);
}

static void dispatch(struct vt_backend *b, struct vt_vhost_msg *m)
{
	vt_debug("vhost-user: %s (%u bytes, %u fds)", vt_vhost_request_name(m->request), m->size, m->nfds);
	emit_msg(b, m, VT_MSG_TO_BACKEND);
	enum vt_backend_verdict v = b->hooks && b->hooks->message ? b->hooks->message(b->hooks->arg, m)
								 : VT_BACKEND_STATE;
	if (v == VT_BACKEND_TAKEN) {
		vt_vhost_close_fds(m);
		return;
	}
	if (vt_vhost_state_handle(&b->st, m, &b->reply) != VT_VHOST_REPLY || v == VT_BACKEND_APPLY)
		return;
	int r = tx_send(b, &b->reply, NULL, 0);
	if (r < 0) {
		vt_err("vhost-user: %s: sending the reply failed: %s",
		       vt_vhost_request_name(m->request), strerror(-r));
		b->send_failed = true;
		return;   /* never reached the front-end: not part of the conversation */
	}
	emit_msg(b, &b->reply, VT_MSG_TO_FRONTEND);
}

/* ---- connection ------------------------------------------------------ */

static void teardown(struct vt_backend *b)
{
	vt_vhost_rx_reset(&b->rx);   /* a partial message's fds */
	if (b->rx_deadline) {
		vt_loop_timer_cancel(b->loop, b->rx_deadline);
		b->rx_deadline = NULL;
	}
	vt_vhost_tx_reset(&b->tx);
	if (b->tx_deadline) {
		vt_loop_timer_cancel(b->loop, b->tx_deadline);
		b->tx_deadline = NULL;
	}
	vt_vhost_state_disconnect(&b->st);
	vt_loop_del_fd(b->loop, b->conn_fd);
	close(b->conn_fd);
	b->conn_fd = -1;
	b->send_failed = false;
}

static void disconnect(struct vt_backend *b, int err)
{
	if (err == -ECONNRESET)
		vt_info("vhost-user: front-end disconnected");
	else
		vt_err("vhost-user: dropping the front-end: %s", strerror(-err));
	teardown(b);
	if (b->e.obs) {
		struct vt_event ev = { .kind = VT_EV_DISCONNECT };
		emit(b, &ev);
	}
	if (b->hooks && b->hooks->disconnected)
		b->hooks->disconnected(b->hooks->arg);
	if (b->once) {
		vt_loop_stop(b->loop);
		return;
	}
	/* Accept the next front-end (those that tried meanwhile waited in the
	 * listen backlog). */
	if (b->listener && vt_listener_resume(b->listener) < 0)
		vt_err("vhost-user: cannot listen again on %s", vt_listener_path(b->listener));
}

static void on_rx_deadline(struct vt_loop *loop, void *arg)
{
	struct vt_backend *b = arg;

	(void)loop;
	b->rx_deadline = NULL;   /* fired: the loop frees it */
	vt_err("vhost-user: the front-end stopped inside a message (%zu of %zu bytes in %d ms)",
	       b->rx.got, vt_vhost_rx_total(&b->rx), VT_VHOST_RECV_TIMEOUT_MS);
	disconnect(b, -ETIMEDOUT);
}

static void on_conn(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vt_backend *b = arg;
	struct vt_vhost_msg *m = &b->msg;

	(void)loop;
	int r;
	if (vt_vhost_tx_pending(&b->tx)) {
		/* Only EPOLLOUT (or an error) is asked for while replies wait. */
		r = events & (EPOLLOUT | EPOLLERR | EPOLLHUP) ? tx_flush(b) : 0;
		if (r < 0)
			disconnect(b, r == -EPIPE ? -ECONNRESET : r);
		return;
	}
	r = vt_vhost_rx_read(fd, &b->rx);
	if (r < 0) {
		disconnect(b, r);
		return;
	}
	if (r == 0) {
		/* The rest comes later, or never: bounded from its first byte. */
		if (b->rx.got && !b->rx_deadline) {
			b->rx_deadline = vt_loop_timer(b->loop, (uint64_t)VT_VHOST_RECV_TIMEOUT_MS * 1000000u,
						       on_rx_deadline, b);
			if (!b->rx_deadline)
				disconnect(b, -ENOMEM);
		}
		return;
	}
	if (b->rx_deadline) {
		vt_loop_timer_cancel(b->loop, b->rx_deadline);
		b->rx_deadline = NULL;
	}
	/* The message and its fds are dispatch's now; rx starts the next. */
	memcpy(m, &b->rx.m, sizeof(*m));
	vt_vhost_rx_init(&b->rx);
	b->dispatching = true;
	dispatch(b, m);
	b->dispatching = false;
	if (b->send_failed)
		disconnect(b, -EPIPE);
}

static int attach_conn(struct vt_backend *b, int fd)
{
	int r = vt_loop_add_fd(b->loop, fd, EPOLLIN, on_conn, b);

	if (r < 0) {
		close(fd);
		return r;
	}
	b->conn_fd = fd;
	if (b->listener)
		vt_listener_pause(b->listener);   /* one front-end at a time */
	/* The connect record first, then the log line about it: a trace
	 * reads as the session's frame, the log inside it. */
	if (b->e.obs) {
		struct vt_event ev = { .kind = VT_EV_CONNECT };
		emit(b, &ev);
	}
	vt_info("vhost-user: front-end connected");
	if (b->hooks && b->hooks->connected)
		b->hooks->connected(b->hooks->arg);
	return 0;
}

static void on_accept(void *arg, int c)
{
	struct vt_backend *b = arg;

	if (b->conn_fd >= 0) {
		close(c);   /* cannot happen: we stop listening while connected */
		return;
	}
	attach_conn(b, c);
}

int vt_backend_listen(struct vt_backend *b, const char *path)
{
	/* The connection stays blocking: a message is read whole once it
	 * starts arriving (msg.c bounds the wait). */
	static const struct vt_listen_conf conf = {
		.what = "vhost-user", .backlog = 8, .accept_flags = SOCK_CLOEXEC,
	};
	char err[256];
	int r;

	if (b->listener)
		return -EBUSY;
	b->listener = vt_listen_unix(b->loop, path, &conf, on_accept, b, &r, err, sizeof(err));
	if (!b->listener) {
		vt_err("%s", err);
		return r;
	}
	if (b->conn_fd >= 0)
		vt_listener_pause(b->listener);
	return 0;
}

int vt_backend_attach(struct vt_backend *b, int fd)
{
	if (b->conn_fd >= 0) {
		close(fd);
		return -EBUSY;
	}
	return attach_conn(b, fd);
}

/* ---- public --------------------------------------------------------------- */

struct vt_backend *vt_backend_new(struct vt_loop *loop, const struct vt_device_model *model, void *dev)
{
	if (model->num_queues == 0 || model->num_queues > VT_BACKEND_MAX_QUEUES || !model->handle) {
		vt_err("vhost-user: model %s: %u queues (1..%d) / no handler", model->name,
		       model->num_queues, VT_BACKEND_MAX_QUEUES);
		return NULL;
	}
	struct vt_backend *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->loop = loop;
	b->model = model;
	b->dev = dev;
	b->conn_fd = -1;
	vt_vhost_rx_init(&b->rx);
	vt_vhost_tx_init(&b->tx);
	vt_vhost_state_init(&b->st, ops_for(model), b);
	b->st.name = model->name;
	b->st.offered_features = model->features;
	b->st.offered_protocol_features = model->protocol_features;
	b->st.nq = model->num_queues;
	b->st.max_queue_size = model->max_queue_size;
	b->st.config_size = model->config_size;
	vt_engine_init(&b->e, loop, model, dev, b, &b->st);
	if (model->attach)
		model->attach(dev, b);
	return b;
}

void vt_backend_free(struct vt_backend *b)
{
	if (!b)
		return;
	if (b->conn_fd >= 0)
		teardown(b);
	vt_listener_free(b->listener);
	free(b);
}

void vt_backend_set_once(struct vt_backend *b, bool once)
{
	b->once = once;
}

bool vt_backend_connected(const struct vt_backend *b)
{
	return b->conn_fd >= 0;
}

void vt_backend_set_observer(struct vt_backend *b, vt_observer_fn fn, void *arg)
{
	b->e.obs = fn;
	b->e.obs_arg = arg;
}

void vt_backend_set_stage(struct vt_backend *b, vt_completion_stage_fn fn, void *arg)
{
	vt_engine_set_stage(&b->e, fn, arg);
}

void vt_backend_complete(struct vt_backend *b, unsigned q, uint16_t head, uint32_t used_len)
{
	vt_engine_complete(&b->e, q, head, used_len);
}

int vt_backend_chain(struct vt_backend *b, unsigned q, uint16_t head, struct vt_chain *c)
{
	return vt_engine_chain(&b->e, q, head, c);
}

uint64_t vt_backend_req_id(const struct vt_backend *b, unsigned q, uint16_t head)
{
	const struct vt_inflight *f = q < b->st.nq ? vt_queue_inflight_at(&b->e.q[q], head) : NULL;

	return f ? f->req_id : 0;
}

struct vt_queue *vt_backend_engine_queue(struct vt_backend *b, unsigned q)
{
	return q < b->st.nq ? &b->e.q[q] : NULL;
}

/* ---- a proxy's hooks ---- */

void vt_backend_set_hooks(struct vt_backend *b, const struct vt_backend_hooks *h)
{
	b->hooks = h;
}

int vt_backend_send(struct vt_backend *b, const struct vt_vhost_msg *m, const int *fds, unsigned nfds)
{
	if (b->conn_fd < 0)
		return -ENOTCONN;
	int r = tx_send(b, m, fds, nfds);
	if (r < 0) {
		vt_err("vhost-user: %s: sending to the front-end failed: %s", vt_vhost_request_name(m->request),
		       strerror(-r));
		if (b->dispatching)
			b->send_failed = true;   /* on_conn drops it after the dispatch */
		else
			disconnect(b, -EPIPE);
		return r;
	}
	emit_msg(b, m, VT_MSG_TO_FRONTEND);
	return 0;
}

void vt_backend_apply(struct vt_backend *b, struct vt_vhost_msg *m)
{
	struct vt_vhost_msg *reply = malloc(sizeof(*reply));

	if (!reply) {
		vt_err("vhost-user: %s: out of memory", vt_vhost_request_name(m->request));
		vt_vhost_close_fds(m);
		return;
	}
	vt_vhost_state_handle(&b->st, m, reply);
	vt_vhost_close_fds(m);
	free(reply);
}

void vt_backend_record(struct vt_backend *b, const struct vt_vhost_msg *m, unsigned dir)
{
	emit_msg(b, m, (enum vt_msg_dir)dir);
}

void vt_backend_drop(struct vt_backend *b, const char *why)
{
	if (b->conn_fd < 0)
		return;
	vt_err("vhost-user: dropping the front-end: %s", why);
	if (b->dispatching)
		b->send_failed = true;
	else
		disconnect(b, -ECONNABORTED);
}

void vt_backend_complete_batch(struct vt_backend *b, unsigned q, const uint16_t *heads, const uint32_t *lens,
			       unsigned n)
{
	vt_engine_complete_batch(&b->e, q, heads, lens, n);
}

const struct vt_vhost_state *vt_backend_state(const struct vt_backend *b)
{
	return &b->st;
}

/* ---- the backend as a trace event source ---- */

static void src_set_observer(void *ctx, vt_observer_fn fn, void *arg)
{
	vt_backend_set_observer(ctx, fn, arg);
}

static struct vt_inflight_list *src_inflight(void *ctx, unsigned q)
{
	struct vt_queue *eq = vt_backend_engine_queue(ctx, q);

	return eq ? &eq->infl : NULL;
}

static int src_chain(void *ctx, unsigned q, uint16_t head, struct vt_chain *c)
{
	return vt_backend_chain(ctx, q, head, c);
}

static const struct vt_trace_source_ops source_ops = {
	.set_observer = src_set_observer, .inflight = src_inflight, .chain = src_chain,
};

void vt_backend_trace_source(struct vt_backend *b, struct vt_trace_source *src)
{
	*src = (struct vt_trace_source){
		.ops = &source_ops, .ctx = b, .device = b->model->name,
		.virtio_id = b->model->virtio_id, .num_queues = b->st.nq,
	};
}

void vt_backend_listen_stats(const struct vt_backend *b, struct vt_listen_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (b->listener)
		vt_listener_stats(b->listener, st);
}

int vt_backend_stats(const struct vt_backend *b, unsigned q, struct vt_queue_stats *st)
{
	const struct vt_queue *eq;

	if (q >= b->st.nq)
		return -1;
	eq = &b->e.q[q];
	memset(st, 0, sizeof(*st));
	st->started = eq->started;
	st->broken = eq->vq.broken;
	st->num = eq->vq.num;
	st->kicks = eq->kicks;
	st->calls = eq->calls;
	st->avail = eq->avail;
	st->used = eq->used;
	/* Counted, not derived from avail - used: a stopped ring drops what
	 * was in flight without completing it. */
	st->inflight = eq->infl.n;
	st->max_latency_ns = eq->max_latency_ns;
	st->lat = eq->lat;
	snprintf(st->why, sizeof(st->why), "%s", eq->vq.why);
	return 0;
}

void vt_backend_reset_stats(struct vt_backend *b)
{
	for (unsigned q = 0; q < VT_VHOST_MAX_QUEUES; q++) {
		struct vt_queue *eq = &b->e.q[q];
		eq->kicks = eq->calls = eq->avail = eq->used = eq->max_latency_ns = 0;
		memset(&eq->lat, 0, sizeof(eq->lat));
	}
}

unsigned vt_backend_num_queues(const struct vt_backend *b)
{
	return b->st.nq;
}

const struct vt_device_model *vt_backend_model(const struct vt_backend *b)
{
	return b->model;
}

struct vt_vq *vt_backend_queue(struct vt_backend *b, unsigned q)
{
	return q < b->st.nq ? &b->e.q[q].vq : NULL;
}

uint64_t vt_backend_features(const struct vt_backend *b)
{
	return b->st.features;
}
