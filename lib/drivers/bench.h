/* `vitool drive DEVICE --bench`: the same request(s) over and over against
 * a back-end, as fast as it answers, for a while.  Keeps up to depth
 * requests in flight, puts them on the ring batch at a time (one publish,
 * at most one kick per batch), and reports requests/s, latency percentiles
 * and how many kicks and calls it took.
 *
 * A device's part is only building its requests: one chain per slot, in
 * guest memory, made once and put on the ring again as it is each time it
 * comes back (a driver that reuses its buffers, as Linux's do).  Whether an
 * answer is good is said by the slot: its status byte and used length. */
#ifndef VT_DRIVERS_BENCH_H
#define VT_DRIVERS_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "util/nshist.h"
#include "vhost/frontend.h"

#define VT_BENCH_MAX_SEGS 4
/* Longest request a device builds (blk: its chunk, 128 KiB) and the
 * guest memory a slot may take, for sizing the front-end's memory. */
#define VT_BENCH_SLOT_BYTES (136u * 1024)

struct vt_bench_slot {
	struct vt_dseg seg[VT_BENCH_MAX_SEGS];
	unsigned nseg;
	uint8_t *status;     /* the byte the device answers in (reset to 0xff
	                        before every add); NULL: none (rng) */
	uint8_t ok;          /* *status of a good answer */
	uint32_t used;       /* used length of a good answer; 0: any but 0 */
	uint64_t t_add;      /* the engine's: when it went on the ring */
};

/* What the device's bench hook fills: the queue and the requests.  Slot
 * k carries request k % nreq, so the requests take turns. */
struct vt_bench_plan {
	unsigned queue;
	unsigned nreq;           /* different requests (set by the hook) */
	unsigned nslots;         /* set by the engine: depth * nreq */
	struct vt_bench_slot *slot;
	char what[160];          /* the requests, as words ("r1@0x50") */
};

struct vt_bench_conf {
	unsigned depth;          /* requests in flight, at most */
	unsigned batch;          /* requests per publish (<= depth) */
	uint64_t duration_ns;
	bool indirect;
	bool coalesce;           /* one call per 3/4 of what is in flight */
	int timeout_ms;          /* no completion for this long: give up */
};

struct vt_bench_result {
	uint64_t requests, errors;
	uint64_t batches, kicks, calls;   /* calls: waits a call ended */
	uint64_t elapsed_ns;
	struct vt_nshist lat;
	char first_error[160];
};

/* A device's word parser: the request at words[0] into *req; how many
 * words it took, 0 with err set. */
typedef unsigned (*vt_bench_word_fn)(char *const *words, unsigned n, void *req, char *err, size_t errlen);
#define VT_BENCH_MAX_REQS 64
/* Parses words into at most VT_BENCH_MAX_REQS requests of size bytes
 * each at reqs: their number, 0 with err set. */
unsigned vt_bench_words(char *const *words, unsigned n, vt_bench_word_fn fn, void *reqs, size_t size, char *err,
			size_t errlen);

/* Allocates p->slot for conf's depth and the hook's nreq (the hook
 * calls it once it knows nreq).  false with err set. */
bool vt_bench_alloc(struct vt_bench_plan *p, const struct vt_bench_conf *c, unsigned nreq, char *err,
		    size_t errlen);
void vt_bench_free(struct vt_bench_plan *p);

/* Runs the plan on fe until duration passed, then waits for what is in
 * flight.  0, or -1 with err set (the ring would not take a request, the
 * device broke the used ring, nothing completed within timeout_ms). */
int vt_bench_run(struct vt_frontend *fe, struct vt_bench_plan *p, const struct vt_bench_conf *c,
		 struct vt_bench_result *r, char *err, size_t errlen);

/* The report: text for people, or one JSON object (with the histogram's
 * non-empty buckets) for scripts and `make bench`. */
void vt_bench_print(FILE *f, const char *device, const struct vt_bench_plan *p, const struct vt_bench_conf *c,
		    const struct vt_bench_result *r, bool event_idx);
void vt_bench_json(FILE *f, const char *device, const struct vt_bench_plan *p, const struct vt_bench_conf *c,
		   const struct vt_bench_result *r, bool event_idx);

#endif
