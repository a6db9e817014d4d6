/* Host gpiochip backend for libgpiod 1.6 (the character device, uapi v1
 * underneath): one struct gpiod_line per line, requested on its own.  The
 * shared rules and the chip ops are in gpio_host_common.c. */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>

#include "hw/gpio_host_backend.h"

/* 1.6 has no chip object of our own to keep: its gpiod_chip is the chip. */
struct gh_chip;

static struct gpiod_chip *chip_of(struct gh_chip *gc)
{
	return (struct gpiod_chip *)gc;
}

static struct gpiod_line *line_of(struct gh_line *L)
{
	return L->req;
}

struct gh_chip *gh_chip_open(const char *path)
{
	errno = 0;
	return (struct gh_chip *)gpiod_chip_open(path);
}

void gh_chip_close(struct gh_chip *gc)
{
	gpiod_chip_close(chip_of(gc));
}

int gh_chip_info(struct gh_chip *gc, char *name, char *label, size_t len, unsigned *nlines)
{
	snprintf(name, len, "%s", gpiod_chip_name(chip_of(gc)));
	snprintf(label, len, "%s", gpiod_chip_label(chip_of(gc)));
	*nlines = gpiod_chip_num_lines(chip_of(gc));
	return 0;
}

int gh_line_init(struct gh_line *L)
{
	errno = 0;
	/* owned by the gpiod_chip: never freed here */
	L->req = gpiod_chip_get_line(chip_of(L->h->gc), L->off);
	return L->req ? 0 : -(errno ? errno : EIO);
}

int gh_line_name(struct gh_chip *gc, unsigned off, char *buf, size_t len)
{
	errno = 0;
	struct gpiod_line *gl = gpiod_chip_get_line(chip_of(gc), off);
	if (!gl)
		return -(errno ? errno : EIO);
	const char *n = gpiod_line_name(gl);
	snprintf(buf, len, "%s", n ? n : "");
	return 0;
}

static void release(struct gh_line *L)
{
	if (L->dir != VT_GPIO_DIR_NONE)
		gpiod_line_release(line_of(L));
	L->dir = VT_GPIO_DIR_NONE;
	L->events = false;
}

/* A fresh request for an unrequested line; on failure it stays so. */
static int request(struct gh_line *L, int dir, bool events, int value)
{
	int rc;
	const char *what;

	errno = 0;
	if (events) {
		what = "request with edge events";
		rc = gpiod_line_request_both_edges_events(line_of(L), GH_CONSUMER);
	} else if (dir == VT_GPIO_DIR_OUT) {
		what = "request as output";
		rc = gpiod_line_request_output(line_of(L), GH_CONSUMER, value);
	} else {
		what = "request as input";
		rc = gpiod_line_request_input(line_of(L), GH_CONSUMER);
	}
	if (rc < 0)
		return gh_fail(L, what, errno);
	L->dir = dir;
	L->events = events;
	return 0;
}

int gh_line_apply(struct gh_line *L, int dir, bool events, int value)
{
	if (dir == VT_GPIO_DIR_NONE) {
		release(L);
		return 0;
	}
	/* Held without events and wanted without events: reconfigure in place
	 * (SET_CONFIG, kernel 5.5+) rather than release and request again, so
	 * the line is never let go: another process cannot grab it in between
	 * and an output does not glitch. */
	if (L->dir != VT_GPIO_DIR_NONE && !L->events && !events) {
		int rc;
		errno = 0;
		if (dir == VT_GPIO_DIR_OUT)
			rc = gpiod_line_set_direction_output(line_of(L), value);
		else
			rc = gpiod_line_set_direction_input(line_of(L));
		if (rc < 0)
			return gh_fail(L, dir == VT_GPIO_DIR_OUT ? "switch to output" : "switch to input",
				       errno);
		L->dir = dir;
		return 0;
	}
	/* uapi v1 cannot add or remove edge events on a live request: release
	 * and request anew. */
	release(L);
	return request(L, dir, events, value);
}

int gh_line_event_fd(struct gh_line *L)
{
	return gpiod_line_event_get_fd(line_of(L));
}

int gh_line_read_event(struct gh_line *L)
{
	struct gpiod_line_event ev;
	errno = 0;
	if (gpiod_line_event_read(line_of(L), &ev) < 0)
		return -(errno ? errno : EIO);
	return ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE ? 1 : 0;
}

int gh_line_get(struct gh_line *L)
{
	errno = 0;
	int v = gpiod_line_get_value(line_of(L));
	return v < 0 ? gh_fail(L, "reading the value", errno) : v;
}

int gh_line_set(struct gh_line *L, int value)
{
	errno = 0;
	return gpiod_line_set_value(line_of(L), value) < 0 ? gh_fail(L, "setting the value", errno) : 0;
}
