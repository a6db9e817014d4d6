/* Host gpiochip passthrough through libgpiod 1.6 (the character device,
 * uapi v1 underneath).
 *
 * Ownership: the guest owns a line only after SET_DIRECTION.  Until then
 * (and after SET_DIRECTION NONE) vitool holds no request on it, other host
 * users may use it, and get_direction reports VT_GPIO_DIR_NONE whatever the
 * kernel's current setting is: the answer describes what the guest asked
 * for, not state left behind by someone else.  Such a line cannot be read
 * either (uapi v1 reads values only through a request): get_value gives
 * -EPERM.
 *
 * Edges: a watched line that the guest has as an input is requested with
 * both-edge events and its event fd sits on the loop; no threads.  A watch
 * on a line that is not an input is remembered and takes effect when the
 * guest makes the line an input. */
#include <errno.h>
#include <gpiod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hw/gpio_chip.h"
#include "util/log.h"

#define CONSUMER "vitool"

/* virtio-gpio's ngpio is le16. */
#define HOST_MAX_LINES 65535u

struct host_chip;

struct host_line {
	struct host_chip *h;
	struct gpiod_line *gl;   /* owned by the gpiod_chip */
	unsigned off;
	int dir;                 /* what we hold: VT_GPIO_DIR_NONE = no request */
	bool events;             /* held as an edge-event request (dir is IN) */
	bool watched;
	int fd;                  /* event fd on the loop, or -1 */
};

struct host_chip {
	struct vt_gpio_chip c;
	struct vt_loop *loop;
	struct gpiod_chip *gc;
	char *name;
	struct host_line *l;
};

static struct host_chip *to_host(struct vt_gpio_chip *c)
{
	return (struct host_chip *)c;
}

/* One warning per failed operation; returns -errno for the caller. */
static int fail(struct host_line *L, const char *what, int e)
{
	if (e <= 0)
		e = EIO;   /* libgpiod failed without setting errno */
	vt_warn("%s line %u: %s failed: %s", L->h->name, L->off, what, strerror(e));
	return -e;
}

static void on_event(struct vt_loop *loop, int fd, uint32_t events, void *arg);

/* Takes the event fd off the loop and gives the request back to the
 * kernel.  The fd belongs to libgpiod and is closed by the release, so it
 * must leave the loop first. */
static void drop(struct host_line *L)
{
	if (L->fd >= 0) {
		vt_loop_del_fd(L->h->loop, L->fd);
		L->fd = -1;
	}
	if (L->dir != VT_GPIO_DIR_NONE)
		gpiod_line_release(L->gl);
	L->dir = VT_GPIO_DIR_NONE;
	L->events = false;
}

/* A fresh request for an unrequested line.  0 or -errno (warned); on
 * failure the line stays unrequested. */
static int request(struct host_line *L, int dir, bool events, int value)
{
	int rc;
	const char *what;

	errno = 0;
	if (events) {
		what = "request with edge events";
		rc = gpiod_line_request_both_edges_events(L->gl, CONSUMER);
	} else if (dir == VT_GPIO_DIR_OUT) {
		what = "request as output";
		rc = gpiod_line_request_output(L->gl, CONSUMER, value);
	} else {
		what = "request as input";
		rc = gpiod_line_request_input(L->gl, CONSUMER);
	}
	if (rc < 0)
		return fail(L, what, errno);
	L->dir = dir;
	L->events = events;
	if (!events)
		return 0;

	int fd = gpiod_line_event_get_fd(L->gl);
	rc = fd < 0 ? -EBADF : vt_loop_add_fd(L->h->loop, fd, EPOLLIN, on_event, L);
	if (rc < 0) {
		drop(L);
		return fail(L, "watching the event fd", -rc);
	}
	L->fd = fd;
	return 0;
}

/* Brings line L to direction dir (and edge events iff it is a watched
 * input).  0 or -errno, warned. */
static int apply(struct host_line *L, int dir, int value)
{
	bool events = dir == VT_GPIO_DIR_IN && L->watched;

	if (dir == VT_GPIO_DIR_NONE) {
		drop(L);
		return 0;
	}
	if (L->dir == dir && L->events == events) {
		if (dir != VT_GPIO_DIR_OUT)
			return 0;
		errno = 0;
		return gpiod_line_set_value(L->gl, value) < 0 ? fail(L, "setting the value", errno) : 0;
	}
	/* Held without events and wanted without events: reconfigure in place
	 * (SET_CONFIG, kernel 5.5+) rather than release and request again, so
	 * the line is never let go: another process cannot grab it in between
	 * and an output does not glitch. */
	if (L->dir != VT_GPIO_DIR_NONE && !L->events && !events) {
		int rc;
		errno = 0;
		if (dir == VT_GPIO_DIR_OUT)
			rc = gpiod_line_set_direction_output(L->gl, value);
		else
			rc = gpiod_line_set_direction_input(L->gl);
		if (rc < 0)
			return fail(L, dir == VT_GPIO_DIR_OUT ? "switch to output" : "switch to input",
				    errno);
		L->dir = dir;
		return 0;
	}
	/* uapi v1 cannot add or remove edge events on a live request: release
	 * and request anew. */
	int was = L->dir;
	drop(L);
	int rc = request(L, dir, events, value);
	/* Losing a line the guest had as an input only because edges could
	 * not be set up would surprise it: try to keep it as a plain input. */
	if (rc < 0 && was == VT_GPIO_DIR_IN && events && request(L, VT_GPIO_DIR_IN, false, 0) == 0)
		vt_warn("%s line %u: kept as an input without edge events", L->h->name, L->off);
	return rc;
}

static void on_event(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct host_line *L = arg;
	struct host_chip *h = L->h;
	struct gpiod_line_event ev;

	/* The event fd is blocking: read only when the kernel says an event
	 * is there.  Error/hangup alone (chip unplugged) must not block the
	 * loop, nor spin it (epoll is level-triggered): stop watching. */
	errno = 0;
	if (!(events & EPOLLIN) || gpiod_line_event_read(L->gl, &ev) < 0) {
		/* hangup without data: the chip went away */
		int e = !(events & EPOLLIN) ? ENODEV : errno ? errno : EIO;
		vt_loop_del_fd(loop, fd);
		L->fd = -1;
		vt_warn("%s line %u: reading a line event failed: %s; no more edges from it",
			h->name, L->off, strerror(e));
		return;
	}
	/* One event per call: a backlog keeps the fd readable and we come back. */
	if (h->c.change_cb)
		h->c.change_cb(h->c.change_arg, L->off,
			       ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? 1 : 0);
	/* L may have been released by the callback (SET_DIRECTION NONE): it
	 * is not touched past this point. */
}

static struct host_line *line_of(struct vt_gpio_chip *c, unsigned line)
{
	return line < c->ngpio ? &to_host(c)->l[line] : NULL;
}

static int host_get_direction(struct vt_gpio_chip *c, unsigned line)
{
	struct host_line *L = line_of(c, line);
	return L ? L->dir : -EINVAL;
}

static int host_set_direction(struct vt_gpio_chip *c, unsigned line, int dir, int value)
{
	struct host_line *L = line_of(c, line);
	if (!L || dir < VT_GPIO_DIR_NONE || dir > VT_GPIO_DIR_IN)
		return -EINVAL;
	if (dir == VT_GPIO_DIR_OUT && value != 0 && value != 1)
		return -EINVAL;
	return apply(L, dir, value);
}

static int host_get_value(struct vt_gpio_chip *c, unsigned line)
{
	struct host_line *L = line_of(c, line);
	if (!L)
		return -EINVAL;
	if (L->dir == VT_GPIO_DIR_NONE)
		return -EPERM;   /* not ours: no request to read through, and no warning
				  * (the `lines` view asks for every line) */
	errno = 0;
	int v = gpiod_line_get_value(L->gl);
	return v < 0 ? fail(L, "reading the value", errno) : v;
}

static int host_set_value(struct vt_gpio_chip *c, unsigned line, int value)
{
	struct host_line *L = line_of(c, line);
	if (!L || (value != 0 && value != 1))
		return -EINVAL;
	if (L->dir != VT_GPIO_DIR_OUT)
		return -EPERM;
	errno = 0;
	return gpiod_line_set_value(L->gl, value) < 0 ? fail(L, "setting the value", errno) : 0;
}

static int host_watch(struct vt_gpio_chip *c, unsigned line, bool on)
{
	struct host_line *L = line_of(c, line);
	if (!L)
		return -EINVAL;
	if (L->watched == on)
		return 0;
	L->watched = on;
	if (L->dir != VT_GPIO_DIR_IN)
		return 0;   /* takes effect when the guest makes it an input */
	int rc = apply(L, VT_GPIO_DIR_IN, 0);
	if (rc < 0 && on)
		L->watched = false;   /* not watching: say so to the next caller */
	return rc;
}

static void host_destroy(struct vt_gpio_chip *c)
{
	struct host_chip *h = to_host(c);
	if (h->l)
		for (unsigned i = 0; i < c->ngpio; i++)
			drop(&h->l[i]);
	if (c->names) {
		for (unsigned i = 0; i < c->ngpio; i++)
			free(c->names[i]);
		free(c->names);
	}
	if (h->gc)
		gpiod_chip_close(h->gc);
	free(h->l);
	free(h->name);
	free(h);
}

static const struct vt_gpio_chip_ops host_ops = {
	.get_direction = host_get_direction,
	.set_direction = host_set_direction,
	.get_value = host_get_value,
	.set_value = host_set_value,
	.watch = host_watch,
	.destroy = host_destroy,
};

/* names[] from the kernel's line names, "" for unnamed lines; left NULL
 * when no line has a name (virtio: gpio_names_size 0).  Names are passed on
 * as the kernel has them, duplicates included.  0 or -ENOMEM. */
static int read_names(struct host_chip *h)
{
	bool any = false;
	for (unsigned i = 0; i < h->c.ngpio && !any; i++) {
		const char *n = gpiod_line_name(h->l[i].gl);
		any = n && *n;
	}
	if (!any)
		return 0;
	h->c.names = calloc(h->c.ngpio, sizeof(char *));
	if (!h->c.names)
		return -ENOMEM;
	for (unsigned i = 0; i < h->c.ngpio; i++) {
		const char *n = gpiod_line_name(h->l[i].gl);
		h->c.names[i] = strdup(n ? n : "");
		if (!h->c.names[i])
			return -ENOMEM;
	}
	return 0;
}

struct vt_gpio_chip *vt_gpio_host_open(struct vt_loop *loop, const char *chip, char *err, size_t errlen)
{
	if (!chip || !*chip) {
		/* gpiod_chip_open_lookup("") would take it for chip number 0 */
		snprintf(err, errlen, "no GPIO chip given");
		return NULL;
	}
	struct host_chip *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->c.ops = &host_ops;
	h->loop = loop;

	/* Path, "gpiochipN", number or label: libgpiod decides which. */
	errno = 0;
	h->gc = gpiod_chip_open_lookup(chip);
	if (!h->gc) {
		int e = errno ? errno : ENOENT;
		if (e == ENOENT)
			snprintf(err, errlen, "%s: no such GPIO chip: %s", chip, strerror(e));
		else if (e == ENOTTY || e == ENODEV || e == EINVAL)
			snprintf(err, errlen, "%s: not a GPIO chip: %s", chip, strerror(e));
		else
			snprintf(err, errlen, "%s: cannot open GPIO chip: %s", chip, strerror(e));
		free(h);
		return NULL;
	}
	h->name = strdup(gpiod_chip_name(h->gc));
	unsigned n = gpiod_chip_num_lines(h->gc);
	if (!h->name) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (n == 0 || n > HOST_MAX_LINES) {
		snprintf(err, errlen, "%s: has %u lines; a virtio-gpio device has 1..%u", h->name, n,
			 HOST_MAX_LINES);
		goto fail;
	}
	h->l = calloc(n, sizeof(*h->l));
	if (!h->l) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	h->c.ngpio = n;   /* destroy walks l[] from here on */
	for (unsigned i = 0; i < n; i++) {
		struct host_line *L = &h->l[i];
		L->h = h;
		L->off = i;
		L->dir = VT_GPIO_DIR_NONE;
		L->fd = -1;
		errno = 0;
		L->gl = gpiod_chip_get_line(h->gc, i);
		if (!L->gl) {
			snprintf(err, errlen, "%s line %u: %s", h->name, i,
				 strerror(errno ? errno : EIO));
			goto fail;
		}
	}
	if (read_names(h) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	h->c.simulated = false;
	h->c.label = h->name;
	vt_info("%s (%s): %u lines, %s", h->name, gpiod_chip_label(h->gc), n,
		h->c.names ? "named" : "unnamed");
	return &h->c;
fail:
	host_destroy(&h->c);
	return NULL;
}
