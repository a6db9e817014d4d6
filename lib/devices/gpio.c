/* virtio-gpio device model (virtio spec "GPIO Device", id 41).
 *
 * requestq: one chain per message
 *   device-readable:  le16 type; le16 gpio; le32 value
 *   device-writable:  u8 status; u8 value       (GET_LINE_NAMES: u8 status;
 *                     u8 names[gpio_names_size])
 * The used length is exactly the response size (Linux's gpio-virtio insists
 * on it); a response buffer of any other size is completed with used length
 * 0 and a warning, since the driver would reject whatever we wrote.
 *
 * eventq: one chain per line the driver unmasks
 *   device-readable:  le16 gpio
 *   device-writable:  u8 status (INVALID 0 / VALID 1), used length 1
 * SET_IRQ_TYPE (not NONE) enables the line's interrupt, queuing its eventq
 * buffer unmasks it, completing the buffer VALID masks it again.  Edges seen
 * while enabled but masked are latched and delivered at the next unmask;
 * level interrupts are not latched, they fire on unmask while the level
 * holds and on a change into the active level while unmasked.  A pending
 * buffer is remembered by its head only and re-walked through the current
 * memory table (vt_backend_chain) when it completes, which may be long
 * after handle(). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/gpio.h"
#include "util/bytes.h"
#include "util/log.h"
#include "vhost/backend.h"
#include "vhost/proto.h"
#include "virtio/virtio.h"

#define GPIO_REQ_SIZE 8
#define GPIO_RESP_SIZE 2
#define GPIO_CONFIG_SIZE VIRTIO_GPIO_CONFIG_SIZE

struct gline {
	uint8_t irq_type;      /* VIRTIO_GPIO_IRQ_TYPE_*; NONE = disabled */
	bool watching;         /* chip reports this line's level changes */
	bool pending;          /* an eventq buffer is queued: unmasked */
	uint16_t head;         /* ... at this head */
	bool latched;          /* an edge waits for the next unmask */
	uint8_t out_value;     /* SET_VALUE before the line is an output */
	uint64_t irqs;         /* VALID completions */
};

struct gpio_dev {
	struct vt_gpio_chip *chip;
	struct vt_backend *b;
	uint64_t features;     /* acked by the driver */
	unsigned ngpio;
	struct gline *lines;
	uint8_t *names;        /* every name NUL-terminated, in line order */
	uint32_t names_size;   /* 0: the chip has no names */
	vt_gpio_irq_cb irq_cb;
	void *irq_arg;
};

/* The model hands VT_GPIO_DIR_* of the chip to the guest unchanged. */
_Static_assert(VT_GPIO_DIR_NONE == VIRTIO_GPIO_DIRECTION_NONE && VT_GPIO_DIR_OUT == VIRTIO_GPIO_DIRECTION_OUT &&
	       VT_GPIO_DIR_IN == VIRTIO_GPIO_DIRECTION_IN, "chip directions are the wire's");

static bool is_edge_type(unsigned t)
{
	return t == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING || t == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING ||
	       t == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH;
}

static bool is_level_type(unsigned t)
{
	return t == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH || t == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW;
}

/* ---- chip access --------------------------------------------------------------- */

static int chip_dir(struct gpio_dev *d, unsigned line)
{
	return d->chip->ops->get_direction ? d->chip->ops->get_direction(d->chip, line) : -ENOTSUP;
}

static int chip_level(struct gpio_dev *d, unsigned line)
{
	return d->chip->ops->get_value ? d->chip->ops->get_value(d->chip, line) : -ENOTSUP;
}

static int chip_watch(struct gpio_dev *d, unsigned line, bool on)
{
	struct gline *l = &d->lines[line];
	if (l->watching == on)
		return 0;
	int rc = d->chip->ops->watch ? d->chip->ops->watch(d->chip, line, on) : -ENOTSUP;
	if (rc == 0 || !on)
		l->watching = on;   /* a failed unwatch: stop listening anyway */
	return rc;
}

/* Is level the active level of a level-type interrupt? */
static bool level_active(unsigned type, int level)
{
	return (type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH && level == 1) ||
	       (type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW && level == 0);
}

/* ---- eventq completions ------------------------------------------------------------- */

/* Writes status into an eventq chain and completes it.  Returns true when
 * the driver got a well-formed completion (used length 1). */
static bool complete_event(struct gpio_dev *d, struct vt_backend *b, const struct vt_chain *c,
			   uint16_t head, uint8_t status)
{
	if (!c || c->write_len != 1) {
		vt_warn("gpio: eventq head %u: %s: completed with used length 0", head,
			c ? "status buffer is not 1 byte any more" : "chain is no longer valid");
		vt_backend_complete(b, VIRTIO_GPIO_EVENTQ, head, 0);
		return false;
	}
	vt_chain_write(c, 0, &status, 1);
	vt_backend_complete(b, VIRTIO_GPIO_EVENTQ, head, 1);
	(void)d;
	return true;
}

/* Completes line's pending buffer (re-walked through the current memory
 * table) with status.  VALID counts an interrupt and tells the callback. */
static void finish_pending(struct gpio_dev *d, unsigned line, uint8_t status)
{
	struct gline *l = &d->lines[line];
	if (!l->pending)
		return;
	l->pending = false;
	if (!d->b)
		return;
	struct vt_chain c;
	bool ok = complete_event(d, d->b, vt_backend_chain(d->b, VIRTIO_GPIO_EVENTQ, l->head, &c) == 0 ? &c : NULL,
				 l->head, status);
	if (ok && status == VIRTIO_GPIO_IRQ_STATUS_VALID) {
		l->irqs++;
		if (d->irq_cb)
			d->irq_cb(d->irq_arg, line);
	}
}

/* Interrupt off: the pending buffer goes back INVALID, the latch is
 * dropped, the chip stops reporting. */
static void disable_irq(struct gpio_dev *d, unsigned line)
{
	struct gline *l = &d->lines[line];
	l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
	l->latched = false;
	finish_pending(d, line, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	chip_watch(d, line, false);
}

/* The chip saw line change to level. */
static void on_change(void *arg, unsigned line, int level)
{
	struct gpio_dev *d = arg;
	if (line >= d->ngpio)
		return;
	struct gline *l = &d->lines[line];
	unsigned t = l->irq_type;

	if (is_edge_type(t)) {
		bool rising = level != 0;
		bool match = t == VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH ||
			     (rising && t == VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING) ||
			     (!rising && t == VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING);
		if (!match)
			return;
		if (l->pending)
			finish_pending(d, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
		else
			l->latched = true;
	} else if (is_level_type(t)) {
		if (l->pending && level_active(t, level))
			finish_pending(d, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
	}
}

/* ---- public API -------------------------------------------------------------------- */

void *vt_gpio_dev_new(struct vt_gpio_chip *chip)
{
	if (!chip || !chip->ops || chip->ngpio == 0 || chip->ngpio > UINT16_MAX)
		return NULL;
	struct gpio_dev *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->chip = chip;
	d->ngpio = chip->ngpio;
	d->lines = calloc(d->ngpio, sizeof(*d->lines));
	if (!d->lines)
		goto fail;
	if (chip->names) {
		size_t size = 0;
		for (unsigned i = 0; i < d->ngpio; i++)
			size += strlen(chip->names[i] ? chip->names[i] : "") + 1;
		if (size > VT_GPIO_NAMES_SIZE_MAX) {
			/* A host chip's (a simulated one checked its --names): a
			 * block no front-end of ours would take. */
			vt_warn("gpio: the line names take %zu bytes, more than a names block may "
				"(%u): serving the lines without names", size, VT_GPIO_NAMES_SIZE_MAX);
			goto no_names;
		}
		d->names = malloc(size);
		if (!d->names)
			goto fail;
		size_t off = 0;
		for (unsigned i = 0; i < d->ngpio; i++) {
			const char *n = chip->names[i] ? chip->names[i] : "";
			size_t len = strlen(n) + 1;
			memcpy(d->names + off, n, len);
			off += len;
		}
		d->names_size = (uint32_t)size;
	}
no_names:
	chip->change_cb = on_change;
	chip->change_arg = d;
	return d;
fail:
	free(d->lines);
	free(d);
	return NULL;
}

void vt_gpio_dev_free(void *dev)
{
	struct gpio_dev *d = dev;
	if (!d)
		return;
	for (unsigned i = 0; i < d->ngpio; i++)
		chip_watch(d, i, false);
	if (d->chip->change_arg == d) {
		d->chip->change_cb = NULL;
		d->chip->change_arg = NULL;
	}
	free(d->names);
	free(d->lines);
	free(d);
}

unsigned vt_gpio_dev_ngpio(void *dev)
{
	return ((struct gpio_dev *)dev)->ngpio;
}

static const char *line_name(const struct gpio_dev *d, unsigned line)
{
	const char *n = d->chip->names ? d->chip->names[line] : NULL;
	return n ? n : "";
}

int vt_gpio_dev_line_info(void *dev, unsigned line, struct vt_gpio_line_info *out)
{
	struct gpio_dev *d = dev;
	if (line >= d->ngpio)
		return -EINVAL;
	const struct gline *l = &d->lines[line];
	int dir = chip_dir(d, line);
	int v = chip_level(d, line);
	*out = (struct vt_gpio_line_info){
		.line = line,
		.name = line_name(d, line),
		.direction = dir < 0 ? VT_GPIO_DIR_NONE : dir,
		.value = v < 0 ? -1 : v,
		.irq_type = l->irq_type,
		.armed = l->pending,
		.latched = l->latched,
		.irqs = l->irqs,
	};
	return 0;
}

int vt_gpio_dev_find_line(void *dev, const char *word)
{
	struct gpio_dev *d = dev;
	if (!word || !*word)
		return -1;
	size_t n = strspn(word, "0123456789");
	if (word[n] == '\0' && n <= 5) {
		unsigned long v = strtoul(word, NULL, 10);
		if (v < d->ngpio)
			return (int)v;
	}
	if (d->chip->names)
		for (unsigned i = 0; i < d->ngpio; i++)
			if (d->chip->names[i] && strcmp(d->chip->names[i], word) == 0)
				return (int)i;
	return -1;
}

int vt_gpio_dev_set_input(void *dev, unsigned line, int level)
{
	struct gpio_dev *d = dev;
	if (!d->chip->simulated)
		return -ENOTSUP;
	if (line >= d->ngpio || (level != 0 && level != 1))
		return -EINVAL;
	/* The chip reports the change through on_change, which fires or
	 * latches the interrupt. */
	return vt_gpio_sim_set_input(d->chip, line, level);
}

void vt_gpio_dev_set_irq_cb(void *dev, vt_gpio_irq_cb cb, void *arg)
{
	struct gpio_dev *d = dev;
	d->irq_cb = cb;
	d->irq_arg = arg;
}

/* ---- requestq ----------------------------------------------------------------------- */

static uint8_t do_set_direction(struct gpio_dev *d, unsigned line, uint32_t dir)
{
	struct gline *l = &d->lines[line];
	int rc;

	switch (dir) {
	case VT_GPIO_DIR_NONE:
		/* The spec: discard all state of the line. */
		disable_irq(d, line);
		l->out_value = 0;
		rc = d->chip->ops->set_direction(d->chip, line, VT_GPIO_DIR_NONE, 0);
		break;
	case VT_GPIO_DIR_OUT:
		if (l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE) {
			vt_warn("gpio: line %u made an output with its interrupt enabled: "
				"interrupt disabled", line);
			disable_irq(d, line);
		}
		rc = d->chip->ops->set_direction(d->chip, line, VT_GPIO_DIR_OUT, l->out_value);
		break;
	case VT_GPIO_DIR_IN:
		rc = d->chip->ops->set_direction(d->chip, line, VT_GPIO_DIR_IN, 0);
		break;
	default:
		vt_warn("gpio: SET_DIRECTION line %u: bad direction %u", line, dir);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	if (rc < 0) {
		vt_warn("gpio: SET_DIRECTION line %u %u: %s", line, dir, strerror(-rc));
		return VIRTIO_GPIO_STATUS_ERR;
	}
	return VIRTIO_GPIO_STATUS_OK;
}

static uint8_t do_set_value(struct gpio_dev *d, unsigned line, uint32_t value)
{
	if (value > 1) {
		vt_warn("gpio: SET_VALUE line %u: value %u is not 0 or 1", line, value);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	/* The spec: the line "may already be configured for output or may get
	 * configured to output later, at which point this output value must be
	 * used".  Linux's direction_output sends SET_VALUE first. */
	d->lines[line].out_value = (uint8_t)value;
	if (chip_dir(d, line) != VT_GPIO_DIR_OUT)
		return VIRTIO_GPIO_STATUS_OK;
	int rc = d->chip->ops->set_value(d->chip, line, (int)value);
	if (rc < 0) {
		vt_warn("gpio: SET_VALUE line %u: %s", line, strerror(-rc));
		return VIRTIO_GPIO_STATUS_ERR;
	}
	return VIRTIO_GPIO_STATUS_OK;
}

static uint8_t do_set_irq_type(struct gpio_dev *d, unsigned line, uint32_t type)
{
	struct gline *l = &d->lines[line];

	if (!(d->features & VT_BIT(VIRTIO_GPIO_F_IRQ))) {
		vt_warn("gpio: SET_IRQ_TYPE line %u without VIRTIO_GPIO_F_IRQ negotiated", line);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	if (type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		disable_irq(d, line);
		return VIRTIO_GPIO_STATUS_OK;
	}
	if (!is_edge_type(type) && !is_level_type(type)) {
		vt_warn("gpio: SET_IRQ_TYPE line %u: unknown type %u", line, type);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	if (chip_dir(d, line) == VT_GPIO_DIR_OUT) {
		vt_warn("gpio: SET_IRQ_TYPE line %u: the line is an output", line);
		return VIRTIO_GPIO_STATUS_ERR;
	}
	if (l->irq_type == type)
		return VIRTIO_GPIO_STATUS_OK;
	int rc = chip_watch(d, line, true);
	if (rc < 0) {
		vt_warn("gpio: SET_IRQ_TYPE line %u: cannot watch the line: %s", line, strerror(-rc));
		return VIRTIO_GPIO_STATUS_ERR;
	}
	/* A new type (the driver should have disabled first): latching
	 * starts from here. */
	l->irq_type = (uint8_t)type;
	l->latched = false;
	if (l->pending && is_level_type(type) && level_active(type, chip_level(d, line)))
		finish_pending(d, line, VIRTIO_GPIO_IRQ_STATUS_VALID);
	return VIRTIO_GPIO_STATUS_OK;
}

static int handle_request(struct gpio_dev *d, const struct vt_chain *c)
{
	uint8_t req[GPIO_REQ_SIZE];

	if (c->read_len < GPIO_REQ_SIZE || vt_chain_read(c, 0, req, sizeof(req)) != sizeof(req)) {
		vt_warn("gpio: bad request (head %u): %llu readable bytes (need 8): "
			"completed with used length 0", c->head, (unsigned long long)c->read_len);
		return 0;
	}
	uint16_t type = vt_ld_le16(req);
	uint16_t line = vt_ld_le16(req + 2);
	uint32_t value = vt_ld_le32(req + 4);
	bool names = type == VIRTIO_GPIO_MSG_GET_LINE_NAMES;
	uint64_t want = names ? (uint64_t)d->names_size + 1 : GPIO_RESP_SIZE;

	if (c->write_len != want) {
		vt_warn("gpio: %s (head %u): response buffer of %llu bytes, expected %llu: "
			"completed with used length 0",
			vt_gpio_msg_name(type) ? vt_gpio_msg_name(type) : "request", c->head,
			(unsigned long long)c->write_len, (unsigned long long)want);
		return 0;
	}
	if (names) {
		uint8_t st = d->names_size ? VIRTIO_GPIO_STATUS_OK : VIRTIO_GPIO_STATUS_ERR;
		if (!d->names_size)
			vt_warn("gpio: GET_LINE_NAMES: the device has no line names");
		vt_chain_write(c, 0, &st, 1);
		if (d->names_size)
			vt_chain_write(c, 1, d->names, d->names_size);
		return (int)want;
	}

	uint8_t resp[GPIO_RESP_SIZE] = { VIRTIO_GPIO_STATUS_ERR, 0 };
	if (!vt_gpio_msg_name(type)) {
		vt_warn("gpio: unknown message type %u (line %u)", type, line);
	} else if (line >= d->ngpio) {
		vt_warn("gpio: %s: line %u, device has %u", vt_gpio_msg_name(type), line, d->ngpio);
	} else {
		int rc;
		switch (type) {
		case VIRTIO_GPIO_MSG_GET_DIRECTION:
			rc = chip_dir(d, line);
			if (rc >= 0) {
				resp[0] = VIRTIO_GPIO_STATUS_OK;
				resp[1] = (uint8_t)rc;
			}
			break;
		case VIRTIO_GPIO_MSG_SET_DIRECTION:
			resp[0] = do_set_direction(d, line, value);
			break;
		case VIRTIO_GPIO_MSG_GET_VALUE:
			rc = chip_level(d, line);
			if (rc >= 0) {
				resp[0] = VIRTIO_GPIO_STATUS_OK;
				resp[1] = (uint8_t)(rc != 0);
			}
			break;
		case VIRTIO_GPIO_MSG_SET_VALUE:
			resp[0] = do_set_value(d, line, value);
			break;
		case VIRTIO_GPIO_MSG_SET_IRQ_TYPE:
			resp[0] = do_set_irq_type(d, line, value);
			break;
		}
	}
	vt_chain_write(c, 0, resp, sizeof(resp));
	return GPIO_RESP_SIZE;
}

/* ---- eventq ----------------------------------------------------------------------------- */

static int handle_event(struct gpio_dev *d, struct vt_backend *b, const struct vt_chain *c)
{
	uint8_t req[2];
	uint8_t st = VIRTIO_GPIO_IRQ_STATUS_INVALID;

	if (c->read_len < sizeof(req) || vt_chain_read(c, 0, req, sizeof(req)) != sizeof(req) ||
	    c->write_len != 1) {
		vt_warn("gpio: bad eventq buffer (head %u): %llu readable bytes (need 2), "
			"%llu writable (need 1): completed with used length 0", c->head,
			(unsigned long long)c->read_len, (unsigned long long)c->write_len);
		return 0;
	}
	uint16_t line = vt_ld_le16(req);
	if (line >= d->ngpio) {
		vt_warn("gpio: eventq buffer for line %u, device has %u: INVALID", line, d->ngpio);
		vt_chain_write(c, 0, &st, 1);
		return 1;
	}
	struct gline *l = &d->lines[line];
	if (l->irq_type == VIRTIO_GPIO_IRQ_TYPE_NONE) {
		/* Unmasked without being enabled: handed back at once. */
		vt_chain_write(c, 0, &st, 1);
		return 1;
	}
	if (l->pending) {
		vt_warn("gpio: second eventq buffer for line %u (head %u, pending head %u): INVALID",
			line, c->head, l->head);
		vt_chain_write(c, 0, &st, 1);
		return 1;
	}
	bool fire = false;
	if (is_edge_type(l->irq_type) && l->latched) {
		l->latched = false;
		fire = true;
	} else if (is_level_type(l->irq_type) && level_active(l->irq_type, chip_level(d, line))) {
		fire = true;
	}
	if (fire) {
		/* Complete through the backend so that the callback runs after
		 * the used entry exists. */
		if (complete_event(d, b, c, c->head, VIRTIO_GPIO_IRQ_STATUS_VALID)) {
			l->irqs++;
			if (d->irq_cb)
				d->irq_cb(d->irq_arg, line);
		}
		return VT_DEFER;
	}
	l->pending = true;
	l->head = c->head;
	return VT_DEFER;
}

/* ---- model callbacks ----------------------------------------------------------------------- */

static void gpio_get_config(void *dev, uint32_t off, uint8_t *buf, uint32_t len)
{
	struct gpio_dev *d = dev;
	uint8_t cfg[GPIO_CONFIG_SIZE] = { 0 };
	vt_st_le16(cfg, (uint16_t)d->ngpio);
	vt_st_le32(cfg + 4, d->names_size);
	if (vt_range_ok(off, len, sizeof(cfg)))
		memcpy(buf, cfg + off, len);
	else
		memset(buf, 0, len);
}

bool vt_gpio_dev_connected(void *dev)
{
	const struct gpio_dev *d = dev;

	return d->b && vt_backend_connected(d->b);
}

static void gpio_attach(void *dev, struct vt_backend *b)
{
	((struct gpio_dev *)dev)->b = b;
}

static void gpio_set_features(void *dev, uint64_t features)
{
	((struct gpio_dev *)dev)->features = features;
}

static int gpio_handle(void *dev, struct vt_backend *b, unsigned q, const struct vt_chain *c)
{
	struct gpio_dev *d = dev;
	d->b = b;
	if (q == VIRTIO_GPIO_REQUESTQ)
		return handle_request(d, c);
	if (q == VIRTIO_GPIO_EVENTQ)
		return handle_event(d, b, c);
	return 0;
}

static void gpio_queue_stopped(void *dev, unsigned q)
{
	struct gpio_dev *d = dev;
	if (q != VIRTIO_GPIO_EVENTQ)
		return;
	/* The buffers are gone with the ring; latched edges stay: the device
	 * did see them. */
	for (unsigned i = 0; i < d->ngpio; i++)
		d->lines[i].pending = false;
}

/* Device reset: every line back to direction NONE, no IRQ, nothing
 * latched or stored (the queues were stopped first, so no buffer is
 * pending). */
/* Every line released (its IRQ type with it) and no edge latched: what a
 * driver that requested nothing finds. */
static void gpio_new_frontend(void *dev)
{
	struct gpio_dev *d = dev;

	for (unsigned i = 0; i < d->ngpio; i++) {
		do_set_direction(d, i, VT_GPIO_DIR_NONE);
		d->lines[i].latched = false;
	}
}

static void gpio_reset(void *dev)
{
	gpio_new_frontend(dev);
	((struct gpio_dev *)dev)->features = 0;
}

const struct vt_device_model vt_model_gpio = {
	.name = "gpio",
	.virtio_id = VIRTIO_ID_GPIO,
	.num_queues = 2,
	.max_queue_size = 256,
	.features = VT_MODEL_RING_FEATURES | VT_BIT(VIRTIO_GPIO_F_IRQ),
	.protocol_features = VT_MODEL_PROTOCOL_FEATURES | VT_BIT(VHOST_USER_PROTOCOL_F_CONFIG),
	.config_size = GPIO_CONFIG_SIZE,
	.get_config = gpio_get_config,
	.attach = gpio_attach,
	.set_features = gpio_set_features,
	.handle = gpio_handle,
	.queue_stopped = gpio_queue_stopped,
	.reset = gpio_reset,
	.new_frontend = gpio_new_frontend,
};
