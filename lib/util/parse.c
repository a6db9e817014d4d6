/* Strict unsigned parsing: the whole string, in range, no sign. */
#include "util/parse.h"

#include <errno.h>
#include <stdlib.h>

bool vt_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

bool vt_parse_uint(const char *s, unsigned max, unsigned *out)
{
	uint64_t v;

	if (!vt_parse_u64(s, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}
