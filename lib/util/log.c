/* Logging: "vitool: message" on stderr, one line each. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int vt_log_verbosity = VT_LOG_WARN;

static char last_msg[512];
static int quiet;
static vt_log_sink_fn sink;
static void *sink_arg;

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

/* level < 0: the die path, always stderr. */
static void emit(int level, const char *fmt, va_list ap, int print)
{
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	if (print && !quiet && sink && level >= 0) {
		sink(sink_arg, level, last_msg);
	} else if (print && !quiet) {
		fprintf(stderr, "vitool: %s\n", last_msg);
		fflush(stderr);
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
