/* libFuzzer target: reading a capture (lib/trace/pcap.c through libpcap),
 * then every record in it as `vitool trace -r` does: the wire length
 * checked, the record parsed, its view built and printed.  The input is a
 * whole pcap file. */
#include "fuzz.h"

#include "trace/pcap.h"
#include "trace/print.h"
#include "trace/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *null = fuzz_init();
	char err[512];

	if (!size)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	struct vt_pcap_reader *in = vt_pcap_open_read_file(f, err, sizeof(err));
	if (!in)
		return 0;   /* closed f */
	vt_pcap_linktype(in);
	vt_pcap_snaplen(in);
	for (unsigned n = 0; n < 10000; n++) {
		const uint8_t *buf;
		size_t len;
		uint64_t ts;
		struct vt_rec r;
		if (vt_pcap_next(in, &buf, &len, &ts, err, sizeof(err)) <= 0)
			break;
		if (vt_pcap_wire_len(in) > len || vt_rec_parse(buf, len, &r, err, sizeof(err)) < 0)
			continue;
		struct vt_trace_view v;
		vt_trace_view_build(&v, &r);
		vt_trace_print_text(null, &v, NULL);
	}
	vt_pcap_close_read(in);
	return 0;
}
