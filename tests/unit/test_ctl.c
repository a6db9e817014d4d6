/* The control socket: server on a loop in this process, raw clients
 * interleaved with vt_loop_run_once; the client library against a server in
 * a forked child; discovery with XDG_RUNTIME_DIR in a temp dir. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "tap.h"
#include "util/json.h"
#include "util/log.h"
#include "util/loop.h"

static char tmpdir[64];
static struct vt_ctl_req *held;   /* the request `later` deferred */
static int hook_runs;

/* ---- test commands ---- */

static void cmd_echo(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	struct vt_json *j = vt_ctl_json(r);

	(void)arg;
	vt_json_arr_begin(j, "args");
	for (int i = 0; i < argc; i++)
		vt_json_str(j, NULL, argv[i]);
	vt_json_arr_end(j);
}

static void cmd_boom(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	(void)argc, (void)argv, (void)arg;
	vt_ctl_fail(r, "it broke: %d", 42);
	vt_ctl_fail_flag(r, "timeout");
}

static void cmd_later(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	(void)argc, (void)argv, (void)arg;
	vt_json_str(vt_ctl_json(r), "said", "later");
	vt_ctl_defer(r);
	held = r;
}

static void cmd_now(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	(void)argc, (void)argv, (void)arg;
	vt_ctl_defer(r);
	vt_ctl_done(r);   /* deferring and finishing at once is a plain reply */
}

static void cmd_stats(struct vt_ctl_req *r, int argc, char **argv, void *arg)
{
	(void)argc, (void)argv, (void)arg;
	vt_ctl_stats_members(r);
}

static const struct vt_ctl_command test_cmds[] = {
	{ "echo", "WORD...", "the words back", cmd_echo },
	{ "stats", "", "the budgets' members", cmd_stats },
	{ "boom", "", "fails with a flag", cmd_boom },
	{ "later", "", "replies when the test says so", cmd_later },
	{ "now", "", "defers and completes at once", cmd_now },
};

static void info_extra(struct vt_json *j, void *arg)
{
	vt_json_str(j, "device", arg);
}

static void free_hook(void *arg)
{
	(void)arg;
	hook_runs++;
	if (held) {
		EXPECT(vt_ctl_req_gone(held));
		vt_ctl_done(held);
		held = NULL;
	}
}

/* ---- helpers ---- */

static void sock_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s.ctl", tmpdir, name);
}

static struct vt_ctl_server *new_server(struct vt_loop *l, const char *path, const char *name)
{
	char err[256] = "";
	struct vt_ctl_server *s = vt_ctl_server_new(l, path, name, err, sizeof(err));

	if (!s)
		printf("# server: %s\n", err);
	else
		vt_ctl_server_add(s, test_cmds, sizeof(test_cmds) / sizeof(test_cmds[0]), NULL);
	return s;
}

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void raw_send(struct vt_loop *l, int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			vt_loop_run_once(l, 10);   /* the server reads as the loop runs */
		else
			return;
	}
}

/* One reply line (malloc'd), pumping the loop for up to ms; NULL on
 * timeout or EOF. */
static char *reply_within(struct vt_loop *l, int fd, int ms)
{
	uint64_t end = vt_now_ns() + (uint64_t)ms * 1000000u;
	char buf[65536];

	do {
		vt_loop_run_once(l, 5);
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return NULL;
		if (n < 0)
			continue;
		char *nl = memchr(buf, '\n', (size_t)n);
		if (!nl)
			continue;
		size_t take = (size_t)(nl - buf) + 1;
		if (recv(fd, buf, take, 0) != (ssize_t)take)
			return NULL;
		buf[take - 1] = '\0';
		return strdup(buf);
	} while (vt_now_ns() < end);
	return NULL;
}

static char *reply(struct vt_loop *l, int fd)
{
	return reply_within(l, fd, 2000);
}

/* true when the server closed fd (after any pending bytes). */
static bool closed_within(struct vt_loop *l, int fd, int ms)
{
	uint64_t end = vt_now_ns() + (uint64_t)ms * 1000000u;
	char buf[65536];

	do {
		vt_loop_run_once(l, 5);
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
	} while (vt_now_ns() < end);
	return false;
}

/* A socket file nobody listens on: what a crashed instance leaves. */
static void make_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) < sizeof(sa.sun_path))
		memcpy(sa.sun_path, path, strlen(path) + 1);
	EXPECT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
}

static void pump(struct vt_loop *l, int ms)
{
	uint64_t end = vt_now_ns() + (uint64_t)ms * 1000000u;

	while (vt_now_ns() < end)
		vt_loop_run_once(l, 5);
}

static void expect_reply(struct vt_loop *l, int fd, const char *want)
{
	char *r = reply(l, fd);

	EXPECT_STR_HAS(r, want);
	free(r);
}

/* ---- tests ---- */

static void test_help_info_unknown(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int fd;

	sock_path("basic", path, sizeof(path));
	s = new_server(l, path, "basic");
	EXPECT(s);
	vt_ctl_set_info(s, info_extra, "gpio");
	fd = raw_connect(path);
	EXPECT(fd >= 0);
	raw_send(l, fd, "\n  \n\thelp\n");   /* empty lines get no reply */
	char *r = reply(l, fd);
	EXPECT_STR_HAS(r, "{\"ok\":true,\"commands\":[{\"name\":\"help\",\"args\":\"\",\"help\":");
	EXPECT_STR_HAS(r, "{\"name\":\"info\"");
	EXPECT_STR_HAS(r, "{\"name\":\"echo\",\"args\":\"WORD...\",\"help\":\"the words back\"}");
	free(r);

	raw_send(l, fd, "info\n");
	r = reply(l, fd);
	EXPECT_STR_HAS(r, "\"ok\":true,\"name\":\"basic\",\"pid\":");
	EXPECT_STR_HAS(r, "\"version\":");
	EXPECT_STR_HAS(r, "\"device\":\"gpio\"");
	char why[256];
	json_t *info = vt_ctl_parse_reply(r, why, sizeof(why));
	EXPECT(json_is_integer(json_object_get(info, "pid")));
	EXPECT_EQ(json_integer_value(json_object_get(info, "pid")), getpid());
	json_decref(info);
	free(r);

	raw_send(l, fd, "frobnicate 1 2\n");
	expect_reply(l, fd, "{\"ok\":false,\"error\":\"unknown command 'frobnicate' (try help)\"}");
	raw_send(l, fd, "echo  a\tb \r\n");
	expect_reply(l, fd, "{\"ok\":true,\"args\":[\"a\",\"b\"]}");
	raw_send(l, fd, "boom\n");
	expect_reply(l, fd, "{\"ok\":false,\"error\":\"it broke: 42\",\"timeout\":true}");
	raw_send(l, fd, "now\n");
	expect_reply(l, fd, "{\"ok\":true}");
	close(fd);
	vt_ctl_server_free(s);
	EXPECT(access(path, F_OK) < 0);   /* unlinked */
	vt_loop_free(l);
}

static void test_long_line(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128], big[5001];
	struct vt_ctl_server *s;
	int fd, ok_fd;

	sock_path("long", path, sizeof(path));
	s = new_server(l, path, "long");
	fd = raw_connect(path);
	ok_fd = raw_connect(path);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	raw_send(l, fd, big);
	expect_reply(l, fd, "{\"ok\":false,\"error\":\"line too long");
	EXPECT(closed_within(l, fd, 1000));
	/* A line of exactly the maximum is fine. */
	memset(big, ' ', 4096);
	memcpy(big + 4091, "help\n", 6);
	raw_send(l, ok_fd, big);
	expect_reply(l, ok_fd, "\"ok\":true");
	close(fd);
	close(ok_fd);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

static void test_two_clients(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int a, b;

	sock_path("two", path, sizeof(path));
	s = new_server(l, path, "two");
	a = raw_connect(path);
	b = raw_connect(path);
	raw_send(l, a, "echo fr");   /* half a line from a ... */
	pump(l, 20);
	raw_send(l, b, "echo b\n");  /* ... does not hold up b */
	expect_reply(l, b, "[\"b\"]");
	raw_send(l, a, "om-a\necho again\n");
	expect_reply(l, a, "[\"from-a\"]");
	expect_reply(l, a, "[\"again\"]");
	close(a);
	close(b);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

static void test_deferred(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int fd, other;

	sock_path("defer", path, sizeof(path));
	s = new_server(l, path, "defer");
	fd = raw_connect(path);
	other = raw_connect(path);
	held = NULL;
	raw_send(l, fd, "later\necho after\n");
	char *r = reply_within(l, fd, 100);
	EXPECT(!r);   /* neither reply: the connection waits for `later` */
	free(r);
	EXPECT(held && !vt_ctl_req_gone(held));
	raw_send(l, other, "echo meanwhile\n");   /* the instance is not blocked */
	expect_reply(l, other, "meanwhile");
	vt_ctl_done(held);
	held = NULL;
	expect_reply(l, fd, "{\"ok\":true,\"said\":\"later\"}");
	expect_reply(l, fd, "[\"after\"]");
	close(fd);
	close(other);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

static void test_deferred_client_gone(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int fd;

	sock_path("gone", path, sizeof(path));
	s = new_server(l, path, "gone");
	fd = raw_connect(path);
	held = NULL;
	raw_send(l, fd, "later\n");
	pump(l, 20);
	EXPECT(held && !vt_ctl_req_gone(held));
	close(fd);
	pump(l, 20);
	EXPECT(held && vt_ctl_req_gone(held));
	if (held)
		vt_ctl_done(held);   /* only frees (ASan checks) */
	held = NULL;
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

/* `echo later | socat - UNIX-CONNECT:...`: the client half-closes and still
 * waits for its reply. */
static void test_deferred_half_close(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int fd;

	sock_path("half", path, sizeof(path));
	s = new_server(l, path, "half");
	fd = raw_connect(path);
	held = NULL;
	raw_send(l, fd, "later");   /* no newline: EOF ends the line */
	shutdown(fd, SHUT_WR);
	pump(l, 20);
	EXPECT(held && !vt_ctl_req_gone(held));
	if (held)
		vt_ctl_done(held);
	held = NULL;
	expect_reply(l, fd, "\"said\":\"later\"");
	EXPECT(closed_within(l, fd, 1000));
	close(fd);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

static void test_free_with_pending(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128];
	struct vt_ctl_server *s;
	int fd;

	sock_path("pending", path, sizeof(path));
	s = new_server(l, path, "pending");
	vt_ctl_server_on_free(s, free_hook, NULL);
	fd = raw_connect(path);
	held = NULL;
	hook_runs = 0;
	raw_send(l, fd, "later\n");
	pump(l, 20);
	EXPECT(held);
	vt_ctl_server_free(s);   /* the hook finishes the request: no leak */
	EXPECT_EQ(hook_runs, 1);
	EXPECT(!held);
	close(fd);
	vt_loop_free(l);
}

static void test_socket_files(void)
{
	struct vt_loop *l = vt_loop_new();
	char dir[128], path[160], err[256];
	struct vt_ctl_server *s, *s2;
	struct stat st;
	int fd;

	/* A missing directory is created 0700; the socket is 0600. */
	snprintf(dir, sizeof(dir), "%s/sub", tmpdir);
	snprintf(path, sizeof(path), "%s/x.ctl", dir);
	s = new_server(l, path, "x");
	EXPECT(s);
	EXPECT(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700);
	EXPECT(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0600);

	/* A live instance is not replaced. */
	s2 = vt_ctl_server_new(l, path, "y", err, sizeof(err));
	EXPECT(!s2);
	EXPECT_STR_HAS(err, "instance x already running at ");
	EXPECT_STR_HAS(err, path);
	vt_ctl_server_free(s);

	/* A stale socket (a crashed instance) is. */
	make_stale(path);
	s = new_server(l, path, "x");
	EXPECT(s);
	fd = raw_connect(path);
	raw_send(l, fd, "info\n");
	expect_reply(l, fd, "\"name\":\"x\"");
	close(fd);
	vt_ctl_server_free(s);

	/* Anything else is left alone. */
	FILE *f = fopen(path, "w");
	fclose(f);
	s = vt_ctl_server_new(l, path, "x", err, sizeof(err));
	EXPECT(!s);
	EXPECT_STR_HAS(err, "not a socket");
	unlink(path);
	vt_loop_free(l);
}

/* Which sockets in the directory answer: stale ones do not (choosing one
 * by name or type is ctl/instance.c's, tested by tests/bats/instances.bats
 * against real serves). */
static void test_scan(void)
{
	struct vt_loop *l = vt_loop_new();
	char xdg[128], dir[160], pa[192], pb[192], dead[192], found[256], *names[8];
	struct vt_ctl_server *a, *b;
	int n;

	snprintf(xdg, sizeof(xdg), "%s/run", tmpdir);
	mkdir(xdg, 0700);
	setenv("XDG_RUNTIME_DIR", xdg, 1);
	EXPECT(vt_ctl_dir(dir, sizeof(dir)) == 0);
	EXPECT(!strcmp(dir, strcat(strcpy(found, xdg), "/vitool")));

	/* No directory yet: nothing runs. */
	EXPECT(vt_ctl_scan(dir, names, 8) == 0);

	EXPECT(vt_ctl_default_path("b", pb, sizeof(pb)) == 0);
	b = new_server(l, pb, "b");
	EXPECT(vt_ctl_default_path("a", pa, sizeof(pa)) == 0);
	a = new_server(l, pa, "a");
	/* A stale socket next to them does not count; other files neither. */
	snprintf(dead, sizeof(dead), "%s/dead.ctl", dir);
	make_stale(dead);
	n = vt_ctl_scan(dir, names, 8);
	EXPECT(n == 2);
	if (n == 2) {
		EXPECT(!strcmp(names[0], "a"));   /* sorted */
		EXPECT(!strcmp(names[1], "b"));
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	/* At most max. */
	n = vt_ctl_scan(dir, names, 1);
	EXPECT(n == 1);
	for (int i = 0; i < n; i++)
		free(names[i]);

	/* Empty XDG_RUNTIME_DIR: /tmp/vitool-UID. */
	setenv("XDG_RUNTIME_DIR", "", 1);
	EXPECT(vt_ctl_dir(found, sizeof(found)) == 0);
	snprintf(pa, sizeof(pa), "/tmp/vitool-%u", (unsigned)getuid());
	EXPECT(!strcmp(found, pa));
	setenv("XDG_RUNTIME_DIR", xdg, 1);

	vt_ctl_server_free(a);
	vt_ctl_server_free(b);
	unlink(dead);
	vt_loop_free(l);
}

/* The number KEY of the "control" object in a stats reply on fd. */
static long long control_stat(struct vt_loop *l, int fd, const char *key)
{
	char why[256];
	long long v = -1;

	raw_send(l, fd, "stats\n");
	char *r = reply(l, fd);
	json_t *j = r ? vt_ctl_parse_reply(r, why, sizeof(why)) : NULL;
	json_t *n = json_object_get(json_object_get(j, "control"), key);
	if (json_is_integer(n))
		v = json_integer_value(n);
	json_decref(j);
	free(r);
	return v;
}

/* A client that pipelines commands without reading their replies: past
 * VT_CTL_BACKLOG_MAX of them its commands wait (so it costs a bounded
 * buffer), everyone else is served meanwhile, and once it reads it gets
 * every reply: slowed down, never dropped (it used to be, at 1 MiB). */
static void test_slow_reader(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128], lines[5000];
	struct vt_ctl_server *s;
	int slow, fast;
	size_t sent = 0;
	uint64_t t0;

	sock_path("slow", path, sizeof(path));
	s = new_server(l, path, "slow");
	slow = raw_connect(path);
	fast = raw_connect(path);
	for (size_t i = 0; i < sizeof(lines); i += 5)
		memcpy(lines + i, "help\n", 5);
	/* As much as the sockets take in a second: the server stops taking
	 * once its backlog is full, and so do the kernel's buffers. */
	t0 = vt_now_ns();
	while (vt_now_ns() - t0 < 1000000000u) {
		ssize_t n = send(slow, lines + sent % sizeof(lines), sizeof(lines) - sent % sizeof(lines),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent += (size_t)n;
		vt_loop_run_once(l, 1);
	}
	size_t want = sent / 5;   /* every line is 5 bytes */
	EXPECT(want > VT_CTL_BACKLOG_MAX / 1000);   /* help replies are ~1 KB: past the backlog */
	raw_send(l, fast, "echo fast\n");
	expect_reply(l, fast, "[\"fast\"]");
	EXPECT(control_stat(l, fast, "backlog_waits") >= 1);
	EXPECT_EQ(control_stat(l, fast, "backlog_max"), VT_CTL_BACKLOG_MAX);
	/* Now it reads: every reply comes, each whole. */
	char buf[65536];
	size_t nl = 0;
	t0 = vt_now_ns();
	while (nl < want && vt_now_ns() - t0 < 20000000000u) {
		vt_loop_run_once(l, 1);
		ssize_t n = recv(slow, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		for (ssize_t i = 0; i < n; i++)
			nl += buf[i] == '\n';
	}
	EXPECT_EQ(nl, want);
	close(slow);
	close(fast);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

/* Commands with an empty synopsis refuse arguments, the built-in ones too;
 * the word limit is VT_CTL_WORDS_MAX, the command included, as its
 * message says. */
static void test_arguments_and_words(void)
{
	struct vt_loop *l = vt_loop_new();
	char path[128], line[VT_CTL_WORDS_MAX * 2 + 8];
	struct vt_ctl_server *s;
	int fd;

	sock_path("words", path, sizeof(path));
	s = new_server(l, path, "words");
	fd = raw_connect(path);
	static const char *const no_args[] = { "help me", "info x", "boom x" };
	for (size_t i = 0; i < sizeof(no_args) / sizeof(no_args[0]); i++) {
		char want[96];
		snprintf(line, sizeof(line), "%s\n", no_args[i]);
		snprintf(want, sizeof(want), "{\"ok\":false,\"error\":\"%.*s takes no arguments\"}",
			 (int)strcspn(no_args[i], " "), no_args[i]);
		raw_send(l, fd, line);
		expect_reply(l, fd, want);
	}
	/* echo and VT_CTL_WORDS_MAX - 1 words: accepted. */
	size_t n = (size_t)snprintf(line, sizeof(line), "echo");
	for (int i = 1; i < VT_CTL_WORDS_MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, " w");
	snprintf(line + n, sizeof(line) - n, "\n");
	raw_send(l, fd, line);
	expect_reply(l, fd, "{\"ok\":true,\"args\":[\"w\",");
	/* One more: refused, with the limit it has. */
	snprintf(line + n, sizeof(line) - n, " w\n");
	raw_send(l, fd, line);
	expect_reply(l, fd, "{\"ok\":false,\"error\":\"too many words (at most 128)\"}");
	EXPECT_EQ(control_stat(l, fd, "too_many_words"), 1);
	EXPECT_EQ(control_stat(l, fd, "words_max"), VT_CTL_WORDS_MAX);
	close(fd);
	vt_ctl_server_free(s);
	vt_loop_free(l);
}

/* The client library against a server in another process. */
static pid_t spawn_server(const char *path, const char *name)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		struct vt_loop *l = vt_loop_new();
		struct vt_ctl_server *s = new_server(l, path, name);
		close(p[0]);
		c = s ? 'y' : 'n';
		(void)!write(p[1], &c, 1);
		close(p[1]);
		if (s)
			vt_loop_run(l);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1 || c != 'y') {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

static void test_client_lib(void)
{
	char path[128], err[256];
	char *r = NULL;
	pid_t pid;
	int fd;

	sock_path("lib", path, sizeof(path));
	pid = spawn_server(path, "lib");
	EXPECT(pid > 0);
	fd = vt_ctl_connect(path, err, sizeof(err));
	EXPECT(fd >= 0);
	EXPECT(vt_ctl_call(fd, "info", &r, 2000, err, sizeof(err)) == 0);
	EXPECT_STR_HAS(r, "\"name\":\"lib\"");
	free(r);
	/* The parsed replies every client reads. */
	json_t *j = vt_ctl_call_json(fd, "info", 2000, err, sizeof(err));
	EXPECT(vt_ctl_reply_ok(j, err, sizeof(err)));
	const char *name = json_string_value(json_object_get(j, "name"));
	EXPECT(name && !strcmp(name, "lib"));
	EXPECT(json_is_integer(json_object_get(j, "pid")) && json_integer_value(json_object_get(j, "pid")) == pid);
	json_decref(j);
	j = vt_ctl_call_json(fd, "nope", 2000, err, sizeof(err));
	EXPECT(j);
	EXPECT(!vt_ctl_reply_ok(j, err, sizeof(err)));
	EXPECT(!strcmp(err, "unknown command 'nope' (try help)"));
	json_decref(j);
	/* A refusal's flags stay readable next to its message. */
	j = vt_ctl_call_json(fd, "boom", 2000, err, sizeof(err));
	EXPECT(!vt_ctl_reply_ok(j, err, sizeof(err)));
	EXPECT(!strcmp(err, "it broke: 42"));
	EXPECT(json_is_true(json_object_get(j, "timeout")));
	json_decref(j);
	/* The connection is still in step after parsed calls. */
	j = vt_ctl_call_json(fd, "echo x y", 2000, err, sizeof(err));
	EXPECT(vt_ctl_reply_ok(j, err, sizeof(err)));
	EXPECT_EQ(json_array_size(json_object_get(j, "args")), 2);
	json_decref(j);
	EXPECT(!vt_ctl_call_json(fd, "later", 200, err, sizeof(err)));
	EXPECT_STR_HAS(err, "timed out");
	close(fd);
	fd = vt_ctl_connect(path, err, sizeof(err));
	EXPECT(fd >= 0);
	EXPECT(vt_ctl_call(fd, "later", &r, 200, err, sizeof(err)) < 0);
	EXPECT_STR_HAS(err, "timed out");
	EXPECT(!r);
	close(fd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* The killed instance left its socket behind: stale. */
	EXPECT(vt_ctl_connect(path, err, sizeof(err)) < 0);
	EXPECT_STR_HAS(err, path);
	EXPECT_STR_HAS(err, "stale");
	unlink(path);
	EXPECT(vt_ctl_connect(path, err, sizeof(err)) < 0);
	EXPECT_STR_HAS(err, "no vitool instance at ");
}

int main(void)
{
	vt_log_set_quiet(1);
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vt-ctl-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_help_info_unknown);
	RUN(test_long_line);
	RUN(test_two_clients);
	RUN(test_deferred);
	RUN(test_deferred_client_gone);
	RUN(test_deferred_half_close);
	RUN(test_free_with_pending);
	RUN(test_socket_files);
	RUN(test_scan);
	RUN(test_slow_reader);
	RUN(test_arguments_and_words);
	RUN(test_client_lib);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
	return tap_done();
}
