/* Logging: "vitool: message" on stderr, one line each. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vt_log_verbosity = VT_LOG_WARN;

/* The whole message, however long (a usage text, a long path): grown as
 * needed; the fixed buffer is what is left when memory runs out. */
static char fallback[512];
static char *last_msg = fallback;
static size_t last_cap;
static int quiet;
static vt_log_sink_fn sink;
static void *sink_arg;
static vt_log_sink_fn tee;
static void *tee_arg;
static int tee_level;
static int in_tee;

const char *vt_log_last(void)
{
	return last_msg;
}

void vt_log_set_quiet(int q)
{
	quiet = q;
}

void vt_log_set_sink(vt_log_sink_fn fn, void *arg)
{
	sink = fn;
	sink_arg = arg;
}

void vt_log_set_tee(int level, vt_log_sink_fn fn, void *arg)
{
	tee = fn;
	tee_arg = arg;
	tee_level = level;
}

static void format(const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n >= 0 && (size_t)n >= (last_cap ? last_cap : sizeof(fallback))) {
		char *nb = realloc(last_cap ? last_msg : NULL, (size_t)n + 1);
		if (nb) {
			last_msg = nb;
			last_cap = (size_t)n + 1;
		}
	}
	vsnprintf(last_msg, last_cap ? last_cap : sizeof(fallback), fmt, ap);
}

/* level < 0: the die path, always stderr. */
static void emit(int level, const char *fmt, va_list ap, int print)
{
	format(fmt, ap);
	if (print && !quiet && sink && level >= 0) {
		sink(sink_arg, level, last_msg);
	} else if (print && !quiet) {
		fprintf(stderr, "vitool: %s\n", last_msg);
		fflush(stderr);
	}
	if (tee && level >= 0 && (level <= tee_level || level <= vt_log_verbosity) && !in_tee) {
		/* A copy: a message fn logs itself reuses (or moves) last_msg
		 * while fn may still read the text. */
		char *copy = strdup(last_msg);
		if (copy) {
			in_tee = 1;
			tee(tee_arg, level, copy);
			in_tee = 0;
			free(copy);
		}
	}
}

void vt_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(level, fmt, ap, level <= vt_log_verbosity);
	va_end(ap);
}

void vt_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(-1, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void vt_die_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(-1, fmt, ap, 1);
	va_end(ap);
	exit(2);
}
