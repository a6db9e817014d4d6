/* Logging and the one error path of the tool: every message goes to stderr as
 * "vitool: message" (libgpiod-tools style).  Library code never exits; only
 * commands call vt_die()/vt_die_usage(). */
#ifndef VT_UTIL_LOG_H
#define VT_UTIL_LOG_H

#include <stdnoreturn.h>

enum vt_log_level { VT_LOG_ERR, VT_LOG_WARN, VT_LOG_INFO, VT_LOG_DEBUG };

/* Messages with level <= vt_log_verbosity are printed (default VT_LOG_WARN).
 * Each -v on a command line raises it by one. */
extern int vt_log_verbosity;

void vt_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define vt_err(...)   vt_log(VT_LOG_ERR, __VA_ARGS__)
#define vt_warn(...)  vt_log(VT_LOG_WARN, __VA_ARGS__)
#define vt_info(...)  vt_log(VT_LOG_INFO, __VA_ARGS__)
#define vt_debug(...) vt_log(VT_LOG_DEBUG, __VA_ARGS__)

/* The text of the last message passed to vt_log() at any level, whether or
 * not it was printed.  Unit tests assert on it. */
const char *vt_log_last(void);

/* When quiet, nothing is printed (vt_log_last() still records).  Unit tests. */
void vt_log_set_quiet(int quiet);

/* Where printed messages go instead of stderr: a full-screen view (top,
 * console) shows them in a pane instead of writing over its screen.  fn
 * gets each message that passes vt_log_verbosity (and quiet), without the
 * "vitool: " prefix and the newline.  NULL: stderr again.  vt_die() and
 * vt_die_usage() still write stderr: the process is ending, and whoever
 * owns the screen restores it at exit. */
typedef void (*vt_log_sink_fn)(void *arg, int level, const char *msg);
void vt_log_set_sink(vt_log_sink_fn fn, void *arg);

/* A second destination that does not replace the first: a daemon (serve,
 * proxy) hands its log lines to its trace recorder, so that they reach
 * `vitool trace` and top, while stderr (or the sink) gets them as before.
 * fn gets each message with level <= max(level, vt_log_verbosity), printed
 * or not (a trace may want the info lines that stderr only shows at -v),
 * quiet or not, without the "vitool: " prefix and the newline, after it
 * was printed.  A message logged while fn runs (fn's own trouble) is
 * printed but not given to fn: fn is never re-entered.  NULL: none. */
void vt_log_set_tee(int level, vt_log_sink_fn fn, void *arg);

/* "vitool: msg" and exit(1): runtime failure. */
noreturn void vt_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "vitool: msg" and exit(2): bad command line. */
noreturn void vt_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
