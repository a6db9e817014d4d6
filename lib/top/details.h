/* The details of one request in flight, for top's Enter: `inflight ID`
 * (vitool-control(7)) as text: the request, the fault rule holding it, the
 * chain layout (segment by segment: direction, length, guest address) and
 * each segment's bytes as `trace -v` dumps them (trace/print.h). */
#ifndef VT_TOP_DETAILS_H
#define VT_TOP_DETAILS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes the lines to out.  0, or -1 with err set (gone, not in flight). */
int vt_top_details(int fd, uint64_t id, FILE *out, char *err, size_t errlen);

#endif
