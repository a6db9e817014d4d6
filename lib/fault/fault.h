/* Fault injection: rules that delay, fail, hold or reorder a device's
 * completions, so a driver meets the late, lost and out-of-order answers
 * it must survive.  A rule reads like what a person would say:
 *
 *   rule     := kind { selector | firing }
 *   kind     := delay DURATION [jitter DURATION] | fail | hold
 *             | reorder [window DURATION]
 *   selector := queue N|NAME | type NAME | TYPE | WORD VALUE
 *                 TYPE: the decoder's type words (i2c: read, write, probe);
 *                 WORD: the device's selector words (i2c addr, gpio line,
 *                 blk sector, rng size), VALUE a number or a range A-B
 *   firing   := every N | probability P [seed S]
 *
 * e.g. "delay 1500ms addr 0x50 read", "fail every 2", "hold line 3 type
 * get-value", "reorder queue 0", "fail probability 0.1 seed 7".
 *
 * The selectors compare the request's key fields as its decoder reads them
 * (decode/decode.h, the fields trace's filters use): a device type's
 * registry row lists which field each of its words means and how `fail`
 * fails one of its requests (struct vt_device_faults), so a new device
 * gets faults without a change here.
 *
 * The set is the backend's completion stage (vhost/queue.h): every
 * completion passes it.  Rules are tried in id order; the first that
 * selects the request and fires applies, so a request gets one fault at
 * most.  Delays run on the event loop's timers; held requests stay in
 * flight (listed by `inflight`) until released. */
#ifndef VT_FAULT_FAULT_H
#define VT_FAULT_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/vq.h"

struct vt_device_type;
struct vt_decode_fields;
struct vt_backend;
struct vt_loop;
struct vt_queue;
struct vt_tok;

/* ---- what a device type supplies (its registry row's .faults) ---- */

/* A selector word and the decoder field (vt_decode_fields kv key) it
 * compares: { "addr", "addr" }, { "size", "len" }.  names, if any: the
 * VALUE may also be one of these (case and '-'/'_' ignored), standing for
 * its number (scmi: protocol sensor is protocol 0x15). */
struct vt_fault_selector {
	const char *word;
	const char *key;
	const struct vt_tok *names;
};

/* A word that stands for other words of a rule: { "immediate", "queue
 * cmdq" } (scmi). */
struct vt_fault_alias {
	const char *word;
	const char *means;
};

struct vt_device_faults {
	const struct vt_fault_selector *selectors;   /* {NULL}-terminated; may be NULL */
	/* The names `type NAME` takes besides the decoder's type words (case
	 * and '-'/'_' ignored: "get-value" is GET_VALUE); may be NULL. */
	const struct vt_tok *types;
	const struct vt_fault_alias *aliases;        /* {NULL}-terminated; may be NULL */
	/* The selectors read the completion too: the stage decodes what the
	 * device wrote (scmi: an eventq buffer holds only the device's
	 * message, whose type, protocol and message id are what a rule
	 * selects).  false: the request as the driver made it. */
	bool decode_response;
	/* `fail`: rewrites the response in c's writable bytes as the device's
	 * own error and returns the used length to complete with.  NULL: the
	 * request completes with used length 0 (nothing written). */
	uint32_t (*fail)(unsigned queue, const struct vt_chain *c, uint32_t used_len);
};

/* A fail for devices whose status is the last writable byte (i2c, blk):
 * writes status there; the used length stays. */
uint32_t vt_fault_fail_status_last(const struct vt_chain *c, uint8_t status, uint32_t used_len);

/* ---- rules ---- */

enum vt_fault_kind { VT_FAULT_DELAY, VT_FAULT_FAIL, VT_FAULT_HOLD, VT_FAULT_REORDER };

#define VT_FAULT_MAX_SEL 8
#define VT_FAULT_TEXT 160

struct vt_fault_sel {
	enum { VT_SEL_QUEUE, VT_SEL_TYPE, VT_SEL_FIELD } what;
	const char *key;          /* VT_SEL_FIELD: the decoder field */
	uint64_t lo, hi;          /* QUEUE, FIELD: lo <= value <= hi */
	char name[32];            /* TYPE */
};

struct vt_fault_rule {
	unsigned id;              /* given by the set; 0 until added */
	enum vt_fault_kind kind;
	uint64_t delay_ns, jitter_ns;
	uint64_t window_ns;       /* reorder: how long it waits for a younger one (1 s) */
	unsigned nsel;
	struct vt_fault_sel sel[VT_FAULT_MAX_SEL];
	bool needs_fields;        /* a selector reads the decoder's fields */
	uint64_t every;           /* fires on every Nth match; 0 with probability */
	double probability;
	uint64_t seed, prng;      /* seed as given (default 1); the generator's state */
	uint64_t matches, hits;
	char text[VT_FAULT_TEXT]; /* the words, one space apart */
};

/* Parses the words of a rule for device type t.  0, or -1 with a message
 * in err that names the word and says what was expected. */
int vt_fault_rule_parse(struct vt_fault_rule *r, const struct vt_device_type *t, char *const *words,
			unsigned n, char *err, size_t errlen);
/* The same from one string (words separated by blanks). */
int vt_fault_rule_parse_text(struct vt_fault_rule *r, const struct vt_device_type *t, const char *text,
			     char *err, size_t errlen);
/* Does r select a request of queue q with fields f (NULL: none decoded)? */
bool vt_fault_rule_selects(const struct vt_fault_rule *r, unsigned q, const struct vt_decode_fields *f);
/* Counts a match and says whether r fires on it (every N, or a draw from
 * its seeded generator). */
bool vt_fault_rule_fire(struct vt_fault_rule *r);
/* The delay of one firing: delay +- jitter (uniform, from the generator),
 * never below 0. */
uint64_t vt_fault_rule_delay(struct vt_fault_rule *r);
const char *vt_fault_kind_name(enum vt_fault_kind k);
/* Every word a rule for t can hold, as the parser takes them, for help and
 * completion: fn(list, word) with list "kind" (delay, fail, hold,
 * reorder), "option" (jitter, window, every, probability, seed, queue,
 * type), "type" (the values of `type NAME`, lower case, '-' for '_'),
 * "type-word" (words that stand alone: i2c read, scmi immediate),
 * "selector" (the device's WORD VALUE words: i2c addr, gpio line), or a
 * selector's own word for the names its VALUE takes ("protocol": base,
 * perf, ...).  Each list comes in one run of calls.  word is valid
 * during the call. */
void vt_fault_rule_words(const struct vt_device_type *t,
			 void (*fn)(const char *list, const char *word, void *arg), void *arg);

/* ---- the set: the backend's completion stage ---- */

struct vt_fault_set;

/* What holds one request now (vt_fault_set_holding). */
struct vt_fault_hold {
	unsigned rule;
	enum vt_fault_kind kind;
	const char *text;
	uint64_t since_ns;
	uint64_t due_ns;          /* delay: when it completes; 0 otherwise */
};

/* Installs itself as b's stage (vt_backend_set_stage) for device type t. */
struct vt_fault_set *vt_fault_set_new(struct vt_loop *loop, struct vt_backend *b,
				      const struct vt_device_type *t);
/* Unsets the stage; held requests stay in flight, timers are cancelled. */
void vt_fault_set_free(struct vt_fault_set *fs);

/* Adds a parsed rule (copied) and returns its id, or -1 when full. */
int vt_fault_set_add(struct vt_fault_set *fs, const struct vt_fault_rule *r);
/* Removes a rule and completes now whatever it held or delayed.  -1: no
 * such rule. */
int vt_fault_set_del(struct vt_fault_set *fs, unsigned id);
/* Removes every rule and completes everything held. */
void vt_fault_set_clear(struct vt_fault_set *fs);
/* Rules in id order: i from 0; NULL past the end. */
const struct vt_fault_rule *vt_fault_set_rule(const struct vt_fault_set *fs, unsigned i);
/* How many requests rule id holds or delays now. */
unsigned vt_fault_set_held_by(const struct vt_fault_set *fs, unsigned id);

/* Completes the held (or delayed) request with that id now: 0, or -1 when
 * no rule holds it. */
int vt_fault_set_release(struct vt_fault_set *fs, uint64_t req_id);
/* Completes every held or delayed request now; how many. */
unsigned vt_fault_set_release_all(struct vt_fault_set *fs);
/* What holds request req_id of queue q: true and *h filled, or false. */
bool vt_fault_set_holding(const struct vt_fault_set *fs, unsigned q, uint64_t req_id, struct vt_fault_hold *h);

#endif
