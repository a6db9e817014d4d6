/* top's request details (details.h). */
#include "top/details.h"

#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "top/format.h"
#include "top/snapshot.h"
#include "trace/print.h"

#define SEG_BYTES_MAX 256   /* what `inflight ID` sends of a segment */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of a reply's hex string; a malformed one ends where it breaks. */
static uint32_t unhex(const char *s, uint8_t *out, uint32_t max)
{
	uint32_t n = 0;

	while (s && n < max && s[0] && s[1]) {
		int hi = hexval(s[0]), lo = hexval(s[1]);
		if (hi < 0 || lo < 0)
			break;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return n;
}

static uint64_t u64(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (uint64_t)v : 0;
}

int vt_top_details(int fd, uint64_t id, FILE *out, char *err, size_t errlen)
{
	char line[64], age[16];

	snprintf(line, sizeof(line), "inflight %" PRIu64, id);
	json_t *o = vt_top_call(fd, line, err, errlen);
	if (!o)
		return -1;
	const json_t *r = json_array_get(json_object_get(o, "requests"), 0);
	if (!json_is_object(r)) {
		snprintf(err, errlen, "request #%" PRIu64 " is no longer in flight", id);
		json_decref(o);
		return -1;
	}
	const char *sum = json_string_value(json_object_get(r, "summary"));
	vt_top_fmt_us(age, sizeof(age), u64(r, "age_ms") * 1000);
	fprintf(out, "request #%" PRIu64 " on queue %" PRIu64 ", head %" PRIu64 ", in flight for %s\n", id,
		u64(r, "queue"), u64(r, "head"), age);
	fprintf(out, "    %s\n", sum ? sum : "(the chain can no longer be read from guest memory)");
	const json_t *f = json_object_get(r, "fault");
	if (json_is_object(f)) {
		const char *text = json_string_value(json_object_get(f, "text"));
		char held[16];
		vt_top_fmt_us(held, sizeof(held), u64(f, "held_ms") * 1000);
		fprintf(out, "fault rule %" PRIu64 ": %s (held %s", u64(f, "rule"), text ? text : "?", held);
		if (json_object_get(f, "due_ms")) {
			char due[16];
			vt_top_fmt_us(due, sizeof(due), u64(f, "due_ms") * 1000);
			fprintf(out, ", completes in %s", due);
		}
		fprintf(out, ")\n");
	} else {
		fprintf(out, "no fault rule holds it: the device has not completed it\n");
	}
	const json_t *c = json_object_get(r, "chain");
	if (json_is_object(c)) {
		const json_t *segs = json_object_get(c, "segments");
		size_t i;
		json_t *s;
		fprintf(out, "\nchain: %zu segment%s%s, %" PRIu64 " bytes to read, %" PRIu64 " to write\n",
			json_array_size(segs), json_array_size(segs) == 1 ? "" : "s",
			json_is_true(json_object_get(c, "indirect")) ? " (indirect)" : "", u64(c, "read_len"),
			u64(c, "write_len"));
		json_array_foreach(segs, i, s) {
			uint8_t data[SEG_BYTES_MAX];
			uint64_t len = u64(s, "len");
			uint32_t n = unhex(json_string_value(json_object_get(s, "data")), data, sizeof(data));
			fprintf(out, "seg %zu %s len %" PRIu64 " gpa 0x%" PRIx64 "%s\n", i,
				json_is_true(json_object_get(s, "writable")) ? "w" : "r", len, u64(s, "gpa"),
				len > n ? " (first bytes)" : "");
			vt_trace_hexdump(out, data, n);
		}
	}
	json_decref(o);
	return 0;
}
