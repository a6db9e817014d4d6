/* The hardware behind a virtio-gpio device: a GPIO chip.  Two
 * implementations: a simulated chip whose input levels are set by `vitool
 * inject` (gpio_sim.c), and a host gpiochip through libgpiod
 * (gpio_host_*.c: 1.6 or 2.x, whichever the build found; callers cannot
 * tell and need not).  The device model (devices/gpio.c) owns the virtio
 * semantics (IRQ types, eventq, latching); a chip only reports level
 * changes. */
#ifndef VT_HW_GPIO_CHIP_H
#define VT_HW_GPIO_CHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "util/loop.h"

/* Same values as virtio-gpio's directions. */
enum vt_gpio_dir {
	VT_GPIO_DIR_NONE = 0,
	VT_GPIO_DIR_OUT = 1,
	VT_GPIO_DIR_IN = 2,
};

struct vt_gpio_chip;

/* The level of an input line changed (an edge): from injection (sim) or a
 * line event read from the host chip's event fd (host).  level is the new
 * level, 0 or 1. */
typedef void (*vt_gpio_change_cb)(void *arg, unsigned line, int level);

struct vt_gpio_chip_ops {
	/* VT_GPIO_DIR_* or -errno. */
	int (*get_direction)(struct vt_gpio_chip *c, unsigned line);
	/* dir VT_GPIO_DIR_*; value is the initial output level for OUT.  NONE
	 * releases the line.  0 or -errno. */
	int (*set_direction)(struct vt_gpio_chip *c, unsigned line, int dir, int value);
	/* The level: an output's driven value, an input's sensed level.  0/1 or -errno. */
	int (*get_value)(struct vt_gpio_chip *c, unsigned line);
	/* Output lines only: 0 or -errno (-EPERM for a line that is not an output). */
	int (*set_value)(struct vt_gpio_chip *c, unsigned line, int value);
	/* on: report this input line's edges through change_cb (the model
	 * turns this on when the guest enables the line's IRQ).  The host chip
	 * requests edge events and watches their fd on the loop.  0 or -errno. */
	int (*watch)(struct vt_gpio_chip *c, unsigned line, bool on);
	void (*destroy)(struct vt_gpio_chip *c);
};

struct vt_gpio_chip {
	const struct vt_gpio_chip_ops *ops;
	unsigned ngpio;
	char **names;          /* ngpio entries ("" for an unnamed line), or NULL: no names */
	bool simulated;        /* input levels can be injected */
	const char *label;     /* "sim" or the host chip's name, for info */
	vt_gpio_change_cb change_cb;
	void *change_arg;
};

/* Simulated chip of ngpio lines (names_csv "a,b,c" or NULL).  When both are
 * given their counts must agree; ngpio 0 takes the count from the names.
 * Lines start as inputs... no: as direction NONE with level 0, like a chip
 * after reset.  NULL with err set. */
struct vt_gpio_chip *vt_gpio_sim_new(unsigned ngpio, const char *names_csv, char *err, size_t errlen);
/* Sets the level the outside world puts on line (inject).  A line the guest
 * drives as an output refuses: -EPERM.  A changed level of a watched line
 * is reported through change_cb.  0, -EINVAL (line/level out of range). */
int vt_gpio_sim_set_input(struct vt_gpio_chip *c, unsigned line, int level);

/* Host chip "gpiochip0", "/dev/gpiochip0", a chip number ("0") or label,
 * through libgpiod.  Line events are read on loop, no threads.  NULL with
 * err set ("CHIP: no such GPIO chip: ..." when there is none). */
struct vt_gpio_chip *vt_gpio_host_open(struct vt_loop *loop, const char *chip, char *err, size_t errlen);

static inline void vt_gpio_chip_destroy(struct vt_gpio_chip *c)
{
	if (c)
		c->ops->destroy(c);
}

#endif
