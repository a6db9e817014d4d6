/* virtio-i2c device model (virtio spec "I2C Adapter Device", id 34).
 *
 * A request is one descriptor chain, read as two byte streams because the
 * driver may split buffers as it likes:
 *   device-readable:  le16 addr; le16 padding; le32 flags; u8 write_data[]
 *   device-writable:  u8 read_data[]; u8 status      (status = last byte)
 * Requests carrying FAIL_NEXT form a group with the following requests up to
 * and including the first one without it; a group is performed as one
 * combined bus transfer (repeated starts), and once a message fails every
 * later message of the group fails too. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "devices/i2c.h"
#include "util/bytes.h"
#include "util/log.h"
#include "vhost/backend.h"
#include "vhost/proto.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

#define I2C_HDR_SIZE 8
#define I2C_MAX_PENDING 1024   /* = max_queue_size: one per ring entry */
#define I2C_FLAGS_KNOWN (VIRTIO_I2C_FLAGS_FAIL_NEXT | VIRTIO_I2C_FLAGS_M_RD)

/* One request of a group waiting for its last member.  The chain given to
 * handle() lives only until the next pop, so its segment array is copied;
 * the segments themselves point into guest memory, which stays mapped while
 * the queue runs (queue_stopped() drops everything). */
struct i2c_req {
	uint16_t head;
	uint16_t addr;          /* 7-bit */
	bool read;
	bool bad;               /* failed validation: ERR without touching the bus */
	uint32_t len;           /* data bytes */
	struct vt_chain chain;  /* seg points to segs */
	struct vt_seg *segs;
	unsigned segcap;
};

struct i2c_dev {
	struct vt_i2c_bus *bus;
	struct i2c_req pend[I2C_MAX_PENDING];
	unsigned npend;
	/* A group is open: its earlier part was already performed in an earlier
	 * pass (flush), the driver has not sent the request that ends it yet. */
	bool in_group;
	/* ... and that earlier part failed: the rest of the group fails too. */
	bool group_failed;
};

void *vt_i2c_dev_new(struct vt_i2c_bus *bus)
{
	struct i2c_dev *d = calloc(1, sizeof(*d));
	if (d)
		d->bus = bus;
	return d;
}

void vt_i2c_dev_free(void *dev)
{
	struct i2c_dev *d = dev;
	if (!d)
		return;
	for (unsigned i = 0; i < I2C_MAX_PENDING; i++)
		free(d->pend[i].segs);
	free(d);
}

/* Used length: read data + status, the whole writable part.  Also for a
 * request answered ERR, whose read buffer is left as the driver gave it:
 * drivers look at the status first (Linux ignores the data of a failed
 * message) and a fixed length per request shape keeps the trace simple. */
static uint32_t used_len_of(const struct vt_chain *c)
{
	return c->write_len > UINT32_MAX ? UINT32_MAX : (uint32_t)c->write_len;
}

/* Writes the status byte: the last writable byte of the chain. */
static void put_status(const struct vt_chain *c, uint8_t status)
{
	vt_chain_write(c, c->write_len - 1, &status, 1);
}

/* Parses and validates a chain.  false: malformed (no status byte can be
 * written, or no header to read; *hdr_ok and *flags tell whether the flags
 * are known); else r filled, r->bad set for requests that get ERR. */
static bool parse_req(const struct vt_chain *c, struct i2c_req *r, uint32_t *flags, bool *hdr_ok)
{
	uint8_t hdr[I2C_HDR_SIZE];

	memset(r, 0, sizeof(*r));
	r->head = c->head;
	*hdr_ok = c->read_len >= I2C_HDR_SIZE &&
		  vt_chain_read(c, 0, hdr, sizeof(hdr)) == sizeof(hdr);
	if (*hdr_ok)
		*flags = vt_ld_le32(hdr + 4);
	if (!*hdr_ok || c->write_len < 1) {
		vt_warn("i2c: bad request (head %u): %llu readable bytes (need 8), "
			"%llu writable (need 1): completed with used length 0",
			c->head, (unsigned long long)c->read_len,
			(unsigned long long)c->write_len);
		return false;
	}
	uint16_t addr = vt_ld_le16(hdr);
	uint64_t wdata = c->read_len - I2C_HDR_SIZE;   /* write data bytes */
	uint64_t rdata = c->write_len - 1;             /* read buffer bytes */

	r->read = *flags & VIRTIO_I2C_FLAGS_M_RD;
	r->addr = (addr >> 1) & 0x7f;
	if (*flags & ~I2C_FLAGS_KNOWN) {
		vt_warn("i2c: head %u: reserved flag bits 0x%x set", c->head,
			 *flags & ~I2C_FLAGS_KNOWN);
		r->bad = true;
	} else if (r->read && wdata) {
		vt_warn("i2c: head %u: read request with %llu bytes of write data", c->head,
			 (unsigned long long)wdata);
		r->bad = true;
	} else if (!r->read && rdata) {
		vt_warn("i2c: head %u: write request with a %llu-byte read buffer", c->head,
			 (unsigned long long)rdata);
		r->bad = true;
	} else if (addr > (0x7f << 1) || (addr & 1)) {
		/* Only the 7-bit form is implemented; the 10-bit form and stray low
		 * bits get ERR like an absent target. */
		vt_warn("i2c: head %u: address field 0x%04x is not a 7-bit address "
			 "(10-bit addressing is not supported)", c->head, addr);
		r->bad = true;
	} else if ((r->read ? rdata : wdata) > VT_I2C_MAX_MSG_LEN) {
		vt_warn("i2c: head %u: %llu data bytes, more than %u", c->head,
			 (unsigned long long)(r->read ? rdata : wdata), VT_I2C_MAX_MSG_LEN);
		r->bad = true;
	}
	if (!r->bad)
		r->len = (uint32_t)(r->read ? rdata : wdata);
	return true;
}

/* Keeps a chain's segment array in r (storage reused across groups). */
static bool keep_chain(struct i2c_req *r, const struct vt_chain *c)
{
	unsigned nseg = c->nread + c->nwrite;
	if (nseg > r->segcap) {
		struct vt_seg *s = realloc(r->segs, nseg * sizeof(*s));
		if (!s)
			return false;
		r->segs = s;
		r->segcap = nseg;
	}
	if (nseg)
		memcpy(r->segs, c->seg, nseg * sizeof(*r->segs));
	r->chain = *c;
	r->chain.seg = r->segs;
	return true;
}

/* A group's messages and data live on the stack up to these sizes (a
 * request of one small message, the common case, allocates nothing);
 * larger ones take the heap. */
#define GROUP_STACK_MSGS 8
#define GROUP_STACK_BYTES 512

/* Performs reqs[0..n) as one transfer and writes every status (and read
 * data).  A bad request ends the transfer: it and the rest get ERR, like a
 * NACK.  Returns true when every message was OK. */
static bool run_group(struct i2c_dev *d, struct i2c_req *reqs, unsigned n, bool already_failed)
{
	struct vt_i2c_msg stack_msgs[GROUP_STACK_MSGS];
	uint8_t stack_bytes[GROUP_STACK_BYTES];
	size_t stack_used = 0;
	struct vt_i2c_msg *msgs = n <= GROUP_STACK_MSGS ? stack_msgs : calloc(n, sizeof(*msgs));
	unsigned nmsg = 0, ok = 0;
	bool alloc_failed = !msgs;

	if (!already_failed && msgs) {
		for (; nmsg < n && !reqs[nmsg].bad; nmsg++) {
			struct i2c_req *r = &reqs[nmsg];
			msgs[nmsg] = (struct vt_i2c_msg){ .addr = r->addr, .read = r->read, .len = r->len };
			if (!r->len)
				continue;
			if (r->len <= sizeof(stack_bytes) - stack_used) {
				msgs[nmsg].buf = stack_bytes + stack_used;
				stack_used += r->len;
			} else if (!(msgs[nmsg].buf = malloc(r->len))) {
				alloc_failed = true;
				break;
			}
			/* Copy out of guest memory once: the bus sees a stable
			 * buffer even if the driver scribbles. */
			if (!r->read)
				vt_chain_read(&r->chain, I2C_HDR_SIZE, msgs[nmsg].buf, r->len);
		}
		if (nmsg)
			ok = vt_i2c_xfer(d->bus, msgs, nmsg);
		if (ok > nmsg)   /* a bus claiming more than it was given */
			ok = nmsg;
	}
	if (alloc_failed)
		vt_warn("i2c: out of memory for a %u-message transfer: failing it", n);

	for (unsigned i = 0; i < n; i++) {
		struct i2c_req *r = &reqs[i];
		bool good = i < ok;
		if (good && r->read && r->len)
			vt_chain_write(&r->chain, 0, msgs[i].buf, r->len);
		put_status(&r->chain, good ? VIRTIO_I2C_MSG_OK : VIRTIO_I2C_MSG_ERR);
	}
	for (unsigned i = 0; msgs && i < nmsg; i++) {
		uintptr_t b = (uintptr_t)msgs[i].buf, lo = (uintptr_t)stack_bytes;
		if (b && (b < lo || b >= lo + sizeof(stack_bytes)))
			free(msgs[i].buf);
	}
	if (msgs != stack_msgs)
		free(msgs);
	return ok == n;
}

/* Executes the pending requests and completes them through the backend. */
static void run_pending(struct i2c_dev *d, struct vt_backend *b, unsigned q)
{
	if (!d->npend)
		return;
	if (!run_group(d, d->pend, d->npend, d->group_failed))
		d->group_failed = true;
	for (unsigned i = 0; i < d->npend; i++)
		vt_backend_complete(b, q, d->pend[i].head, used_len_of(&d->pend[i].chain));
	d->npend = 0;
}

static int i2c_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct i2c_dev *d = dev;
	struct i2c_req r;
	uint32_t flags = 0;

	bool hdr_ok = false;
	if (!parse_req(c, &r, &flags, &hdr_ok)) {
		/* No header or no status byte: nothing can be answered.  Inside a
		 * group the transaction is now incomplete, so the whole group
		 * fails.  When the flags say this was its last request, the
		 * group ends here; when they are unknown (short header) we keep
		 * it open: failing one more request is safer than performing
		 * the tail of a broken transaction as a new one. */
		if (d->npend || d->in_group) {
			d->group_failed = true;
			if (hdr_ok && !(flags & VIRTIO_I2C_FLAGS_FAIL_NEXT)) {
				run_pending(d, b, q);
				d->in_group = d->group_failed = false;
			}
		}
		return 0;
	}
	bool more = flags & VIRTIO_I2C_FLAGS_FAIL_NEXT;

	if (d->npend == 0 && !more && !d->in_group) {
		/* A group of one (the common case): run it and answer now; the
		 * chain is valid for the whole call. */
		r.chain = *c;
		run_group(d, &r, 1, false);
		return (int)used_len_of(c);
	}

	struct i2c_req *p = &d->pend[d->npend];
	if (d->npend == I2C_MAX_PENDING || !keep_chain(p, c)) {
		vt_warn("i2c: cannot keep more than %u requests of a FAIL_NEXT group: "
			"failing head %u and the rest of the group", d->npend, c->head);
		run_pending(d, b, q);
		put_status(c, VIRTIO_I2C_MSG_ERR);
		d->in_group = more;
		d->group_failed = more;
		return (int)used_len_of(c);
	}
	p->head = r.head;
	p->addr = r.addr;
	p->read = r.read;
	p->bad = r.bad;
	p->len = r.len;
	d->npend++;

	if (more) {
		d->in_group = true;
		return VT_DEFER;
	}
	/* The last request of the group: complete the earlier ones through
	 * the backend (in order), this one through the return value. */
	unsigned last = d->npend - 1;
	if (!run_group(d, d->pend, d->npend, d->group_failed))
		d->group_failed = true;
	for (unsigned i = 0; i < last; i++)
		vt_backend_complete(b, q, d->pend[i].head, used_len_of(&d->pend[i].chain));
	int ret = (int)used_len_of(&d->pend[last].chain);
	d->npend = 0;
	d->in_group = d->group_failed = false;
	return ret;
}

/* End of a pass: the driver may not have fit the whole group in the ring
 * and waits for these before it can add the rest.  Perform what we have
 * (the bus sees a STOP here) and keep the group open. */
static void i2c_flush(void *dev, struct vt_backend *b, unsigned q)
{
	struct i2c_dev *d = dev;
	if (d->npend) {
		run_pending(d, b, q);
		d->in_group = true;
	}
}

static void i2c_queue_stopped(void *dev, unsigned q)
{
	struct i2c_dev *d = dev;
	(void)q;
	d->npend = 0;
	d->in_group = d->group_failed = false;
}

const struct vt_device_model vt_model_i2c = {
	.name = "i2c",
	.virtio_id = VIRTIO_ID_I2C,
	.num_queues = 1,
	.max_queue_size = 1024,
	.features = VT_MODEL_RING_FEATURES | VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST),
	.protocol_features = VT_MODEL_PROTOCOL_FEATURES,
	.config_size = 0,
	.handle = i2c_handle,
	.flush = i2c_flush,
	.queue_stopped = i2c_queue_stopped,
};
