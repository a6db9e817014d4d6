/* An event source for the trace recorder: whatever sees a device's events
 * and can answer a few questions about its queues.  A vhost-user backend is
 * one today (vt_backend_trace_source()); each side of a proxy will be one,
 * so the recorder, the records and their readers never name a backend.
 *
 * Identity goes into every record (device type, instance) and into the
 * replies of `trace`; the callbacks are all optional: a source without them
 * (tests, a replay) feeds vt_recorder_event() itself and the recorder keeps
 * an in-flight list of its own from those events. */
#ifndef VT_TRACE_SOURCE_H
#define VT_TRACE_SOURCE_H

#include <stdint.h>

#include "vhost/event.h"
#include "vhost/inflight.h"
#include "virtio/vq.h"

struct vt_trace_source_ops {
	/* Deliver events to fn(arg, ev) from now on; fn NULL: stop.  The
	 * recorder sets it only while some sink exists, so an unobserved
	 * source pays one branch per event. */
	void (*set_observer)(void *ctx, vt_observer_fn fn, void *arg);
	/* Queue q's in-flight list, kept by the source whether or not anyone
	 * observes (the recorder reads it and keeps its marks in it, never
	 * adds or removes); NULL when q does not exist.  Without this
	 * callback the recorder feeds its own list from the events. */
	struct vt_inflight_list *(*inflight)(void *ctx, unsigned q);
	/* Re-walks the chain at head of queue q, still in flight, into *c
	 * (valid until the next call): what a timed-out request holds.  0, or
	 * -1 when it cannot. */
	int (*chain)(void *ctx, unsigned q, uint16_t head, struct vt_chain *c);
};

struct vt_trace_source {
	const struct vt_trace_source_ops *ops;   /* NULL: no callbacks */
	void *ctx;
	const char *device;      /* "i2c": printed lines and `trace` replies */
	uint32_t virtio_id;      /* every record's device type */
	uint16_t instance;       /* every record's instance */
	unsigned num_queues;     /* 0: unknown (the recorder's maximum) */
	/* Bit q: queue q is an event queue (gpio eventq): the device holds its
	 * buffers until something happens, so they never time out and are
	 * never out of order. */
	uint32_t event_queues;
};

#endif
