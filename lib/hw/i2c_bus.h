/* The hardware behind a virtio-i2c device: an I2C bus that performs
 * messages.  Two implementations: a simulated bus with target models
 * (i2c_sim.c: 24c02, 24c32, regs) and the host's /dev/i2c-N (i2c_host.c). */
#ifndef VT_HW_I2C_BUS_H
#define VT_HW_I2C_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_I2C_MAX_MSG_LEN 65535

struct vt_i2c_msg {
	uint16_t addr;   /* 7-bit address (0x00-0x7f) */
	bool read;
	uint32_t len;    /* 0: zero-length (quick) message, used for probing */
	uint8_t *buf;
};

struct vt_i2c_bus;

struct vt_i2c_bus_ops {
	/* Performs msgs[0..n) as one combined transfer (repeated starts).
	 * Returns how many messages completed: fewer than n means msgs[ret]
	 * was not acknowledged (absent target, I/O error) and the rest were not
	 * performed. */
	unsigned (*xfer)(struct vt_i2c_bus *bus, struct vt_i2c_msg *msgs, unsigned n);
	void (*destroy)(struct vt_i2c_bus *bus);
};

struct vt_i2c_bus {
	const struct vt_i2c_bus_ops *ops;
};

static inline unsigned vt_i2c_xfer(struct vt_i2c_bus *bus, struct vt_i2c_msg *msgs, unsigned n)
{
	return bus->ops->xfer(bus, msgs, n);
}

static inline void vt_i2c_bus_destroy(struct vt_i2c_bus *bus)
{
	if (bus)
		bus->ops->destroy(bus);
}

/* Simulated bus with no targets. */
struct vt_i2c_bus *vt_i2c_sim_new(void);
/* Adds a target from "ADDR=MODEL[:file=PATH]", e.g. "0x50=24c02:file=e.bin".
 * ADDR is 0x03-0x77.  Models: 24c02, 24c32, regs.  0; -1 for a bad spec,
 * -2 when the seed file cannot be used; a one-line reason in err. */
int vt_i2c_sim_add_target(struct vt_i2c_bus *bus, const char *spec, char *err, size_t errlen);
/* The simulated bus's targets, ascending: calls fn(addr, model) for each
 * (`info` lists them, so a console completes the present addresses). */
void vt_i2c_sim_each_target(struct vt_i2c_bus *bus, void (*fn)(unsigned addr, const char *model, void *arg),
			    void *arg);
/* Names of the target models, NULL-terminated (help, completion). */
extern const char *const vt_i2c_sim_models[];

/* Host adapter /dev/i2c-N: I2C_RDWR when the adapter has I2C_FUNC_I2C, else
 * SMBus emulation of the common message shapes.  NULL with err set. */
struct vt_i2c_bus *vt_i2c_host_open(const char *path, char *err, size_t errlen);

#endif
