/* Shared bits of the libFuzzer targets (tests/fuzz/fuzz_*.c, built and run
 * by `make fuzz`): quiet logs, a sink for printed output, and the input as
 * words the way a command line or a script line would bring them. */
#ifndef VT_FUZZ_FUZZ_H
#define VT_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: no log lines (the targets provoke thousands; FUZZ_LOG=1
 * keeps them, to see what a seed does), and /dev/null for what printers
 * write. */
static inline FILE *fuzz_init(void)
{
	static FILE *null;

	if (!null) {
		vt_log_set_quiet(!getenv("FUZZ_LOG"));
		null = fopen("/dev/null", "w");
		if (!null)
			abort();
	}
	return null;
}

/* The input as a NUL-terminated copy (malloc'd: ASan sees its end). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#define FUZZ_MAX_WORDS 64

/* Splits text in place at blanks (and NULs a fuzzer may put there) into at
 * most FUZZ_MAX_WORDS words; returns the count. */
static inline unsigned fuzz_words(char *text, size_t len, char **words)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && n < FUZZ_MAX_WORDS) {
		while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || !text[i]))
			text[i++] = '\0';
		if (i == len)
			break;
		words[n++] = text + i;
		while (i < len && text[i] != ' ' && text[i] != '\t' && text[i] != '\n' && text[i])
			i++;
	}
	if (i < len)
		text[i] = '\0';
	return n;
}

#endif
