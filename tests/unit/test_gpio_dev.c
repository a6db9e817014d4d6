/* virtio-gpio end to end: a forked child runs vt_backend + vt_model_gpio
 * over a simulated 8-line chip with names on a unix socket; the parent is
 * vitool's front-end and gpio driver.  The child also reads commands from a
 * socketpair on its loop ("inject 3 1", "info 3", "later 3 1 50") and
 * answers each with one line: that is how the test sets input levels and
 * looks at the model's line state, in order with the ring traffic. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "devices/gpio.h"
#include "drivers/gpio.h"
#include "drivers/gpio_session.h"
#include "hw/gpio_chip.h"
#include "raw_chain.h"
#include "tap.h"
#include "util/bytes.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "virtio/virtio.h"

#define TMO 3000
#define QUIET_MS 150   /* "no interrupt" is checked by waiting this long */
#define NAMES "reset,led,button,alert,int1,int2,spare,door"
#define NAMES_SIZE 44  /* every name + its NUL */

static char sock_path[108];
static pid_t child = -1;
static int ctl_fd = -1;
static struct vt_frontend fe;
static struct vt_gpio_driver drv;
static bool started;

static void not_started(void)
{
	EXPECT(started);
}

/* ---- the child: backend + command channel ----------------------------------- */

struct child_ctx {
	struct vt_loop *loop;
	void *dev;
	char buf[256];
	size_t len;
	unsigned irq_cbs;
};

struct later {
	struct child_ctx *cx;
	unsigned line;
	int level;
};

static void later_fire(struct vt_loop *loop, void *arg)
{
	struct later *l = arg;
	(void)loop;
	vt_gpio_dev_set_input(l->cx->dev, l->line, l->level);
	free(l);
}

static void child_irq_cb(void *arg, unsigned line)
{
	struct child_ctx *cx = arg;
	(void)line;
	cx->irq_cbs++;
}

static void child_cmd(struct child_ctx *cx, char *cmd, int fd)
{
	char reply[128] = "?";
	unsigned line, ms;
	int level;
	struct vt_gpio_line_info info;

	if (sscanf(cmd, "inject %u %d", &line, &level) == 2) {
		snprintf(reply, sizeof(reply), "%d", vt_gpio_dev_set_input(cx->dev, line, level));
	} else if (sscanf(cmd, "later %u %d %u", &line, &level, &ms) == 3) {
		struct later *l = malloc(sizeof(*l));
		*l = (struct later){ cx, line, level };
		vt_loop_timer(cx->loop, (uint64_t)ms * 1000000, later_fire, l);
		snprintf(reply, sizeof(reply), "0");
	} else if (sscanf(cmd, "info %u", &line) == 1) {
		if (vt_gpio_dev_line_info(cx->dev, line, &info) == 0)
			snprintf(reply, sizeof(reply), "type %u armed %d latched %d irqs %llu dir %d value %d cbs %u",
				 info.irq_type, info.armed, info.latched, (unsigned long long)info.irqs,
				 info.direction, info.value, cx->irq_cbs);
		else
			snprintf(reply, sizeof(reply), "bad line");
	} else if (sscanf(cmd, "find %127s", reply) == 1) {
		int l = vt_gpio_dev_find_line(cx->dev, reply);
		snprintf(reply, sizeof(reply), "%d", l);
	}
	strcat(reply, "\n");
	if (write(fd, reply, strlen(reply)) < 0)
		_exit(7);
}

static void on_ctl(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct child_ctx *cx = arg;
	(void)events;
	ssize_t n = read(fd, cx->buf + cx->len, sizeof(cx->buf) - 1 - cx->len);
	if (n <= 0) {
		vt_loop_del_fd(loop, fd);
		return;
	}
	cx->len += (size_t)n;
	cx->buf[cx->len] = '\0';
	char *nl;
	while ((nl = strchr(cx->buf, '\n'))) {
		*nl = '\0';
		child_cmd(cx, cx->buf, fd);
		size_t rest = cx->len - (size_t)(nl + 1 - cx->buf);
		memmove(cx->buf, nl + 1, rest);
		cx->len = rest;
		cx->buf[cx->len] = '\0';
	}
}

static void run_backend(int fd)
{
	char err[128];
	struct child_ctx cx = { .len = 0 };
	alarm(60);  /* never outlive a broken test */
	cx.loop = vt_loop_new();
	struct vt_gpio_chip *chip = vt_gpio_sim_new(8, NAMES, err, sizeof(err));
	if (!cx.loop || !chip)
		_exit(3);
	cx.dev = vt_gpio_dev_new(chip);
	if (!cx.dev)
		_exit(3);
	vt_gpio_dev_set_irq_cb(cx.dev, child_irq_cb, &cx);
	struct vt_backend *b = vt_backend_new(cx.loop, &vt_model_gpio, cx.dev);
	if (!b || vt_backend_listen(b, sock_path) < 0 || vt_loop_add_fd(cx.loop, fd, POLLIN, on_ctl, &cx) < 0)
		_exit(4);
	vt_backend_set_once(b, true);
	int rc = vt_loop_run(cx.loop);
	vt_loop_del_fd(cx.loop, fd);
	close(fd);
	vt_backend_free(b);
	vt_gpio_dev_free(cx.dev);
	vt_gpio_chip_destroy(chip);
	vt_loop_free(cx.loop);
	_exit(rc < 0 ? 5 : 0);
}

/* ---- parent helpers ---------------------------------------------------------------- */

/* Sends one command to the child and returns its reply line (static). */
static const char *ctl(const char *fmt, ...)
{
	static char reply[256];
	char cmd[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strcat(cmd, "\n");
	reply[0] = '\0';
	if (write(ctl_fd, cmd, strlen(cmd)) < 0)
		return "write failed";
	size_t len = 0;
	while (len < sizeof(reply) - 1) {
		struct pollfd p = { .fd = ctl_fd, .events = POLLIN };
		if (poll(&p, 1, TMO) <= 0)
			return "timeout";
		ssize_t n = read(ctl_fd, reply + len, sizeof(reply) - 1 - len);
		if (n <= 0)
			return "eof";
		len += (size_t)n;
		reply[len] = '\0';
		char *nl = strchr(reply, '\n');
		if (nl) {
			*nl = '\0';
			return reply;
		}
	}
	return reply;
}

static int inject(unsigned line, int level)
{
	return atoi(ctl("inject %u %d", line, level));
}

/* One field of "info L": type, armed, latched, irqs, dir, value, cbs. */
static long info(unsigned line, const char *field)
{
	const char *r = ctl("info %u", line);
	char key[32];
	snprintf(key, sizeof(key), "%s ", field);
	const char *p = strstr(r, key);
	return p ? atol(p + strlen(key)) : -1000;
}

/* Waits until the child's model has line's eventq buffer. */
static bool wait_armed(unsigned line)
{
	for (int i = 0; i < 300; i++) {
		if (info(line, "armed") == 1)
			return true;
		usleep(2000);
	}
	return false;
}

/* Sends a message; returns vt_gpio_request's result. */
static int req(uint16_t type, uint16_t line, uint32_t value, uint8_t *status, uint8_t *val)
{
	uint8_t st = 0xee, v = 0xee;
	int rc = vt_gpio_request(&drv, type, line, value, &st, &v, TMO);
	if (rc < 0)
		printf("# request: %s\n", fe.err);
	if (status)
		*status = st;
	if (val)
		*val = v;
	return rc;
}

static uint8_t status_of(uint16_t type, uint16_t line, uint32_t value)
{
	uint8_t st = 0xee;
	req(type, line, value, &st, NULL);
	return st;
}

static int get_value(uint16_t line)
{
	uint8_t st, v;
	if (req(VIRTIO_GPIO_MSG_GET_VALUE, line, 0, &st, &v) != 0)
		return -1;
	return v;
}

/* Arms line and expects the model to hold the buffer (no event yet). */
static void arm_pending(unsigned line)
{
	EXPECT_EQ(vt_gpio_arm(&drv, (uint16_t)line), 0);
	EXPECT(wait_armed(line));
}

/* Waits for the next eventq completion; returns its status or -errno,
 * *line the line. */
static int event(unsigned *line, int ms)
{
	uint8_t st = 0xee;
	*line = 0xffff;
	int rc = vt_gpio_wait_event(&drv, ms, line, &st);
	return rc < 0 ? rc : st;
}

/* Expects exactly one completion: line with status. */
static void expect_event(unsigned line, int status)
{
	unsigned got;
	EXPECT_EQ(event(&got, TMO), status);
	EXPECT_EQ(got, line);
}

static void expect_no_event(void)
{
	unsigned got;
	EXPECT_EQ(event(&got, QUIET_MS), -ETIMEDOUT);
}

/* Makes line an input at level, with its interrupt off. */
static void input_at(unsigned line, int level)
{
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, (uint16_t)line, VT_GPIO_DIR_IN), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(inject(line, level), 0);
	EXPECT_EQ(get_value((uint16_t)line), level);
}

static uint8_t set_irq(unsigned line, unsigned type)
{
	return status_of(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, (uint16_t)line, type);
}

/* A hand-made eventq chain (rd readable bytes, wlen writable), reaped
 * here: the used length, or -1.  *status is the first writable byte. */
static long raw_event(const uint8_t *rd, uint32_t rlen, uint32_t wlen, uint8_t *status)
{
	return raw_chain(&fe, 1, rd, rlen, wlen, 0, status);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_start(void)
{
	int sv[2];
	snprintf(sock_path, sizeof(sock_path), "/tmp/vt-gpio-e2e-%d.sock", (int)getpid());
	unlink(sock_path);
	EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	child = fork();
	if (child == 0) {
		close(sv[0]);
		run_backend(sv[1]);
	}
	EXPECT(child > 0);
	close(sv[1]);
	ctl_fd = sv[0];
	memset(&fe, 0, sizeof(fe));
	int rc = vt_fe_connect(&fe, sock_path, TMO);
	if (rc == 0)
		rc = vt_gpio_driver_start(&drv, &fe, 16);
	if (rc < 0)
		printf("# start: %s\n", fe.err);
	EXPECT_EQ(rc, 0);
	EXPECT(fe.features & VT_BIT(VIRTIO_GPIO_F_IRQ));
	EXPECT(fe.features & VT_BIT(VIRTIO_F_VERSION_1));
	EXPECT(drv.irq);
	started = rc == 0;
}

static void test_config(void)
{
	uint8_t cfg[8];
	if (!started)
		return not_started();
	EXPECT_EQ(drv.ngpio, 8);
	EXPECT_EQ(drv.names_size, NAMES_SIZE);
	EXPECT_EQ(vt_fe_get_config(&fe, 0, cfg, sizeof(cfg)), 0);
	EXPECT_EQ(vt_ld_le16(cfg), 8);
	EXPECT_EQ(cfg[2], 0);
	EXPECT_EQ(cfg[3], 0);
	EXPECT_EQ(vt_ld_le32(cfg + 4), NAMES_SIZE);
	/* a partial read of gpio_names_size alone */
	EXPECT_EQ(vt_fe_get_config(&fe, 4, cfg, 4), 0);
	EXPECT_EQ(vt_ld_le32(cfg), NAMES_SIZE);
	/* the model's own lookups */
	EXPECT_EQ(atoi(ctl("find button")), 2);
	EXPECT_EQ(atoi(ctl("find 7")), 7);
	EXPECT_EQ(atoi(ctl("find 8")), -1);
	EXPECT_EQ(atoi(ctl("find nosuch")), -1);
}

static void test_line_names(void)
{
	static const char *const want[] = { "reset", "led", "button", "alert", "int1", "int2", "spare", "door" };
	char **names = NULL;
	if (!started)
		return not_started();
	EXPECT_EQ(vt_gpio_get_names(&drv, &names, TMO), 0);
	EXPECT_EQ(drv.last_used, 1 + NAMES_SIZE);
	for (unsigned i = 0; names && i < 8; i++)
		EXPECT(strcmp(names[i], want[i]) == 0);
	vt_gpio_names_free(names, drv.ngpio);
}

static void test_every_message_ok(void)
{
	uint8_t st, v;
	if (!started)
		return not_started();
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_GET_DIRECTION, 0, 0, &st, &v), 0);
	EXPECT_EQ(v, VT_GPIO_DIR_NONE);   /* a chip after reset */
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, VT_GPIO_DIR_IN, &st, NULL), 0);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, &st, &v), 0);
	EXPECT_EQ(v, 0);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(inject(0, 1), 0);
	EXPECT_EQ(get_value(0), 1);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VT_GPIO_DIR_OUT, &st, NULL), 0);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_VALUE, 1, 1, &st, NULL), 0);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(get_value(1), 1);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_VALUE, 1, 0, &st, NULL), 0);
	EXPECT_EQ(get_value(1), 0);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH, &st, NULL), 0);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(info(0, "type"), VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH);
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_NONE, &st, NULL), 0);
	EXPECT_EQ(info(0, "type"), VIRTIO_GPIO_IRQ_TYPE_NONE);
	EXPECT_EQ(info(0, "latched"), 0);   /* edges while disabled are not latched */
}

static void test_direction_round_trip(void)
{
	uint8_t st, v;
	static const unsigned dirs[] = { VT_GPIO_DIR_IN, VT_GPIO_DIR_OUT, VT_GPIO_DIR_IN, VT_GPIO_DIR_NONE };
	if (!started)
		return not_started();
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_DIRECTION, 6, dirs[i], &st, NULL), 0);
		EXPECT_EQ(req(VIRTIO_GPIO_MSG_GET_DIRECTION, 6, 0, &st, &v), 0);
		EXPECT_EQ(v, dirs[i]);
		EXPECT_EQ(info(6, "dir"), dirs[i]);
	}
	/* direction 3 does not exist */
	EXPECT_EQ(req(VIRTIO_GPIO_MSG_SET_DIRECTION, 6, 3, &st, NULL), 1);
	EXPECT_EQ(st, VIRTIO_GPIO_STATUS_ERR);
}

/* The spec: SET_VALUE on a line that is not an output is kept and used
 * when the line becomes one (Linux's direction_output sends SET_VALUE
 * before SET_DIRECTION OUT). */
static void test_set_value_on_input(void)
{
	if (!started)
		return not_started();
	input_at(2, 0);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_VALUE, 2, 1), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(get_value(2), 0);   /* still an input: the outside level */
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VT_GPIO_DIR_OUT), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(get_value(2), 1);   /* drives the stored level */
	EXPECT_EQ(inject(2, 0), -EPERM);
	/* SET_DIRECTION NONE forgets the stored level */
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VT_GPIO_DIR_NONE), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VT_GPIO_DIR_OUT), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(get_value(2), 0);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VT_GPIO_DIR_IN), VIRTIO_GPIO_STATUS_OK);
}

static void test_value_out_of_range(void)
{
	if (!started)
		return not_started();
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VT_GPIO_DIR_OUT), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_VALUE, 1, 2), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_VALUE, 1, 0xffffffff), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(get_value(1), 0);
}

static void test_line_out_of_range(void)
{
	if (!started)
		return not_started();
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_GET_VALUE, 8, 0), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_GET_DIRECTION, 100, 0), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 0xffff, VT_GPIO_DIR_IN), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_VALUE, 8, 0), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(set_irq(8, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_ERR);
}

static void test_unknown_type(void)
{
	if (!started)
		return not_started();
	EXPECT_EQ(status_of(9, 3, 0), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(drv.last_used, 2);
	EXPECT_EQ(status_of(0, 3, 0), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(status_of(0xffff, 0, 0), VIRTIO_GPIO_STATUS_ERR);
	/* unknown IRQ types */
	input_at(3, 0);
	EXPECT_EQ(set_irq(3, 5), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(set_irq(3, 16), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(info(3, "type"), VIRTIO_GPIO_IRQ_TYPE_NONE);
}

static void test_irq_on_output(void)
{
	if (!started)
		return not_started();
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 1, VT_GPIO_DIR_OUT), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(set_irq(1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(set_irq(1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), VIRTIO_GPIO_STATUS_ERR);
	EXPECT_EQ(info(1, "type"), VIRTIO_GPIO_IRQ_TYPE_NONE);
	/* NONE is always fine: it only disables */
	EXPECT_EQ(set_irq(1, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
}

static void test_edge_rising(void)
{
	if (!started)
		return not_started();
	long cbs = info(3, "cbs");   /* irq callbacks so far, all lines */
	input_at(3, 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	/* rising edge while enabled but masked: latched ... */
	EXPECT_EQ(inject(3, 1), 0);
	EXPECT_EQ(info(3, "latched"), 1);
	/* ... and delivered when the buffer comes */
	EXPECT_EQ(vt_gpio_arm(&drv, 3), 0);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(info(3, "latched"), 0);
	/* armed: a falling edge does nothing, a rising one fires */
	arm_pending(3);
	EXPECT_EQ(inject(3, 0), 0);
	expect_no_event();
	EXPECT_EQ(inject(3, 1), 0);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* masked again: a falling edge is not latched for a rising type */
	EXPECT_EQ(inject(3, 0), 0);
	EXPECT_EQ(info(3, "latched"), 0);
	arm_pending(3);
	expect_no_event();
	EXPECT_EQ(info(3, "irqs"), 2);
	EXPECT_EQ(info(3, "cbs"), cbs + 2);   /* one per VALID completion */
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

static void test_edge_falling(void)
{
	if (!started)
		return not_started();
	input_at(4, 1);
	EXPECT_EQ(set_irq(4, VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(inject(4, 0), 0);            /* falling while masked: latched */
	EXPECT_EQ(info(4, "latched"), 1);
	EXPECT_EQ(vt_gpio_arm(&drv, 4), 0);
	expect_event(4, VIRTIO_GPIO_IRQ_STATUS_VALID);
	arm_pending(4);
	EXPECT_EQ(inject(4, 1), 0);            /* rising: nothing */
	expect_no_event();
	EXPECT_EQ(inject(4, 0), 0);            /* falling while armed: fires */
	expect_event(4, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(info(4, "irqs"), 2);
	EXPECT_EQ(set_irq(4, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_no_event();                     /* nothing was pending */
}

static void test_edge_both(void)
{
	if (!started)
		return not_started();
	input_at(5, 0);
	EXPECT_EQ(set_irq(5, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(inject(5, 1), 0);
	EXPECT_EQ(vt_gpio_arm(&drv, 5), 0);
	expect_event(5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	arm_pending(5);
	EXPECT_EQ(inject(5, 0), 0);
	expect_event(5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* two edges while masked make one latched interrupt */
	EXPECT_EQ(inject(5, 1), 0);
	EXPECT_EQ(inject(5, 0), 0);
	EXPECT_EQ(vt_gpio_arm(&drv, 5), 0);
	expect_event(5, VIRTIO_GPIO_IRQ_STATUS_VALID);
	arm_pending(5);
	expect_no_event();
	EXPECT_EQ(info(5, "irqs"), 3);
	EXPECT_EQ(set_irq(5, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(5, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

static void test_level_high(void)
{
	if (!started)
		return not_started();
	input_at(6, 0);
	EXPECT_EQ(set_irq(6, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH), VIRTIO_GPIO_STATUS_OK);
	arm_pending(6);                        /* low: nothing */
	expect_no_event();
	EXPECT_EQ(inject(6, 1), 0);            /* into the active level while armed */
	expect_event(6, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(vt_gpio_arm(&drv, 6), 0);    /* still high: fires at unmask */
	expect_event(6, VIRTIO_GPIO_IRQ_STATUS_VALID);
	/* high and low again while masked: not latched */
	EXPECT_EQ(inject(6, 0), 0);
	EXPECT_EQ(inject(6, 1), 0);
	EXPECT_EQ(inject(6, 0), 0);
	EXPECT_EQ(info(6, "latched"), 0);
	arm_pending(6);
	expect_no_event();
	EXPECT_EQ(inject(6, 1), 0);
	expect_event(6, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(info(6, "irqs"), 3);
	EXPECT_EQ(inject(6, 0), 0);
	EXPECT_EQ(set_irq(6, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_no_event();
}

static void test_level_low(void)
{
	if (!started)
		return not_started();
	input_at(7, 0);
	EXPECT_EQ(set_irq(7, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(vt_gpio_arm(&drv, 7), 0);    /* low already: fires at unmask */
	expect_event(7, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(inject(7, 1), 0);
	EXPECT_EQ(inject(7, 0), 0);            /* not latched */
	EXPECT_EQ(inject(7, 1), 0);
	arm_pending(7);
	expect_no_event();
	EXPECT_EQ(inject(7, 0), 0);
	expect_event(7, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(info(7, "irqs"), 2);
	EXPECT_EQ(inject(7, 1), 0);
	EXPECT_EQ(set_irq(7, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_no_event();
}

static void test_irq_none_returns_pending(void)
{
	if (!started)
		return not_started();
	input_at(3, 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	arm_pending(3);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	EXPECT_EQ(info(3, "armed"), 0);
	/* disabling drops a latched edge too */
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(inject(3, 1), 0);
	EXPECT_EQ(info(3, "latched"), 1);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(info(3, "latched"), 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	arm_pending(3);
	expect_no_event();
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

static void test_unmask_not_enabled(void)
{
	if (!started)
		return not_started();
	input_at(2, 0);
	EXPECT_EQ(vt_gpio_arm(&drv, 2), 0);
	expect_event(2, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	EXPECT_EQ(info(2, "armed"), 0);
	EXPECT_EQ(info(2, "irqs"), 0);
}

static void test_second_buffer_refused(void)
{
	uint8_t rd[2], st = 0xee;
	if (!started)
		return not_started();
	input_at(3, 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	arm_pending(3);
	EXPECT_EQ(vt_gpio_arm(&drv, 3), -EALREADY);   /* our driver never does it ... */
	vt_st_le16(rd, 3);
	EXPECT_EQ(raw_event(rd, 2, 1, &st), 1);       /* ... a hand-made second pair */
	EXPECT_EQ(st, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	EXPECT_EQ(info(3, "armed"), 1);               /* the first one stays */
	EXPECT_EQ(inject(3, 1), 0);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
}

static void test_bad_eventq_buffers(void)
{
	uint8_t rd[2], st = 0xee;
	if (!started)
		return not_started();
	vt_st_le16(rd, 8);                            /* no such line */
	EXPECT_EQ(raw_event(rd, 2, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	vt_st_le16(rd, 0xffff);
	st = 0xee;
	EXPECT_EQ(raw_event(rd, 2, 1, &st), 1);
	EXPECT_EQ(st, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	vt_st_le16(rd, 3);
	EXPECT_EQ(raw_event(rd, 2, 2, &st), 0);       /* 2-byte status buffer */
	EXPECT_EQ(raw_event(rd, 1, 1, &st), 0);       /* 1-byte request */
	EXPECT_EQ(raw_event(rd, 2, 0, &st), 0);       /* no status buffer */
}

static void test_out_of_order(void)
{
	unsigned l1, l2;
	if (!started)
		return not_started();
	input_at(3, 0);
	input_at(5, 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(set_irq(5, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	arm_pending(3);
	arm_pending(5);
	EXPECT_EQ(inject(5, 1), 0);
	EXPECT_EQ(inject(3, 1), 0);
	EXPECT_EQ(event(&l1, TMO), VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(event(&l2, TMO), VIRTIO_GPIO_IRQ_STATUS_VALID);
	EXPECT_EQ(l1, 5);   /* armed second, fired first */
	EXPECT_EQ(l2, 3);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(set_irq(5, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_no_event();
}

static void test_used_lengths(void)
{
	uint8_t resp[64];
	uint32_t used = 0xdead;
	if (!started)
		return not_started();
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, resp, 2, &used, TMO), 0);
	EXPECT_EQ(used, 2);
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, resp, 1 + NAMES_SIZE,
				      &used, TMO), 0);
	EXPECT_EQ(used, 1 + NAMES_SIZE);
	EXPECT_EQ(resp[0], VIRTIO_GPIO_STATUS_OK);
	EXPECT(memcmp(resp + 1, "reset\0led\0", 10) == 0);
	EXPECT_EQ(resp[NAMES_SIZE], 0);
	/* response buffers of the wrong size: used length 0, nothing written */
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, resp, 3, &used, TMO), 0);
	EXPECT_EQ(used, 0);
	EXPECT_EQ(resp[0], 0xff);
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_VALUE, 0, 0, resp, 1, &used, TMO), 0);
	EXPECT_EQ(used, 0);
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, resp, NAMES_SIZE, &used,
				      TMO), 0);
	EXPECT_EQ(used, 0);
	EXPECT_EQ(vt_gpio_request_buf(&drv, VIRTIO_GPIO_MSG_GET_LINE_NAMES, 0, 0, resp, 2, &used, TMO), 0);
	EXPECT_EQ(used, 0);
	EXPECT_EQ(vt_gpio_request_buf(&drv, 9, 0, 0, resp, 4, &used, TMO), 0);
	EXPECT_EQ(used, 0);
	/* eventq: 1 (wait_event fails with -EPROTO otherwise) */
	input_at(3, 0);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING), VIRTIO_GPIO_STATUS_OK);
	arm_pending(3);
	EXPECT_EQ(set_irq(3, VIRTIO_GPIO_IRQ_TYPE_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(3, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

static void test_dir_none_discards(void)
{
	if (!started)
		return not_started();
	input_at(4, 0);
	EXPECT_EQ(set_irq(4, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(inject(4, 1), 0);
	EXPECT_EQ(info(4, "latched"), 1);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 4, VT_GPIO_DIR_NONE), VIRTIO_GPIO_STATUS_OK);
	EXPECT_EQ(info(4, "type"), VIRTIO_GPIO_IRQ_TYPE_NONE);
	EXPECT_EQ(info(4, "latched"), 0);
	input_at(4, 0);
	EXPECT_EQ(set_irq(4, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH), VIRTIO_GPIO_STATUS_OK);
	arm_pending(4);
	EXPECT_EQ(status_of(VIRTIO_GPIO_MSG_SET_DIRECTION, 4, VT_GPIO_DIR_NONE), VIRTIO_GPIO_STATUS_OK);
	expect_event(4, VIRTIO_GPIO_IRQ_STATUS_INVALID);
	EXPECT_EQ(vt_gpio_arm(&drv, 4), 0);    /* no longer enabled */
	expect_event(4, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

/* Runs session words; returns the result, output in out (static). */
static enum vt_run_result session(const char *line, char **outp, char *err, size_t errlen)
{
	static char out_buf[4096];
	char buf[512], *words[64];
	unsigned n = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && n < 64; t = strtok(NULL, " "))
		words[n++] = t;
	memset(out_buf, 0, sizeof(out_buf));
	FILE *f = fmemopen(out_buf, sizeof(out_buf) - 1, "w");
	struct vt_run_opts o = { .timeout_ms = TMO };
	err[0] = '\0';
	enum vt_run_result r = vt_gpio_run_words(&drv, words, n, &o, f, err, errlen);
	fclose(f);
	*outp = out_buf;
	if (r != VT_RUN_OK)
		printf("# session '%s': %d %s\n", line, r, err);
	return r;
}

static bool check(const char *line, char *err, size_t errlen)
{
	char buf[512], *words[64];
	unsigned n = 0;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && n < 64; t = strtok(NULL, " "))
		words[n++] = t;
	return vt_gpio_check_words(words, n, err, errlen);
}

static void test_session_words(void)
{
	char err[256], *out;
	if (!started)
		return not_started();
	EXPECT(check("info names get 3 set led=1 dir 3 in irq button both wait 3 --timeout 100 wait 2",
		     err, sizeof(err)));
	EXPECT(!check("get", err, sizeof(err)));
	EXPECT_STR_HAS(err, "get");
	EXPECT(!check("set 3=2", err, sizeof(err)));
	EXPECT_STR_HAS(err, "set 3=2");
	EXPECT(!check("set 3", err, sizeof(err)));
	EXPECT(!check("dir 3 sideways", err, sizeof(err)));
	EXPECT_STR_HAS(err, "dir 3 sideways");
	EXPECT(!check("irq 3 edge", err, sizeof(err)));
	EXPECT(!check("wait 3 --timeout soon", err, sizeof(err)));
	EXPECT(!check("frob 3", err, sizeof(err)));
	EXPECT_STR_HAS(err, "frob");
	EXPECT(!check("", err, sizeof(err)));

	EXPECT_EQ(session("info", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT_STR_HAS(out, "ngpio: 8\n");
	EXPECT_STR_HAS(out, "gpio_names_size: 44\n");
	EXPECT_EQ(session("names", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT_STR_HAS(out, "0\treset\n1\tled\n2\tbutton\n");
	EXPECT_STR_HAS(out, "7\tdoor\n");
	EXPECT_EQ(session("dir button in", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT_EQ(inject(2, 1), 0);
	EXPECT_EQ(session("get button get 2", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT(strcmp(out, "1\n1\n") == 0);
	EXPECT_EQ(session("set led=1 dir led out get led", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT(strcmp(out, "1\n") == 0);
	EXPECT_EQ(inject(2, 0), 0);
	/* an interrupt injected while waiting: gpiomon-like line */
	ctl("later 2 1 100");
	EXPECT_EQ(session("irq button rising wait button --timeout 3000", &out, err, sizeof(err)),
		  VT_RUN_OK);
	EXPECT_STR_HAS(out, "event: RISING EDGE offset: 2 name: \"button\" timestamp: [");
	/* both edges: decided by the level after the event */
	ctl("later 2 0 100");
	EXPECT_EQ(session("irq 2 none irq 2 both wait 2 --timeout 3000", &out, err, sizeof(err)),
		  VT_RUN_OK);
	EXPECT_STR_HAS(out, "event: FALLING EDGE offset: 2 name: \"button\" timestamp: [");
	/* nothing happens: timeout; the buffer stays queued and a later wait reuses it */
	EXPECT_EQ(session("wait 2 --timeout 100", &out, err, sizeof(err)), VT_RUN_DEVICE_ERR);
	EXPECT_STR_HAS(err, "wait 2");
	EXPECT_STR_HAS(err, "no interrupt");
	EXPECT_EQ(session("irq 2 none", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT_EQ(session("wait 2 --timeout 1000", &out, err, sizeof(err)), VT_RUN_DEVICE_ERR);
	EXPECT_STR_HAS(err, "INVALID");
	/* errors name the op */
	EXPECT_EQ(session("get 8", &out, err, sizeof(err)), VT_RUN_USAGE);
	EXPECT_STR_HAS(err, "get 8");
	EXPECT_EQ(session("get nosuch", &out, err, sizeof(err)), VT_RUN_USAGE);
	EXPECT_STR_HAS(err, "no line named 'nosuch'");
	EXPECT_EQ(session("irq led rising", &out, err, sizeof(err)), VT_RUN_DEVICE_ERR);
	EXPECT_STR_HAS(err, "irq led rising");
	EXPECT_STR_HAS(err, "ERR");
	EXPECT_EQ(session("set 1=0 get 1", &out, err, sizeof(err)), VT_RUN_OK);
	EXPECT(strcmp(out, "0\n") == 0);
	EXPECT_EQ(session("dir led none dir button none", &out, err, sizeof(err)), VT_RUN_OK);
}

/* A chip whose names make a block larger than VT_GPIO_NAMES_SIZE_MAX (a
 * host chip: a simulated one refuses such --names) is served without
 * names, rather than with a block vitool's own front-end refuses. */
static void test_names_over_limit(void)
{
	char err[128];
	uint8_t cfg[VIRTIO_GPIO_CONFIG_SIZE];
	struct vt_gpio_chip *chip = vt_gpio_sim_new(1024, NULL, err, sizeof(err));

	EXPECT(chip != NULL);
	if (!chip)
		return;
	chip->names = calloc(chip->ngpio, sizeof(*chip->names));
	for (unsigned i = 0; chip->names && i < chip->ngpio; i++) {
		chip->names[i] = malloc(101);
		if (chip->names[i]) {
			memset(chip->names[i], 'x', 100);
			chip->names[i][100] = '\0';
			char num[16];
			snprintf(num, sizeof(num), "n%04u", i);   /* unique: n0000xxx... */
			memcpy(chip->names[i], num, strlen(num));
		}
	}
	void *dev = vt_gpio_dev_new(chip);
	EXPECT(dev != NULL);
	vt_model_gpio.get_config(dev, 0, cfg, sizeof(cfg));
	EXPECT_EQ(vt_ld_le16(cfg), 1024);
	EXPECT_EQ(vt_ld_le32(cfg + 4), 0);   /* 103,424 bytes: not served */
	vt_gpio_dev_free(dev);
	vt_gpio_chip_destroy(chip);   /* frees the names too */
}

static void test_stop(void)
{
	int status = -1;
	if (started)
		vt_fe_stop(&fe);
	vt_gpio_driver_free(&drv);
	if (child > 0) {
		if (!started)
			kill(child, SIGTERM);
		EXPECT_EQ(waitpid(child, &status, 0), child);
		EXPECT(WIFEXITED(status));
		EXPECT_EQ(WEXITSTATUS(status), 0);
	}
	if (ctl_fd >= 0)
		close(ctl_fd);
	unlink(sock_path);
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_start);
	RUN(test_config);
	RUN(test_line_names);
	RUN(test_every_message_ok);
	RUN(test_direction_round_trip);
	RUN(test_set_value_on_input);
	RUN(test_value_out_of_range);
	RUN(test_line_out_of_range);
	RUN(test_unknown_type);
	RUN(test_irq_on_output);
	RUN(test_edge_rising);
	RUN(test_edge_falling);
	RUN(test_edge_both);
	RUN(test_level_high);
	RUN(test_level_low);
	RUN(test_irq_none_returns_pending);
	RUN(test_unmask_not_enabled);
	RUN(test_second_buffer_refused);
	RUN(test_bad_eventq_buffers);
	RUN(test_out_of_order);
	RUN(test_used_lengths);
	RUN(test_dir_none_discards);
	RUN(test_session_words);
	RUN(test_names_over_limit);
	RUN(test_stop);
	return tap_done();
}
