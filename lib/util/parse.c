/* Strict unsigned parsing: the whole string, in range, no sign. */
#include "util/parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

bool vt_parse_size(const char *s, uint64_t max, uint64_t *out)
{
	static const char units[] = "kmgt";
	char num[32];
	size_t n = s ? strlen(s) : 0;
	unsigned shift = 0;
	uint64_t v;

	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	for (unsigned i = 0; i < sizeof(units) - 1; i++)
		if (tolower((unsigned char)num[n - 1]) == units[i]) {
			shift = 10 * (i + 1);
			num[n - 1] = '\0';
		}
	if (!vt_parse_u64(num, UINT64_MAX >> shift, &v) || (v << shift) > max)
		return false;
	*out = v << shift;
	return true;
}

bool vt_parse_si(const char *s, uint64_t max, uint64_t *out)
{
	char num[32];
	size_t n = strlen(s);
	uint64_t mul = 1, v;

	if (!n || n >= sizeof(num))
		return false;
	memcpy(num, s, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': mul = 1000; break;
	case 'M': mul = 1000000; break;
	case 'G': mul = 1000000000; break;
	default: break;
	}
	if (mul > 1)
		num[n - 1] = '\0';
	if (!vt_parse_u64(num, max, &v) || v > max / mul)
		return false;
	*out = v * mul;
	return true;
}

bool vt_parse_i64(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	long long v = strtoll(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

static const struct { const char *w; int v; } level_words[] = {
	{ "0", 0 }, { "1", 1 }, { "low", 0 }, { "high", 1 }, { "off", 0 }, { "on", 1 },
	{ "inactive", 0 }, { "active", 1 },
};

int vt_parse_level(const char *s)
{
	for (size_t i = 0; s && i < sizeof(level_words) / sizeof(level_words[0]); i++)
		if (!strcasecmp(s, level_words[i].w))
			return level_words[i].v;
	return -1;
}

const char *vt_level_word(unsigned i)
{
	return i < sizeof(level_words) / sizeof(level_words[0]) ? level_words[i].w : NULL;
}

bool vt_parse_duration_ns(const char *s, uint64_t max_ns, uint64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 } };
	char *end;
	double v;

	if (!s || !(*s >= '0' && *s <= '9'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !(v >= 0) || v > 1.8e19)
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			double ns = v * units[i].ns + 0.5;
			if (ns > (double)max_ns)
				return false;
			*out = (uint64_t)ns;
			return true;
		}
	}
	return false;
}
