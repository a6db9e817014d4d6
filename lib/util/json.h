/* A JSON writer for control-socket replies and --json output: strings are
 * escaped properly, the buffer grows.  Replies are read with jansson
 * (ctl/ctl.h: vt_ctl_call_json), not here. */
#ifndef VT_UTIL_JSON_H
#define VT_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vt_json {
	char *buf;
	size_t len, cap;
	int depth;
	bool first[32];   /* no member written yet at this depth */
	bool oom;
};

void vt_json_init(struct vt_json *j);
void vt_json_free(struct vt_json *j);
/* key is NULL for array elements and the top level. */
void vt_json_obj_begin(struct vt_json *j, const char *key);
void vt_json_obj_end(struct vt_json *j);
void vt_json_arr_begin(struct vt_json *j, const char *key);
void vt_json_arr_end(struct vt_json *j);
void vt_json_str(struct vt_json *j, const char *key, const char *v);   /* NULL -> null */
void vt_json_int(struct vt_json *j, const char *key, int64_t v);
void vt_json_uint(struct vt_json *j, const char *key, uint64_t v);
void vt_json_bool(struct vt_json *j, const char *key, bool v);
void vt_json_null(struct vt_json *j, const char *key);
/* The text so far ("" after OOM). */
const char *vt_json_text(const struct vt_json *j);

#endif
