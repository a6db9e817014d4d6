/* The shared listening socket (util/listen.c): stale takeover, refusals,
 * pause/resume, and the accept backoff when the process is out of file
 * descriptors (issue 16 item 1: the loop used to spin at 100% CPU writing
 * one log line per attempt). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tap.h"
#include "util/listen.h"
#include "util/log.h"
#include "util/loop.h"

static const struct vt_listen_conf conf = {
	.what = "test", .mode = 0600, .backlog = 4, .accept_flags = SOCK_CLOEXEC | SOCK_NONBLOCK,
};

static int accepted;
static unsigned log_lines, log_accept_err, log_again;

static void on_conn(void *arg, int fd)
{
	(void)arg;
	accepted++;
	close(fd);
}

static void sink(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	log_lines++;
	log_accept_err += strstr(msg, "accept on") && strstr(msg, "pausing") ? 1 : 0;
	log_again += strstr(msg, "accepting on") ? 1 : 0;
}

static void temp_path(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/vt-listen-%s-%d.sock", tag, (int)getpid());
	unlink(buf);
}

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(a.sun_path, path);
	if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(s);
		return -1;
	}
	return s;
}

/* Runs the loop for ms milliseconds; returns how many callbacks ran. */
static int run_for(struct vt_loop *loop, int ms)
{
	uint64_t end = vt_now_ns() + (uint64_t)ms * 1000000u;
	int n = 0;

	while (vt_now_ns() < end) {
		int r = vt_loop_run_once(loop, vt_ms_until(end));
		if (r > 0)
			n += r;
	}
	return n;
}

static void test_create_and_refuse(void)
{
	struct vt_loop *loop = vt_loop_new();
	char path[108], err[256], longp[200];
	int rc;

	temp_path(path, sizeof(path), "a");
	struct vt_listener *l = vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err));
	EXPECT(l != NULL);
	/* A live one is refused, its file left alone. */
	EXPECT(vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err)) == NULL);
	EXPECT_EQ(rc, -EADDRINUSE);
	EXPECT_STR_HAS(err, "another process is listening there");
	EXPECT(access(path, F_OK) == 0);
	vt_listener_free(l);
	EXPECT(access(path, F_OK) < 0);

	/* A stale socket (nobody listening) is taken over. */
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(a.sun_path, path);
	EXPECT_EQ(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	close(s);
	l = vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err));
	EXPECT(l != NULL);
	vt_listener_free(l);

	/* Not a socket: refused and kept. */
	close(open(path, O_CREAT | O_WRONLY, 0600));
	EXPECT(vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err)) == NULL);
	EXPECT_EQ(rc, -EEXIST);
	EXPECT_STR_HAS(err, "not a socket");
	EXPECT(access(path, F_OK) == 0);
	unlink(path);

	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	EXPECT(vt_listen_unix(loop, longp, &conf, on_conn, NULL, &rc, err, sizeof(err)) == NULL);
	EXPECT_EQ(rc, -ENAMETOOLONG);
	/* "" would bind an abstract socket nobody can name. */
	EXPECT(vt_listen_unix(loop, "", &conf, on_conn, NULL, &rc, err, sizeof(err)) == NULL);
	EXPECT_EQ(rc, -EINVAL);
	EXPECT_STR_HAS(err, "empty socket path");
	vt_loop_free(loop);
}

static void test_pause_resume(void)
{
	struct vt_loop *loop = vt_loop_new();
	char path[108], err[256];
	int rc;

	temp_path(path, sizeof(path), "p");
	struct vt_listener *l = vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err));
	accepted = 0;
	vt_listener_pause(l);
	int c = connect_to(path);
	EXPECT(c >= 0);
	run_for(loop, 50);
	EXPECT_EQ(accepted, 0);   /* waits in the backlog */
	EXPECT_EQ(vt_listener_resume(l), 0);
	run_for(loop, 50);
	EXPECT_EQ(accepted, 1);
	close(c);
	vt_listener_free(l);
	vt_loop_free(loop);
}

static void test_backoff_when_out_of_fds(void)
{
	struct vt_loop *loop = vt_loop_new();
	char path[108], err[256];
	struct rlimit old, lim;
	int rc, fds[256], nfds = 0;

	temp_path(path, sizeof(path), "b");
	struct vt_listener *l = vt_listen_unix(loop, path, &conf, on_conn, NULL, &rc, err, sizeof(err));
	int c = connect_to(path);
	EXPECT(l != NULL && c >= 0);

	/* Use up every descriptor below a low limit. */
	getrlimit(RLIMIT_NOFILE, &old);
	lim = old;
	lim.rlim_cur = 64;
	EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &lim), 0);
	for (int fd; nfds < 256 && (fd = dup(0)) >= 0;)
		fds[nfds++] = fd;
	EXPECT(errno == EMFILE);

	accepted = 0;
	log_lines = log_accept_err = log_again = 0;
	vt_log_verbosity = VT_LOG_INFO;
	vt_log_set_sink(sink, NULL);
	/* A spinning loop runs its callback tens of thousands of times in
	 * 300 ms; backing off every 100 ms, a handful. */
	int calls = run_for(loop, 300);
	EXPECT(calls <= 12);
	EXPECT_EQ(accepted, 0);
	EXPECT_EQ(log_accept_err, 1);   /* one line per burst */
	struct vt_listen_stats st;
	vt_listener_stats(l, &st);
	EXPECT(st.failed >= 2 && st.failed <= 6);
	EXPECT_EQ(st.backoffs, st.failed);

	/* Descriptors free again: the waiting connection is accepted. */
	while (nfds > 0)
		close(fds[--nfds]);
	setrlimit(RLIMIT_NOFILE, &old);
	run_for(loop, 250);
	EXPECT_EQ(accepted, 1);
	EXPECT_EQ(log_again, 1);
	EXPECT_EQ(log_accept_err, 1);
	vt_log_set_sink(NULL, NULL);
	vt_log_verbosity = VT_LOG_WARN;
	printf("# %d callbacks in 300 ms, %u log lines\n", calls, log_lines);
	close(c);
	vt_listener_free(l);
	vt_loop_free(loop);
}

int main(void)
{
	RUN(test_create_and_refuse);
	RUN(test_pause_resume);
	RUN(test_backoff_when_out_of_fds);
	return tap_done();
}
