/* Minimal TAP harness for the C unit tests: one "ok N - name" line per test
 * function, failing checks print a diagnostic and mark the test failed.
 * tests/run.sh counts the lines. */
#ifndef VT_TESTS_TAP_H
#define VT_TESTS_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_count, tap_failures, tap_cur_failed;

static inline void tap_fail(const char *file, int line, const char *what)
{
	printf("#   %s:%d: check failed: %s\n", file, line, what);
	tap_cur_failed = 1;
}

#define EXPECT(cond) do { if (!(cond)) tap_fail(__FILE__, __LINE__, #cond); } while (0)
#define EXPECT_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
	if (_a != _b) { printf("#   got %lld, want %lld\n", _a, _b); tap_fail(__FILE__, __LINE__, #a " == " #b); } } while (0)
#define EXPECT_STR_HAS(hay, needle) do { const char *_h = (hay); \
	if (!_h || !strstr(_h, (needle))) { printf("#   \"%s\" lacks \"%s\"\n", _h ? _h : "(null)", (needle)); \
		tap_fail(__FILE__, __LINE__, #hay " contains " #needle); } } while (0)

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_cur_failed = 0;
	fn();
	tap_count++;
	if (tap_cur_failed)
		tap_failures++;
	printf("%s %d - %s\n", tap_cur_failed ? "not ok" : "ok", tap_count, name);
	fflush(stdout);
}

#define RUN(fn) tap_run(#fn, fn)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
