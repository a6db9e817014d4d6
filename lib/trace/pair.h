/* Pairing messages across queues for trace: a message on one queue that
 * answers a request made on another (scmi: a delayed response answers its
 * command, by token; a notification answers the NOTIFY command that turned
 * it on).  The decoder gives the keys (vt_decode_fields offer/answers); a
 * consumer of records feeds every record, before its filter, through one
 * vt_trace_pairs, which notes the requests and marks the answers in their
 * views: the request id answered, whether it came before the request
 * completed (a delayed response that overtook its immediate one), and
 * whether an older request awaiting such an answer still waits for its own
 * (out of order, as a completion that passes an older request in flight:
 * the eventq's delayed responses are marked as the cmdq's responses are).
 * A connect or disconnect of the device forgets what its requests awaited
 * (the device dropped it).
 *
 * Only what the stream shows: an answer to a request made before the
 * capture began is not paired. */
#ifndef VT_TRACE_PAIR_H
#define VT_TRACE_PAIR_H

#include <stdbool.h>
#include <stdint.h>

struct vt_trace_view;

#define VT_TRACE_PAIRS 256   /* requests remembered; the oldest is forgotten */

struct vt_trace_pairs {
	struct vt_trace_pair {
		uint64_t key;
		uint64_t req_id;
		uint32_t virtio_id;
		uint16_t instance;
		bool done;           /* the request completed */
		bool awaits;         /* its answer is due (offer_awaits), not come */
		bool used;           /* the slot holds one */
	} e[VT_TRACE_PAIRS];
	unsigned next;           /* the slot a new request takes */
};

/* Zeroed: remembers nothing yet. */
void vt_trace_pairs_init(struct vt_trace_pairs *p);
/* Notes v's request (its keys) and marks v when it answers one. */
void vt_trace_pairs_note(struct vt_trace_pairs *p, struct vt_trace_view *v);

#endif
