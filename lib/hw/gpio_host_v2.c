/* Host gpiochip backend for libgpiod 2.x (uapi v2 underneath): one line
 * request per line the guest owns, so that lines come and go on their own.
 * Unlike 1.6, a live request can be reconfigured with or without edge
 * events, so the line is never let go between two directions (another
 * process cannot grab it in between, an output does not glitch).  The
 * shared rules and the chip ops are in gpio_host_common.c. */
#include <errno.h>
#include <gpiod.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/gpio_host_backend.h"

struct gh_chip {
	struct gpiod_chip *chip;
	/* One event at a time is read (the loop comes back while the fd stays
	 * readable), so one buffer of one serves every line of the chip. */
	struct gpiod_edge_event_buffer *events;
};

static struct gpiod_line_request *req_of(struct gh_line *L)
{
	return L->req;
}

static int err_or_eio(void)
{
	return errno > 0 ? -errno : -EIO;
}

struct gh_chip *gh_chip_open(const char *path)
{
	struct gh_chip *gc = calloc(1, sizeof(*gc));
	if (!gc) {
		errno = ENOMEM;
		return NULL;
	}
	errno = 0;
	gc->chip = gpiod_chip_open(path);
	if (gc->chip)
		gc->events = gpiod_edge_event_buffer_new(1);
	if (!gc->chip || !gc->events) {
		int e = errno ? errno : gc->chip ? ENOMEM : EIO;
		gh_chip_close(gc);
		errno = e;
		return NULL;
	}
	return gc;
}

void gh_chip_close(struct gh_chip *gc)
{
	if (gc->events)
		gpiod_edge_event_buffer_free(gc->events);
	if (gc->chip)
		gpiod_chip_close(gc->chip);
	free(gc);
}

int gh_chip_info(struct gh_chip *gc, char *name, char *label, size_t len, unsigned *nlines)
{
	errno = 0;
	struct gpiod_chip_info *info = gpiod_chip_get_info(gc->chip);
	if (!info)
		return err_or_eio();
	size_t n = gpiod_chip_info_get_num_lines(info);
	snprintf(name, len, "%s", gpiod_chip_info_get_name(info));
	snprintf(label, len, "%s", gpiod_chip_info_get_label(info));
	/* more than any unsigned: the caller's range check refuses it */
	*nlines = n > 0xffffffffu ? 0xffffffffu : (unsigned)n;
	gpiod_chip_info_free(info);
	return 0;
}

int gh_line_name(struct gh_chip *gc, unsigned off, char *buf, size_t len)
{
	errno = 0;
	struct gpiod_line_info *info = gpiod_chip_get_line_info(gc->chip, off);
	if (!info)
		return err_or_eio();
	const char *n = gpiod_line_info_get_name(info);
	snprintf(buf, len, "%s", n ? n : "");
	gpiod_line_info_free(info);
	return 0;
}

int gh_line_init(struct gh_line *L)
{
	L->req = NULL;   /* requests are made on SET_DIRECTION */
	return 0;
}

/* The one line's settings as a line config.  NULL with errno set. */
static struct gpiod_line_config *line_config(unsigned off, int dir, bool events, int value)
{
	struct gpiod_line_settings *s = gpiod_line_settings_new();
	struct gpiod_line_config *cfg = s ? gpiod_line_config_new() : NULL;
	int rc = cfg ? 0 : -1;
	if (rc == 0 && dir == VT_GPIO_DIR_OUT)
		rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_OUTPUT) ||
		     gpiod_line_settings_set_output_value(s, value ? GPIOD_LINE_VALUE_ACTIVE
								   : GPIOD_LINE_VALUE_INACTIVE) ? -1 : 0;
	else if (rc == 0)
		rc = gpiod_line_settings_set_direction(s, GPIOD_LINE_DIRECTION_INPUT) ||
		     gpiod_line_settings_set_edge_detection(s, events ? GPIOD_LINE_EDGE_BOTH
								      : GPIOD_LINE_EDGE_NONE) ? -1 : 0;
	if (rc == 0)
		rc = gpiod_line_config_add_line_settings(cfg, &off, 1, s);
	int e = errno;
	if (s)
		gpiod_line_settings_free(s);
	if (rc < 0 && cfg) {
		gpiod_line_config_free(cfg);
		cfg = NULL;
	}
	errno = cfg ? 0 : e ? e : ENOMEM;
	return cfg;
}

static struct gpiod_line_request *request(struct gh_line *L, struct gpiod_line_config *cfg)
{
	struct gpiod_request_config *rc = gpiod_request_config_new();
	if (!rc)
		return NULL;
	gpiod_request_config_set_consumer(rc, GH_CONSUMER);
	struct gpiod_line_request *req = gpiod_chip_request_lines(L->h->gc->chip, rc, cfg);
	gpiod_request_config_free(rc);
	return req;
}

int gh_line_apply(struct gh_line *L, int dir, bool events, int value)
{
	if (dir == VT_GPIO_DIR_NONE) {
		if (L->req)
			gpiod_line_request_release(req_of(L));
		L->req = NULL;
		L->dir = VT_GPIO_DIR_NONE;
		L->events = false;
		return 0;
	}
	errno = 0;
	struct gpiod_line_config *cfg = line_config(L->off, dir, events, value);
	if (!cfg)
		return gh_fail(L, "building the line config", errno);
	const char *what;
	int rc = 0;
	errno = 0;
	if (L->req) {
		what = dir == VT_GPIO_DIR_OUT ? "switch to output"
		       : events ? "switch to input with edge events" : "switch to input";
		rc = gpiod_line_request_reconfigure_lines(req_of(L), cfg);
	} else {
		what = dir == VT_GPIO_DIR_OUT ? "request as output"
		       : events ? "request with edge events" : "request as input";
		L->req = request(L, cfg);
		rc = L->req ? 0 : -1;
	}
	int e = errno;
	gpiod_line_config_free(cfg);
	if (rc < 0)
		return gh_fail(L, what, e);   /* a failed reconfigure leaves the old settings */
	L->dir = dir;
	L->events = events;
	return 0;
}

int gh_line_event_fd(struct gh_line *L)
{
	return L->req ? gpiod_line_request_get_fd(req_of(L)) : -1;
}

int gh_line_read_event(struct gh_line *L)
{
	struct gpiod_edge_event_buffer *buf = L->h->gc->events;
	errno = 0;
	int n = gpiod_line_request_read_edge_events(req_of(L), buf, 1);
	if (n < 0)
		return err_or_eio();
	struct gpiod_edge_event *ev = n > 0 ? gpiod_edge_event_buffer_get_event(buf, 0) : NULL;
	if (!ev)
		return -EIO;
	return gpiod_edge_event_get_event_type(ev) == GPIOD_EDGE_EVENT_RISING_EDGE ? 1 : 0;
}

int gh_line_get(struct gh_line *L)
{
	errno = 0;
	enum gpiod_line_value v = gpiod_line_request_get_value(req_of(L), L->off);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return gh_fail(L, "reading the value", errno);
	return v == GPIOD_LINE_VALUE_ACTIVE ? 1 : 0;
}

int gh_line_set(struct gh_line *L, int value)
{
	errno = 0;
	int rc = gpiod_line_request_set_value(req_of(L), L->off,
					      value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE);
	return rc < 0 ? gh_fail(L, "setting the value", errno) : 0;
}
