/* libFuzzer target: the operation parsers of `vitool drive` (the
 * i2ctransfer-style `w2@0x50 0x00 r8` of i2c, gpio's `get/set/dir/irq/wait`
 * with their options, and every other device's), through each device
 * type's front->check and loopback->check, which parse the words whole
 * before anything is sent. */
#include "fuzz.h"

#include "devices/registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[FUZZ_MAX_WORDS], err[256];

	fuzz_init();
	for (size_t i = 0; i < vt_device_count(); i++) {
		const struct vt_device_type *t = vt_device_at(i);
		char *text = fuzz_text(data, size);
		unsigned n = fuzz_words(text, size, words);
		if (n && t->front && t->front->check)
			t->front->check(words, n, err, sizeof(err));
		if (n && t->loopback && t->loopback->check)
			t->loopback->check(words, n, err, sizeof(err));
		free(text);
	}
	return 0;
}
