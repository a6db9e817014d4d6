/* Value -> name lookups (see names.h). */
#include "virtio/names.h"

#include <stdio.h>

const char *vt_tok_name(const struct vt_tok *t, uint32_t v)
{
	for (; t && t->s; t++)
		if (t->v == v)
			return t->s;
	return NULL;
}

const char *vt_tok2str(const struct vt_tok *t, const char *fallback, uint32_t v)
{
	/* A few rotating buffers so that two unknown values can appear in one
	 * printf (as tcpdump's tok2str allows). */
	static char buf[4][32];
	static unsigned next;
	const char *s = vt_tok_name(t, v);

	if (s)
		return s;
	char *b = buf[next++ % (sizeof(buf) / sizeof(buf[0]))];
	snprintf(b, sizeof(buf[0]), fallback ? fallback : "#%u", v);
	return b;
}
