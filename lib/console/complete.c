/* Tab completion's candidates (see console.h): command names from the
 * instance's `help` and the console's own, argument keywords from each
 * command's synopsis and its help "words", and values from the instance's
 * state at the moment of the Tab: `lines` (names and offsets), `info`
 * (i2c targets), `inflight` (request ids), `fault list` (rule ids),
 * `stats` (queues), `domains` (scmi sensors, clocks, perf domains).  Nothing is hard-wired that the instance can say. */
#include "console/console.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "ctl/instance.h"
#include "trace/filter.h"

struct cands {
	char **v;
	size_t n, cap;
	const char *prefix;
};

static void add(struct cands *c, const char *w)
{
	if (strncmp(w, c->prefix, strlen(c->prefix)))
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], w))
			return;
	if (c->n + 2 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		char **nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return;
		c->v = nv;
		c->cap = cap;
	}
	if ((c->v[c->n] = strdup(w)))
		c->n++;
	c->v[c->n] = NULL;
}

/* The reply to a command of the instance for completion; NULL quietly. */
static json_t *ask(struct vt_console *con, const char *line)
{
	char err[256];
	json_t *j;

	if (con->fd < 0)
		return NULL;
	j = vt_console_call(con, line, NULL, err, sizeof(err));
	if (j && !vt_ctl_reply_ok(j, err, sizeof(err))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Each element's member key of the array member arr of the reply to line:
 * numbers through fmt, strings as they are; suffix appended ("=" for
 * inject's LINE=). */
static void add_from(struct vt_console *con, struct cands *c, const char *line, const char *arr,
		     const char *key, const char *fmt, const char *suffix)
{
	json_t *j = ask(con, line), *e;
	size_t i;

	json_array_foreach(json_object_get(j, arr), i, e) {
		json_t *v = json_object_get(e, key);
		char b[160];
		if (json_is_integer(v))
			snprintf(b, sizeof(b), fmt, (long long)json_integer_value(v));
		else if (json_is_string(v) && json_string_length(v))
			snprintf(b, sizeof(b), "%s", json_string_value(v));
		else
			continue;
		strncat(b, suffix, sizeof(b) - strlen(b) - 1);
		add(c, b);
	}
	json_decref(j);
}

static void add_lines(struct vt_console *con, struct cands *c, const char *suffix)
{
	add_from(con, c, "lines", "lines", "name", "%lld", suffix);
	add_from(con, c, "lines", "lines", "line", "%lld", suffix);
}

static void add_targets(struct vt_console *con, struct cands *c)
{
	add_from(con, c, "info", "targets", "addr", "0x%02llx", "");
}

static void add_queues(struct vt_console *con, struct cands *c)
{
	add_from(con, c, "stats", "queues", "queue", "%lld", "");
}

/* The lowercase words of a synopsis ("add RULE | list | del ID | clear"):
 * its keywords; words with capitals are placeholders (LINE=LEVEL...). */
static void add_synopsis(struct cands *c, const char *syn)
{
	char copy[512], *save = NULL;

	snprintf(copy, sizeof(copy), "%s", syn ? syn : "");
	for (char *t = strtok_r(copy, " |[]", &save); t; t = strtok_r(NULL, " |[]", &save)) {
		bool kw = islower((unsigned char)t[0]);
		for (const char *p = t; *p && kw; p++)
			kw = islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-';
		if (kw)
			add(c, t);
	}
}

static json_t *words_of(struct vt_console *con, const char *cmd, const char *list)
{
	return json_object_get(json_object_get(vt_console_help_entry(con, cmd), "words"), list);
}

static void add_list(struct cands *c, json_t *arr)
{
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e)
		if (json_is_string(e))
			add(c, json_string_value(e));
}

/* The value after a selector or filter word: what the instance has. */
static bool add_value(struct vt_console *con, struct cands *c, const char *cmd, const char *prev)
{
	if (!strcmp(prev, "line"))   /* rules and filters take offsets only */
		add_from(con, c, "lines", "lines", "line", "%lld", "");
	else if (!strcmp(prev, "addr"))
		add_targets(con, c);
	else if (!strcmp(prev, "queue") || !strcmp(prev, "q"))
		add_queues(con, c);
	else if (!strcmp(prev, "type"))
		add_list(c, words_of(con, "fault", "type"));
	else if (!strcmp(prev, "status") && !strcmp(cmd, "trace")) {
		add(c, "ok");
		add(c, "err");
	} else if (!strcmp(prev, "id") && !strcmp(cmd, "trace"))
		add_from(con, c, "inflight", "requests", "id", "%lld", "");
	else
		return false;
	return true;
}

static void filter_word(const char *w, bool takes_value, void *arg)
{
	(void)takes_value;
	add(arg, w);
}

static void complete_fault(struct vt_console *con, struct cands *c, char **w, int n)
{
	json_t *values;
	const char *prev = w[n - 1];
	size_t i;
	json_t *e;

	if (n == 1) {
		add_synopsis(c, json_string_value(json_object_get(vt_console_help_entry(con, "fault"), "args")));
		return;
	}
	if (!strcmp(w[1], "del")) {
		if (n == 2)
			add_from(con, c, "fault list", "faults", "id", "%lld", "");
		return;
	}
	if (strcmp(w[1], "add"))
		return;
	if (n == 2) {
		add_list(c, words_of(con, "fault", "kind"));
		return;
	}
	/* A selector's value, or a word that wants a number or duration. */
	values = words_of(con, "fault", "selector");
	json_array_foreach(values, i, e)
		if (json_is_string(e) && !strcmp(json_string_value(e), prev)) {
			/* a value by name (scmi protocol sensor), or what the
			 * instance has */
			add_list(c, words_of(con, "fault", prev));
			add_value(con, c, "fault", prev);
			return;
		}
	if (!strcmp(prev, "queue") || !strcmp(prev, "type")) {
		add_value(con, c, "fault", prev);
		return;
	}
	if (!strcmp(prev, "delay") || !strcmp(prev, "jitter") || !strcmp(prev, "window") ||
	    !strcmp(prev, "every") || !strcmp(prev, "probability") || !strcmp(prev, "seed"))
		return;
	add_list(c, words_of(con, "fault", "option"));
	add_list(c, words_of(con, "fault", "type-word"));
	add_list(c, values);
}

static void complete_inject(struct vt_console *con, struct cands *c, char **w, int n)
{
	const char *eq = strchr(c->prefix, '=');
	size_t i;
	json_t *l;

	if (!strcmp(w[n - 1], "pulse") || !strcmp(w[n - 1], "wait"))
		return;
	if (eq) {
		/* The level words, as the instance's help lists them. */
		json_array_foreach(words_of(con, "inject", "level"), i, l) {
			char b[192];
			if (!json_is_string(l))
				continue;
			snprintf(b, sizeof(b), "%.*s=%s", (int)(eq - c->prefix), c->prefix, json_string_value(l));
			add(c, b);
		}
		return;
	}
	add_lines(con, c, "=");
	add_synopsis(c, json_string_value(json_object_get(vt_console_help_entry(con, "inject"), "args")));
}

/* set (scmi): the kind, then the instance's domains of that kind by name
 * and id (`domains`), then perf's limits. */
static void complete_set(struct vt_console *con, struct cands *c, char **w, int n)
{
	static const struct { const char *kind, *arr; } kinds[] = {
		{ "sensor", "sensors" }, { "clock", "clocks" }, { "perf", "perf" },
	};

	if (n == 1) {
		add_list(c, words_of(con, "set", "kind"));
		return;
	}
	for (size_t i = 0; n == 2 && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(w[1], kinds[i].kind)) {
			add_from(con, c, "domains", kinds[i].arr, "name", "%lld", "");
			add_from(con, c, "domains", kinds[i].arr, "id", "%lld", "");
		}
	if (n == 3 && !strcmp(w[1], "perf"))
		add(c, "limits");
}

char **vt_console_complete(struct vt_console *con, char **w, int n, const char *prefix)
{
	struct cands c = { .prefix = prefix };
	size_t i;
	json_t *e;

	if (n == 0 || (n == 1 && !strcmp(w[0], "help"))) {
		json_array_foreach(con->help, i, e)
			if (json_string_value(json_object_get(e, "name")))
				add(&c, json_string_value(json_object_get(e, "name")));
		for (const struct vt_console_local *l = vt_console_locals; l->name; l++)
			add(&c, l->name);
	} else if (!strcmp(w[0], "connect")) {
		struct vt_instance *v;
		char err[256];
		int k = n == 1 ? vt_instance_list(&v, err, sizeof(err)) : -1;
		for (int j = 0; j < k; j++)
			add(&c, v[j].name);
		if (k >= 0)
			free(v);
	} else if (!strcmp(w[0], "json")) {
		if (n == 1) {
			add(&c, "on");
			add(&c, "off");
		}
	} else if (!strcmp(w[0], "trace")) {
		if (!add_value(con, &c, "trace", w[n - 1])) {
			if (n == 1)
				add(&c, "off");
			vt_filter_words(filter_word, &c);
		}
	} else if (!strcmp(w[0], "fault")) {
		complete_fault(con, &c, w, n);
	} else if (!strcmp(w[0], "inject")) {
		complete_inject(con, &c, w, n);
	} else if (!strcmp(w[0], "set")) {
		complete_set(con, &c, w, n);
	} else if (!strcmp(w[0], "release")) {
		if (n == 1) {
			add_from(con, &c, "inflight", "requests", "id", "%lld", "");
			add(&c, "all");
		}
	} else if ((e = vt_console_help_entry(con, w[0]))) {
		add_synopsis(&c, json_string_value(json_object_get(e, "args")));
	}
	return c.v;
}
