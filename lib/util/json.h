/* JSON, the small amount vitool needs: a writer for control-socket replies
 * and --json output, and a reader for the top-level members of one object
 * (the control-socket client).  Strings are escaped properly; the writer
 * grows its buffer. */
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

/* Reader: top-level member `key` of the object text.  false when the text
 * is not an object, the member is missing or has another type. */
bool vt_json_get_bool(const char *text, const char *key, bool *out);
bool vt_json_get_int(const char *text, const char *key, int64_t *out);
/* Copies the unescaped string (truncated to len-1). */
bool vt_json_get_str(const char *text, const char *key, char *out, size_t len);
/* Raw text of any member value (object, array, ...), truncated to len-1. */
bool vt_json_get_raw(const char *text, const char *key, char *out, size_t len);
/* Raw text of element i of the array text (a member got with
 * vt_json_get_raw), truncated to len-1; false past its end. */
bool vt_json_get_elem(const char *array, size_t i, char *out, size_t len);

#endif
