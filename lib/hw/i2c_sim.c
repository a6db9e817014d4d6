/* Simulated I2C bus: targets at 7-bit addresses, each one of a few models
 * (24c02 / 24c32 EEPROMs, a 256-byte register file).  Every message is one
 * START .. STOP (or repeated START) transaction: a target keeps its current
 * address/register pointer between messages, exactly what makes the usual
 * "write word address, repeated start, read" EEPROM access work. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/i2c_bus.h"
#include "util/bytes.h"
#include "util/parse.h"

/* Addresses a target may use: 0x00-0x02 and 0x78-0x7f are reserved by the
 * I2C specification (general call, CBUS, 10-bit prefix, ...). */
#define SIM_ADDR_MIN 0x03
#define SIM_ADDR_MAX 0x77

enum sim_kind { SIM_EEPROM, SIM_REGS };

struct sim_model {
	const char *name;
	enum sim_kind kind;
	uint32_t size;       /* bytes of memory */
	unsigned addr_bytes; /* word address bytes (EEPROM), 1 for regs */
	uint32_t page;       /* EEPROM write page size */
	uint8_t initial;     /* erased EEPROM 0xff, registers 0x00 */
};

static const struct sim_model sim_models[] = {
	{ "24c02", SIM_EEPROM, 256, 1, 8, 0xff },
	{ "24c32", SIM_EEPROM, 4096, 2, 32, 0xff },
	{ "regs", SIM_REGS, 256, 1, 0, 0x00 },
};

const char *const vt_i2c_sim_models[] = { "24c02", "24c32", "regs", NULL };

struct sim_target {
	const struct sim_model *m;
	uint8_t *mem;
	uint32_t cur;        /* current address / register pointer */
};

struct sim_bus {
	struct vt_i2c_bus bus;
	struct sim_target *t[128];
};

static struct sim_bus *to_sim(struct vt_i2c_bus *bus)
{
	return (struct sim_bus *)bus;
}

/* Write message to an EEPROM: the first addr_bytes bytes are the word
 * address (big-endian, masked to the memory size), the rest is data written
 * inside the page of that address: like the real part, the address counter
 * rolls over within the page rather than into the next one. */
static void eeprom_write(struct sim_target *t, const uint8_t *buf, uint32_t len)
{
	const struct sim_model *m = t->m;
	uint32_t mask = m->size - 1;

	if (len < m->addr_bytes) {
		/* Partial word address (one byte to a 24c32, then STOP): we take
		 * that byte as the high byte of the address pointer and keep the
		 * low byte.  Real parts leave this undefined; this choice keeps the
		 * pointer inside the memory and never writes data. */
		if (len == 1)
			t->cur = (((uint32_t)buf[0] << 8) | (t->cur & 0xff)) & mask;
		return;
	}
	uint32_t a = 0;
	for (unsigned i = 0; i < m->addr_bytes; i++)
		a = (a << 8) | buf[i];
	a &= mask;
	uint32_t base = a & ~(m->page - 1);
	for (uint32_t i = m->addr_bytes; i < len; i++) {
		t->mem[a] = buf[i];
		a = base | ((a + 1) & (m->page - 1));
	}
	t->cur = a;
}

/* Register file: first byte selects the register, the following bytes are
 * written with auto-increment (wrapping at 256). */
static void regs_write(struct sim_target *t, const uint8_t *buf, uint32_t len)
{
	if (len == 0)
		return;
	t->cur = buf[0];
	for (uint32_t i = 1; i < len; i++) {
		t->mem[t->cur] = buf[i];
		t->cur = (t->cur + 1) & 0xff;
	}
}

/* Sequential read from the current address, wrapping at the end of the
 * memory (both EEPROMs and the register file do that). */
static void target_read(struct sim_target *t, uint8_t *buf, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		buf[i] = t->mem[t->cur];
		t->cur = (t->cur + 1) % t->m->size;
	}
}

static unsigned sim_xfer(struct vt_i2c_bus *bus, struct vt_i2c_msg *msgs, unsigned n)
{
	struct sim_bus *s = to_sim(bus);

	for (unsigned i = 0; i < n; i++) {
		struct vt_i2c_msg *msg = &msgs[i];
		struct sim_target *t = msg->addr < 128 ? s->t[msg->addr] : NULL;
		if (!t)
			return i;  /* no ACK for the address byte: the transfer stops */
		if (msg->len == 0)
			continue;  /* quick message: the ACK is the whole answer */
		if (msg->read)
			target_read(t, msg->buf, msg->len);
		else if (t->m->kind == SIM_EEPROM)
			eeprom_write(t, msg->buf, msg->len);
		else
			regs_write(t, msg->buf, msg->len);
	}
	return n;
}

static void sim_destroy(struct vt_i2c_bus *bus)
{
	struct sim_bus *s = to_sim(bus);

	for (unsigned i = 0; i < VT_ARRAY_SIZE(s->t); i++) {
		if (s->t[i]) {
			free(s->t[i]->mem);
			free(s->t[i]);
		}
	}
	free(s);
}

static const struct vt_i2c_bus_ops sim_ops = {
	.xfer = sim_xfer,
	.destroy = sim_destroy,
};

struct vt_i2c_bus *vt_i2c_sim_new(void)
{
	struct sim_bus *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bus.ops = &sim_ops;
	return &s->bus;
}

/* Fills mem from path: at most size bytes; a shorter file fills the start,
 * a longer one is refused (it is not an image of this part). */
static int seed_from_file(const struct sim_model *m, uint8_t *mem, const char *path,
			  char *err, size_t errlen)
{
	/* An image is a regular file.  Non-blocking, because opening a FIFO
	 * nobody writes to waits for ever (start-up hung); checked before a
	 * byte is read. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file (an image of the part)");
		close(fd);
		return -1;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	size_t got = fread(mem, 1, m->size, f);
	int rd_err = ferror(f);
	int extra = rd_err ? EOF : fgetc(f);
	int saved = errno;
	fclose(f);
	if (rd_err) {
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		return -1;
	}
	if (extra != EOF) {
		snprintf(err, errlen, "%s: larger than the %u bytes of a %s", path,
			 (unsigned)m->size, m->name);
		return -1;
	}
	(void)got;
	return 0;
}

int vt_i2c_sim_add_target(struct vt_i2c_bus *bus, const char *spec, char *err, size_t errlen)
{
	struct sim_bus *s = to_sim(bus);
	char buf[512];

	if (!spec || strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "target spec too long");
		return -1;
	}
	strcpy(buf, spec);
	char *eq = strchr(buf, '=');
	if (!eq) {
		snprintf(err, errlen, "%s: expected ADDR=MODEL[:file=PATH]", spec);
		return -1;
	}
	*eq = '\0';
	char *model = eq + 1;
	char *opt = strchr(model, ':');
	if (opt)
		*opt++ = '\0';

	unsigned addr;
	if (!vt_parse_uint(buf, 0x7f, &addr) || addr < SIM_ADDR_MIN || addr > SIM_ADDR_MAX) {
		snprintf(err, errlen, "%s: address must be 0x%02x-0x%02x", spec, SIM_ADDR_MIN,
			 SIM_ADDR_MAX);
		return -1;
	}
	if (s->t[addr]) {
		snprintf(err, errlen, "%s: address 0x%02x already has a target", spec, addr);
		return -1;
	}
	const struct sim_model *m = NULL;
	for (unsigned i = 0; i < VT_ARRAY_SIZE(sim_models); i++)
		if (strcmp(sim_models[i].name, model) == 0)
			m = &sim_models[i];
	if (!m) {
		snprintf(err, errlen, "%s: unknown model \"%s\" (24c02, 24c32, regs)", spec, model);
		return -1;
	}
	const char *path = NULL;
	if (opt) {
		if (strncmp(opt, "file=", 5) != 0 || opt[5] == '\0') {
			snprintf(err, errlen, "%s: unknown option \"%s\" (expected file=PATH)", spec, opt);
			return -1;
		}
		path = opt + 5;
	}

	struct sim_target *t = calloc(1, sizeof(*t));
	uint8_t *mem = malloc(m->size);
	if (!t || !mem) {
		free(t);
		free(mem);
		snprintf(err, errlen, "%s: out of memory", spec);
		return -1;
	}
	memset(mem, m->initial, m->size);
	if (path && seed_from_file(m, mem, path, err, errlen) < 0) {
		free(t);
		free(mem);
		return -2;   /* the spec was fine: the file is the problem */
	}
	t->m = m;
	t->mem = mem;
	s->t[addr] = t;
	return 0;
}

void vt_i2c_sim_each_target(struct vt_i2c_bus *bus, void (*fn)(unsigned addr, const char *model, void *arg),
			    void *arg)
{
	struct sim_bus *s = to_sim(bus);

	for (unsigned a = 0; a < 128; a++)
		if (s->t[a])
			fn(a, s->t[a]->m->name, arg);
}
