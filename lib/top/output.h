/* vitool top --once: one snapshot as plain text (the screen's lines, from
 * format.h) or as one JSON object, from the same struct. */
#ifndef VT_TOP_OUTPUT_H
#define VT_TOP_OUTPUT_H

#include <stdio.h>

#include "top/snapshot.h"

void vt_top_print_text(FILE *f, const struct vt_top_snapshot *s, enum vt_top_sort sort, int width);
void vt_top_print_json(FILE *f, const struct vt_top_snapshot *s);

#endif
