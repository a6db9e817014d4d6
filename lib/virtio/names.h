/* Value -> name tables (tcpdump's tok2str), shared by the wire headers
 * (virtio_gpio.h, ...), the decoders, the drivers and the models. */
#ifndef VT_VIRTIO_NAMES_H
#define VT_VIRTIO_NAMES_H

#include <stddef.h>
#include <stdint.h>

struct vt_tok {
	uint32_t v;
	const char *s;
};

/* The name of v in table t (terminated by {0, NULL}), or NULL. */
const char *vt_tok_name(const struct vt_tok *t, uint32_t v);
/* The name of v in table t, or fallback formatted with v ("type-%u") in a
 * static buffer. */
const char *vt_tok2str(const struct vt_tok *t, const char *fallback, uint32_t v);

#endif
