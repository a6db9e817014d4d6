/* fault rules: the issue's rules parse as written, bad input gets an error
 * that names the word, selectors compare the decoder's fields, firing
 * (every N, seeded probability) and jitter are what they say and the same
 * every run. */
#include <stdint.h>
#include <string.h>

#include "decode/decode.h"
#include "devices/registry.h"
#include "fault/fault.h"
#include "tap.h"
#include "util/parse.h"

static const struct vt_device_type *dev(const char *name)
{
	return vt_device_find(name);
}

static int parse(struct vt_fault_rule *r, const char *type, const char *text, char *err, size_t len)
{
	err[0] = '\0';
	return vt_fault_rule_parse_text(r, dev(type), text, err, len);
}

static void issue_rules_parse_as_written(void)
{
	struct vt_fault_rule r;
	char err[512];

	EXPECT_EQ(parse(&r, "i2c", "delay 1500ms addr 0x50 read", err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_FAULT_DELAY);
	EXPECT_EQ(r.delay_ns, 1500000000ull);
	EXPECT_EQ(r.nsel, 2);
	EXPECT(r.needs_fields);
	EXPECT(!strcmp(r.text, "delay 1500ms addr 0x50 read"));

	EXPECT_EQ(parse(&r, "i2c", "delay 20ms jitter 10ms", err, sizeof(err)), 0);
	EXPECT_EQ(r.jitter_ns, 10000000ull);
	EXPECT(!r.needs_fields);

	EXPECT_EQ(parse(&r, "i2c", "fail every 2", err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_FAULT_FAIL);
	EXPECT_EQ(r.every, 2);

	EXPECT_EQ(parse(&r, "gpio", "hold line 3 type get-value", err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_FAULT_HOLD);
	EXPECT_EQ(r.nsel, 2);

	EXPECT_EQ(parse(&r, "gpio", "reorder queue 0", err, sizeof(err)), 0);
	EXPECT_EQ(r.kind, VT_FAULT_REORDER);
	EXPECT_EQ(r.window_ns, 1000000000ull);   /* the default */
	EXPECT_EQ(parse(&r, "gpio", "reorder line 4-5 type get-value window 200ms", err, sizeof(err)), 0);
	EXPECT_EQ(r.window_ns, 200000000ull);
	EXPECT_EQ(parse(&r, "gpio", "reorder queue eventq", err, sizeof(err)), 0);
	EXPECT_EQ(r.sel[0].lo, 1);

	EXPECT_EQ(parse(&r, "i2c", "fail probability 0.1 seed 7", err, sizeof(err)), 0);
	EXPECT_EQ(r.every, 0);
	EXPECT_EQ(r.seed, 7);

	EXPECT_EQ(parse(&r, "rng", "delay 1s size 64", err, sizeof(err)), 0);
	EXPECT_EQ(parse(&r, "blk", "fail sector 0-99 type write", err, sizeof(err)), 0);
	EXPECT_EQ(r.sel[0].lo, 0);
	EXPECT_EQ(r.sel[0].hi, 99);
}

static void bad_rules_say_why(void)
{
	static const struct {
		const char *type, *text, *want;
	} cases[] = {
		{ "i2c", "", "empty rule" },
		{ "i2c", "explode", "unknown fault 'explode'" },
		{ "i2c", "delay", "delay wants a duration" },
		{ "i2c", "delay 1500", "delay wants a duration with its unit" },
		{ "i2c", "delay -5ms", "'-5ms'" },
		{ "i2c", "delay 5 ms", "delay wants a duration" },
		{ "i2c", "delay 100000s", "delay wants a duration" },    /* more than a day */
		{ "i2c", "fail jitter 5ms", "jitter goes with delay" },
		{ "i2c", "delay 5ms jitter", "jitter wants a duration" },
		{ "i2c", "fail every 0", "every wants a count of at least 1" },
		{ "i2c", "delay 5ms window 1s", "window goes with reorder, not delay" },
		{ "i2c", "reorder window", "window wants a duration" },
		{ "i2c", "reorder window 0ms", "window wants a duration" },
		{ "i2c", "fail every two", "'two'" },
		{ "i2c", "fail every 2 every 3", "'every' given twice" },
		{ "i2c", "fail probability 1.5", "probability wants a number from 0 to 1" },
		{ "i2c", "fail probability nan", "probability wants" },
		{ "i2c", "fail every 2 probability 0.5", "every and probability exclude each other" },
		{ "i2c", "fail seed 7", "seed goes with probability or jitter" },
		{ "i2c", "fail probability 0.5 seed", "seed wants a number" },
		{ "i2c", "fail addr", "addr wants a number" },
		{ "i2c", "fail addr 0x60-0x50", "addr wants a number (0x50) or a range" },
		{ "i2c", "fail addr 0x50 addr 0x51", "'addr' given twice" },
		{ "i2c", "fail read write", "'type' given twice" },
		{ "i2c", "fail queue 1", "i2c has 1 queue (0-0)" },
		{ "i2c", "fail queue", "queue wants a queue number or name" },
		{ "i2c", "fail line 3", "unknown word 'line' in a i2c rule" },
		{ "gpio", "hold type get-vlue", "type 'get-vlue': gpio types are" },
		{ "gpio", "hold addr 0x50", "unknown word 'addr' in a gpio rule" },
		{ "rng", "fail type read", "rng requests have no types" },
	};
	struct vt_fault_rule r;
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(&r, cases[i].type, cases[i].text, err, sizeof(err)) != -1)
			printf("#   '%s' parsed\n", cases[i].text);
		EXPECT_STR_HAS(err, cases[i].want);
	}
	/* the unknown-word error lists what this device's rules take */
	parse(&r, "i2c", "fail frobnicate", err, sizeof(err));
	EXPECT_STR_HAS(err, "addr N");
	EXPECT_STR_HAS(err, "read");
	parse(&r, "gpio", "fail frobnicate", err, sizeof(err));
	EXPECT_STR_HAS(err, "line N");
}

/* Selectors read the decoder's fields, as a trace filter would. */
static void selectors_compare_decoded_fields(void)
{
	struct vt_fault_rule r;
	struct vt_decode_fields f;
	char err[256];

	memset(&f, 0, sizeof(f));
	f.has_addr = true;
	f.addr = 0x50;
	f.type = "read";
	vt_decode_kv_uint(&f, "addr", 0x50);
	vt_decode_kv_str(&f, "type", "read");
	EXPECT_EQ(parse(&r, "i2c", "delay 1500ms addr 0x50 read", err, sizeof(err)), 0);
	EXPECT(vt_fault_rule_selects(&r, 0, &f));
	EXPECT(!vt_fault_rule_selects(&r, 0, NULL));   /* undecodable: a field selector is false */
	f.type = "write";
	EXPECT(!vt_fault_rule_selects(&r, 0, &f));
	EXPECT_EQ(parse(&r, "i2c", "fail addr 0x51-0x57", err, sizeof(err)), 0);
	EXPECT(!vt_fault_rule_selects(&r, 0, &f));

	memset(&f, 0, sizeof(f));
	f.type = "GET_VALUE";
	vt_decode_kv_uint(&f, "line", 3);
	EXPECT_EQ(parse(&r, "gpio", "hold line 3 type get-value", err, sizeof(err)), 0);
	EXPECT(vt_fault_rule_selects(&r, 0, &f));
	EXPECT(!vt_fault_rule_selects(&r, 1, NULL));
	EXPECT_EQ(parse(&r, "gpio", "reorder queue 0", err, sizeof(err)), 0);
	EXPECT(vt_fault_rule_selects(&r, 0, NULL));
	EXPECT(!vt_fault_rule_selects(&r, 1, NULL));
}

static void every_n_fires_on_each_nth_match(void)
{
	struct vt_fault_rule r;
	char err[256], got[16];

	EXPECT_EQ(parse(&r, "i2c", "fail every 2", err, sizeof(err)), 0);
	for (int i = 0; i < 6; i++)
		got[i] = vt_fault_rule_fire(&r) ? 'x' : '.';
	got[6] = '\0';
	EXPECT(!strcmp(got, ".x.x.x"));
	EXPECT_EQ(r.matches, 6);
	EXPECT_EQ(parse(&r, "i2c", "hold", err, sizeof(err)), 0);
	EXPECT(vt_fault_rule_fire(&r) && vt_fault_rule_fire(&r));
}

static void probability_is_seeded_and_reproducible(void)
{
	struct vt_fault_rule a, b, c;
	char err[256];
	unsigned hits = 0, same_ab = 0, same_ac = 0;

	EXPECT_EQ(parse(&a, "i2c", "fail probability 0.1 seed 7", err, sizeof(err)), 0);
	EXPECT_EQ(parse(&b, "i2c", "fail probability 0.1 seed 7", err, sizeof(err)), 0);
	EXPECT_EQ(parse(&c, "i2c", "fail probability 0.1 seed 8", err, sizeof(err)), 0);
	for (int i = 0; i < 10000; i++) {
		bool x = vt_fault_rule_fire(&a), y = vt_fault_rule_fire(&b), z = vt_fault_rule_fire(&c);
		hits += x;
		same_ab += x == y;
		same_ac += x == z;
	}
	EXPECT_EQ(same_ab, 10000);      /* the same seed: the same draws */
	EXPECT(same_ac < 10000);        /* another seed: other draws */
	EXPECT(hits > 850 && hits < 1150);
	EXPECT_EQ(parse(&a, "i2c", "fail probability 0", err, sizeof(err)), 0);
	EXPECT(!vt_fault_rule_fire(&a));
	EXPECT_EQ(parse(&a, "i2c", "fail probability 1", err, sizeof(err)), 0);
	EXPECT(vt_fault_rule_fire(&a));
}

static void jitter_stays_within_its_bounds(void)
{
	struct vt_fault_rule r;
	char err[256];
	uint64_t lo = UINT64_MAX, hi = 0;

	EXPECT_EQ(parse(&r, "i2c", "delay 20ms jitter 10ms", err, sizeof(err)), 0);
	for (int i = 0; i < 5000; i++) {
		uint64_t d = vt_fault_rule_delay(&r);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	EXPECT(lo >= 10000000ull && lo < 11000000ull);
	EXPECT(hi <= 30000000ull && hi > 29000000ull);
	/* jitter larger than the delay never goes below 0 */
	EXPECT_EQ(parse(&r, "i2c", "delay 1ms jitter 1s", err, sizeof(err)), 0);
	for (int i = 0; i < 1000; i++)
		EXPECT(vt_fault_rule_delay(&r) <= 1001000000ull);
	EXPECT_EQ(parse(&r, "i2c", "delay 5ms", err, sizeof(err)), 0);
	EXPECT_EQ(vt_fault_rule_delay(&r), 5000000ull);
}

static void durations_need_units(void)
{
	uint64_t ns;

	EXPECT(vt_parse_duration_ns("1500ms", UINT64_MAX, &ns) && ns == 1500000000ull);
	EXPECT(vt_parse_duration_ns("1.5s", UINT64_MAX, &ns) && ns == 1500000000ull);
	EXPECT(vt_parse_duration_ns("20us", UINT64_MAX, &ns) && ns == 20000ull);
	EXPECT(vt_parse_duration_ns("7ns", UINT64_MAX, &ns) && ns == 7ull);
	EXPECT(!vt_parse_duration_ns("15", UINT64_MAX, &ns));
	EXPECT(!vt_parse_duration_ns("ms", UINT64_MAX, &ns));
	EXPECT(!vt_parse_duration_ns("5msx", UINT64_MAX, &ns));
	EXPECT(!vt_parse_duration_ns("+5ms", UINT64_MAX, &ns));
	EXPECT(!vt_parse_duration_ns("2s", 1000000000ull, &ns));
	EXPECT(!vt_parse_duration_ns("1e300s", UINT64_MAX, &ns));
}

int main(void)
{
	RUN(issue_rules_parse_as_written);
	RUN(bad_rules_say_why);
	RUN(selectors_compare_decoded_fields);
	RUN(every_n_fires_on_each_nth_match);
	RUN(probability_is_seeded_and_reproducible);
	RUN(jitter_stays_within_its_bounds);
	RUN(durations_need_units);
	return tap_done();
}
