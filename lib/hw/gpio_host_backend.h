/* Inside the host gpiochip passthrough: the part that does not depend on
 * the libgpiod API (gpio_host_common.c: the vt_gpio_chip_ops, chip name
 * resolution, line names, edge events on the loop) and what one libgpiod
 * backend provides.  The Makefile compiles exactly one backend:
 * gpio_host_v1.c (libgpiod 1.6) or gpio_host_v2.c (libgpiod 2.x).  Nothing
 * outside lib/hw/gpio_host_* includes this file.
 *
 * Ownership: the guest owns a line only after SET_DIRECTION.  Until then
 * (and after SET_DIRECTION NONE) vitool holds no request on it, other host
 * users may use it, and get_direction reports VT_GPIO_DIR_NONE whatever the
 * kernel's current setting is: the answer describes what the guest asked
 * for, not state left behind by someone else.  Such a line cannot be read
 * either (both APIs read values only through a request): get_value gives
 * -EPERM.
 *
 * Edges: a watched line that the guest has as an input is requested with
 * both-edge events and its request's fd sits on the loop; no threads.  A
 * watch on a line that is not an input is remembered and takes effect when
 * the guest makes the line an input. */
#ifndef VT_HW_GPIO_HOST_BACKEND_H
#define VT_HW_GPIO_HOST_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "hw/gpio_chip.h"

#define GH_CONSUMER "vitool"

/* Kernel line and chip names and labels are at most 32 bytes with the NUL
 * (GPIO_MAX_NAME_SIZE); twice that leaves room for any path we build. */
#define GH_NAME_MAX 64

struct gh_chip;   /* the backend's open chip (its definition is per API) */
struct gh_host;

struct gh_line {
	struct gh_host *h;
	void *req;               /* backend's handle of the line or its request */
	unsigned off;
	int dir;                 /* what we hold: VT_GPIO_DIR_NONE = no request */
	bool events;             /* held with edge events (dir is IN) */
	bool watched;
	int fd;                  /* the request's event fd while it is on the loop, or -1 */
};

struct gh_host {
	struct vt_gpio_chip c;
	struct vt_loop *loop;
	struct gh_chip *gc;
	char name[GH_NAME_MAX];  /* "gpiochipN" */
	struct gh_line *l;
};

/* One warning per failed operation on line L; returns -e (EIO when e is
 * not a positive errno: libgpiod failed without setting one). */
int gh_fail(struct gh_line *L, const char *what, int e);

/* --- provided by the backend (gpio_host_v1.c or gpio_host_v2.c) --------- */

/* Opens the character device at path.  NULL with errno set. */
struct gh_chip *gh_chip_open(const char *path);
void gh_chip_close(struct gh_chip *gc);
/* The kernel's name ("gpiochipN"), label and line count.  0 or -errno. */
int gh_chip_info(struct gh_chip *gc, char *name, char *label, size_t len, unsigned *nlines);
/* Line off's kernel name into buf ("" for an unnamed line).  0 or -errno. */
int gh_line_name(struct gh_chip *gc, unsigned off, char *buf, size_t len);
/* Per-line setup after the chip is open (L->h, L->off set).  0 or -errno. */
int gh_line_init(struct gh_line *L);
/* Brings line L to dir (value: an output's level), with edge events iff
 * events.  NONE gives the line back to the kernel.  Updates L->dir and
 * L->events to what is held afterwards, failure or not.  0 or -errno,
 * warned through gh_fail(). */
int gh_line_apply(struct gh_line *L, int dir, bool events, int value);
/* The fd that becomes readable with edge events on L's request. */
int gh_line_event_fd(struct gh_line *L);
/* Reads one pending edge event: 1 rising, 0 falling, or -errno (not warned). */
int gh_line_read_event(struct gh_line *L);
/* Level of a held line: 0/1 or -errno (warned). */
int gh_line_get(struct gh_line *L);
/* Drives a held output: 0 or -errno (warned). */
int gh_line_set(struct gh_line *L, int value);

#endif
