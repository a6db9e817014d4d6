/* Host I2C adapter passthrough through the i2c-dev character device
 * (/dev/i2c-N, Linux Documentation/i2c/dev-interface.rst).
 *
 * Adapters with I2C_FUNC_I2C get the whole group as one I2C_RDWR ioctl:
 * one combined transfer with repeated starts, as the guest asked.  SMBus-only
 * adapters get the common message shapes mapped onto SMBus commands
 * (quick, byte, byte data, word data, I2C block); other shapes fail. */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hw/i2c_bus.h"
#include "util/log.h"

/* The kernel refuses I2C_RDWR with more messages than this
 * (I2C_RDWR_IOCTL_MAX_MSGS in drivers/i2c/i2c-dev.c). */
#define RDWR_MAX_MSGS 42

struct host_bus {
	struct vt_i2c_bus bus;
	int fd;
	unsigned long funcs;
	char path[64];
	bool warned;   /* the unsupported-shape warning is printed once */
};

static struct host_bus *to_host(struct vt_i2c_bus *bus)
{
	return (struct host_bus *)bus;
}

/* I2C_RDWR returns the adapter's master_xfer result: the number of messages
 * completed, or one errno for the whole ioctl (not which message failed, so
 * that counts as 0 completed: the guest sees every message of the group
 * fail).  Some adapters report a failure as a short count instead of an
 * errno (virtio-i2c returns the messages before the first failed one; 0
 * for a NACK on the first): those messages completed, the rest did not. */
static unsigned rdwr_xfer(struct host_bus *h, struct vt_i2c_msg *msgs, unsigned n)
{
	struct i2c_msg km[RDWR_MAX_MSGS];
	unsigned done = 0;

	/* Groups longer than the kernel's limit go in pieces: the bus then
	 * sees a STOP between pieces instead of a repeated start. */
	while (done < n) {
		unsigned k = n - done < RDWR_MAX_MSGS ? n - done : RDWR_MAX_MSGS;
		for (unsigned i = 0; i < k; i++) {
			const struct vt_i2c_msg *m = &msgs[done + i];
			km[i] = (struct i2c_msg){
				.addr = m->addr,
				.flags = m->read ? I2C_M_RD : 0,
				.len = (__u16)m->len,
				.buf = m->buf,
			};
		}
		struct i2c_rdwr_ioctl_data d = { .msgs = km, .nmsgs = k };
		int r = ioctl(h->fd, I2C_RDWR, &d);
		if (r < 0) {
			vt_debug("%s: I2C_RDWR of %u messages (first to 0x%02x): %s", h->path, k,
				 msgs[done].addr, strerror(errno));
			return done;
		}
		if ((unsigned)r < k) {
			vt_debug("%s: I2C_RDWR of %u messages: message %u (to 0x%02x) failed",
				 h->path, k, done + (unsigned)r + 1, msgs[done + (unsigned)r].addr);
			return done + (unsigned)r;
		}
		done += k;
	}
	return n;
}

static int smbus(struct host_bus *h, uint16_t addr, char rw, uint8_t cmd, int size,
		 union i2c_smbus_data *data)
{
	/* I2C_SLAVE, not I2C_SLAVE_FORCE: an address a host kernel driver
	 * owns stays off limits (EBUSY) rather than being used behind its back. */
	if (ioctl(h->fd, I2C_SLAVE, (unsigned long)addr) < 0)
		return -errno;
	struct i2c_smbus_ioctl_data a = { .read_write = rw, .command = cmd, .size = size, .data = data };
	return ioctl(h->fd, I2C_SMBUS, &a) < 0 ? -errno : 0;
}

static bool need(struct host_bus *h, unsigned long func, const char *what, uint16_t addr)
{
	if (h->funcs & func)
		return true;
	if (!h->warned) {
		vt_warn("%s: adapter cannot do SMBus %s (message to 0x%02x): failing it", h->path,
			what, addr);
		h->warned = true;
	}
	return false;
}

static void unsupported(struct host_bus *h, const struct vt_i2c_msg *m)
{
	if (h->warned)
		return;
	vt_warn("%s: SMBus-only adapter: a %s of %u bytes to 0x%02x has no SMBus equivalent "
		"(supported: 0..33-byte write, 1-byte read, 1-byte write then 1..32-byte "
		"read): failing it", h->path, m->read ? "read" : "write", (unsigned)m->len, m->addr);
	h->warned = true;
}

/* Performs msgs[i] (and msgs[i+1] when they form a register read).
 * Returns messages consumed, 0 on failure. */
static unsigned smbus_one(struct host_bus *h, struct vt_i2c_msg *msgs, unsigned i, unsigned n)
{
	struct vt_i2c_msg *m = &msgs[i];
	union i2c_smbus_data d;
	memset(&d, 0, sizeof(d));

	/* write register + read (repeated start): read byte/word data, I2C block */
	if (!m->read && m->len == 1 && i + 1 < n && msgs[i + 1].read &&
	    msgs[i + 1].addr == m->addr && msgs[i + 1].len >= 1) {
		struct vt_i2c_msg *r = &msgs[i + 1];
		uint8_t reg = m->buf[0];
		if (r->len == 1) {
			if (!need(h, I2C_FUNC_SMBUS_READ_BYTE_DATA, "read byte data", m->addr) ||
			    smbus(h, m->addr, I2C_SMBUS_READ, reg, I2C_SMBUS_BYTE_DATA, &d) < 0)
				return 0;
			r->buf[0] = d.byte;
		} else if (r->len == 2) {
			if (!need(h, I2C_FUNC_SMBUS_READ_WORD_DATA, "read word data", m->addr) ||
			    smbus(h, m->addr, I2C_SMBUS_READ, reg, I2C_SMBUS_WORD_DATA, &d) < 0)
				return 0;
			/* SMBus words travel low byte first */
			r->buf[0] = (uint8_t)(d.word & 0xff);
			r->buf[1] = (uint8_t)(d.word >> 8);
		} else if (r->len <= I2C_SMBUS_BLOCK_MAX) {
			if (!need(h, I2C_FUNC_SMBUS_READ_I2C_BLOCK, "read I2C block", m->addr))
				return 0;
			d.block[0] = (uint8_t)r->len;
			if (smbus(h, m->addr, I2C_SMBUS_READ, reg, I2C_SMBUS_I2C_BLOCK_DATA, &d) < 0)
				return 0;
			memcpy(r->buf, &d.block[1], r->len);
		} else {
			unsupported(h, r);
			return 0;
		}
		return 2;
	}
	if (m->len == 0 && !m->read) {
		if (!need(h, I2C_FUNC_SMBUS_QUICK, "quick", m->addr) ||
		    smbus(h, m->addr, I2C_SMBUS_WRITE, 0, I2C_SMBUS_QUICK, NULL) < 0)
			return 0;
		return 1;
	}
	if (m->read && m->len == 1) {
		if (!need(h, I2C_FUNC_SMBUS_READ_BYTE, "read byte", m->addr) ||
		    smbus(h, m->addr, I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE, &d) < 0)
			return 0;
		m->buf[0] = d.byte;
		return 1;
	}
	if (!m->read && m->len == 1) {
		if (!need(h, I2C_FUNC_SMBUS_WRITE_BYTE, "write byte", m->addr) ||
		    smbus(h, m->addr, I2C_SMBUS_WRITE, m->buf[0], I2C_SMBUS_BYTE, NULL) < 0)
			return 0;
		return 1;
	}
	if (!m->read && m->len == 2) {
		d.byte = m->buf[1];
		if (!need(h, I2C_FUNC_SMBUS_WRITE_BYTE_DATA, "write byte data", m->addr) ||
		    smbus(h, m->addr, I2C_SMBUS_WRITE, m->buf[0], I2C_SMBUS_BYTE_DATA, &d) < 0)
			return 0;
		return 1;
	}
	if (!m->read && m->len >= 3 && m->len - 1 <= I2C_SMBUS_BLOCK_MAX) {
		if (!need(h, I2C_FUNC_SMBUS_WRITE_I2C_BLOCK, "write I2C block", m->addr))
			return 0;
		d.block[0] = (uint8_t)(m->len - 1);
		memcpy(&d.block[1], m->buf + 1, m->len - 1);
		if (smbus(h, m->addr, I2C_SMBUS_WRITE, m->buf[0], I2C_SMBUS_I2C_BLOCK_DATA, &d) < 0)
			return 0;
		return 1;
	}
	unsupported(h, m);
	return 0;
}

static unsigned smbus_xfer(struct host_bus *h, struct vt_i2c_msg *msgs, unsigned n)
{
	unsigned i = 0;
	while (i < n) {
		unsigned k = smbus_one(h, msgs, i, n);
		if (k == 0)
			return i;
		i += k;
	}
	return n;
}

static unsigned host_xfer(struct vt_i2c_bus *bus, struct vt_i2c_msg *msgs, unsigned n)
{
	struct host_bus *h = to_host(bus);
	for (unsigned i = 0; i < n; i++)
		if (msgs[i].addr > 0x7f || msgs[i].len > VT_I2C_MAX_MSG_LEN)
			return i;   /* cannot be expressed to i2c-dev: fail from here */
	if (h->funcs & I2C_FUNC_I2C)
		return rdwr_xfer(h, msgs, n);
	return smbus_xfer(h, msgs, n);
}

static void host_destroy(struct vt_i2c_bus *bus)
{
	struct host_bus *h = to_host(bus);
	if (h->fd >= 0)
		close(h->fd);
	free(h);
}

static const struct vt_i2c_bus_ops host_ops = {
	.xfer = host_xfer,
	.destroy = host_destroy,
};

struct vt_i2c_bus *vt_i2c_host_open(const char *path, char *err, size_t errlen)
{
	struct host_bus *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->bus.ops = &host_ops;
	snprintf(h->path, sizeof(h->path), "%s", path);
	h->fd = open(path, O_RDWR | O_CLOEXEC);
	if (h->fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(h);
		return NULL;
	}
	if (ioctl(h->fd, I2C_FUNCS, &h->funcs) < 0) {
		snprintf(err, errlen, "%s: I2C_FUNCS: %s (not an i2c-dev device?)", path,
			 strerror(errno));
		close(h->fd);
		free(h);
		return NULL;
	}
	if (!(h->funcs & (I2C_FUNC_I2C | I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE |
			  I2C_FUNC_SMBUS_BYTE_DATA | I2C_FUNC_SMBUS_WORD_DATA |
			  I2C_FUNC_SMBUS_I2C_BLOCK)))
		vt_warn("%s: adapter offers neither plain I2C nor the SMBus commands used here "
			"(functionality 0x%lx)", path, h->funcs);
	vt_info("%s: %s (functionality 0x%lx)", path,
		(h->funcs & I2C_FUNC_I2C) ? "I2C_RDWR" : "SMBus emulation", h->funcs);
	return &h->bus;
}
