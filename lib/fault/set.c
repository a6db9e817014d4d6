/* The fault set: the rules of one backend and the completions they hold,
 * as the backend's completion stage (see fault.h). */
#include "fault/fault.h"

#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/registry.h"
#include "util/log.h"
#include "util/loop.h"
#include "vhost/backend.h"
#include "vhost/queue.h"

#define MAX_RULES 64

/* A completion the set keeps: held, delayed (timer), or reordered (waits
 * for a younger completion on its queue). */
struct held {
	struct held *next;
	struct vt_fault_set *fs;
	struct vt_queue *q;
	uint16_t head;
	uint32_t len;
	uint64_t req_id;
	unsigned rule;
	enum vt_fault_kind kind;
	uint64_t since_ns, due_ns;
	struct vt_timer *timer;
	uint64_t trigger;      /* reorder: the younger request it follows; 0 none yet */
};

struct vt_fault_set {
	struct vt_loop *loop;
	struct vt_backend *b;
	const struct vt_device_type *t;
	struct vt_fault_rule rules[MAX_RULES];
	unsigned nrules;
	unsigned next_id;
	struct held *held;    /* newest first */
};

static struct vt_fault_rule *rule_by_id(struct vt_fault_set *fs, unsigned id)
{
	for (unsigned i = 0; i < fs->nrules; i++)
		if (fs->rules[i].id == id)
			return &fs->rules[i];
	return NULL;
}

static void unlink_held(struct vt_fault_set *fs, struct held *h)
{
	for (struct held **p = &fs->held; *p; p = &(*p)->next)
		if (*p == h) {
			*p = h->next;
			return;
		}
}

static void finish(struct vt_fault_set *fs, struct vt_queue *q, uint16_t head, uint32_t len, uint64_t req_id);

/* Completes h (already unlinked) unless its request went away meanwhile
 * (the ring stopped, and the head may carry a newer request now). */
static void complete_held(struct vt_fault_set *fs, struct held *h)
{
	const struct vt_inflight *f = vt_queue_inflight_at(h->q, h->head);

	if (h->timer)
		vt_loop_timer_cancel(fs->loop, h->timer);
	if (f && f->req_id == h->req_id)
		finish(fs, h->q, h->head, h->len, h->req_id);
	else
		vt_debug("fault: request %llu on queue %u went away while held", (unsigned long long)h->req_id,
			 h->q->index);
	free(h);
}

/* The used ring; then the reordered request that waited for this one
 * follows it: it completed after a younger one, as the rule wants. */
static void finish(struct vt_fault_set *fs, struct vt_queue *q, uint16_t head, uint32_t len, uint64_t req_id)
{
	vt_queue_finish(q, head, len);
	for (struct held *h = fs->held; h; h = h->next) {
		if (h->kind == VT_FAULT_REORDER && h->q == q && h->trigger == req_id) {
			unlink_held(fs, h);
			complete_held(fs, h);
			return;   /* at most one reordered request per queue */
		}
	}
}

static void on_delay(struct vt_loop *loop, void *arg)
{
	struct held *h = arg;

	(void)loop;
	h->timer = NULL;   /* one-shot: already gone */
	unlink_held(h->fs, h);
	complete_held(h->fs, h);
}

static bool queue_reordering(const struct vt_fault_set *fs, const struct vt_queue *q)
{
	for (const struct held *h = fs->held; h; h = h->next)
		if (h->kind == VT_FAULT_REORDER && h->q == q)
			return true;
	return false;
}

static bool keep(struct vt_fault_set *fs, struct vt_fault_rule *r, struct vt_queue *q, uint16_t head,
		 uint32_t len, uint64_t req_id)
{
	struct held *h = calloc(1, sizeof(*h));

	if (!h) {
		vt_warn("fault: out of memory: request %llu completes now", (unsigned long long)req_id);
		return false;
	}
	*h = (struct held){ .fs = fs, .q = q, .head = head, .len = len, .req_id = req_id, .rule = r->id,
			    .kind = r->kind, .since_ns = vt_now_ns() };
	if (r->kind == VT_FAULT_DELAY || r->kind == VT_FAULT_REORDER) {
		/* reorder: completes in order after its window if no younger
		 * request the rule selects comes */
		uint64_t d = r->kind == VT_FAULT_DELAY ? vt_fault_rule_delay(r) : r->window_ns;
		h->due_ns = h->since_ns + d;
		h->timer = vt_loop_timer(fs->loop, d, on_delay, h);
		if (!h->timer) {
			vt_warn("fault: no timer: request %llu completes now", (unsigned long long)req_id);
			free(h);
			return false;
		}
	}
	h->next = fs->held;
	fs->held = h;
	return true;
}

/* Forgets what a stopped ring took away: nothing left to complete. */
static void prune(struct vt_fault_set *fs)
{
	for (struct held **p = &fs->held; *p;) {
		struct held *h = *p;
		const struct vt_inflight *f = vt_queue_inflight_at(h->q, h->head);
		if (f && f->req_id == h->req_id) {
			p = &h->next;
			continue;
		}
		*p = h->next;
		if (h->timer)
			vt_loop_timer_cancel(fs->loop, h->timer);
		free(h);
	}
}

/* The request's key fields, as its decoder reads them (with the
 * response of len bytes when the type's rules select on it); true
 * (decoded, though empty when the chain cannot be walked). */
static bool decode(const struct vt_fault_set *fs, struct vt_queue *q, uint16_t head, uint32_t len,
		   struct vt_chain *c, struct vt_decode_fields *fields, bool *walked)
{
	bool resp = fs->t->faults && fs->t->faults->decode_response;

	memset(fields, 0, sizeof(*fields));
	*walked = vt_engine_chain(q->e, q->index, head, c) == 0;
	if (*walked && fs->t->decoder && fs->t->decoder->fields)
		fs->t->decoder->fields(fields, q->index, c, resp, resp ? len : 0);
	return true;
}

static void stage(void *arg, struct vt_queue *q, uint16_t head, uint32_t len)
{
	struct vt_fault_set *fs = arg;
	const struct vt_inflight *f = vt_queue_inflight_at(q, head);
	uint64_t req_id = f ? f->req_id : 0;
	struct vt_decode_fields fields;
	bool decoded = false, walked = false;
	struct vt_chain c;

	prune(fs);
	/* A younger request the rule of a reordered one selects: that one
	 * completes right after this one. */
	for (struct held *h = fs->held; f && h; h = h->next) {
		const struct vt_fault_rule *r = rule_by_id(fs, h->rule);
		if (h->kind != VT_FAULT_REORDER || h->q != q || h->trigger || h->req_id >= req_id || !r)
			continue;
		if (r->needs_fields && !decoded)
			decoded = decode(fs, q, head, len, &c, &fields, &walked);
		if (vt_fault_rule_selects(r, q->index, decoded ? &fields : NULL))
			h->trigger = req_id;
	}
	for (unsigned i = 0; f && i < fs->nrules; i++) {
		struct vt_fault_rule *r = &fs->rules[i];

		if (r->needs_fields && !decoded)
			decoded = decode(fs, q, head, len, &c, &fields, &walked);
		if (!vt_fault_rule_selects(r, q->index, decoded ? &fields : NULL) || !vt_fault_rule_fire(r))
			continue;
		/* One reordered request per queue: the next one is the younger
		 * completion it waits for. */
		if (r->kind == VT_FAULT_REORDER && queue_reordering(fs, q))
			continue;
		if (r->kind == VT_FAULT_FAIL) {
			const struct vt_device_faults *df = fs->t->faults;
			if (!walked && vt_engine_chain(q->e, q->index, head, &c) == 0)
				walked = true;
			r->hits++;
			len = df && df->fail && walked ? df->fail(q->index, &c, len) : 0;
			break;
		}
		if (keep(fs, r, q, head, len, req_id)) {
			r->hits++;
			return;
		}
		break;
	}
	if (!f) {
		vt_queue_finish(q, head, len);   /* logs and ignores it */
		return;
	}
	finish(fs, q, head, len, req_id);
}

struct vt_fault_set *vt_fault_set_new(struct vt_loop *loop, struct vt_backend *b, const struct vt_device_type *t)
{
	struct vt_fault_set *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return NULL;
	fs->loop = loop;
	fs->b = b;
	fs->t = t;
	fs->next_id = 1;
	vt_backend_set_stage(b, stage, fs);
	return fs;
}

void vt_fault_set_free(struct vt_fault_set *fs)
{
	if (!fs)
		return;
	vt_backend_set_stage(fs->b, NULL, NULL);
	while (fs->held) {
		struct held *h = fs->held;
		fs->held = h->next;
		if (h->timer)
			vt_loop_timer_cancel(fs->loop, h->timer);
		free(h);
	}
	free(fs);
}

int vt_fault_set_add(struct vt_fault_set *fs, const struct vt_fault_rule *r)
{
	if (fs->nrules == MAX_RULES)
		return -1;
	fs->rules[fs->nrules] = *r;
	fs->rules[fs->nrules].id = fs->next_id++;
	fs->rules[fs->nrules].matches = fs->rules[fs->nrules].hits = 0;
	return (int)fs->rules[fs->nrules++].id;
}

/* Completes what rule id (0: any) keeps; how many. */
static unsigned release_rule(struct vt_fault_set *fs, unsigned id)
{
	unsigned n = 0;

	/* Oldest first, so they reach the used ring in the order they came. */
	for (;;) {
		struct held *pick = NULL;
		for (struct held *h = fs->held; h; h = h->next)
			if ((!id || h->rule == id) && (!pick || h->req_id < pick->req_id))
				pick = h;
		if (!pick)
			return n;
		unlink_held(fs, pick);
		complete_held(fs, pick);
		n++;
	}
}

int vt_fault_set_del(struct vt_fault_set *fs, unsigned id)
{
	struct vt_fault_rule *r = rule_by_id(fs, id);

	if (!r)
		return -1;
	unsigned i = (unsigned)(r - fs->rules);
	memmove(&fs->rules[i], &fs->rules[i + 1], (fs->nrules - i - 1) * sizeof(fs->rules[0]));
	fs->nrules--;
	release_rule(fs, id);
	return 0;
}

void vt_fault_set_clear(struct vt_fault_set *fs)
{
	fs->nrules = 0;
	release_rule(fs, 0);
}

const struct vt_fault_rule *vt_fault_set_rule(const struct vt_fault_set *fs, unsigned i)
{
	return i < fs->nrules ? &fs->rules[i] : NULL;
}

unsigned vt_fault_set_held_by(const struct vt_fault_set *fs, unsigned id)
{
	unsigned n = 0;

	for (const struct held *h = fs->held; h; h = h->next) {
		const struct vt_inflight *f = vt_queue_inflight_at(h->q, h->head);
		n += h->rule == id && f && f->req_id == h->req_id;   /* not what a stopped ring took */
	}
	return n;
}

int vt_fault_set_release(struct vt_fault_set *fs, uint64_t req_id)
{
	for (struct held *h = fs->held; h; h = h->next)
		if (h->req_id == req_id) {
			unlink_held(fs, h);
			complete_held(fs, h);
			return 0;
		}
	return -1;
}

unsigned vt_fault_set_release_all(struct vt_fault_set *fs)
{
	return release_rule(fs, 0);
}

bool vt_fault_set_holding(const struct vt_fault_set *fs, unsigned q, uint64_t req_id, struct vt_fault_hold *out)
{
	for (const struct held *h = fs->held; h; h = h->next) {
		if (h->req_id != req_id || h->q->index != q)
			continue;
		const struct vt_fault_rule *r = NULL;
		for (unsigned i = 0; i < fs->nrules; i++)
			if (fs->rules[i].id == h->rule)
				r = &fs->rules[i];
		*out = (struct vt_fault_hold){ .rule = h->rule, .kind = h->kind, .text = r ? r->text : "",
					       .since_ns = h->since_ns, .due_ns = h->due_ns };
		return true;
	}
	return false;
}
