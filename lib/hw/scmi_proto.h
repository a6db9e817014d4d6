/* Inside the simulated SCMI platform (hw/scmi_platform.h): what a
 * protocol's file (scmi_base.c, scmi_sensor.c, scmi_clock.c, scmi_perf.c)
 * gives the dispatcher, and the helpers its handlers read parameters and
 * write return values with.  Every read is bounds-checked: a command
 * shorter than its parameters gets PROTOCOL_ERROR, never a read past it. */
#ifndef VT_HW_SCMI_PROTO_H
#define VT_HW_SCMI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/scmi_platform.h"

/* One command being answered. */
struct vt_scmi_cmd {
	uint32_t hdr;
	const uint8_t *param;     /* after the header */
	size_t plen;
	uint8_t *out;             /* return values (after the status) */
	size_t cap, len;          /* out's room, and what was written */
	bool full;                /* a put did not fit */
};

/* Parameter word i (bytes 4i..4i+3); false when the command is shorter. */
bool vt_scmi_arg32(const struct vt_scmi_cmd *c, unsigned i, uint32_t *v);
/* Words i and i+1 as one 64-bit value (low word first). */
bool vt_scmi_arg64(const struct vt_scmi_cmd *c, unsigned i, uint64_t *v);
/* Return values; a put that does not fit writes nothing and sets full. */
void vt_scmi_put32(struct vt_scmi_cmd *c, uint32_t v);
void vt_scmi_put64(struct vt_scmi_cmd *c, uint64_t v);   /* low word, high word */
/* s in a field of n bytes, NUL-padded (at most n - 1 of it). */
void vt_scmi_putstr(struct vt_scmi_cmd *c, const char *s, size_t n);
/* Whole return values still free in out: for lists. */
size_t vt_scmi_room(const struct vt_scmi_cmd *c);

/* A message for the eventq: a delayed response to c (its header with
 * type 2, status SUCCESS first) or a notification (protocol, message id,
 * token 0), payload words as given. */
void vt_scmi_post_delayed(struct vt_scmi_platform *p, const struct vt_scmi_cmd *c, const uint32_t *w,
			  unsigned nw);
void vt_scmi_post_notification(struct vt_scmi_platform *p, unsigned proto, unsigned msg, const uint32_t *w,
			       unsigned nw);

/* A handler answers its command: the status; return values put into c
 * (dropped unless the status is SUCCESS). */
typedef int32_t (*vt_scmi_handler)(struct vt_scmi_platform *p, struct vt_scmi_cmd *c);

struct vt_scmi_msg_def {
	uint8_t id;
	vt_scmi_handler fn;
	bool notify;              /* a NOTIFY command: only with a P2A channel */
};

struct vt_scmi_protocol {
	uint8_t id;
	uint32_t version;
	/* Listed by DISCOVER_LIST_PROTOCOLS (and answered): it has domains. */
	bool (*present)(const struct vt_scmi_platform *p);
	vt_scmi_handler attributes;             /* PROTOCOL_ATTRIBUTES */
	const struct vt_scmi_msg_def *msgs;     /* {0, NULL}-terminated */
};

extern const struct vt_scmi_protocol vt_scmi_base;
extern const struct vt_scmi_protocol vt_scmi_perf;
extern const struct vt_scmi_protocol vt_scmi_clock;
extern const struct vt_scmi_protocol vt_scmi_sensor;

/* Every protocol, ascending ids (base first). */
const struct vt_scmi_protocol *vt_scmi_protocol_at(unsigned i);

/* A domain id parameter (word i) checked against n: NOT_FOUND for one it
 * does not have, PROTOCOL_ERROR for a short command, else SUCCESS. */
int32_t vt_scmi_arg_domain(const struct vt_scmi_cmd *c, unsigned i, unsigned n, uint32_t *id);

/* The name field of a descriptor: the name itself when it fits in 16
 * bytes, else its first 15 characters (the *_NAME_GET commands give all
 * of it). */
bool vt_scmi_long_name(const char *name);

#endif
