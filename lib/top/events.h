/* The recent-events pane of vitool top: a `trace` subscription on a
 * connection of its own (vitool-control(7)), read by a thread, each record
 * selected by a trace filter (lib/trace/filter: the FILTER words of `vitool
 * trace`) and kept as the line `vitool trace` prints for it
 * (lib/trace/print), the newest VT_TOP_EVENTS_MAX of them.  Without a
 * filter of the user's, what needs a look: failed, timed-out, late and
 * out-of-order completions, ring errors, lost records, and the instance's
 * log lines of level warning and error (info lines with a filter such as
 * "log").  top's own log lines (reconnected, counters reset) go in
 * between. */
#ifndef VT_TOP_EVENTS_H
#define VT_TOP_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#define VT_TOP_EVENTS_MAX 200
#define VT_TOP_EVENT_LEN 256
#define VT_TOP_EVENTS_DEFAULT_FILTER \
	"status err or timeout or late or ooo or ring-error or drops or level warning"

struct vt_top_events;

/* An empty pane (no subscription yet), NULL when out of memory. */
struct vt_top_events *vt_top_events_new(void);
void vt_top_events_free(struct vt_top_events *ev);

/* Subscribes to the instance at control (a thread reads the stream).
 * 0, or -1 with err set. */
int vt_top_events_attach(struct vt_top_events *ev, const char *control, char *err, size_t errlen);
/* Ends the subscription (the lines stay). */
void vt_top_events_detach(struct vt_top_events *ev);
/* The stream ended (the instance exited) since attach. */
bool vt_top_events_ended(struct vt_top_events *ev);

/* Compiles text (NULL or "": the default filter) and uses it for the
 * records from now on.  0, or -1 with the compiler's message in err. */
int vt_top_events_set_filter(struct vt_top_events *ev, const char *text, char *err, size_t errlen);
/* A line of top's own, marked "top:". */
void vt_top_events_log(struct vt_top_events *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The newest n lines at most, oldest first, into lines; the count. */
unsigned vt_top_events_copy(struct vt_top_events *ev, char (*lines)[VT_TOP_EVENT_LEN], unsigned n);
/* Lines added since the pane was made: a change to redraw. */
unsigned long vt_top_events_serial(struct vt_top_events *ev);

#endif
