/* virtio-gpio in the device registry: serve's options (simulated lines or
 * a host chip), its control commands, the front-end for drive and loopback,
 * the decoder. */
#include "devices/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/gpio_cmds.h"
#include "decode/decode.h"
#include "devices/gpio.h"
#include "drivers/gpio.h"
#include "drivers/gpio_loopback.h"
#include "drivers/gpio_session.h"
#include "fault/fault.h"
#include "hw/gpio_chip.h"
#include "trace/recorder.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse.h"
#include "virtio/virtio.h"
#include "virtio/virtio_gpio.h"

static const char *const queues[] = { "requestq", "eventq", NULL };

/* ---- serve ---- */

static const struct vt_device_option options[] = {
	{ "lines", 0, "N", "simulated chip with N lines (default: as many as --names,\nelse 8)" },
	{ "names", 'N', "LIST", "line names, comma-separated" },
	{ "chip", 0, "CHIP", "pass lines through to a host gpiochip (libgpiod)" },
	{ NULL, 0, NULL, NULL },
};

static void gpio_create(struct vt_serve_ctx *ctx, const struct vt_device_args *args)
{
	const char *names = NULL, *chip_name = NULL;
	unsigned lines = 0;
	struct vt_gpio_chip *chip;
	char err[256];

	for (unsigned i = 0; i < args->n; i++) {
		const char *opt = args->a[i].opt->name, *val = args->a[i].val;
		if (!strcmp(opt, "lines")) {
			if (!vt_parse_uint(val, 1024, &lines) || !lines)
				vt_die_usage("serve: --lines %s: want 1-1024", val);
		} else if (!strcmp(opt, "names")) {
			names = val;
		} else {
			chip_name = val;
		}
	}
	if (chip_name && (lines || names))
		vt_die_usage("serve gpio: --chip takes the lines and names from the host chip");
	if (chip_name) {
		chip = vt_gpio_host_open(ctx->loop, chip_name, err, sizeof(err));
		if (!chip)
			vt_die("serve: %s", err);
	} else {
		chip = vt_gpio_sim_new(lines ? lines : (names ? 0 : 8), names, err, sizeof(err));
		if (!chip)
			vt_die_usage("serve: %s", err);
	}
	ctx->hw = chip;
	ctx->dev = vt_gpio_dev_new(chip);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

/* Every interrupt the guest gets becomes an IRQ_INJECTED trace record. */
static void gpio_irq_tap(void *arg, unsigned line)
{
	struct vt_serve_ctx *ctx = arg;
	struct vt_gpio_line_info li;
	char text[128];

	if (!vt_recorder_listening(ctx->rec))
		return;
	if (vt_gpio_dev_line_info(ctx->dev, line, &li) == 0 && li.name && *li.name)
		snprintf(text, sizeof(text), "line %u (%s)", line, li.name);
	else
		snprintf(text, sizeof(text), "line %u", line);
	vt_recorder_irq(ctx->rec, VIRTIO_GPIO_EVENTQ, text);
}

static void gpio_add_control(struct vt_ctl_server *s, struct vt_serve_ctx *ctx)
{
	vt_ctl_add_gpio_tap(s, ctx->dev, ctx->loop, gpio_irq_tap, ctx);
}

static void gpio_add_info(struct vt_json *j, const struct vt_serve_ctx *ctx)
{
	const struct vt_gpio_chip *chip = ctx->hw;

	vt_json_uint(j, "ngpio", chip->ngpio);
	vt_json_str(j, "chip", chip->label);
	vt_json_bool(j, "simulated", chip->simulated);
}

static void gpio_destroy(struct vt_serve_ctx *ctx)
{
	vt_gpio_dev_free(ctx->dev);
	vt_gpio_chip_destroy(ctx->hw);
}

static const struct vt_serve_ops serve = {
	.model = &vt_model_gpio,
	.synopsis = "[--lines N] [--names A,B,...] [--chip CHIP]",
	.options = options,
	.create = gpio_create,
	.add_control = gpio_add_control,
	.add_info = gpio_add_info,
	.destroy = gpio_destroy,
};

/* ---- front-end ---- */

static void *gpio_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	struct vt_gpio_driver *d = calloc(1, sizeof(*d));

	(void)ro;
	if (!d) {
		snprintf(fe->err, sizeof(fe->err), "out of memory");
		return NULL;
	}
	if (vt_gpio_driver_start(d, fe, queue_size) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static enum vt_run_result gpio_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				   char *err, size_t errlen)
{
	return vt_gpio_run_words(drv, words, n, ro, stdout, err, errlen);
}

static void gpio_stop(void *drv)
{
	vt_gpio_driver_free(drv);
	free(drv);
}

static bool gpio_bench(void *drv, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen)
{
	return vt_gpio_bench_plan(drv, words, n, c, p, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "gpio: OPs run in order: info, names, get N..., set N=V..., dir N in|out|none,\n"
		    "irq N rising|falling|both|high|low|none, wait N... [--timeout MS] [-n COUNT]\n"
		    "[--format FMT]; N is a line offset or name, V 0/1, low/high, off/on or\n"
		    "inactive/active, e.g.\n"
		    "  vitool drive gpio -S /tmp/gpio.sock dir 3 in irq 3 rising wait 3\n",
	.check = vt_gpio_check_words,
	.start = gpio_start,
	.run = gpio_run,
	.stop = gpio_stop,
	.bench_words = "get 0",
	.bench_help = "gpio --bench: get LINE, set LINE=V (LINE an offset)\n",
	.bench_check = vt_gpio_bench_check,
	.bench = gpio_bench,
};

/* ---- loopback: four named lines whose inputs the script sets ---- */

static const char *const loopback_serve[] = { "--names", "led,button,irq-a,irq-b", NULL };

static const char *const exercise[] = {
	"# the config space and the line names",
	"info names",
	"# drive an output: the value is stored first, then the line becomes an output",
	"set led=1 dir led out get led",
	"# an edge while the interrupt is masked (no eventq buffer queued) is latched...",
	"dir button in irq button rising",
	"inject button=1",
	"# ...and delivered as soon as the driver unmasks the line",
	"arm button",
	"event",
	"# an edge while unmasked fires at once",
	"inject button=0",
	"arm button",
	"inject button=1",
	"event",
	"# a level interrupt is not latched but fires again on every unmask while the level holds",
	"irq button high",
	"arm button",
	"event",
	"# two lines: armed a then b, fired b then a: they complete out of order",
	"dir irq-a in irq irq-a falling dir irq-b in irq irq-b falling",
	"inject irq-a=1 irq-b=1",
	"arm irq-a",
	"arm irq-b",
	"inject irq-b=0",
	"event",
	"inject irq-a=0",
	"event",
	"# setting the IRQ type to none returns the pending buffer as INVALID",
	"arm irq-a",
	"irq irq-a none",
	"event",
	NULL,
};

/* arm and event name lines: the names are read before the first line runs. */
static void *gpio_loopback_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	struct vt_gpio_driver *d = gpio_start(fe, queue_size, ro);

	if (d && vt_gpio_get_names(d, &d->names, 1000) != 0) {
		snprintf(fe->err, sizeof(fe->err), "GET_LINE_NAMES failed");
		gpio_stop(d);
		return NULL;
	}
	return d;
}

static enum vt_run_result gpio_loopback_run(void *drv, int ctl, char *const *words, unsigned n,
					    const struct vt_run_opts *ro, char *err, size_t errlen)
{
	return vt_gpio_loopback_run(drv, ctl, words, n, ro, stdout, err, errlen);
}

static const struct vt_loopback_ops loopback = {
	.serve_args = loopback_serve,
	.intro = "# lines: 0 led, 1 button, 2 irq-a, 3 irq-b; inputs are set through the control socket",
	.help = "4 lines named led, button, irq-a, irq-b; injected edges reach the\n"
		"front-end; script lines are drive gpio ops, or inject LINE=LEVEL...,\n"
		"arm LINE, event [MS]\n",
	.exercise = exercise,
	.start = gpio_loopback_start,
	.run = gpio_loopback_run,
	.check = vt_gpio_loopback_check,
};

static const struct vt_tok feature_names[] = {
	{ VIRTIO_GPIO_F_IRQ, "IRQ" },
	{ 0, NULL },
};

/* ---- faults: line N, value N, type NAME (the message types); fail
 * answers VIRTIO_GPIO_STATUS_ERR (eventq: IRQ_STATUS_INVALID) in the
 * first writable byte ---- */

static const struct vt_fault_selector fault_selectors[] = {
	{ "line", "line", NULL },
	{ "value", "value", NULL },
	{ NULL, NULL, NULL },
};

static uint32_t gpio_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	uint8_t st = queue == VIRTIO_GPIO_EVENTQ ? VIRTIO_GPIO_IRQ_STATUS_INVALID : VIRTIO_GPIO_STATUS_ERR;

	if (!c->write_len)
		return used_len;
	vt_chain_write(c, 0, &st, 1);
	return used_len ? used_len : 1;
}

static const struct vt_device_faults faults = {
	.selectors = fault_selectors,
	.types = vt_gpio_msg_names,
	.fail = gpio_fail,
};

const struct vt_device_type vt_type_gpio = {
	.name = "gpio",
	.virtio_id = VIRTIO_ID_GPIO,
	.num_queues = 2,
	.queue_names = queues,
	/* An eventq buffer waits for the line's interrupt, however long. */
	.event_queues = 1u << VIRTIO_GPIO_EVENTQ,
	.device_features = VT_BIT(VIRTIO_GPIO_F_IRQ),
	.feature_names = feature_names,
	.config_size = VIRTIO_GPIO_CONFIG_SIZE,
	.decoder = &vt_decoder_gpio,
	.faults = &faults,
	.serve = &serve,
	.front = &front,
	.loopback = &loopback,
};
