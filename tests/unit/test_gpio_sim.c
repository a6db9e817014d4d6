/* GPIO chips: the simulated chip's names and line rules, and what can be
 * checked of the libgpiod passthrough without a gpiochip (opening one that
 * does not exist). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/gpio_chip.h"
#include "tap.h"
#include "util/log.h"
#include "util/loop.h"

static char err[256];

static struct vt_gpio_chip *sim(unsigned n, const char *names)
{
	err[0] = '\0';
	struct vt_gpio_chip *c = vt_gpio_sim_new(n, names, err, sizeof(err));
	if (!c)
		printf("# sim_new(%u, %s): %s\n", n, names ? names : "NULL", err);
	return c;
}

/* Fails with a message containing want. */
static void sim_fails(unsigned n, const char *names, const char *want)
{
	err[0] = '\0';
	struct vt_gpio_chip *c = vt_gpio_sim_new(n, names, err, sizeof(err));
	EXPECT(c == NULL);
	EXPECT_STR_HAS(err, want);
	vt_gpio_chip_destroy(c);
}

/* change_cb recorder */
static struct {
	int calls;
	unsigned line;
	int level;
} cb;

static void on_change(void *arg, unsigned line, int level)
{
	EXPECT(arg == &cb);
	cb.calls++;
	cb.line = line;
	cb.level = level;
}

static void test_names_good(void)
{
	struct vt_gpio_chip *c = sim(3, "led,button,reset");
	EXPECT(c != NULL);
	if (!c)
		return;
	EXPECT_EQ(c->ngpio, 3);
	EXPECT(c->names != NULL);
	EXPECT(strcmp(c->names[0], "led") == 0);
	EXPECT(strcmp(c->names[1], "button") == 0);
	EXPECT(strcmp(c->names[2], "reset") == 0);
	EXPECT(c->simulated);
	EXPECT(strcmp(c->label, "sim") == 0);
	vt_gpio_chip_destroy(c);

	c = sim(8, NULL);
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ(c->ngpio, 8);
		EXPECT(c->names == NULL);
	}
	vt_gpio_chip_destroy(c);

	/* a single name, and names that only share a prefix */
	c = sim(0, "a");
	EXPECT(c && c->ngpio == 1 && strcmp(c->names[0], "a") == 0);
	vt_gpio_chip_destroy(c);
	c = sim(0, "a,ab,abc");
	EXPECT(c && c->ngpio == 3);
	vt_gpio_chip_destroy(c);
}

static void test_names_ngpio_from_names(void)
{
	struct vt_gpio_chip *c = sim(0, "x,y,z,w");
	EXPECT(c != NULL);
	if (c) {
		EXPECT_EQ(c->ngpio, 4);
		EXPECT(strcmp(c->names[3], "w") == 0);
	}
	vt_gpio_chip_destroy(c);
}

static void test_names_bad(void)
{
	sim_fails(3, "a,,c", "empty");
	sim_fails(0, ",a", "empty");
	sim_fails(0, "a,b,", "empty");
	sim_fails(0, "", "empty");
	sim_fails(3, "a,b,a", "line name 'a' given twice");
	sim_fails(8, "a,b,c", "--names has 3 names but --lines is 8");
	sim_fails(2, "a,b,c", "--names has 3 names but --lines is 2");
	sim_fails(0, NULL, "--lines");
}

static void test_too_many_lines(void)
{
	sim_fails(1025, NULL, "1025");
	sim_fails(100000, NULL, "out of range");

	struct vt_gpio_chip *c = sim(1024, NULL);
	EXPECT(c && c->ngpio == 1024);
	vt_gpio_chip_destroy(c);
	c = sim(1, NULL);
	EXPECT(c && c->ngpio == 1);
	vt_gpio_chip_destroy(c);

	/* 1025 names: one too many */
	size_t len = 1025 * 6 + 1;
	char *csv = malloc(len), *p = csv;
	for (unsigned i = 0; i < 1025; i++)
		p += sprintf(p, "%sl%u", i ? "," : "", i);
	sim_fails(0, csv, "1025");
	free(csv);
}

static void test_reset_state(void)
{
	struct vt_gpio_chip *c = sim(4, NULL);
	if (!c)
		return;
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(c->ops->get_direction(c, i), VT_GPIO_DIR_NONE);
		EXPECT_EQ(c->ops->get_value(c, i), 0);
	}
	vt_gpio_chip_destroy(c);
}

static void test_output_rules(void)
{
	struct vt_gpio_chip *c = sim(4, NULL);
	if (!c)
		return;
	EXPECT_EQ(c->ops->set_direction(c, 1, VT_GPIO_DIR_OUT, 1), 0);
	EXPECT_EQ(c->ops->get_direction(c, 1), VT_GPIO_DIR_OUT);
	EXPECT_EQ(c->ops->get_value(c, 1), 1);
	EXPECT_EQ(c->ops->set_value(c, 1, 0), 0);
	EXPECT_EQ(c->ops->get_value(c, 1), 0);
	EXPECT_EQ(c->ops->set_value(c, 1, 1), 0);
	EXPECT_EQ(c->ops->get_value(c, 1), 1);
	/* the driven value wins over anything injected before */
	EXPECT_EQ(c->ops->set_direction(c, 2, VT_GPIO_DIR_NONE, 0), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 1), 0);
	EXPECT_EQ(c->ops->set_direction(c, 2, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(c->ops->get_value(c, 2), 0);
	/* injecting into an output is refused and changes nothing */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 1, 0), -EPERM);
	EXPECT_EQ(c->ops->get_value(c, 1), 1);
	/* other lines are untouched */
	EXPECT_EQ(c->ops->get_direction(c, 0), VT_GPIO_DIR_NONE);
	vt_gpio_chip_destroy(c);
}

static void test_input_rules(void)
{
	struct vt_gpio_chip *c = sim(4, NULL);
	if (!c)
		return;
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_IN, 0), 0);
	EXPECT_EQ(c->ops->get_direction(c, 0), VT_GPIO_DIR_IN);
	EXPECT_EQ(c->ops->get_value(c, 0), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 0, 1), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 1);
	EXPECT_EQ(c->ops->set_value(c, 0, 0), -EPERM);
	EXPECT_EQ(c->ops->get_value(c, 0), 1);
	/* a NONE line reads the injected level too, and refuses set_value */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 3, 1), 0);
	EXPECT_EQ(c->ops->get_value(c, 3), 1);
	EXPECT_EQ(c->ops->set_value(c, 3, 1), -EPERM);
	/* OUT -> IN senses the injected level again, not the driven one */
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 0);
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_IN, 0), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 1);
	vt_gpio_chip_destroy(c);
}

static void test_none_releases(void)
{
	struct vt_gpio_chip *c = sim(2, NULL);
	if (!c)
		return;
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_OUT, 1), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 1);
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_NONE, 0), 0);
	EXPECT_EQ(c->ops->get_direction(c, 0), VT_GPIO_DIR_NONE);
	EXPECT_EQ(c->ops->get_value(c, 0), 0);   /* injected level, not the old 1 */
	EXPECT_EQ(c->ops->set_value(c, 0, 1), -EPERM);
	/* released, the line takes injection again */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 0, 1), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 1);
	/* the old driven value does not come back: OUT takes the new one */
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(c->ops->get_value(c, 0), 0);
	vt_gpio_chip_destroy(c);
}

static void test_bad_args(void)
{
	struct vt_gpio_chip *c = sim(4, NULL);
	if (!c)
		return;
	EXPECT_EQ(c->ops->get_direction(c, 4), -EINVAL);
	EXPECT_EQ(c->ops->set_direction(c, 4, VT_GPIO_DIR_IN, 0), -EINVAL);
	EXPECT_EQ(c->ops->set_direction(c, 0, 3, 0), -EINVAL);
	EXPECT_EQ(c->ops->set_direction(c, 0, -1, 0), -EINVAL);
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_OUT, 2), -EINVAL);
	EXPECT_EQ(c->ops->get_direction(c, 0), VT_GPIO_DIR_NONE);
	EXPECT_EQ(c->ops->get_value(c, 4), -EINVAL);
	EXPECT_EQ(c->ops->set_value(c, 4, 0), -EINVAL);
	EXPECT_EQ(c->ops->set_direction(c, 0, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(c->ops->set_value(c, 0, 2), -EINVAL);
	EXPECT_EQ(c->ops->set_value(c, 0, -1), -EINVAL);
	EXPECT_EQ(c->ops->watch(c, 4, true), -EINVAL);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 4, 0), -EINVAL);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 1, 2), -EINVAL);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 1, -1), -EINVAL);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 0x80000000u, 1), -EINVAL);
	vt_gpio_chip_destroy(c);
}

static void test_change_cb(void)
{
	struct vt_gpio_chip *c = sim(4, NULL);
	if (!c)
		return;
	memset(&cb, 0, sizeof(cb));
	c->change_cb = on_change;
	c->change_arg = &cb;
	EXPECT_EQ(c->ops->set_direction(c, 2, VT_GPIO_DIR_IN, 0), 0);
	EXPECT_EQ(c->ops->set_direction(c, 3, VT_GPIO_DIR_IN, 0), 0);

	/* unwatched: the level changes, no callback */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 3, 1), 0);
	EXPECT_EQ(cb.calls, 0);
	EXPECT_EQ(c->ops->get_value(c, 3), 1);

	EXPECT_EQ(c->ops->watch(c, 2, true), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 1), 0);
	EXPECT_EQ(cb.calls, 1);
	EXPECT_EQ(cb.line, 2);
	EXPECT_EQ(cb.level, 1);
	/* same level again: no edge, no callback */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 1), 0);
	EXPECT_EQ(cb.calls, 1);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 0), 0);
	EXPECT_EQ(cb.calls, 2);
	EXPECT_EQ(cb.level, 0);
	/* the unwatched line still makes no callback */
	EXPECT_EQ(vt_gpio_sim_set_input(c, 3, 0), 0);
	EXPECT_EQ(cb.calls, 2);

	/* watch off: silent again, the level is still stored */
	EXPECT_EQ(c->ops->watch(c, 2, false), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 1), 0);
	EXPECT_EQ(cb.calls, 2);
	EXPECT_EQ(c->ops->get_value(c, 2), 1);
	/* back on: the level it already has is no edge */
	EXPECT_EQ(c->ops->watch(c, 2, true), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 1), 0);
	EXPECT_EQ(cb.calls, 2);

	/* a watched output refuses injection: no callback */
	EXPECT_EQ(c->ops->watch(c, 1, true), 0);
	EXPECT_EQ(c->ops->set_direction(c, 1, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(vt_gpio_sim_set_input(c, 1, 1), -EPERM);
	EXPECT_EQ(cb.calls, 2);
	/* a direction change is no edge either */
	EXPECT_EQ(c->ops->set_direction(c, 2, VT_GPIO_DIR_OUT, 0), 0);
	EXPECT_EQ(c->ops->set_direction(c, 2, VT_GPIO_DIR_IN, 0), 0);
	EXPECT_EQ(cb.calls, 2);

	/* no callback installed: fine */
	c->change_cb = NULL;
	EXPECT_EQ(vt_gpio_sim_set_input(c, 2, 0), 0);
	vt_gpio_chip_destroy(c);
}

static void test_host_missing_chip(void)
{
	struct vt_loop *loop = vt_loop_new();
	EXPECT(loop != NULL);
	const char *names[] = { "gpiochip99", "/dev/gpiochip99", "99", "no-such-gpio-label" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		err[0] = '\0';
		struct vt_gpio_chip *c = vt_gpio_host_open(loop, names[i], err, sizeof(err));
		EXPECT(c == NULL);
		EXPECT_STR_HAS(err, names[i]);
		EXPECT_STR_HAS(err, "no such GPIO chip");
		vt_gpio_chip_destroy(c);
	}
	err[0] = '\0';
	EXPECT(vt_gpio_host_open(loop, "", err, sizeof(err)) == NULL);
	EXPECT_STR_HAS(err, "no GPIO chip given");
	/* injection is for simulated chips only */
	EXPECT_EQ(vt_gpio_sim_set_input(NULL, 0, 1), -ENOTSUP);
	vt_loop_free(loop);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_names_good);
	RUN(test_names_ngpio_from_names);
	RUN(test_names_bad);
	RUN(test_too_many_lines);
	RUN(test_reset_state);
	RUN(test_output_rules);
	RUN(test_input_rules);
	RUN(test_none_releases);
	RUN(test_bad_args);
	RUN(test_change_cb);
	RUN(test_host_missing_chip);
	return tap_done();
}
