/* Replies as a person reads them (see console.h).  By shape: the scalar
 * members as "key: value" lines, every array of objects as a table with a
 * column per member; a few commands get a sentence of their own where a
 * table would say less (fault add, release, inject, an empty inflight).
 * `json on` bypasses all of this: what the instance sent, unchanged. */
#include "console/console.h"

#include <ctype.h>
#include <string.h>

#include "util/strbuf.h"

/* A value as text: yes/no, "-" for null and empty strings, addresses in
 * hex as i2c tools write them, objects as "key=value ...". */
static void value_text(struct vt_sb *sb, const char *key, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_TRUE:
		vt_sb_printf(sb, "yes");
		break;
	case JSON_FALSE:
		vt_sb_printf(sb, "no");
		break;
	case JSON_NULL:
		vt_sb_printf(sb, "-");
		break;
	case JSON_INTEGER:
		if (key && !strcmp(key, "addr"))
			vt_sb_printf(sb, "0x%02llx", (unsigned long long)json_integer_value(v));
		else
			vt_sb_printf(sb, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		vt_sb_printf(sb, "%g", json_real_value(v));
		break;
	case JSON_STRING:
		vt_sb_printf(sb, "%s", json_string_length(v) ? json_string_value(v) : "-");
		break;
	case JSON_OBJECT: {
		const char *k;
		json_t *m;
		bool first = true;
		json_object_foreach(v, k, m) {
			vt_sb_printf(sb, "%s%s=", first ? "" : " ", k);
			value_text(sb, k, m);
			first = false;
		}
		break;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (i)
				vt_sb_printf(sb, ", ");
			value_text(sb, key, e);
		}
		if (!json_array_size(v))
			vt_sb_printf(sb, "none");
		break;
	}
	}
}

static bool is_table(json_t *v)
{
	return json_is_array(v) && json_array_size(v) && json_is_object(json_array_get(v, 0));
}

static void print_scalars(FILE *f, json_t *obj)
{
	const char *k;
	json_t *v;
	int w = 0;

	json_object_foreach(obj, k, v)
		if (strcmp(k, "ok") && !is_table(v) && (int)strlen(k) > w)
			w = (int)strlen(k);
	json_object_foreach(obj, k, v) {
		struct vt_sb sb;
		if (!strcmp(k, "ok") || is_table(v))
			continue;
		vt_sb_init(&sb);
		value_text(&sb, k, v);
		fprintf(f, "%-*s  %s\n", w, k, vt_sb_str(&sb));
	}
}

#define MAX_COLS 24

/* A table: one column per member (in the first row's order, then any
 * others), header in capitals, the last column unpadded. */
static void print_table(FILE *f, json_t *rows, const char *indent)
{
	const char *cols[MAX_COLS];
	size_t ncols = 0, width[MAX_COLS], i;
	json_t *row, *v;
	const char *k;

	json_array_foreach(rows, i, row) {
		json_object_foreach(row, k, v) {
			size_t c;
			for (c = 0; c < ncols && strcmp(cols[c], k); c++)
				;
			if (c == ncols && ncols < MAX_COLS) {
				cols[ncols] = k;
				width[ncols++] = strlen(k);
			}
		}
	}
	json_array_foreach(rows, i, row) {
		for (size_t c = 0; c < ncols; c++) {
			struct vt_sb sb;
			vt_sb_init(&sb);
			value_text(&sb, cols[c], json_object_get(row, cols[c]) ? json_object_get(row, cols[c])
										 : json_null());
			if (strlen(vt_sb_str(&sb)) > width[c])
				width[c] = strlen(vt_sb_str(&sb));
		}
	}
	fputs(indent, f);
	for (size_t c = 0; c < ncols; c++) {
		for (const char *p = cols[c]; *p; p++)
			fputc(toupper((unsigned char)*p), f);
		if (c + 1 < ncols)
			fprintf(f, "%*s", (int)(width[c] - strlen(cols[c]) + 2), "");
	}
	fputc('\n', f);
	json_array_foreach(rows, i, row) {
		fputs(indent, f);
		for (size_t c = 0; c < ncols; c++) {
			struct vt_sb sb;
			json_t *cell = json_object_get(row, cols[c]);
			vt_sb_init(&sb);
			value_text(&sb, cols[c], cell ? cell : json_null());
			if (c + 1 < ncols)
				fprintf(f, "%-*s  ", (int)width[c], vt_sb_str(&sb));
			else
				fprintf(f, "%s", vt_sb_str(&sb));
		}
		fputc('\n', f);
	}
}

/* Scalars, then each table under its member's name (or "NAME: none"). */
static void print_generic(FILE *f, json_t *reply)
{
	const char *k;
	json_t *v;
	int tables = 0, members = 0;

	print_scalars(f, reply);
	json_object_foreach(reply, k, v) {
		if (strcmp(k, "ok"))
			members++;
		if (!is_table(v))
			continue;
		/* A reply that is just one table needs no heading. */
		if (members > 1 || json_object_size(reply) > 2)
			fprintf(f, "%s:\n", k);
		print_table(f, v, members > 1 || json_object_size(reply) > 2 ? "  " : "");
		tables++;
	}
	if (!members)
		fprintf(f, "ok\n");
}

static long long int_of(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_inflight(FILE *f, json_t *reply)
{
	json_t *reqs = json_object_get(reply, "requests"), *r;
	size_t i;

	if (!json_array_size(reqs)) {
		fprintf(f, "no requests in flight\n");
		return;
	}
	fprintf(f, "%-3s %-6s %-5s %-9s %-22s %s\n", "Q", "ID", "HEAD", "AGE", "FAULT", "SUMMARY");
	json_array_foreach(reqs, i, r) {
		json_t *fault = json_object_get(r, "fault");
		const char *sum = json_string_value(json_object_get(r, "summary"));
		char age[32], fl[64] = "-";
		snprintf(age, sizeof(age), "%lldms", int_of(r, "age_ms"));
		if (json_is_object(fault)) {
			const char *kind = json_string_value(json_object_get(fault, "kind"));
			int n = snprintf(fl, sizeof(fl), "%s (rule %lld)", kind ? kind : "?", int_of(fault, "rule"));
			if (json_object_get(fault, "due_ms") && n > 0 && (size_t)n < sizeof(fl))
				snprintf(fl + n, sizeof(fl) - (size_t)n, " due %lldms", int_of(fault, "due_ms"));
		}
		fprintf(f, "%-3lld %-6lld %-5lld %-9s %-22s %s\n", int_of(r, "queue"), int_of(r, "id"),
			int_of(r, "head"), age, fl, sum ? sum : "(unreadable)");
	}
}

void vt_console_format(FILE *f, const char *cmd, int argc, char **argv, json_t *reply)
{
	if (!strcmp(cmd, "inflight")) {
		print_inflight(f, reply);
	} else if (!strcmp(cmd, "fault") && argc >= 1 && !strcmp(argv[0], "add")) {
		const char *rule = json_string_value(json_object_get(reply, "rule"));
		fprintf(f, "fault rule %lld: %s\n", int_of(reply, "id"), rule ? rule : "?");
	} else if (!strcmp(cmd, "fault") && argc >= 1 && !strcmp(argv[0], "list") &&
		   !json_array_size(json_object_get(reply, "faults"))) {
		fprintf(f, "no fault rules\n");
	} else if (!strcmp(cmd, "release")) {
		long long n = int_of(reply, "released");
		fprintf(f, "released %lld request%s\n", n, n == 1 ? "" : "s");
	} else if (!strcmp(cmd, "inject") && json_object_get(reply, "irqs")) {
		long long n = int_of(reply, "irqs");
		fprintf(f, "set; %lld interrupt%s delivered\n", n, n == 1 ? "" : "s");
	} else {
		print_generic(f, reply);
	}
}

/* ---- help ---- */

static void entry(FILE *f, const char *name, const char *args, const char *help)
{
	fprintf(f, "  %s%s%s\n      %s\n", name, args && *args ? " " : "", args ? args : "", help ? help : "");
}

static const struct vt_console_local *local_of(const char *name)
{
	for (const struct vt_console_local *l = vt_console_locals; l->name; l++)
		if (!strcmp(l->name, name))
			return l;
	return NULL;
}

void vt_console_format_help(FILE *f, const struct vt_console *c, const char *cmd)
{
	size_t i;
	json_t *e;

	if (cmd) {
		const struct vt_console_local *l = local_of(cmd);
		e = vt_console_help_entry(c, cmd);
		if (l) {
			fprintf(f, "%s%s%s\n  %s\n", l->name, *l->args ? " " : "", l->args, l->help);
			if (e && strcmp(cmd, "help"))
				fprintf(f, "  (the instance's own: %s %s)\n", cmd,
					json_string_value(json_object_get(e, "args")));
		} else {
			const char *args = json_string_value(json_object_get(e, "args"));
			const char *k;
			json_t *list;
			fprintf(f, "%s%s%s\n  %s\n", cmd, args && *args ? " " : "", args ? args : "",
				json_string_value(json_object_get(e, "help")));
			json_object_foreach(json_object_get(e, "words"), k, list) {
				struct vt_sb sb;
				vt_sb_init(&sb);
				value_text(&sb, NULL, list);
				fprintf(f, "  %s: %s\n", k, vt_sb_str(&sb));
			}
		}
		return;
	}
	if (c->help) {
		fprintf(f, "commands of %s (%s):\n", c->inst.name, c->inst.device);
		json_array_foreach(c->help, i, e) {
			const char *name = json_string_value(json_object_get(e, "name"));
			if (!name || local_of(name))
				continue;   /* the console's own stands for it */
			entry(f, name, json_string_value(json_object_get(e, "args")),
			      json_string_value(json_object_get(e, "help")));
		}
	} else {
		fprintf(f, "not connected: the instance's commands show once connected\n");
	}
	fprintf(f, "console commands:\n");
	for (const struct vt_console_local *l = vt_console_locals; l->name; l++)
		entry(f, l->name, l->args, l->help);
	fprintf(f, "Several commands on a line: separated by ';'.  'help COMMAND' for one.\n");
}
