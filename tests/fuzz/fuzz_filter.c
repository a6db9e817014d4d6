/* libFuzzer target: the trace filter compiler (lib/trace/filter.c).  The
 * input is filter text; a filter that compiles is matched against records
 * of several kinds, so evaluation runs too.  Deep nesting and long chains
 * must be refused, never overflow the stack (issue 16). */
#include "fuzz.h"

#include "trace/filter.h"
#include "trace/print.h"
#include "trace/record.h"

static const struct vt_rec samples[] = {
	{ .kind = VT_REC_USED, .virtio_id = 34, .queue = 0, .req_id = 7, .latency_ns = 1500000 },
	{ .kind = VT_REC_AVAIL, .virtio_id = 41, .queue = 1, .req_id = 3 },
	{ .kind = VT_REC_TIMEOUT, .virtio_id = 34, .queue = 0, .req_id = 9 },
	{ .kind = VT_REC_KICK, .virtio_id = 2 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	fuzz_init();
	char *text = fuzz_text(data, size);
	struct vt_filter *f = vt_filter_compile(text, err, sizeof(err));
	for (size_t i = 0; f && i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct vt_trace_view v;
		vt_trace_view_build(&v, &samples[i]);
		vt_filter_match(f, &v);
	}
	vt_filter_free(f);
	free(text);
	return 0;
}
