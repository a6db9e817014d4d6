/* The console's reply formatters (lib/console/format.c): what a person
 * reads for each reply shape, and replies of a broken or hostile instance
 * (wrong types, many columns, deep nesting, long strings) printed without
 * a crash, an overflow or a hang. */
#include <stdlib.h>
#include <string.h>

#include "console/console.h"
#include "tap.h"
#include "util/log.h"

/* vt_console_format(cmd, words, reply) into a malloc'd string. */
static char *format(const char *cmd, const char *args, const char *reply)
{
	char *out = NULL, *argv[8], copy[128], *save = NULL;
	size_t len = 0;
	int argc = 0;
	json_t *j = json_loads(reply, 0, NULL);
	FILE *f = open_memstream(&out, &len);

	snprintf(copy, sizeof(copy), "%s", args);
	for (char *t = strtok_r(copy, " ", &save); t && argc < 8; t = strtok_r(NULL, " ", &save))
		argv[argc++] = t;
	if (j && f)
		vt_console_format(f, cmd, argc, argv, j);
	if (f)
		fclose(f);
	json_decref(j);
	return out;
}

static void test_scalars_and_table(void)
{
	char *s = format("stats", "",
			 "{\"ok\":true,\"connected\":false,\"why\":null,\"queues\":["
			 "{\"queue\":0,\"started\":true,\"size\":64},{\"queue\":1,\"started\":false,\"size\":0}]}");

	EXPECT(!strcmp(s, "connected  no\n"
			  "why        -\n"
			  "queues:\n"
			  "  QUEUE  STARTED  SIZE\n"
			  "  0      yes      64\n"
			  "  1      no       0\n"));
	free(s);
}

static void test_one_table(void)
{
	char *s = format("lines", "", "{\"ok\":true,\"lines\":[{\"line\":0,\"name\":\"\",\"value\":null}]}");

	EXPECT(!strcmp(s, "LINE  NAME  VALUE\n0     -     -\n"));
	free(s);
}

static void test_addresses_in_hex(void)
{
	char *s = format("info", "", "{\"ok\":true,\"bus\":\"sim\",\"targets\":[{\"addr\":80,\"model\":\"24c02\"}]}");

	EXPECT_STR_HAS(s, "  ADDR  MODEL\n  0x50  24c02\n");
	free(s);
}

static void test_sentences(void)
{
	char *s = format("release", "all", "{\"ok\":true,\"released\":2}");
	EXPECT(!strcmp(s, "released 2 requests\n"));
	free(s);
	s = format("fault", "add hold line 3", "{\"ok\":true,\"id\":4,\"rule\":\"hold line 3\"}");
	EXPECT(!strcmp(s, "fault rule 4: hold line 3\n"));
	free(s);
	s = format("inject", "3=1", "{\"ok\":true,\"irqs\":1}");
	EXPECT(!strcmp(s, "set; 1 interrupt delivered\n"));
	free(s);
	s = format("inflight", "", "{\"ok\":true,\"requests\":[]}");
	EXPECT(!strcmp(s, "no requests in flight\n"));
	free(s);
	s = format("fault", "clear", "{\"ok\":true}");
	EXPECT(!strcmp(s, "ok\n"));
	free(s);
}

static void test_inflight_with_fault(void)
{
	char *s = format("inflight", "",
			 "{\"ok\":true,\"requests\":[{\"queue\":0,\"id\":7,\"head\":3,\"age_ms\":12,"
			 "\"summary\":\"GET_VALUE line 3\",\"fault\":{\"rule\":1,\"kind\":\"delay\","
			 "\"text\":\"delay 1s\",\"held_ms\":12,\"due_ms\":988}},"
			 "{\"queue\":1,\"id\":8,\"head\":0,\"age_ms\":1,\"summary\":null}]}");

	EXPECT_STR_HAS(s, "0   7      3     12ms      delay (rule 1) due 988ms GET_VALUE line 3\n");
	EXPECT_STR_HAS(s, "1   8      0     1ms       -                      (unreadable)\n");
	free(s);
}

/* Whatever an instance sends, the formatter prints something and returns. */
static void test_hostile(void)
{
	static const char *const replies[] = {
		"{\"ok\":true,\"requests\":5}",
		"{\"ok\":true,\"requests\":[1,\"x\",null,{\"fault\":7,\"summary\":3}]}",
		"{\"ok\":true,\"released\":\"many\"}",
		"{\"ok\":true,\"rows\":[{\"a\":1},2,{\"b\":{\"c\":[{\"d\":[]}]}}]}",
		"{\"ok\":true,\"x\":1.5e300,\"y\":-9223372036854775807}",
	};
	char *s;

	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		s = format(i < 2 ? "inflight" : i == 2 ? "release" : "stats", "", replies[i]);
		EXPECT(s != NULL);
		free(s);
	}
	/* More columns than a table shows, a very long string, deep nesting. */
	char *big = malloc(200000);
	size_t n = (size_t)sprintf(big, "{\"ok\":true,\"t\":[{");
	for (int c = 0; c < 40; c++)
		n += (size_t)sprintf(big + n, "%s\"c%d\":%d", c ? "," : "", c, c);
	n += (size_t)sprintf(big + n, "}],\"long\":\"");
	memset(big + n, 'x', 5000);
	n += 5000;
	n += (size_t)sprintf(big + n, "\",\"deep\":");
	for (int d = 0; d < 500; d++)
		n += (size_t)sprintf(big + n, "{\"k\":");
	n += (size_t)sprintf(big + n, "1");
	for (int d = 0; d < 500; d++)
		big[n++] = '}';
	strcpy(big + n, "}");
	s = format("stats", "", big);
	EXPECT(s != NULL);
	EXPECT_STR_HAS(s, "C0  C1");
	EXPECT(!strstr(s, "C24"));   /* the table stops at its column limit */
	EXPECT_STR_HAS(s, "xxx [|]");   /* cut where a value is too long, and said */
	free(s);
	free(big);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_scalars_and_table);
	RUN(test_one_table);
	RUN(test_addresses_in_hex);
	RUN(test_sentences);
	RUN(test_inflight_with_fault);
	RUN(test_hostile);
	return tap_done();
}
