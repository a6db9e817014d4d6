/* virtio-gpio driver for vitool's front-end, modelled on what Linux's
 * drivers/gpio/gpio-virtio.c does: a request is an 8-byte device-readable
 * buffer and a device-writable response buffer (2 bytes, or 1 +
 * gpio_names_size for GET_LINE_NAMES); status is looked at first, then the
 * used length must equal the response size.  Interrupts: one eventq pair
 * per line (le16 gpio / u8 status), used length 1. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtio_gpio.h"
#include "drivers/gpio.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "virtio/virtio.h"

#define GPIO_REQ_SIZE 8
#define GPIO_EV_SLOT 4          /* le16 gpio, u8 status, pad */
#define GPIO_MAX_RESP (VT_GPIO_NAMES_SIZE_MAX + 1u)   /* status + any names block we accept */

int vt_gpio_driver_start(struct vt_gpio_driver *d, struct vt_frontend *fe, uint16_t queue_size)
{
	uint8_t cfg[VIRTIO_GPIO_CONFIG_SIZE];
	struct vt_fe_opts o = {
		.nqueues = 2,
		.queue_size = queue_size,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) |
				 VT_BIT(VIRTIO_RING_F_EVENT_IDX) | VT_BIT(VIRTIO_GPIO_F_IRQ),
		.use_event_idx = true,
	};

	memset(d, 0, sizeof(*d));
	d->fe = fe;
	int rc = vt_fe_start(fe, &o);
	if (rc < 0)
		return rc;
	rc = vt_fe_get_config(fe, 0, cfg, sizeof(cfg));
	if (rc < 0)
		return rc;
	d->ngpio = vt_ld_le16(cfg);
	d->names_size = vt_ld_le32(cfg + 4);
	d->irq = fe->features & VT_BIT(VIRTIO_GPIO_F_IRQ);
	if (d->ngpio == 0) {
		/* Linux refuses such a device ("Number of GPIOs can't be zero"). */
		snprintf(fe->err, sizeof(fe->err), "device reports ngpio 0");
		return -EPROTO;
	}
	if (d->names_size > VT_GPIO_NAMES_SIZE_MAX) {
		snprintf(fe->err, sizeof(fe->err), "device reports gpio_names_size %u (at most %u supported)",
			 d->names_size, VT_GPIO_NAMES_SIZE_MAX);
		return -EPROTO;
	}
	d->armed = calloc(d->ngpio, sizeof(*d->armed));
	if (!d->armed) {
		snprintf(fe->err, sizeof(fe->err), "out of memory");
		return -ENOMEM;
	}
	if (d->irq) {
		d->ev = vt_gmem_alloc(&fe->mem, (uint64_t)d->ngpio * GPIO_EV_SLOT, 8, &d->ev_gpa);
		if (!d->ev) {
			snprintf(fe->err, sizeof(fe->err), "no guest memory for %u eventq buffers", d->ngpio);
			return -ENOMEM;
		}
	}
	return 0;
}

void vt_gpio_driver_free(struct vt_gpio_driver *d)
{
	vt_gpio_names_free(d->names, d->ngpio);
	d->names = NULL;
	free(d->armed);
	d->armed = NULL;
	d->ev = NULL;
}

void vt_gpio_names_free(char **names, unsigned n)
{
	if (!names)
		return;
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- requestq -------------------------------------------------------------- */

/* Request tokens carry a generation: a request completed after we gave up
 * on it (timeout) is recognised as late and skipped. */
static uintptr_t req_gen;

static void *req_token(void)
{
	return (void *)((req_gen << 1) | 1);
}

int vt_gpio_request_buf(struct vt_gpio_driver *d, uint16_t type, uint16_t line, uint32_t value,
			uint8_t *resp, uint32_t resp_len, uint32_t *used, int timeout_ms)
{
	struct vt_frontend *fe = d->fe;
	uint64_t gpa_req, gpa_resp;

	if (!fe || fe->nqueues < 1) {
		if (fe)
			snprintf(fe->err, sizeof(fe->err), "gpio driver not started");
		return -EINVAL;
	}
	if (resp_len == 0 || resp_len > GPIO_MAX_RESP) {
		snprintf(fe->err, sizeof(fe->err), "response buffer of %u bytes", resp_len);
		return -EINVAL;
	}
	if (timeout_ms <= 0)
		timeout_ms = 1000;
	uint64_t deadline = vt_now_ns() + (uint64_t)timeout_ms * 1000000;

	uint64_t mark = vt_gmem_mark(&fe->mem);
	uint8_t *g_req = vt_gmem_alloc(&fe->mem, GPIO_REQ_SIZE, 8, &gpa_req);
	uint8_t *g_resp = g_req ? vt_gmem_alloc(&fe->mem, resp_len, 8, &gpa_resp) : NULL;
	if (!g_resp) {
		vt_gmem_release(&fe->mem, mark);
		snprintf(fe->err, sizeof(fe->err), "no guest memory for a %u-byte response", resp_len);
		return -ENOSPC;
	}
	vt_st_le16(g_req, type);
	vt_st_le16(g_req + 2, line);
	vt_st_le32(g_req + 4, value);
	vt_debug("gpio: requestq: %s line %u value %u, %u-byte response",
		 vt_tok2str(vt_gpio_msg_names, "type-%u", type), line, value, resp_len);
	memset(g_resp, 0xff, resp_len);   /* neither OK nor ERR until the device writes */
	struct vt_dseg segs[2] = {
		{ .gpa = gpa_req, .len = GPIO_REQ_SIZE, .writable = false },
		{ .gpa = gpa_resp, .len = resp_len, .writable = true },
	};
	req_gen++;
	int rc = vt_dvq_add(&fe->vq[0], segs, 2, false, req_token());
	if (rc < 0) {
		vt_gmem_release(&fe->mem, mark);
		snprintf(fe->err, sizeof(fe->err), "adding the request: %s", strerror(-rc));
		return rc;
	}
	rc = vt_fe_kick(fe, 0);
	if (rc < 0)
		return rc;

	bool timed_out = false;
	for (;;) {
		uint32_t len;
		uint16_t head;
		void *tok;
		while ((tok = vt_dvq_get(&fe->vq[0], &len, &head))) {
			if (tok != req_token()) {
				vt_debug("gpio: late completion of head %u from an earlier request", head);
				continue;
			}
			if (resp)
				memcpy(resp, g_resp, resp_len);
			*used = len;
			d->last_used = len;
			vt_gmem_release(&fe->mem, mark);
			return 0;
		}
		if (fe->vq[0].broken) {
			snprintf(fe->err, sizeof(fe->err), "requestq: the device broke the used ring");
			return -EPROTO;
		}
		if (timed_out) {
			/* The device may still write there: keep the memory. */
			snprintf(fe->err, sizeof(fe->err), "%s line %u: timed out after %d ms",
				 vt_gpio_msg_name(type) ? vt_gpio_msg_name(type) : "request", line, timeout_ms);
			return -ETIMEDOUT;
		}
		int ms = vt_ms_until(deadline);
		rc = ms ? vt_fe_wait(fe, 0, ms) : 0;
		if (rc < 0)
			return rc;
		if (rc == 0)
			timed_out = true;   /* one more look at the used ring, then give up */
	}
}

int vt_gpio_request(struct vt_gpio_driver *d, uint16_t type, uint16_t line, uint32_t value,
		    uint8_t *status, uint8_t *value_out, int timeout_ms)
{
	uint8_t resp[2];
	uint32_t used = 0;
	int rc = vt_gpio_request_buf(d, type, line, value, resp, sizeof(resp), &used, timeout_ms);
	if (rc < 0)
		return rc;
	*status = resp[0];
	if (value_out)
		*value_out = resp[1];
	/* Like Linux: the status first, then the length. */
	if (resp[0] != VIRTIO_GPIO_STATUS_OK)
		return 1;
	if (used != sizeof(resp)) {
		snprintf(d->fe->err, sizeof(d->fe->err), "%s line %u: used length %u, expected 2",
			 vt_gpio_msg_name(type) ? vt_gpio_msg_name(type) : "request", line, used);
		return -EPROTO;
	}
	return 0;
}

int vt_gpio_get_names(struct vt_gpio_driver *d, char ***names, int timeout_ms)
{
	struct vt_frontend *fe = d->fe;
	char **out = calloc(d->ngpio ? d->ngpio : 1, sizeof(*out));
	int ret = 0;
	uint8_t *resp = NULL;

	*names = NULL;
	if (!out)
		goto oom;
	if (d->names_size) {
		uint32_t len = d->names_size + 1, used = 0;
		resp = malloc(len);
		if (!resp)
			goto oom;
		int rc = vt_gpio_request_buf(d, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, resp, len, &used,
					     timeout_ms);
		if (rc < 0) {
			ret = rc;
			goto out;
		}
		if (resp[0] != VIRTIO_GPIO_STATUS_OK) {
			ret = 1;
			goto out;
		}
		if (used != len) {
			snprintf(fe->err, sizeof(fe->err), "GET_LINE_NAMES: used length %u, expected %u",
				 used, len);
			ret = -EPROTO;
			goto out;
		}
		/* Like Linux: terminate the block instead of trusting it, then
		 * every line must have its string. */
		char *block = (char *)resp + 1;
		block[d->names_size - 1] = '\0';
		size_t off = 0;
		for (unsigned i = 0; i < d->ngpio; i++) {
			if (off >= d->names_size) {
				snprintf(fe->err, sizeof(fe->err),
					 "GET_LINE_NAMES: the names block ends after %u of %u names", i,
					 (unsigned)d->ngpio);
				ret = -EPROTO;
				goto out;
			}
			size_t l = strlen(block + off);
			out[i] = strdup(block + off);
			if (!out[i])
				goto oom;
			off += l + 1;
		}
	} else {
		for (unsigned i = 0; i < d->ngpio; i++)
			if (!(out[i] = strdup("")))
				goto oom;
	}
	free(resp);
	*names = out;
	return 0;
oom:
	snprintf(fe->err, sizeof(fe->err), "out of memory");
	ret = -ENOMEM;
out:
	free(resp);
	vt_gpio_names_free(out, d->ngpio);
	return ret;
}

/* ---- eventq ----------------------------------------------------------------- */

static void *ev_token(unsigned line)
{
	return (void *)(uintptr_t)(line + 1);
}

int vt_gpio_arm(struct vt_gpio_driver *d, uint16_t line)
{
	struct vt_frontend *fe = d->fe;

	if (!d->irq || !d->ev) {
		snprintf(fe->err, sizeof(fe->err), "the device does not offer VIRTIO_GPIO_F_IRQ: no eventq");
		return -ENOTSUP;
	}
	if (line >= d->ngpio) {
		snprintf(fe->err, sizeof(fe->err), "line %u: the device has %u lines", line, d->ngpio);
		return -EINVAL;
	}
	if (d->armed[line])
		return -EALREADY;
	vt_debug("gpio: eventq: buffer for line %u (unmasks its interrupt)", line);
	uint8_t *slot = d->ev + (size_t)line * GPIO_EV_SLOT;
	uint64_t gpa = d->ev_gpa + (uint64_t)line * GPIO_EV_SLOT;
	vt_st_le16(slot, line);
	slot[2] = 0xff;   /* neither VALID nor INVALID until the device writes */
	struct vt_dseg segs[2] = {
		{ .gpa = gpa, .len = 2, .writable = false },
		{ .gpa = gpa + 2, .len = 1, .writable = true },
	};
	int rc = vt_dvq_add(&fe->vq[1], segs, 2, false, ev_token(line));
	if (rc < 0) {
		snprintf(fe->err, sizeof(fe->err), "line %u: adding the eventq buffer: %s", line,
			 strerror(-rc));
		return rc;
	}
	d->armed[line] = true;
	return vt_fe_kick(fe, 1);
}

/* The backend went away (EOF / hangup on the vhost-user socket)? */
static bool backend_gone(const struct vt_frontend *fe)
{
	struct pollfd p = { .fd = fe->sock, .events = POLLRDHUP };
	return fe->sock >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

int vt_gpio_wait_event(struct vt_gpio_driver *d, int timeout_ms, unsigned *line, uint8_t *status)
{
	struct vt_frontend *fe = d->fe;
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : vt_now_ns() + (uint64_t)timeout_ms * 1000000;

	if (!d->irq || !d->ev || fe->nqueues < 2) {
		snprintf(fe->err, sizeof(fe->err), "the device does not offer VIRTIO_GPIO_F_IRQ: no eventq");
		return -ENOTSUP;
	}
	for (;;) {
		uint32_t len;
		uint16_t head;
		void *tok;
		while ((tok = vt_dvq_get(&fe->vq[1], &len, &head))) {
			uintptr_t v = (uintptr_t)tok;
			if (v == 0 || v > d->ngpio || !d->armed[v - 1]) {
				vt_debug("gpio: eventq completion of head %u that is not ours", head);
				continue;
			}
			unsigned l = (unsigned)(v - 1);
			d->armed[l] = false;
			*line = l;
			*status = d->ev[(size_t)l * GPIO_EV_SLOT + 2];
			if (len != 1) {
				/* Linux: "irq with incorrect length", and ignores it. */
				snprintf(fe->err, sizeof(fe->err), "eventq line %u: used length %u, expected 1",
					 l, len);
				return -EPROTO;
			}
			return 0;
		}
		if (fe->vq[1].broken) {
			snprintf(fe->err, sizeof(fe->err), "eventq: the device broke the used ring");
			return -EPROTO;
		}
		int ms = deadline == UINT64_MAX ? 1000 : vt_ms_until(deadline);
		if (ms == 0) {
			snprintf(fe->err, sizeof(fe->err), "no interrupt within %d ms", timeout_ms);
			return -ETIMEDOUT;
		}
		if (ms > 1000)
			ms = 1000;   /* look at the socket now and then */
		int rc = vt_fe_wait(fe, 1, ms);
		if (rc < 0)
			return rc;
		if (rc == 0 && backend_gone(fe)) {
			snprintf(fe->err, sizeof(fe->err), "the backend closed the connection");
			return -ECONNRESET;
		}
	}
}

/* ---- --bench: get LINE | set LINE=LEVEL, taking turns (offsets only: a
 * bench names no line) ---- */

struct bench_req {
	uint16_t type, line;
	uint32_t value;
};

/* The request at words[0]; how many words it took, 0 with err set. */
static unsigned bench_word(char *const *words, unsigned n, void *req, char *err, size_t errlen)
{
	struct bench_req *r = req;
	unsigned line;
	bool set = !strcmp(words[0], "set");

	if ((strcmp(words[0], "get") && !set) || n < 2) {
		snprintf(err, errlen, "'%s': a bench repeats get LINE or set LINE=LEVEL (LINE an offset)", words[0]);
		return 0;
	}
	char buf[32];
	const char *eq = strchr(words[1], '=');
	size_t len = eq ? (size_t)(eq - words[1]) : strlen(words[1]);
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < sizeof(buf) ? len : sizeof(buf) - 1), words[1]);
	int level = set && eq ? vt_parse_level(eq + 1) : 0;
	if (!vt_parse_uint(buf, UINT16_MAX, &line) || (set != (eq != NULL)) || level < 0) {
		snprintf(err, errlen, "%s %s: want %s", words[0], words[1],
			 set ? "LINE=LEVEL, LINE an offset, LEVEL " VT_LEVEL_WORDS : "a line offset");
		return 0;
	}
	*r = (struct bench_req){ .type = set ? VIRTIO_GPIO_MSG_SET_VALUE : VIRTIO_GPIO_MSG_GET_VALUE,
				 .line = (uint16_t)line, .value = (uint32_t)level };
	return 2;
}

bool vt_gpio_bench_check(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct bench_req r[VT_BENCH_MAX_REQS];

	return vt_bench_words(words, n, bench_word, r, sizeof(r[0]), err, errlen) > 0;
}

bool vt_gpio_bench_plan(struct vt_gpio_driver *d, char *const *words, unsigned n, const struct vt_bench_conf *c,
			struct vt_bench_plan *p, char *err, size_t errlen)
{
	struct bench_req r[VT_BENCH_MAX_REQS];
	unsigned nreq = vt_bench_words(words, n, bench_word, r, sizeof(r[0]), err, errlen);

	if (!nreq)
		return false;
	if (!vt_bench_alloc(p, c, nreq, err, errlen))
		return false;
	p->queue = VIRTIO_GPIO_REQUESTQ;
	for (unsigned k = 0; k < p->nslots; k++) {
		struct vt_bench_slot *s = &p->slot[k];
		const struct bench_req *q = &r[k % nreq];
		uint64_t gpa_req, gpa_resp;
		uint8_t *req = vt_gmem_alloc(&d->fe->mem, GPIO_REQ_SIZE, 8, &gpa_req);
		s->status = req ? vt_gmem_alloc(&d->fe->mem, 2, 8, &gpa_resp) : NULL;
		if (!s->status) {
			snprintf(err, errlen, "out of guest memory for %u requests", p->nslots);
			return false;
		}
		vt_st_le16(req, q->type);
		vt_st_le16(req + 2, q->line);
		vt_st_le32(req + 4, q->value);
		s->seg[0] = (struct vt_dseg){ .gpa = gpa_req, .len = GPIO_REQ_SIZE };
		s->seg[1] = (struct vt_dseg){ .gpa = gpa_resp, .len = 2, .writable = true };
		s->nseg = 2;
		s->ok = VIRTIO_GPIO_STATUS_OK;
		s->used = 2;
	}
	return true;
}
