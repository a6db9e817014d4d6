/* i2ctransfer / i2cdetect behaviour on top of the virtio-i2c driver. */
#include "drivers/i2c_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "drivers/i2c.h"
#include "util/parse.h"
#include "virtio/virtio.h"
#include "virtio/virtio_i2c.h"

void vt_i2c_print_grid(FILE *out, const bool present[128], unsigned first, unsigned last)
{
	fprintf(out, "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n");
	for (unsigned row = 0; row < 128; row += 16) {
		fprintf(out, "%02x:", row);
		for (unsigned a = row; a < row + 16; a++) {
			if (a < first || a > last)
				fprintf(out, "   ");
			else if (present[a])
				fprintf(out, " %02x", a);
			else
				fprintf(out, " --");
		}
		fprintf(out, "\n");
	}
}

/* "detect [FIRST LAST]": the range, default 0x08-0x77 like i2cdetect. */
static bool parse_detect(char *const *words, unsigned n, unsigned *first, unsigned *last,
			 char *err, size_t errlen)
{
	*first = 0x08;
	*last = 0x77;
	if (n != 1 && n != 3) {
		snprintf(err, errlen, "detect takes no argument or FIRST LAST");
		return false;
	}
	if (n == 3 && (!vt_parse_uint(words[1], 0x7f, first) || !vt_parse_uint(words[2], 0x7f, last) ||
		       *first > *last)) {
		snprintf(err, errlen, "detect %s %s: want FIRST <= LAST within 0x00-0x7f", words[1], words[2]);
		return false;
	}
	return true;
}

bool vt_i2c_check_words(char *const *words, unsigned n, char *err, size_t errlen)
{
	struct vt_i2c_xfer x;
	unsigned first, last;
	bool ok;

	if (n == 0) {
		snprintf(err, errlen, "no operation given");
		return false;
	}
	if (!strcmp(words[0], "detect"))
		return parse_detect(words, n, &first, &last, err, errlen);
	memset(&x, 0, sizeof(x));
	ok = vt_i2c_parse_ops(words, n, &x, err, errlen) == 0;
	vt_i2c_xfer_free(&x);
	return ok;
}

static enum vt_run_result run_detect(struct vt_frontend *fe, char *const *words, unsigned n,
					 const struct vt_run_opts *o, FILE *out,
					 char *err, size_t errlen)
{
	unsigned first, last;
	bool present[128] = { false };

	if (!parse_detect(words, n, &first, &last, err, errlen))
		return VT_RUN_USAGE;
	int r = vt_i2c_detect(fe, (uint16_t)first, (uint16_t)last, present, o->indirect, o->timeout_ms);
	if (r < 0) {
		snprintf(err, errlen, "detect: %s", fe->err);
		return r == -EBADMSG ? VT_RUN_NOT_DEVICE : VT_RUN_TRANSPORT;
	}
	vt_i2c_print_grid(out, present, first, last);
	return VT_RUN_OK;
}

static void print_reads(FILE *out, const struct vt_i2c_xfer *x)
{
	for (unsigned i = 0; i < x->n; i++) {
		const struct vt_i2c_op *op = &x->op[i];
		if (!op->read || op->status != VIRTIO_I2C_MSG_OK)
			continue;
		for (uint32_t j = 0; j < op->len; j++)
			fprintf(out, j ? " 0x%02x" : "0x%02x", op->data[j]);
		fprintf(out, "\n");
	}
}

enum vt_run_result vt_i2c_run_words(struct vt_frontend *fe, char *const *words, unsigned n,
					const struct vt_run_opts *o, FILE *out,
					char *err, size_t errlen)
{
	struct vt_i2c_xfer x;
	enum vt_run_result res = VT_RUN_OK;
	int r;

	if (n == 0) {
		snprintf(err, errlen, "no operation given");
		return VT_RUN_USAGE;
	}
	if (!strcmp(words[0], "detect"))
		return run_detect(fe, words, n, o, out, err, errlen);
	memset(&x, 0, sizeof(x));
	if (vt_i2c_parse_ops(words, n, &x, err, errlen) < 0) {
		vt_i2c_xfer_free(&x);
		return VT_RUN_USAGE;
	}
	r = vt_i2c_transfer(fe, &x, o->indirect, o->timeout_ms);
	if (r < 0) {
		snprintf(err, errlen, "%s", fe->err);
		res = r == -EBADMSG ? VT_RUN_NOT_DEVICE : VT_RUN_TRANSPORT;
	} else {
		print_reads(out, &x);
		for (unsigned i = 0; r > 0 && i < x.n; i++) {
			const struct vt_i2c_op *op = &x.op[i];
			if (op->status == VIRTIO_I2C_MSG_OK)
				continue;
			snprintf(err, errlen, "message %u (%s %u byte%s at 0x%02x) failed: ERR%s", i + 1,
				 op->read ? "read" : "write", op->len, op->len == 1 ? "" : "s", op->addr,
				 i + 1 < x.n ? " (the rest of the group was not performed)" : "");
			res = VT_RUN_DEVICE_ERR;
			break;
		}
	}
	fflush(out);
	vt_i2c_xfer_free(&x);
	return res;
}
