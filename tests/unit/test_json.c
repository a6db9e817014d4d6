/* JSON writer and top-level reader. */
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "util/json.h"
#include "util/log.h"

static void test_writer_nesting(void)
{
	struct vt_json j;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_bool(&j, "ok", true);
	vt_json_int(&j, "neg", -5);
	vt_json_uint(&j, "big", UINT64_MAX);
	vt_json_null(&j, "nothing");
	vt_json_arr_begin(&j, "list");
	vt_json_int(&j, NULL, 1);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "a", "x");
	vt_json_obj_end(&j);
	vt_json_arr_begin(&j, NULL);
	vt_json_arr_end(&j);
	vt_json_arr_end(&j);
	vt_json_str(&j, "s", NULL);
	vt_json_obj_end(&j);
	EXPECT(!strcmp(vt_json_text(&j),
		       "{\"ok\":true,\"neg\":-5,\"big\":18446744073709551615,\"nothing\":null,"
		       "\"list\":[1,{\"a\":\"x\"},[]],\"s\":null}"));
	vt_json_free(&j);
	EXPECT(!strcmp(vt_json_text(&j), ""));
}

static void test_writer_escaping(void)
{
	struct vt_json j;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "q\"k", "a\"b\\c\n\t\x01\x1f");
	vt_json_str(&j, "utf8", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80");
	vt_json_str(&j, "bad", "a\xff" "b\xc3" "c\xed\xa0\x80");   /* invalid byte, cut sequence, surrogate */
	vt_json_obj_end(&j);
	EXPECT_STR_HAS(vt_json_text(&j), "\"q\\\"k\":\"a\\\"b\\\\c\\u000a\\u0009\\u0001\\u001f\"");
	EXPECT_STR_HAS(vt_json_text(&j), "\"utf8\":\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80\"");
	EXPECT_STR_HAS(vt_json_text(&j), "\"bad\":\"a\\ufffdb\\ufffdc\\ufffd\\ufffd\\ufffd\"");
	vt_json_free(&j);
}

static void test_writer_too_deep(void)
{
	struct vt_json j;

	vt_json_init(&j);
	for (int i = 0; i < 40; i++)
		vt_json_arr_begin(&j, NULL);
	EXPECT(j.oom);
	EXPECT(!strcmp(vt_json_text(&j), ""));
	vt_json_free(&j);
}

static void test_writer_roundtrip(void)
{
	struct vt_json j;
	char out[64];

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "s", "tab\there \"q\" \\ \x02 \xc3\xa9");
	vt_json_obj_end(&j);
	EXPECT(vt_json_get_str(vt_json_text(&j), "s", out, sizeof(out)));
	EXPECT(!strcmp(out, "tab\there \"q\" \\ \x02 \xc3\xa9"));
	vt_json_free(&j);
}

static const char doc[] =
	" { \"nested\" : {\"ok\":false,\"n\":[1,{\"ok\":3}],\"s\":\"}\\\"{\"},"
	"\"arr\":[true,null,\"x\",-1.5e3,[]],"
	"\"ok\":true,\"n\":-42,\"f\":1.5,\"e\":1e3,\"big\":99999999999999999999,"
	"\"s\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\u20ac\\ud83d\\ude00\\ud800x\","
	"\"esc\\u006bey\":7,\"empty\":\"\",\"obj\":{}} ";

static void test_reader_types(void)
{
	bool b = false;
	int64_t v = 0;
	char s[64];

	EXPECT(vt_json_get_bool(doc, "ok", &b) && b);
	EXPECT(vt_json_get_int(doc, "n", &v));
	EXPECT_EQ(v, -42);
	EXPECT(vt_json_get_str(doc, "s", s, sizeof(s)));
	EXPECT(!strcmp(s, "a\"b\\c/d\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbdx"));
	EXPECT(vt_json_get_str(doc, "empty", s, sizeof(s)) && !s[0]);
	EXPECT(vt_json_get_int(doc, "esckey", &v));  /* keys compared unescaped */
	EXPECT_EQ(v, 7);
	EXPECT(vt_json_get_raw(doc, "nested", s, sizeof(s)));
	EXPECT(!strcmp(s, "{\"ok\":false,\"n\":[1,{\"ok\":3}],\"s\":\"}\\\"{\"}"));
	EXPECT(vt_json_get_raw(doc, "obj", s, sizeof(s)) && !strcmp(s, "{}"));
	EXPECT(vt_json_get_raw(doc, "arr", s, 6) && !strcmp(s, "[true"));   /* truncated */
	EXPECT(vt_json_get_str(doc, "s", s, 4) && !strcmp(s, "a\"b"));
}

static void test_reader_elem(void)
{
	const char *arr = " [ {\"a\":\"],\"} , 7,[1,[2]] ] ";
	char s[32];

	EXPECT(vt_json_get_elem(arr, 0, s, sizeof(s)) && !strcmp(s, "{\"a\":\"],\"}"));
	EXPECT(vt_json_get_elem(arr, 1, s, sizeof(s)) && !strcmp(s, "7"));
	EXPECT(vt_json_get_elem(arr, 2, s, sizeof(s)) && !strcmp(s, "[1,[2]]"));
	EXPECT(vt_json_get_elem(arr, 2, s, 3) && !strcmp(s, "[1"));   /* truncated */
	EXPECT(!vt_json_get_elem(arr, 3, s, sizeof(s)));
	EXPECT(!vt_json_get_elem("[]", 0, s, sizeof(s)));
	EXPECT(!vt_json_get_elem("{\"a\":1}", 0, s, sizeof(s)));
	EXPECT(!vt_json_get_elem("[1,", 1, s, sizeof(s)));
	EXPECT(!vt_json_get_elem("[1 2]", 1, s, sizeof(s)));
	EXPECT(!vt_json_get_elem(NULL, 0, s, sizeof(s)));
}

static void test_reader_wrong(void)
{
	bool b;
	int64_t v;
	char s[16];

	EXPECT(!vt_json_get_bool(doc, "missing", &b));
	EXPECT(!vt_json_get_int(doc, "ok", &v));       /* wrong type */
	EXPECT(!vt_json_get_int(doc, "f", &v));        /* not an integer */
	EXPECT(!vt_json_get_int(doc, "e", &v));
	EXPECT(!vt_json_get_int(doc, "big", &v));      /* out of range */
	EXPECT(!vt_json_get_str(doc, "n", s, sizeof(s)));
	EXPECT(!vt_json_get_bool(doc, "s", &b));
	EXPECT(!vt_json_get_int(doc, "k", &v));        /* only inside "nested" */
	EXPECT(!vt_json_get_bool("[1,2]", "ok", &b));  /* not an object */
	EXPECT(!vt_json_get_bool("", "ok", &b));
	EXPECT(!vt_json_get_bool(NULL, "ok", &b));
	EXPECT(!vt_json_get_bool("{}", "ok", &b));
	EXPECT(!vt_json_get_bool("{\"ok\":tru}", "ok", &b));
	EXPECT(!vt_json_get_bool("{\"a\":\"unterminated,\"ok\":true", "ok", &b));
	EXPECT(!vt_json_get_bool("{\"a\":[1,2,\"ok\":true}", "ok", &b));
	EXPECT(!vt_json_get_str("{\"s\":\"bad\\q\"}", "s", s, sizeof(s)));
}

static void test_reader_deep(void)
{
	char text[1024];
	size_t n = 0;
	bool b;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{\"a\":");
	for (int i = 0; i < 200; i++)
		text[n++] = '[';
	text[n] = '\0';
	EXPECT(!vt_json_get_bool(text, "ok", &b));   /* bounded, no stack blow-up */
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_writer_nesting);
	RUN(test_writer_escaping);
	RUN(test_writer_too_deep);
	RUN(test_writer_roundtrip);
	RUN(test_reader_types);
	RUN(test_reader_wrong);
	RUN(test_reader_elem);
	RUN(test_reader_deep);
	return tap_done();
}
