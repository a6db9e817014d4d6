/* The JSON writer, and replies read through jansson (vt_ctl_parse_reply,
 * vt_ctl_call_json, vt_ctl_reply_ok): well-formed ones member by member,
 * hostile ones (malformed, not an object, huge, deep, with raw control
 * bytes) refused with a clear error, over a real unix stream socket. */
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"
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

/* What the writer writes, a real JSON parser reads back: the same string,
 * invalid bytes as U+FFFD. */
static void test_writer_roundtrip(void)
{
	struct vt_json j;
	char err[256];
	json_t *r;

	vt_json_init(&j);
	vt_json_obj_begin(&j, NULL);
	vt_json_str(&j, "s", "tab\there \"q\" \\ \x02 \xc3\xa9");
	vt_json_str(&j, "bad", "a\xff" "b");
	vt_json_uint(&j, "big", INT64_MAX);
	vt_json_obj_end(&j);
	r = vt_ctl_parse_reply(vt_json_text(&j), err, sizeof(err));
	EXPECT(r);
	EXPECT(!strcmp(json_string_value(json_object_get(r, "s")), "tab\there \"q\" \\ \x02 \xc3\xa9"));
	EXPECT(!strcmp(json_string_value(json_object_get(r, "bad")), "a\xef\xbf\xbd" "b"));
	EXPECT(json_integer_value(json_object_get(r, "big")) == INT64_MAX);
	json_decref(r);
	vt_json_free(&j);
}

static const char doc[] =
	" { \"nested\" : {\"ok\":false,\"n\":[1,{\"ok\":3}],\"s\":\"}\\\"{\"},"
	"\"arr\":[true,null,\"x\",-1.5e3,[]],"
	"\"ok\":true,\"n\":-42,\"f\":1.5,\"e\":1e3,"
	"\"s\":\"a\\\"b\\\\c\\/d\\n\\u00e9\\u20ac\\ud83d\\ude00x\","
	"\"esc\\u006bey\":7,\"empty\":\"\",\"obj\":{}} ";

static void test_reply_members(void)
{
	char err[256] = "";
	json_t *r = vt_ctl_parse_reply(doc, err, sizeof(err));
	json_int_t n = 0, k = 0;
	const char *s = NULL, *empty = NULL;
	int ok = 0;

	EXPECT(r);
	EXPECT(!err[0]);
	EXPECT(vt_ctl_reply_ok(r, err, sizeof(err)));
	EXPECT(json_unpack(r, "{s:b, s:I, s:s, s:s, s:I}", "ok", &ok, "n", &n, "s", &s, "empty", &empty,
			   "esckey", &k) == 0);   /* keys compared unescaped */
	EXPECT(ok);
	EXPECT_EQ(n, -42);
	EXPECT(s && !strcmp(s, "a\"b\\c/d\n\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80x"));
	EXPECT(empty && !empty[0]);
	EXPECT_EQ(k, 7);
	/* Types are checked: a fraction is no integer, a number no string. */
	EXPECT(json_unpack(r, "{s:I}", "f", &n) < 0);
	EXPECT(json_unpack(r, "{s:I}", "e", &n) < 0);
	EXPECT(json_unpack(r, "{s:s}", "n", &s) < 0);
	EXPECT(json_unpack(r, "{s:b}", "s", &ok) < 0);
	EXPECT(json_unpack(r, "{s:b}", "missing", &ok) < 0);
	/* A key inside a nested object is not a top-level member. */
	EXPECT(!json_object_get(r, "k"));
	EXPECT(json_is_false(json_object_get(json_object_get(r, "nested"), "ok")));
	EXPECT_EQ(json_array_size(json_object_get(r, "arr")), 5);
	EXPECT(json_is_array(json_array_get(json_object_get(r, "arr"), 4)));
	EXPECT(!json_array_get(json_object_get(r, "arr"), 5));
	json_decref(r);
}

/* Every byte of err is printable ASCII: a hostile reply's bytes must not
 * reach the terminal through an error message. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void expect_refused(const char *text, const char *why)
{
	char err[256] = "";
	json_t *r = vt_ctl_parse_reply(text, err, sizeof(err));

	EXPECT(!r);
	EXPECT_STR_HAS(err, why);
	EXPECT(printable(err));
	json_decref(r);
}

static void test_reply_malformed(void)
{
	char *deep;
	size_t n = 200000;

	expect_refused("", "the instance sent a reply that is not JSON (");
	expect_refused("ok", "not JSON");
	expect_refused("[1,2]", "the instance sent a reply that is not a JSON object");
	expect_refused("{\"ok\":tru}", "not JSON");
	expect_refused("{\"a\":\"unterminated,\"ok\":true", "not JSON");
	expect_refused("{\"a\":[1,2,\"ok\":true}", "not JSON");
	expect_refused("{\"s\":\"bad\\q\"}", "not JSON");
	expect_refused("{\"ok\":true} {\"ok\":false}", "not JSON");   /* one object per line */
	expect_refused("{\"ok\":true,}", "not JSON");
	expect_refused("{\"big\":99999999999999999999}", "not JSON");
	expect_refused("{\"s\":\"\\u0000\"}", "not JSON");
	expect_refused("{\"s\":\"a\xff\"}", "not JSON");              /* invalid UTF-8 */
	expect_refused("{\"\x1b[2J\":1}", "not JSON");                /* raw control bytes */
	expect_refused("{\x1b]0;owned\x07}", "not JSON");

	/* Nesting far past anything real: bounded, no stack blow-up. */
	deep = malloc(n + 8);
	EXPECT(deep);
	if (!deep)
		return;
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', n);
	deep[5 + n] = '\0';
	expect_refused(deep, "not JSON");
	free(deep);
}

/* vt_ctl_reply_ok's message for the reply text (which it refuses). */
static void expect_refusal(const char *text, const char *want)
{
	char err[256] = "";
	json_t *r = json_loads(text, 0, NULL);

	EXPECT(r);
	EXPECT(!vt_ctl_reply_ok(r, err, sizeof(err)));
	if (strcmp(err, want))
		printf("#   got \"%s\", want \"%s\"\n", err, want);
	EXPECT(!strcmp(err, want));
	json_decref(r);
}

static void test_reply_ok(void)
{
	char err[256];
	json_t *r;

	/* The instance's message, and its flags still there to read. */
	r = json_loads("{\"ok\":false,\"error\":\"line 9: no such line\",\"timeout\":true}", 0, NULL);
	EXPECT(!vt_ctl_reply_ok(r, err, sizeof(err)));
	EXPECT(!strcmp(err, "line 9: no such line"));
	EXPECT(json_is_true(json_object_get(r, "timeout")));
	json_decref(r);

	expect_refusal("{\"ok\":false}", "the instance refused without saying why");
	expect_refusal("{\"ok\":false,\"error\":7}", "the instance refused without saying why");
	/* No boolean "ok": the reply shown, in ASCII. */
	expect_refusal("{\"ok\":1,\"s\":\"\\u001b[2J\\u00e9\"}", "unexpected reply: {\"ok\":1,\"s\":\"\\u001B[2J\\u00E9\"}");
	expect_refusal("{\"error\":\"x\"}", "unexpected reply: {\"error\":\"x\"}");
	EXPECT(!vt_ctl_reply_ok(NULL, err, sizeof(err)));
	EXPECT(!strcmp(err, "unexpected reply: (none)"));

	r = json_loads("{\"ok\":true}", 0, NULL);
	EXPECT(vt_ctl_reply_ok(r, err, sizeof(err)));
	json_decref(r);
}

/* A peer on a real unix stream socket that reads the command line and
 * sends len bytes of reply, then hangs up (or, with hold, keeps the
 * connection open without a word more).  vt_ctl_call_json's result. */
static json_t *peer_says(const char *reply, size_t len, bool hold, char *err, size_t errlen)
{
	int sv[2];
	pid_t pid;
	json_t *r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "socketpair failed");
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		char c;
		close(sv[0]);
		do {
			if (read(sv[1], &c, 1) != 1)
				_exit(1);
		} while (c != '\n');
		for (size_t off = 0; off < len;) {
			ssize_t n = send(sv[1], reply + off, len - off, MSG_NOSIGNAL);
			if (n <= 0)
				_exit(0);   /* the client gave up on it: fine */
			off += (size_t)n;
		}
		if (hold)
			(void)!read(sv[1], &c, 1);   /* until the client closes */
		_exit(0);
	}
	close(sv[1]);
	r = pid < 0 ? NULL : vt_ctl_call_json(sv[0], "stats", 2000, err, errlen);
	close(sv[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	return r;
}

static void expect_peer_refused(const char *reply, bool hold, const char *why)
{
	char err[256] = "";
	json_t *r = peer_says(reply, strlen(reply), hold, err, sizeof(err));

	EXPECT(!r);
	EXPECT_STR_HAS(err, why);
	EXPECT(printable(err));
	json_decref(r);
}

static void test_call_json_socket(void)
{
	static const char good[] = "{\"ok\":true,\"queues\":[{\"queue\":0,\"used\":5}]}\n{\"ok\":false}\n";
	char err[256] = "";
	json_t *r;
	size_t huge = 5u << 20;
	char *big;

	/* One line read, one object: the second line is not this reply. */
	r = peer_says(good, sizeof(good) - 1, false, err, sizeof(err));
	EXPECT(r);
	EXPECT(vt_ctl_reply_ok(r, err, sizeof(err)));
	EXPECT_EQ(json_integer_value(json_object_get(json_array_get(json_object_get(r, "queues"), 0), "used")), 5);
	json_decref(r);

	expect_peer_refused("{\"ok\":true,\"n\":[1,2}\n", false, "the instance sent a reply that is not JSON (byte ");
	expect_peer_refused("[{\"ok\":true}]\n", false, "the instance sent a reply that is not a JSON object");
	expect_peer_refused("\x1b[31m\x1b]0;x\x07\n", false, "not JSON");
	/* Half a reply, then the peer hangs up; then silence: the timeout. */
	expect_peer_refused("{\"ok\":tr", false, "the instance closed the connection");
	expect_peer_refused("{\"ok\":tr", true, "timed out waiting for the instance's reply");

	/* A line longer than any reply (5 MiB of a valid-looking string). */
	big = malloc(huge);
	EXPECT(big);
	if (!big)
		return;
	memset(big, 'a', huge);
	memcpy(big, "{\"s\":\"", 6);
	memcpy(big + huge - 3, "\"}\n", 3);
	r = peer_says(big, huge, false, err, sizeof(err));
	EXPECT(!r);
	EXPECT_STR_HAS(err, "reply too long");
	free(big);
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	RUN(test_writer_nesting);
	RUN(test_writer_escaping);
	RUN(test_writer_too_deep);
	RUN(test_writer_roundtrip);
	RUN(test_reply_members);
	RUN(test_reply_malformed);
	RUN(test_reply_ok);
	RUN(test_call_json_socket);
	return tap_done();
}
