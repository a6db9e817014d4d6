/* virtio-rng in the device registry: serve's options (entropy source and
 * rate), its `info` counters, the front-end for drive, the decoder. */
#include "devices/registry.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/rng.h"
#include "drivers/rng.h"
#include "fault/fault.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse.h"
#include "virtio/virtio.h"

static const char *const queues[] = { "requestq", NULL };

/* ---- serve ---- */

static const struct vt_device_option options[] = {
	{ "seed", 0, "N", "deterministic bytes: splitmix64 seeded with N, each\n64-bit output little-endian (default: getrandom(2))" },
	{ "rate", 0, "BYTES", "at most BYTES bytes per second; a request waits\n(never blocking the device) until its bytes are due" },
	{ NULL, 0, NULL, NULL },
};

static void rng_create(struct vt_serve_ctx *ctx, const struct vt_device_args *args)
{
	struct vt_rng_conf *conf = calloc(1, sizeof(*conf));

	if (!conf)
		vt_die("serve: out of memory");
	for (unsigned i = 0; i < args->n; i++) {
		const char *opt = args->a[i].opt->name, *val = args->a[i].val;
		if (!strcmp(opt, "seed")) {
			if (!vt_parse_u64(val, UINT64_MAX, &conf->seed))
				vt_die_usage("serve: --seed %s: want a number, 0-%llu", val,
					     (unsigned long long)UINT64_MAX);
			conf->seeded = true;
		} else if (!vt_parse_u64(val, UINT32_MAX, &conf->rate) || !conf->rate) {
			vt_die_usage("serve: --rate %s: want bytes per second, 1-%u", val, UINT32_MAX);
		}
	}
	ctx->hw = conf;
	ctx->dev = vt_rng_dev_new(ctx->loop, conf);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

static void rng_add_info(struct vt_json *j, const struct vt_serve_ctx *ctx)
{
	const struct vt_rng_conf *conf = ctx->hw;
	struct vt_rng_stats st;

	vt_rng_dev_stats(ctx->dev, &st);
	vt_json_str(j, "source", conf->seeded ? "splitmix64" : "getrandom");
	if (conf->seeded)
		vt_json_uint(j, "seed", conf->seed);
	vt_json_uint(j, "rate", conf->rate);
	vt_json_uint(j, "requests", st.requests);
	vt_json_uint(j, "bytes", st.bytes);
	vt_json_uint(j, "delayed", st.delayed);
	vt_json_uint(j, "waiting", st.waiting);
}

static void rng_destroy(struct vt_serve_ctx *ctx)
{
	vt_rng_dev_free(ctx->dev);
	free(ctx->hw);
}

static const struct vt_serve_ops serve = {
	.model = &vt_model_rng,
	.synopsis = "[--seed N] [--rate BYTES]",
	.options = options,
	.create = rng_create,
	.add_info = rng_add_info,
	.destroy = rng_destroy,
};

/* ---- front-end: the state is the front-end itself ---- */

static void *rng_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	(void)ro;
	return vt_rng_driver_start(fe, queue_size) < 0 ? NULL : fe;
}

static enum vt_run_result rng_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				  char *err, size_t errlen)
{
	return vt_rng_run_words(drv, words, n, ro, stdout, err, errlen);
}

static void rng_stop(void *drv)
{
	(void)drv;
}

static bool rng_bench(void *drv, char *const *words, unsigned n, const struct vt_bench_conf *c,
		      struct vt_bench_plan *p, char *err, size_t errlen)
{
	return vt_rng_bench_plan(drv, words, n, c, p, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "rng: OPs are read N (1-65536): one buffer of N bytes each, printed\n"
		    "as one line of hex, e.g.\n"
		    "  vitool drive rng -S /tmp/rng.sock read 16 read 16\n",
	.check = vt_rng_check_words,
	.start = rng_start,
	.run = rng_run,
	.stop = rng_stop,
	.bench_words = "read 64",
	.bench_help = "rng --bench: read N\n",
	.bench_check = vt_rng_check_words,
	.bench = rng_bench,
};

/* ---- loopback: seeded, so every run prints the same bytes ---- */

static const char *const loopback_serve[] = { "--seed", "42", NULL };

static const char *const exercise[] = {
	"# one buffer of 16 bytes: the device fills all of it from the stream",
	"read 16",
	"# the stream goes on across requests: 8 bytes, then the next 8",
	"read 8 read 8",
	"# 64 bytes, the buffer Linux's virtio-rng driver queues on x86",
	"read 64",
	NULL,
};

static const struct vt_loopback_ops loopback = {
	.serve_args = loopback_serve,
	.intro = "# entropy: splitmix64 seeded with 42 (serve rng --seed 42): every run prints the same bytes",
	.help = "serve rng --seed 42, so every run prints the same bytes;\n"
		"script lines are read N (1-65536)\n",
	.exercise = exercise,
};

/* ---- faults: size N (the buffer the driver offers); fail answers one
 * byte, the least the spec lets a device place ---- */

static const struct vt_fault_selector fault_selectors[] = {
	{ "size", "len", NULL },
	{ NULL, NULL, NULL },
};

static uint32_t rng_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	(void)queue;
	(void)c;
	return used_len > 1 ? 1 : used_len;
}

static const struct vt_device_faults faults = {
	.selectors = fault_selectors,
	.fail = rng_fail,
};

const struct vt_device_type vt_type_rng = {
	.name = "rng",
	.virtio_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.queue_names = queues,
	.decoder = &vt_decoder_rng,
	.faults = &faults,
	.serve = &serve,
	.front = &front,
	.loopback = &loopback,
};
