/* One printed line per backend event, used by `serve --print` and
 * `loopback` until the trace subsystem takes over:
 *   i2c q0 #3 0x50 write 2 [00 10] fail-next -> OK 41us
 * Completions (and ring errors) print; the rest only with verbose. */
#ifndef VT_DECODE_LINE_H
#define VT_DECODE_LINE_H

#include <stdbool.h>
#include <stdio.h>

#include "vhost/backend.h"

struct vt_line_printer {
	FILE *out;
	const char *device;      /* "i2c" */
	uint32_t virtio_id;
	bool verbose;            /* also AVAIL, KICK, CALL, vhost messages */
};

/* A vt_observer_fn: arg is a struct vt_line_printer. */
void vt_line_print_event(void *arg, const struct vt_event *ev);

#endif
