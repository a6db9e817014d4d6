/* Simulated GPIO chip: ngpio lines whose input levels are set from outside
 * (`vitool inject`).  Each line has a direction, a driven value (outputs)
 * and an injected level: what the outside world puts on the pin, read back
 * whenever the line is not driven by the guest.
 *
 * A watch is remembered independently of the direction; the device model
 * decides when to turn it on and off.  Outputs never report edges because
 * injection refuses them. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/gpio_chip.h"
#include "virtio/virtio_gpio.h"

/* An upper bound that keeps GET_LINE_NAMES and the per-line tables small;
 * virtio's le16 ngpio would allow more, no real chip needs it. */
#define SIM_MAX_LINES 1024u

struct sim_line {
	int dir;        /* VT_GPIO_DIR_* */
	int out;        /* driven value while dir is OUT */
	int in;         /* injected level, what the line reads when not driven */
	bool watched;
};

struct sim_chip {
	struct vt_gpio_chip c;
	struct sim_line *l;
};

static const struct vt_gpio_chip_ops sim_ops;

static struct sim_chip *to_sim(struct vt_gpio_chip *c)
{
	return (struct sim_chip *)c;
}

static int sim_get_direction(struct vt_gpio_chip *c, unsigned line)
{
	if (line >= c->ngpio)
		return -EINVAL;
	return to_sim(c)->l[line].dir;
}

static int sim_set_direction(struct vt_gpio_chip *c, unsigned line, int dir, int value)
{
	if (line >= c->ngpio)
		return -EINVAL;
	struct sim_line *l = &to_sim(c)->l[line];
	switch (dir) {
	case VT_GPIO_DIR_OUT:
		if (value != 0 && value != 1)
			return -EINVAL;
		l->out = value;
		break;
	case VT_GPIO_DIR_IN:
		/* The previous driven value stays meaningless until the guest
		 * drives the line again with a fresh value. */
		l->out = 0;
		break;
	case VT_GPIO_DIR_NONE:
		l->out = 0;   /* released: the driven value is forgotten */
		break;
	default:
		return -EINVAL;
	}
	/* No change_cb here: a direction change is the guest's own doing, not
	 * an edge coming from the outside world. */
	l->dir = dir;
	return 0;
}

static int sim_get_value(struct vt_gpio_chip *c, unsigned line)
{
	if (line >= c->ngpio)
		return -EINVAL;
	const struct sim_line *l = &to_sim(c)->l[line];
	return l->dir == VT_GPIO_DIR_OUT ? l->out : l->in;
}

static int sim_set_value(struct vt_gpio_chip *c, unsigned line, int value)
{
	if (line >= c->ngpio || (value != 0 && value != 1))
		return -EINVAL;
	struct sim_line *l = &to_sim(c)->l[line];
	if (l->dir != VT_GPIO_DIR_OUT)
		return -EPERM;
	l->out = value;
	return 0;
}

static int sim_watch(struct vt_gpio_chip *c, unsigned line, bool on)
{
	if (line >= c->ngpio)
		return -EINVAL;
	to_sim(c)->l[line].watched = on;
	return 0;
}

static void free_names(char **names, unsigned n)
{
	if (!names)
		return;
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void sim_destroy(struct vt_gpio_chip *c)
{
	struct sim_chip *s = to_sim(c);
	free_names(c->names, c->ngpio);
	free(s->l);
	free(s);
}

static const struct vt_gpio_chip_ops sim_ops = {
	.get_direction = sim_get_direction,
	.set_direction = sim_set_direction,
	.get_value = sim_get_value,
	.set_value = sim_set_value,
	.watch = sim_watch,
	.destroy = sim_destroy,
};

/* Splits "a,b,c" into *out (count in *n).  Names must be non-empty and
 * unique: the virtio spec requires unique names, and an empty entry is
 * almost always a stray comma.  0, or -1 with err set. */
static int parse_names(const char *csv, char ***out, unsigned *n, char *err, size_t errlen)
{
	unsigned count = 1;
	for (const char *p = csv; *p; p++)
		if (*p == ',')
			count++;
	if (count > SIM_MAX_LINES) {
		snprintf(err, errlen, "--names has %u names, at most %u lines are supported", count,
			 SIM_MAX_LINES);
		return -1;
	}
	char **names = calloc(count, sizeof(*names));
	if (!names) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* The names block is every name with its NUL: the commas are the NULs
	 * but for the last one. */
	if (strlen(csv) + 1 > VT_GPIO_NAMES_SIZE_MAX) {
		snprintf(err, errlen, "--names: %zu bytes of names (with a NUL each), at most %u "
			 "(gpio_names_size, the names block)", strlen(csv) + 1, VT_GPIO_NAMES_SIZE_MAX);
		free(names);
		return -1;
	}
	const char *p = csv;
	for (unsigned i = 0; i < count; i++) {
		size_t len = strcspn(p, ",");
		if (len == 0) {
			snprintf(err, errlen, "--names: name %u (line %u) is empty", i + 1, i);
			goto fail;
		}
		names[i] = strndup(p, len);
		if (!names[i]) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		for (unsigned j = 0; j < i; j++) {
			if (strcmp(names[j], names[i]) == 0) {
				snprintf(err, errlen, "--names: line name '%s' given twice (lines %u and %u)",
					 names[i], j, i);
				goto fail;
			}
		}
		p += len;
		if (*p == ',')
			p++;
	}
	*out = names;
	*n = count;
	return 0;
fail:
	free_names(names, count);
	return -1;
}

struct vt_gpio_chip *vt_gpio_sim_new(unsigned ngpio, const char *names_csv, char *err, size_t errlen)
{
	char **names = NULL;
	unsigned nnames = 0;

	if (ngpio > SIM_MAX_LINES) {
		snprintf(err, errlen, "--lines %u is out of range (1..%u)", ngpio, SIM_MAX_LINES);
		return NULL;
	}
	if (names_csv && parse_names(names_csv, &names, &nnames, err, errlen) < 0)
		return NULL;
	if (ngpio == 0 && !names) {
		snprintf(err, errlen, "a simulated GPIO chip needs --lines or --names");
		return NULL;
	}
	if (ngpio == 0) {
		ngpio = nnames;
	} else if (names && nnames != ngpio) {
		snprintf(err, errlen, "--names has %u name%s but --lines is %u", nnames,
			 nnames == 1 ? "" : "s", ngpio);
		free_names(names, nnames);
		return NULL;
	}

	struct sim_chip *s = calloc(1, sizeof(*s));
	struct sim_line *l = calloc(ngpio, sizeof(*l));
	if (!s || !l) {
		snprintf(err, errlen, "out of memory");
		free(s);
		free(l);
		free_names(names, nnames);
		return NULL;
	}
	/* calloc: every line starts as NONE, level 0, unwatched (a chip after
	 * reset); VT_GPIO_DIR_NONE is 0. */
	s->l = l;
	s->c.ops = &sim_ops;
	s->c.ngpio = ngpio;
	s->c.names = names;
	s->c.simulated = true;
	s->c.label = "sim";
	return &s->c;
}

int vt_gpio_sim_set_input(struct vt_gpio_chip *c, unsigned line, int level)
{
	if (!c || c->ops != &sim_ops)
		return -ENOTSUP;   /* a passthrough chip: the real pin decides */
	if (line >= c->ngpio || (level != 0 && level != 1))
		return -EINVAL;
	struct sim_line *l = &to_sim(c)->l[line];
	if (l->dir == VT_GPIO_DIR_OUT)
		return -EPERM;     /* the guest drives it: nothing to inject into */
	if (l->in == level)
		return 0;          /* no edge, nothing to report */
	l->in = level;
	if (l->watched && c->change_cb)
		c->change_cb(c->change_arg, line, level);
	return 0;
}
