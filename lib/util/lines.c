/* Bounded line reading (see lines.h). */
#include "util/lines.h"

#include <errno.h>

int vt_read_line(FILE *f, char *buf, size_t size, size_t *len)
{
	size_t n = 0;
	int c;

	*len = 0;
	if (!size)
		return -E2BIG;
	errno = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		if (n == size - 1) {
			buf[n] = '\0';
			*len = n;
			return -E2BIG;
		}
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	*len = n;
	if (c == EOF && ferror(f))
		return errno ? -errno : -EIO;
	return c == EOF && !n ? 0 : 1;
}
