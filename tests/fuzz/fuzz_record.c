/* libFuzzer target: the trace record parser (lib/trace/record.c) and what
 * reads a parsed record: its segments and chain, a vhost-user message's
 * view (msgview.c), the view every printer shares, the text printer at
 * every verbosity and the JSON printer.  The input is one record, as a
 * pcap packet or a live stream carries it. */
#include "fuzz.h"

#include "trace/print.h"
#include "trace/record.h"
#include "virtio/vq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *null = fuzz_init();
	struct vt_rec r;
	char err[256];

	/* A copy of exactly size bytes: a read past the record is seen. */
	uint8_t *rec = malloc(size ? size : 1);
	if (!rec)
		abort();
	memcpy(rec, data, size);
	if (vt_rec_parse(rec, size, &r, err, sizeof(err)) == 0) {
		struct vt_seg segs[64];
		struct vt_chain c;
		struct vt_rec_msg m;
		vt_rec_chain(&r, &c, segs, 64);
		vt_rec_msg(&r, &m);
		struct vt_trace_view v;
		vt_trace_view_build(&v, &r);
		for (int verbose = 0; verbose < 2; verbose++) {
			struct vt_trace_fmt fmt = { .verbose = verbose, .hex = verbose ? 2 : 1 };
			vt_trace_print_text(null, &v, &fmt);
			vt_trace_print_json(null, &v, verbose);
		}
		struct vt_trace_printer p = { .out = null, .verbose = true };
		vt_trace_printer_record(&p, rec, size);
	}
	free(rec);
	return 0;
}
