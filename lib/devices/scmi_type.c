/* virtio-scmi in the device registry: serve's options (the simulated
 * platform's sensors, clocks and performance domains, or a file of them),
 * its control commands and `info`, the front-end for drive, the fault
 * selectors, the decoder. */
#include "devices/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/scmi_cmds.h"
#include "decode/decode.h"
#include "devices/scmi.h"
#include "drivers/scmi.h"
#include "drivers/scmi_session.h"
#include "fault/fault.h"
#include "hw/scmi_platform.h"
#include "util/bytes.h"
#include "util/json.h"
#include "util/log.h"
#include "virtio/virtio.h"
#include "virtio/virtio_scmi.h"

static const char *const queues[] = { "cmdq", "eventq", NULL };

/* ---- serve ---- */

static const struct vt_device_option options[] = {
	{ "sensor", 0, "SPEC", "simulated sensor NAME:VALUE[:type=UNIT][:scale=N][:async]\n"
			       "[:trips=N]; VALUE in thousandths of the unit (millidegrees\n"
			       "C, mV, mA, mW, mJ) unless scale=N; UNIT temperature,\n"
			       "voltage, current, power, energy, rpm, ... (repeatable)" },
	{ "clock", 0, "SPEC", "simulated clock NAME:HZ[,HZ...] or NAME:MIN-MAX[/STEP],\n"
			      "then [:rate=HZ][:off]; HZ takes k, M, G (repeatable)" },
	{ "perf", 0, "SPEC", "performance domain NAME:LEVEL[,LEVEL...][:level=L];\n"
			     "levels in kHz, ascending (repeatable)" },
	{ "config", 0, "FILE", "the platform from FILE: lines 'sensor SPEC', 'clock\n"
			       "SPEC', 'perf SPEC', 'vendor NAME', 'sub-vendor NAME',\n"
			       "'impl-version N'; '#' comments" },
	{ NULL, 0, NULL, NULL },
};

static void scmi_create(struct vt_serve_ctx *ctx, const struct vt_device_args *args)
{
	struct vt_scmi_platform *p = malloc(sizeof(*p));
	char err[512];

	if (!p)
		vt_die("serve: out of memory");
	vt_scmi_platform_init(p);
	for (unsigned i = 0; i < args->n; i++) {
		const char *opt = args->a[i].opt->name, *val = args->a[i].val;
		int rc;
		if (!strcmp(opt, "sensor"))
			rc = vt_scmi_conf_sensor(p, val, err, sizeof(err));
		else if (!strcmp(opt, "clock"))
			rc = vt_scmi_conf_clock(p, val, err, sizeof(err));
		else if (!strcmp(opt, "perf"))
			rc = vt_scmi_conf_perf(p, val, err, sizeof(err));
		else
			rc = vt_scmi_conf_file(p, val, err, sizeof(err));
		if (rc == -2)
			vt_die("serve: --config %s", err);
		if (rc < 0 && !strcmp(opt, "config"))
			vt_die_usage("serve: --config %s", err);
		if (rc < 0)
			vt_die_usage("serve: --%s %s", opt, err);
	}
	vt_scmi_platform_defaults(p);
	ctx->hw = p;
	ctx->dev = vt_scmi_dev_new(ctx->loop, p);
	if (!ctx->dev)
		vt_die("serve: out of memory");
}

static void scmi_add_control(struct vt_ctl_server *s, struct vt_serve_ctx *ctx)
{
	vt_ctl_add_scmi(s, ctx->hw, ctx->dev);
}

static void scmi_add_info(struct vt_json *j, const struct vt_serve_ctx *ctx)
{
	const struct vt_scmi_platform *p = ctx->hw;
	struct vt_scmi_stats st;

	vt_scmi_dev_stats(ctx->dev, &st);
	vt_json_str(j, "vendor", p->vendor);
	vt_json_str(j, "sub_vendor", p->sub_vendor);
	vt_json_uint(j, "sensors", p->nsensors);
	vt_json_uint(j, "clocks", p->nclocks);
	vt_json_uint(j, "perf_domains", p->nperf);
	vt_json_bool(j, "p2a", st.p2a);
	vt_json_uint(j, "commands", st.commands);
	vt_json_uint(j, "delayed", st.delayed);
	vt_json_uint(j, "notifications", st.notifications);
	vt_json_uint(j, "dropped", st.dropped);
	vt_json_uint(j, "unordered", st.unordered);
	vt_json_uint(j, "pending", st.pending);
	vt_json_uint(j, "event_buffers", st.buffers);
}

static void scmi_destroy(struct vt_serve_ctx *ctx)
{
	vt_scmi_dev_free(ctx->dev);
	free(ctx->hw);
}

static const struct vt_serve_ops serve = {
	.model = &vt_model_scmi,
	.synopsis = "[--sensor SPEC]... [--clock SPEC]... [--perf SPEC]... [--config FILE]",
	.options = options,
	.create = scmi_create,
	.add_control = scmi_add_control,
	.add_info = scmi_add_info,
	.destroy = scmi_destroy,
};

/* ---- front-end ---- */

static void *scmi_start(struct vt_frontend *fe, uint16_t queue_size, const struct vt_run_opts *ro)
{
	struct vt_scmi_driver *d = calloc(1, sizeof(*d));

	(void)ro;
	if (!d) {
		snprintf(fe->err, sizeof(fe->err), "out of memory");
		return NULL;
	}
	if (vt_scmi_driver_start(d, fe, queue_size) < 0) {
		free(d);
		return NULL;
	}
	return d;
}

static enum vt_run_result scmi_run(void *drv, char *const *words, unsigned n, const struct vt_run_opts *ro,
				   char *err, size_t errlen)
{
	return vt_scmi_run_words(drv, words, n, ro, stdout, err, errlen);
}

static const struct vt_front_ops front = {
	.ops_help = "scmi: OPs are base, sensors, clocks, perf (what the platform has), sensor\n"
		    "read ID[,ID...] [async] (the commands go at once, a line per value as it\n"
		    "comes), sensor notify ID [off], sensor trip ID TRIP VALUE [up|down|both|off],\n"
		    "clock rate|on|off|notify ID, clock set ID HZ [async], perf level ID [LEVEL],\n"
		    "perf limits ID [MIN MAX], perf notify ID [off], events N [MS] (print the next\n"
		    "N notifications), raw PROTO MSG [WORD...], e.g.\n"
		    "  vitool drive scmi -S /tmp/scmi.sock base sensors sensor read 0 async\n",
	.check = vt_scmi_check_words,
	.start = scmi_start,
	.run = scmi_run,
	.stop = free,
};

static const struct vt_tok feature_names[] = {
	{ VIRTIO_SCMI_F_P2A_CHANNELS, "P2A_CHANNELS" },
	{ VIRTIO_SCMI_F_SHARED_MEMORY, "SHARED_MEMORY" },
	{ 0, NULL },
};

/* ---- faults: protocol N|NAME, msg N, token N, and the message's kind:
 * cmd (or immediate: a command and its immediate response, the cmdq),
 * delayed, notification (the eventq's).  The eventq's buffers hold only
 * the platform's message, so the rules read what the device wrote.  fail
 * answers GENERIC_ERROR: in the immediate response's status, or the
 * delayed response's; a notification is lost (used length 0). ---- */

static const struct vt_fault_selector fault_selectors[] = {
	{ "protocol", "protocol_id", vt_scmi_protocol_names },
	{ "msg", "msg_id", NULL },
	{ "token", "token", NULL },
	{ NULL, NULL, NULL },
};

static const struct vt_fault_alias fault_aliases[] = {
	{ "immediate", "queue cmdq" },
	{ NULL, NULL },
};

static uint32_t scmi_fail(unsigned queue, const struct vt_chain *c, uint32_t used_len)
{
	uint8_t b[4], st[4];

	vt_st_le32(st, (uint32_t)VIRTIO_SCMI_GENERIC_ERROR);
	if (queue == VIRTIO_SCMI_VQ_RX) {
		if (used_len < 8 || vt_chain_read_writable(c, 0, b, 4) < 4 ||
		    VIRTIO_SCMI_HDR_TYPE(vt_ld_le32(b)) != VIRTIO_SCMI_TYPE_DELAYED_RESP)
			return 0;
		vt_chain_write(c, 4, st, 4);
		return 8;
	}
	if (used_len < 8)
		return used_len;
	vt_chain_write(c, 4, st, 4);
	return 8;
}

static const struct vt_device_faults faults = {
	.selectors = fault_selectors,
	.aliases = fault_aliases,
	.decode_response = true,
	.fail = scmi_fail,
};

const struct vt_device_type vt_type_scmi = {
	.name = "scmi",
	.virtio_id = VIRTIO_ID_SCMI,
	.num_queues = 2,
	.queue_names = queues,
	/* An eventq buffer waits for the platform's next message, however
	 * long. */
	.event_queues = 1u << VIRTIO_SCMI_VQ_RX,
	.device_features = VT_BIT(VIRTIO_SCMI_F_P2A_CHANNELS) | VT_BIT(VIRTIO_SCMI_F_SHARED_MEMORY),
	.feature_names = feature_names,
	.decoder = &vt_decoder_scmi,
	.faults = &faults,
	.serve = &serve,
	.front = &front,
};
