/* virtio-rng device model.  The driver queues device-writable buffers; the
 * device fills them (all of a buffer, or as much as the rate allows at
 * once) and completes them with the number of bytes written.
 *
 * Rate limit: a token bucket of at most one second's worth (rate bytes),
 * refilled continuously.  A request is completed when the bucket holds its
 * length (capped at the bucket's size: a larger buffer is filled only that
 * far, which the spec allows).  Until then it waits, in order, and a loop
 * timer fires when the first waiting one can be served: the loop never
 * blocks. */
#include "devices/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/proto.h"
#include "virtio/virtio.h"

#define RNG_QUEUE_MAX 1024
#define CHUNK 256          /* bytes generated per chain_write */
#define MAX_FILL 65536     /* per request: a huge buffer is filled only that far */

/* ---- the stream ---- */

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

void vt_rng_stream_init(struct vt_rng_stream *s, bool seeded, uint64_t seed)
{
	*s = (struct vt_rng_stream){ .seeded = seeded, .state = seed, .used = sizeof(s->buf) };
}

int vt_rng_stream_read(struct vt_rng_stream *s, void *dst, size_t len)
{
	uint8_t *p = dst;

	if (!s->seeded) {
		while (len) {
			ssize_t n = getrandom(p, len, 0);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			p += n;
			len -= (size_t)n;
		}
		return 0;
	}
	while (len) {
		if (s->used == sizeof(s->buf)) {
			vt_st_le64(s->buf, splitmix64(&s->state));
			s->used = 0;
		}
		size_t k = sizeof(s->buf) - s->used < len ? sizeof(s->buf) - s->used : len;
		memcpy(p, s->buf + s->used, k);
		s->used += (unsigned)k;
		p += k;
		len -= k;
	}
	return 0;
}

/* ---- the device ---- */

struct rng_dev {
	struct vt_loop *loop;
	struct vt_backend *b;
	struct vt_rng_conf conf;
	struct vt_rng_stream stream;
	/* Token bucket (rate > 0): tokens as of last_ns. */
	double tokens;
	uint64_t last_ns;
	/* Requests waiting for tokens, oldest first: heads of the requestq. */
	uint16_t wait[RNG_QUEUE_MAX];
	unsigned nwait;
	struct vt_timer *timer;
	struct vt_rng_stats st;
};

static void refill(struct rng_dev *d)
{
	uint64_t now = vt_now_ns();

	d->tokens += (double)(now - d->last_ns) * (double)d->conf.rate / 1e9;
	if (d->tokens > (double)d->conf.rate)
		d->tokens = (double)d->conf.rate;
	d->last_ns = now;
}

/* The bytes a chain gets: all its writable bytes, at most MAX_FILL (a
 * hostile buffer of gigabytes must not stall the loop), at most the
 * bucket's size when rate-limited. */
static uint32_t wanted(const struct rng_dev *d, const struct vt_chain *c)
{
	uint64_t n = c->write_len < MAX_FILL ? c->write_len : MAX_FILL;

	if (d->conf.rate && n > d->conf.rate)
		n = d->conf.rate;
	return (uint32_t)n;
}

/* Fills n bytes of c; the used length (0 when the source failed). */
static uint32_t fill(struct rng_dev *d, const struct vt_chain *c, uint32_t n)
{
	uint8_t buf[CHUNK];
	uint32_t off = 0;

	while (off < n) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);
		int r = vt_rng_stream_read(&d->stream, buf, k);
		if (r < 0) {
			vt_warn("rng: getrandom: %s: request completed with what it has", strerror(-r));
			break;
		}
		if (vt_chain_write(c, off, buf, k) < k)
			break;
		off += (uint32_t)k;
	}
	d->st.requests++;
	d->st.bytes += off;
	return off;
}

static void arm_timer(struct rng_dev *d);

/* Serves the waiting requests the bucket now covers, oldest first. */
static void serve_waiting(struct vt_loop *loop, void *arg)
{
	struct rng_dev *d = arg;
	struct vt_chain c;

	(void)loop;
	d->timer = NULL;
	refill(d);
	while (d->nwait) {
		uint16_t head = d->wait[0];
		if (vt_backend_chain(d->b, VIRTIO_RNG_REQUESTQ, head, &c) < 0) {
			vt_warn("rng: head %u: chain is no longer valid: completed with used length 0", head);
			vt_backend_complete(d->b, VIRTIO_RNG_REQUESTQ, head, 0);
		} else {
			uint32_t n = wanted(d, &c);
			if (d->tokens < (double)n)
				break;
			d->tokens -= n;
			vt_backend_complete(d->b, VIRTIO_RNG_REQUESTQ, head, fill(d, &c, n));
		}
		memmove(d->wait, d->wait + 1, (d->nwait - 1) * sizeof(d->wait[0]));
		d->nwait--;
	}
	arm_timer(d);
}

/* A timer for when the oldest waiting request is covered. */
static void arm_timer(struct rng_dev *d)
{
	struct vt_chain c;

	if (!d->nwait || d->timer)
		return;
	uint32_t n = vt_backend_chain(d->b, VIRTIO_RNG_REQUESTQ, d->wait[0], &c) == 0 ? wanted(d, &c) : 0;
	double missing = (double)n - d->tokens;
	uint64_t ns = missing > 0 ? (uint64_t)(missing * 1e9 / (double)d->conf.rate) + 1 : 0;
	d->timer = vt_loop_timer(d->loop, ns, serve_waiting, d);
	if (!d->timer)
		vt_warn("rng: cannot arm the rate-limit timer: %u requests wait for the next kick", d->nwait);
}

static int rng_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct rng_dev *d = dev;

	d->b = b;
	if (q != VIRTIO_RNG_REQUESTQ || c->read_len) {
		vt_warn("rng: q%u head %u: %llu readable bytes in a request: used length 0", q, c->head,
			(unsigned long long)c->read_len);
		return 0;
	}
	if (!d->conf.rate)
		return (int)fill(d, c, wanted(d, c));
	refill(d);
	uint32_t n = wanted(d, c);
	if (!d->nwait && d->tokens >= (double)n) {
		d->tokens -= n;
		return (int)fill(d, c, n);
	}
	if (d->nwait == RNG_QUEUE_MAX) {   /* more than a queue can hold: a bad ring */
		vt_warn("rng: head %u: more waiting requests than a queue holds: used length 0", c->head);
		return 0;
	}
	d->wait[d->nwait++] = c->head;
	d->st.delayed++;
	arm_timer(d);
	return VT_DEFER;
}

static void rng_attach(void *dev, struct vt_backend *b)
{
	((struct rng_dev *)dev)->b = b;
}

/* Waiting chains will never be completed: forget them. */
static void rng_queue_stopped(void *dev, unsigned q)
{
	struct rng_dev *d = dev;

	(void)q;
	d->nwait = 0;
	if (d->timer)
		vt_loop_timer_cancel(d->loop, d->timer);
	d->timer = NULL;
}

/* A rebooted guest reads the stream from the start again, like after
 * power-on. */
static void rng_reset(void *dev)
{
	struct rng_dev *d = dev;

	rng_queue_stopped(d, VIRTIO_RNG_REQUESTQ);
	vt_rng_stream_init(&d->stream, d->conf.seeded, d->conf.seed);
	d->tokens = (double)d->conf.rate;
	d->last_ns = vt_now_ns();
}

void *vt_rng_dev_new(struct vt_loop *loop, const struct vt_rng_conf *conf)
{
	struct rng_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->loop = loop;
	d->conf = *conf;
	rng_reset(d);
	return d;
}

void vt_rng_dev_free(void *dev)
{
	struct rng_dev *d = dev;

	if (!d)
		return;
	if (d->timer)
		vt_loop_timer_cancel(d->loop, d->timer);
	free(d);
}

void vt_rng_dev_stats(void *dev, struct vt_rng_stats *st)
{
	const struct rng_dev *d = dev;

	*st = d->st;
	st->waiting = d->nwait;
}

const struct vt_device_model vt_model_rng = {
	.name = "rng",
	.virtio_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.max_queue_size = RNG_QUEUE_MAX,
	.features = VT_MODEL_RING_FEATURES,
	.protocol_features = VT_MODEL_PROTOCOL_FEATURES,
	.config_size = 0,
	.attach = rng_attach,
	.handle = rng_handle,
	.queue_stopped = rng_queue_stopped,
	.reset = rng_reset,
};
