/* The vhost-user message of a VHOST_MSG record as `vitool trace` shows it:
 * direction, request name, reply, the key payload fields decoded (features,
 * vring num/base/addr, the fd-carrying vring index, mem table region count)
 * and the rest counted.  Part of the trace view (print.h): the same fields
 * feed the text line, the JSON "vhost" object and the filter. */
#ifndef VT_TRACE_MSGVIEW_H
#define VT_TRACE_MSGVIEW_H

#include "decode/decode.h"
#include "trace/record.h"
#include "util/strbuf.h"

/* Appends "> SET_VRING_NUM q0 num 256" ("<" back-end -> front-end,
 * " reply", " need-reply", " fds N") to sb, and the decoded values to f
 * (kv "queue", "num", "features", ...; f->type is the request name).  A
 * payload cut short ends with " [|vhost]"; an impossible message (see
 * vt_rec_msg) is " (invalid)".  Returns vt_rec_msg()'s result. */
int vt_trace_msg_view(struct vt_sb *sb, struct vt_decode_fields *f, const struct vt_rec *r);

/* "front-end" / "back-end" (with " (back-end channel)" for its messages):
 * where a message of dir went to; "?" else. */
const char *vt_trace_msg_dest(unsigned dir);

#endif
