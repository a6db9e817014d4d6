/* Reading text a line at a time with the line's size bounded before
 * anything is allocated: getline() grows its buffer to the whole line, so
 * a script of /dev/zero (no newline, ever) took gigabytes before a length
 * check ran.  Here the caller's buffer is all there is. */
#ifndef VT_UTIL_LINES_H
#define VT_UTIL_LINES_H

#include <stddef.h>
#include <stdio.h>

/* The next line of f into buf (size bytes: at most size - 1 of text and
 * its NUL), without its newline; *len its length (a NUL byte inside is
 * kept and counted).  Returns 1 for a line (a last one without newline
 * too), 0 at the end of the file, -E2BIG when the line is longer than
 * size - 1 (read no further: the caller stops), -errno on a read error (a
 * directory: -EISDIR). */
int vt_read_line(FILE *f, char *buf, size_t size, size_t *len);

#endif
