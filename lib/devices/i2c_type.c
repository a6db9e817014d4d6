/* virtio-i2c in the device registry: serve's options (simulated targets or
 * a host adapter), the front-end for drive and loopback, the decoder. */
#include "devices/registry.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/i2c.h"
#include "drivers/i2c.h"
#include "drivers/i2c_session.h"
#include "fault/fault.h"
#include "hw/i2c_bus.h"
#include "util/json.h"
#include "util/log.h"
#include "virtio/virtio.h"

static const char *const queues[] = { "requestq", NULL };

/* ---- serve ---- */

static const struct vt_device_option options[] = {
	{ "target", 0, "SPEC", "simulated target ADDR=MODEL[:file=PATH]; MODEL is\n24c02, 24c32 or regs (repeatable)" },
	{ "bus", 'b', "DEV", "pass requests through to a host adapter /dev/i2c-N" },
	{ NULL, 0, NULL, NULL },
};

struct i2c_hw {
	struct vt_i2c_bus *bus;
	const char *bus_path;   /* --bus, or NULL: simulated */
};

static void i2c_create(struct vt_serve_ctx *ctx, const struct vt_device_args *args)
{
	struct i2c_hw *hw = calloc(1, sizeof(*hw));
	char err[256];
	unsigned ntargets = 0;

	if (!hw)
		vt_die("serve: out of memory");
	for (unsigned i = 0; i < args->n; i++) {
		if (!strcmp(args->a[i].opt->name, "bus"))
			hw->bus_path = args->a[i].val;
		else
			ntargets++;
	}
	if (hw->bus_path && ntargets)
		vt_die_usage("serve: --bus and --target exclude each other");
	if (hw->bus_path) {
		hw->bus = vt_i2c_host_open(hw->bus_path, err, sizeof(err));
		if (!hw->bus)
			vt_die("serve: %s", err);
	} else {
		hw->bus = vt_i2c_sim_new();
		if (!hw->bus)
			vt_die("serve: out of memory");
		for (unsigned i = 0; i < args->n; i++) {
			int r = vt_i2c_sim_add_target(hw->bus, args->a[i].val, err, sizeof(err));
			if (r == -2)
				vt_die("serve: --target %s", err);
			if (r < 0)
				vt_die_usage("serve: --target %s", err);
		}
	}
	ctx->hw = hw;
	ctx->dev = vt_i2c_dev_new(hw->bus);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

static void target_json(unsigned addr, const char *model, void *arg)
{
	struct vt_json *j = arg;

	vt_json_obj_begin(j, NULL);
	vt_json_uint(j, "addr", addr);
	vt_json_str(j, "model", model);
	vt_json_obj_end(j);
}

static void i2c_add_info(struct vt_json *j, const struct vt_serve_ctx *ctx)
{
	const struct i2c_hw *hw = ctx->hw;

	vt_json_str(j, "bus", hw->bus_path ? hw->bus_path : "sim");
	/* What a host adapter has behind it is not known without probing. */
	if (!hw->bus_path) {
		vt_json_arr_begin(j, "targets");
		vt_i2c_sim_each_target(hw->bus, target_json, j);
		vt_json_arr_end(j);
	}
}

static void i2c_destroy(struct vt_serve_ctx *ctx)
{
	struct i2c_hw *hw = ctx->hw;

	vt_i2c_dev_free(ctx->dev);
	vt_i2c_bus_destroy(hw->bus);
	free(hw);
}

static const struct vt_serve_ops serve = {
	.model = &vt_model_i2c,
	.synopsis = "[--target ADDR=MODEL[:file=PATH]]... [--bus /dev/i2c-N]",
	.options = options,
	.create = i2c_create,
	.add_info = i2c_add_info,
	.destroy = i2c_destroy,
};

/* ---- front-end: the state is the front-end itself ---- */

static void *i2c_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	return vt_i2c_driver_start(fe, queue_size, ro->indirect) < 0 ? NULL : fe;
}

static enum vt_run_result i2c_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				  char *err, size_t errlen)
{
	return vt_i2c_run_words(drv, words, n, ro, stdout, err, errlen);
}

static void i2c_stop(void *drv)
{
	(void)drv;
}

static bool i2c_bench(void *drv, char *const *words, unsigned n, const struct vt_bench_conf *c,
		      struct vt_bench_plan *p, char *err, size_t errlen)
{
	return vt_i2c_bench_plan(drv, words, n, c, p, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "i2c: OP is i2ctransfer syntax: {r|w}LEN[@ADDR] followed, for a write, by\n"
		    "LEN bytes; the messages go as one transfer (a FAIL_NEXT group), e.g.\n"
		    "  vitool drive i2c -S /tmp/i2c.sock w1@0x50 0x00 r8\n"
		    "or detect [FIRST LAST]: an i2cdetect grid\n",
	.indirect = true,
	.check = vt_i2c_check_words,
	.start = i2c_start,
	.run = i2c_run,
	.stop = i2c_stop,
	.bench_words = "r1@0x50",
	.bench_help = "i2c --bench: each message its own request (no FAIL_NEXT), e.g. r2@0x50\n",
	.bench_check = vt_i2c_bench_check,
	.bench = i2c_bench,
};

/* ---- loopback: three simulated targets; the comment lines say what the
 * next lines show ---- */

static const char *const loopback_serve[] = {
	"--target", "0x50=24c02", "--target", "0x51=24c32", "--target", "0x20=regs", NULL,
};

static const char *const exercise[] = {
	"# write 8 bytes to the EEPROM at 0x50, starting at word address 0x00",
	"w9@0x50 0x00 0x76 0x69 0x74 0x6f 0x6f 0x6c 0x21 0x0a",
	"# read them back: set the word address, repeated start, read 8 (one FAIL_NEXT group)",
	"w1@0x50 0x00 r8",
	"# a page write wraps inside its 8-byte page: 4 bytes at 0x06 land at 0x06 0x07 0x00 0x01",
	"w5@0x50 0x06 0xa1 0xa2 0xa3 0xa4",
	"w1@0x50 0x00 r8",
	"# the 24c32 at 0x51 takes a 2-byte word address",
	"w4@0x51 0x0f 0xfe 0x12 0x34",
	"w2@0x51 0x0f 0xfe r2",
	"# the second message goes to 0x30, where nothing answers: it fails like a NACK and",
	"# the rest of the group is failed too",
	"!w1@0x50 0x00 r1@0x30 r1@0x50",
	"# scan the bus with zero-length requests, like i2cdetect",
	"detect",
	NULL,
};

/* detect's 112 probes: its grid says what they found. */
static const char *const fold_words[] = { "detect", NULL };

static const struct vt_loopback_ops loopback = {
	.serve_args = loopback_serve,
	.intro = "# targets: 0x50 24c02 EEPROM, 0x51 24c32 EEPROM, 0x20 register file",
	.help = "a 24c02 EEPROM at 0x50, a 24c32 at 0x51, a register file at 0x20;\n"
		"script lines are transfers in i2ctransfer syntax, or detect\n",
	.exercise = exercise,
	.fold_words = fold_words,
};

static const struct vt_tok feature_names[] = {
	{ VIRTIO_I2C_F_ZERO_LENGTH_REQUEST, "ZERO_LENGTH_REQUEST" },
	{ 0, NULL },
};

/* ---- faults: addr N and the decoder's read/write/probe; fail answers
 * VIRTIO_I2C_MSG_ERR in the status byte (the last writable one) ---- */

static const struct vt_fault_selector fault_selectors[] = {
	{ "addr", "addr", NULL },
	{ NULL, NULL, NULL },
};

static uint32_t i2c_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	(void)queue;
	return vt_fault_fail_status_last(c, VIRTIO_I2C_MSG_ERR, used_len);
}

static const struct vt_device_faults faults = {
	.selectors = fault_selectors,
	.fail = i2c_fail,
};

const struct vt_device_type vt_type_i2c = {
	.name = "i2c",
	.virtio_id = VIRTIO_ID_I2C,
	.num_queues = 1,
	.queue_names = queues,
	.device_features = VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST),
	.required_features = VT_BIT(VIRTIO_I2C_F_ZERO_LENGTH_REQUEST),
	.feature_names = feature_names,
	.decoder = &vt_decoder_i2c,
	.faults = &faults,
	.serve = &serve,
	.front = &front,
	.loopback = &loopback,
};
