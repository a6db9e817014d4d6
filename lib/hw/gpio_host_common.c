/* Host gpiochip passthrough, the part both libgpiod APIs share: the chip
 * ops with their argument rules, chip name resolution, line names, and the
 * edge-event fd on the loop.  The rules (ownership after SET_DIRECTION,
 * edges, remembered watches) are in gpio_host_backend.h. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hw/gpio_host_backend.h"
#include "util/log.h"

/* virtio-gpio's ngpio is le16. */
#define HOST_MAX_LINES 65535u

static struct gh_host *to_host(struct vt_gpio_chip *c)
{
	return (struct gh_host *)c;
}

int gh_fail(struct gh_line *L, const char *what, int e)
{
	if (e <= 0)
		e = EIO;
	vt_warn("%s line %u: %s failed: %s", L->h->name, L->off, what, strerror(e));
	return -e;
}

static void on_event(struct vt_loop *loop, int fd, uint32_t events, void *arg);

/* Takes the event fd off the loop.  Both APIs close it when the request
 * is released, so this comes before any change of the request. */
static void fd_off(struct gh_line *L)
{
	if (L->fd >= 0) {
		vt_loop_del_fd(L->h->loop, L->fd);
		L->fd = -1;
	}
}

static int fd_on(struct gh_line *L)
{
	int fd = gh_line_event_fd(L);
	int rc = fd < 0 ? -EBADF : vt_loop_add_fd(L->h->loop, fd, EPOLLIN, on_event, L);
	if (rc == 0)
		L->fd = fd;
	return rc;
}

/* Brings line L to direction dir (and edge events iff it is a watched
 * input).  0 or -errno, warned. */
static int apply(struct gh_line *L, int dir, int value)
{
	bool events = dir == VT_GPIO_DIR_IN && L->watched;
	int was = L->dir;

	if (dir != VT_GPIO_DIR_NONE && L->dir == dir && L->events == events)
		return dir == VT_GPIO_DIR_OUT ? gh_line_set(L, value) : 0;
	fd_off(L);
	int rc = gh_line_apply(L, dir, events, value);
	/* Losing a line the guest had as an input only because edges could
	 * not be set up would surprise it: try to keep it as a plain input. */
	if (rc < 0 && was == VT_GPIO_DIR_IN && events && L->dir == VT_GPIO_DIR_NONE &&
	    gh_line_apply(L, VT_GPIO_DIR_IN, false, 0) == 0)
		vt_warn("%s line %u: kept as an input without edge events", L->h->name, L->off);
	if (L->events) {
		int e = fd_on(L);
		if (e < 0) {
			/* Events nobody reads would fill the kernel's buffer:
			 * hold the line without them. */
			gh_line_apply(L, L->dir, false, 0);
			if (rc == 0)
				rc = gh_fail(L, "watching the event fd", -e);
		}
	}
	return rc;
}

static void on_event(struct vt_loop *loop, int fd, uint32_t events, void *arg)
{
	struct gh_line *L = arg;
	struct gh_host *h = L->h;

	/* The event fd is blocking: read only when the kernel says an event
	 * is there.  Error/hangup alone (chip unplugged) must not block the
	 * loop, nor spin it (epoll is level-triggered): stop watching. */
	int level = (events & EPOLLIN) ? gh_line_read_event(L) : -ENODEV;
	if (level < 0) {
		vt_loop_del_fd(loop, fd);
		L->fd = -1;
		vt_warn("%s line %u: reading a line event failed: %s; no more edges from it",
			h->name, L->off, strerror(-level));
		return;
	}
	/* One event per call: a backlog keeps the fd readable and we come back. */
	if (h->c.change_cb)
		h->c.change_cb(h->c.change_arg, L->off, level);
	/* L may have been released by the callback (SET_DIRECTION NONE): it
	 * is not touched past this point. */
}

static struct gh_line *line_of(struct vt_gpio_chip *c, unsigned line)
{
	return line < c->ngpio ? &to_host(c)->l[line] : NULL;
}

static int host_get_direction(struct vt_gpio_chip *c, unsigned line)
{
	struct gh_line *L = line_of(c, line);
	return L ? L->dir : -EINVAL;
}

static int host_set_direction(struct vt_gpio_chip *c, unsigned line, int dir, int value)
{
	struct gh_line *L = line_of(c, line);
	if (!L || dir < VT_GPIO_DIR_NONE || dir > VT_GPIO_DIR_IN)
		return -EINVAL;
	if (dir == VT_GPIO_DIR_OUT && value != 0 && value != 1)
		return -EINVAL;
	return apply(L, dir, value);
}

static int host_get_value(struct vt_gpio_chip *c, unsigned line)
{
	struct gh_line *L = line_of(c, line);
	if (!L)
		return -EINVAL;
	if (L->dir == VT_GPIO_DIR_NONE)
		return -EPERM;   /* not ours: no request to read through, and no warning
				  * (the `lines` view asks for every line) */
	return gh_line_get(L);
}

static int host_set_value(struct vt_gpio_chip *c, unsigned line, int value)
{
	struct gh_line *L = line_of(c, line);
	if (!L || (value != 0 && value != 1))
		return -EINVAL;
	if (L->dir != VT_GPIO_DIR_OUT)
		return -EPERM;
	return gh_line_set(L, value);
}

static int host_watch(struct vt_gpio_chip *c, unsigned line, bool on)
{
	struct gh_line *L = line_of(c, line);
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
	struct gh_host *h = to_host(c);
	if (h->l)
		for (unsigned i = 0; i < c->ngpio; i++) {
			fd_off(&h->l[i]);
			gh_line_apply(&h->l[i], VT_GPIO_DIR_NONE, false, 0);
		}
	if (c->names) {
		for (unsigned i = 0; i < c->ngpio; i++)
			free(c->names[i]);
		free(c->names);
	}
	if (h->gc)
		gh_chip_close(h->gc);
	free(h->l);
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
 * as the kernel has them, duplicates included.  0 or -errno. */
static int read_names(struct gh_host *h)
{
	char buf[GH_NAME_MAX];
	bool any = false;
	for (unsigned i = 0; i < h->c.ngpio && !any; i++) {
		int rc = gh_line_name(h->gc, i, buf, sizeof(buf));
		if (rc < 0)
			return rc;
		any = buf[0] != '\0';
	}
	if (!any)
		return 0;
	h->c.names = calloc(h->c.ngpio, sizeof(char *));
	if (!h->c.names)
		return -ENOMEM;
	for (unsigned i = 0; i < h->c.ngpio; i++) {
		int rc = gh_line_name(h->gc, i, buf, sizeof(buf));
		if (rc < 0)
			return rc;
		h->c.names[i] = strdup(buf);
		if (!h->c.names[i])
			return -ENOMEM;
	}
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The device path a chip argument names: "gpiochipN" and "N" are
 * /dev/gpiochipN, anything with a '/' is a path.  1 with path set, 0 when
 * chip can only be a label, -ENAMETOOLONG. */
static int chip_path(const char *chip, char *path, size_t len)
{
	int n;
	if (strchr(chip, '/'))
		n = snprintf(path, len, "%s", chip);
	else if (all_digits(chip))
		n = snprintf(path, len, "/dev/gpiochip%s", chip);
	else if (strncmp(chip, "gpiochip", 8) == 0 && all_digits(chip + 8))
		n = snprintf(path, len, "/dev/%s", chip);
	else
		return 0;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 1;
}

static int is_gpiochip_entry(const struct dirent *d)
{
	return strncmp(d->d_name, "gpiochip", 8) == 0 && all_digits(d->d_name + 8);
}

/* The first /dev/gpiochipN (in number order) whose label is label.  NULL
 * with errno: ENOENT when no chip has it, or the last open error (EACCES:
 * a chip we could not look at may have been the one). */
static struct gh_chip *open_by_label(const char *label)
{
	struct dirent **ents;
	int n = scandir("/dev", &ents, is_gpiochip_entry, versionsort);
	if (n < 0)
		return NULL;
	struct gh_chip *found = NULL;
	int e = ENOENT;
	for (int i = 0; i < n; i++) {
		char path[GH_NAME_MAX + 8], name[GH_NAME_MAX], lab[GH_NAME_MAX];
		unsigned nl;
		snprintf(path, sizeof(path), "/dev/%.*s", GH_NAME_MAX - 1, ents[i]->d_name);
		free(ents[i]);
		if (found)
			continue;
		struct gh_chip *gc = gh_chip_open(path);
		if (!gc) {
			e = errno ? errno : EIO;
			continue;
		}
		int rc = gh_chip_info(gc, name, lab, sizeof(lab), &nl);
		if (rc == 0 && strcmp(lab, label) == 0)
			found = gc;
		else
			gh_chip_close(gc);
	}
	free(ents);
	if (!found)
		errno = e;
	return found;
}

static struct gh_chip *open_chip(const char *chip, char *err, size_t errlen)
{
	char path[4096];
	int kind = chip_path(chip, path, sizeof(path));
	if (kind < 0) {
		snprintf(err, errlen, "%.64s...: name too long for a GPIO chip", chip);
		return NULL;
	}
	errno = 0;
	struct gh_chip *gc = kind ? gh_chip_open(path) : open_by_label(chip);
	if (gc)
		return gc;
	int e = errno ? errno : ENOENT;
	if (e == ENOENT)
		snprintf(err, errlen, "%s: no such GPIO chip: %s", chip,
			 kind ? strerror(e) : "no chip in /dev has that label");
	else if (e == ENOTTY || e == ENODEV || e == EINVAL)
		snprintf(err, errlen, "%s: not a GPIO chip: %s", chip, strerror(e));
	else
		snprintf(err, errlen, "%s: cannot open GPIO chip: %s", chip, strerror(e));
	return NULL;
}

struct vt_gpio_chip *vt_gpio_host_open(struct vt_loop *loop, const char *chip, char *err, size_t errlen)
{
	if (!chip || !*chip) {
		snprintf(err, errlen, "no GPIO chip given");
		return NULL;
	}
	struct gh_host *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->c.ops = &host_ops;
	h->loop = loop;
	h->gc = open_chip(chip, err, errlen);
	if (!h->gc) {
		free(h);
		return NULL;
	}
	char label[GH_NAME_MAX];
	unsigned n = 0;
	int rc = gh_chip_info(h->gc, h->name, label, sizeof(label), &n);
	if (rc < 0) {
		snprintf(err, errlen, "%s: reading the chip's info failed: %s", chip, strerror(-rc));
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
		struct gh_line *L = &h->l[i];
		L->h = h;
		L->off = i;
		L->dir = VT_GPIO_DIR_NONE;
		L->fd = -1;
		rc = gh_line_init(L);
		if (rc < 0) {
			snprintf(err, errlen, "%s line %u: %s", h->name, i, strerror(-rc));
			goto fail;
		}
	}
	rc = read_names(h);
	if (rc < 0) {
		snprintf(err, errlen, "%s: reading line names failed: %s", h->name, strerror(-rc));
		goto fail;
	}
	h->c.simulated = false;
	h->c.label = h->name;
	vt_info("%s (%s): %u lines, %s", h->name, label, n, h->c.names ? "named" : "unnamed");
	return &h->c;
fail:
	host_destroy(&h->c);
	return NULL;
}
