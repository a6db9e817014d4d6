/* libFuzzer target: the fault-rule parser (lib/fault/rule.c), for every
 * device type of the registry, as `serve --fault RULE`, the control
 * command `fault add RULE` and loopback's steps give it words.  A rule that
 * parses is asked whether it selects a few requests and fired. */
#include "fuzz.h"

#include "decode/decode.h"
#include "devices/registry.h"
#include "fault/fault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *words[FUZZ_MAX_WORDS], err[256];

	fuzz_init();
	for (size_t t = 0; t < vt_device_count(); t++) {
		char *text = fuzz_text(data, size);
		unsigned n = fuzz_words(text, size, words);
		struct vt_fault_rule r;
		memset(&r, 0, sizeof(r));
		if (vt_fault_rule_parse(&r, vt_device_at(t), words, n, err, sizeof(err)) == 0) {
			struct vt_decode_fields f = { .has_addr = true, .addr = 0x50, .type = "read" };
			for (unsigned q = 0; q < 3; q++)
				if (vt_fault_rule_selects(&r, q, &f) && vt_fault_rule_fire(&r))
					vt_fault_rule_delay(&r);
		}
		free(text);
	}
	return 0;
}
