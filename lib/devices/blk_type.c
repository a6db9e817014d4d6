/* virtio-blk in the device registry: serve's options (a RAM or null
 * disk), its `info` counters, the decoder (also for a trace of any blk
 * backend through the proxy), the fault selectors, and the front-end for
 * drive. */
#include "devices/registry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/blk.h"
#include "drivers/blk.h"
#include "fault/fault.h"
#include "util/json.h"
#include "util/log.h"
#include "util/parse.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

static const struct vt_tok blk_features[] = {
	{ 1, "SIZE_MAX" }, { 2, "SEG_MAX" }, { 4, "GEOMETRY" }, { 5, "RO" }, { 6, "BLK_SIZE" },
	{ 9, "FLUSH" }, { 10, "TOPOLOGY" }, { 11, "CONFIG_WCE" }, { 12, "MQ" }, { 13, "DISCARD" },
	{ 14, "WRITE_ZEROES" }, { 15, "LIFETIME" }, { 16, "SECURE_ERASE" }, { 17, "ZONED" },
	{ 0, NULL },
};

static const char *const one_requestq[] = { "requestq", NULL };

/* blk faults: sector A-B, size N, type read|write|flush|...; fail answers
 * VIRTIO_BLK_S_IOERR in the status byte (the last writable one). */
static const struct vt_fault_selector blk_selectors[] = {
	{ "sector", "sector", NULL },
	{ "size", "len", NULL },
	{ NULL, NULL, NULL },
};

static uint32_t blk_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	(void)queue;
	return vt_fault_fail_status_last(c, VIRTIO_BLK_S_IOERR, used_len);
}

static const struct vt_device_faults blk_faults = {
	.selectors = blk_selectors,
	.types = vt_blk_type_names,
	.fail = blk_fail,
};

/* ---- serve ---- */

static const struct vt_device_option options[] = {
	{ "size", 0, "BYTES", "disk size, a multiple of 512, suffix K, M, G or T\n(default 64M, at most 1T)" },
	{ "null", 0, NULL, "store nothing: writes are dropped, reads leave the\nbuffer as it is (a transport benchmark)" },
	{ "serial", 0, "ID", "the id string (GET_ID), at most 20 bytes\n(default " VT_BLK_DEV_SERIAL_DEFAULT ")" },
	{ NULL, 0, NULL, NULL },
};

static void blk_create(struct vt_serve_ctx *ctx, const struct vt_device_args *args)
{
	struct vt_blk_conf *conf = calloc(1, sizeof(*conf));

	if (!conf)
		vt_die("serve: out of memory");
	conf->size = VT_BLK_DEV_SIZE_DEFAULT;
	snprintf(conf->serial, sizeof(conf->serial), "%s", VT_BLK_DEV_SERIAL_DEFAULT);
	for (unsigned i = 0; i < args->n; i++) {
		const char *opt = args->a[i].opt->name, *val = args->a[i].val;
		if (!strcmp(opt, "null")) {
			conf->null = true;
		} else if (!strcmp(opt, "serial")) {
			if (strlen(val) > 20)
				vt_die_usage("serve: --serial %s: at most 20 bytes", val);
			snprintf(conf->serial, sizeof(conf->serial), "%s", val);
		} else if (!vt_parse_size(val, VT_BLK_DEV_SIZE_MAX, &conf->size) || !conf->size ||
			   conf->size % VIRTIO_BLK_SECTOR_SIZE) {
			vt_die_usage("serve: --size %s: want bytes, a multiple of 512 up to 1T (e.g. 64M)", val);
		}
	}
	ctx->hw = conf;
	ctx->dev = vt_blk_dev_new(conf);
	if (!ctx->dev)
		vt_die("serve: cannot map a disk of %llu bytes: %s", (unsigned long long)conf->size,
		       strerror(errno));
}

static void blk_add_info(struct vt_json *j, const struct vt_serve_ctx *ctx)
{
	const struct vt_blk_conf *conf = ctx->hw;
	struct vt_blk_stats st;

	vt_blk_dev_stats(ctx->dev, &st);
	vt_json_str(j, "storage", conf->null ? "null" : "ram");
	vt_json_uint(j, "size", conf->size);
	vt_json_str(j, "serial", conf->serial);
	vt_json_uint(j, "reads", st.reads);
	vt_json_uint(j, "writes", st.writes);
	vt_json_uint(j, "flushes", st.flushes);
	vt_json_uint(j, "bytes_read", st.bytes_read);
	vt_json_uint(j, "bytes_written", st.bytes_written);
	vt_json_uint(j, "errors", st.errors);
}

static void blk_destroy(struct vt_serve_ctx *ctx)
{
	vt_blk_dev_free(ctx->dev);
	free(ctx->hw);
}

static const struct vt_serve_ops serve = {
	.model = &vt_model_blk,
	.synopsis = "[--size BYTES] [--null] [--serial ID]",
	.options = options,
	.create = blk_create,
	.add_info = blk_add_info,
	.destroy = blk_destroy,
};

/* ---- front-end ---- */

static void *blk_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	struct vt_blk_disk *d = malloc(sizeof(*d));

	if (!d) {
		snprintf(fe->err, sizeof(fe->err), "out of memory");
		return NULL;
	}
	if (vt_blk_driver_start(fe, queue_size, ro->indirect, d) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static enum vt_run_result blk_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				  char *err, size_t errlen)
{
	return vt_blk_run_words(drv, words, n, ro, stdout, err, errlen);
}

static bool blk_bench(void *drv, char *const *words, unsigned n, const struct vt_bench_conf *c,
		      struct vt_bench_plan *p, char *err, size_t errlen)
{
	return vt_blk_bench_plan(drv, words, n, c, p, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "blk: OPs are read SECTOR [COUNT] (512-byte sectors, default 1: printed\n"
		    "as a hex dump with an ASCII column, offsets in disk bytes), write SECTOR\n"
		    "FILE|- (the file's bytes, the last sector padded with zeros), flush, id\n"
		    "(the device's id string), capacity (sectors, from the config space),\n"
		    "wait-config (until the back-end says its config changed, e.g. resized:\n"
		    "at most --timeout), e.g.\n"
		    "  vitool drive blk -S /tmp/blk.sock write 8 data.bin flush read 8 2\n",
	.indirect = true,
	.check = vt_blk_check_words,
	.start = blk_start,
	.run = blk_run,
	.stop = free,
	.bench_words = "read 0 8",
	.bench_help = "blk --bench: read SECTOR [COUNT], write SECTOR [COUNT] (sectors of 0xa5), flush\n",
	.bench_check = vt_blk_bench_check,
	.bench = blk_bench,
};

const struct vt_device_type vt_type_blk = {
	.name = "blk", .virtio_id = VIRTIO_ID_BLOCK, .num_queues = 1, .queue_names = one_requestq,
	.decoder = &vt_decoder_blk, .faults = &blk_faults, .serve = &serve, .front = &front,
	/* SIZE_MAX 1, SEG_MAX 2, GEOMETRY 4, RO 5, BLK_SIZE 6, FLUSH 9,
	 * TOPOLOGY 10, CONFIG_WCE 11, MQ 12, DISCARD 13, WRITE_ZEROES 14,
	 * LIFETIME 15, SECURE_ERASE 16, ZONED 17; config: at least capacity. */
	.device_features = UINT64_C(0x3fe76), .config_size = 8, .feature_names = blk_features,
};
