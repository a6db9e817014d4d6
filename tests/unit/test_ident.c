/* drive's type check on facts alone (drivers/ident.h): the backends vitool
 * does not serve say less (no MQ, no CONFIG), and what cannot be told must
 * let drive carry on, never guess. */
#include "tap.h"

#include "devices/registry.h"
#include "drivers/ident.h"
#include "virtio/virtio.h"

#define RING (VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_INDIRECT_DESC) | VT_BIT(VIRTIO_RING_F_EVENT_IDX))

static const struct vt_device_type *T(const char *name)
{
	return vt_device_find(name);
}

/* The name mismatch reports, "-" for none (want fits or nothing known),
 * "?" for an unknown device. */
static const char *verdict(const char *want, struct vt_backend_facts f)
{
	const struct vt_device_type *is;

	if (!vt_ident_mismatch(T(want), &f, &is))
		return "-";
	return is ? is->name : "?";
}

#define IS(want, f, name) do { const char *_v = verdict(want, f); \
	if (strcmp(_v, name)) { printf("#   %s: got %s\n", want, _v); tap_fail(__FILE__, __LINE__, #f); } } while (0)

static void nothing_known_carries_on(void)
{
	struct vt_backend_facts f = { .known = false, .config = -1 };

	IS("i2c", f, "-");
	IS("gpio", f, "-");
}

static void vitool_backends(void)
{
	struct vt_backend_facts i2c = { true, RING | VT_BIT(0), 1, 0, false };
	struct vt_backend_facts gpio = { true, RING | VT_BIT(0), 2, 1, false };
	struct vt_backend_facts rng = { true, RING, 1, 0, false };

	IS("i2c", i2c, "-");
	IS("i2c", gpio, "gpio");
	IS("i2c", rng, "rng");
	IS("gpio", gpio, "-");
	IS("gpio", i2c, "i2c");
	IS("gpio", rng, "rng");
	IS("rng", rng, "-");
	IS("rng", i2c, "i2c");
	IS("rng", gpio, "gpio");
}

/* A backend without MQ and CONFIG (queue count and config space unknown). */
static void third_party_says_less(void)
{
	struct vt_backend_facts zlr = { true, RING | VT_BIT(0), 0, -1, false };
	struct vt_backend_facts none = { true, RING, 0, -1, false };

	/* bit 0 is i2c's ZERO_LENGTH_REQUEST and gpio's IRQ alike */
	IS("i2c", zlr, "-");
	IS("gpio", zlr, "-");
	/* rng defines no device bit: bit 0 is i2c's or gpio's, which is not told */
	IS("rng", zlr, "?");
	IS("rng", none, "-");
	IS("gpio", none, "-");
}

static void queue_count_alone(void)
{
	/* 3 queues: none of the registry's types */
	struct vt_backend_facts f = { true, RING, 3, -1, false };

	IS("rng", f, "?");
	IS("gpio", f, "?");
}

static void bad_answer_rules_out_the_type(void)
{
	/* fits i2c by everything it said, then answered like no i2c device:
	 * of the others only scmi (bit 0, no config) fits */
	struct vt_backend_facts f = { true, RING | VT_BIT(0), 0, 0, true };

	IS("i2c", f, "scmi");
	f.offered = RING | VT_BIT(7);
	IS("i2c", f, "?");
	f.offered = RING | VT_BIT(0);
	f.nqueues = 2;
	f.config = 1;
	IS("i2c", f, "gpio");
}

int main(void)
{
	RUN(nothing_known_carries_on);
	RUN(vitool_backends);
	RUN(third_party_says_less);
	RUN(queue_count_alone);
	RUN(bad_answer_rules_out_the_type);
	return tap_done();
}
