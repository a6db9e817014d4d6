/* util: event loop, line buffer truncation marker, strict number parsing. */
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "tap.h"
#include "util/log.h"
#include "util/loop.h"
#include "util/parse.h"
#include "util/strbuf.h"

static int fired;

static void on_timer(struct vt_loop *l, void *arg)
{
	(void)l;
	fired += (int)(intptr_t)arg;
}

static void loop_timers_fire_once_in_order(void)
{
	struct vt_loop *l = vt_loop_new();
	struct vt_timer *t;

	fired = 0;
	vt_loop_timer(l, 1000000, on_timer, (void *)1);     /* 1 ms */
	t = vt_loop_timer(l, 2000000, on_timer, (void *)100);
	vt_loop_timer_cancel(l, t);
	for (int i = 0; i < 20 && fired == 0; i++)
		vt_loop_run_once(l, 50);
	EXPECT_EQ(fired, 1);
	vt_loop_run_once(l, 10);   /* cancelled timer never fires; one-shot stays fired */
	EXPECT_EQ(fired, 1);
	vt_loop_free(l);
}

static int reads;

static void on_efd(struct vt_loop *l, int fd, uint32_t ev, void *arg)
{
	uint64_t v;

	(void)ev;
	(void)arg;
	if (read(fd, &v, sizeof(v)) == sizeof(v))
		reads++;
	vt_loop_del_fd(l, fd);   /* deleting ourselves inside the callback is allowed */
}

static void loop_fd_callback_can_delete_itself(void)
{
	struct vt_loop *l = vt_loop_new();
	int efd = eventfd(0, EFD_NONBLOCK);
	uint64_t one = 1;

	reads = 0;
	EXPECT_EQ(vt_loop_add_fd(l, efd, EPOLLIN, on_efd, NULL), 0);
	EXPECT(vt_loop_add_fd(l, efd, EPOLLIN, on_efd, NULL) < 0);  /* twice: refused */
	EXPECT_EQ(write(efd, &one, sizeof(one)), (long)sizeof(one));
	EXPECT_EQ(vt_loop_run_once(l, 100), 1);
	EXPECT_EQ(reads, 1);
	EXPECT_EQ(write(efd, &one, sizeof(one)), (long)sizeof(one));
	EXPECT_EQ(vt_loop_run_once(l, 20), 0);   /* deleted: no callback */
	EXPECT_EQ(reads, 1);
	close(efd);
	vt_loop_free(l);
}

static void strbuf_truncates_with_marker(void)
{
	struct vt_sb sb;
	const char *s;
	size_t n;

	vt_sb_init(&sb);
	vt_sb_printf(&sb, "a=%d", 5);
	EXPECT(!strcmp(vt_sb_str(&sb), "a=5"));
	for (int i = 0; i < 400; i++)
		vt_sb_printf(&sb, " %04d", i);
	s = vt_sb_str(&sb);
	n = strlen(s);
	EXPECT(n < VT_SB_SIZE);
	EXPECT(n > 4 && !strcmp(s + n - 4, " [|]"));
}

static void strbuf_hex_limits_bytes(void)
{
	struct vt_sb sb;
	uint8_t b[] = { 0x00, 0x10, 0xff, 0x7f };

	vt_sb_init(&sb);
	vt_sb_hex(&sb, b, 4, 3);
	EXPECT(!strcmp(vt_sb_str(&sb), "00 10 ff ..."));
}

static void parse_rejects_junk_and_range(void)
{
	uint64_t v;
	unsigned u;

	EXPECT(vt_parse_u64("0x50", 0x7f, &v) && v == 0x50);
	EXPECT(vt_parse_u64("80", 100, &v) && v == 80);
	EXPECT(!vt_parse_u64("0x80", 0x7f, &v));
	EXPECT(!vt_parse_u64("-1", UINT64_MAX, &v));
	EXPECT(!vt_parse_u64("12abc", 1000, &v));
	EXPECT(!vt_parse_u64("", 1000, &v));
	EXPECT(!vt_parse_u64("99999999999999999999999", UINT64_MAX, &v));
	EXPECT(vt_parse_uint("255", 255, &u) && u == 255);
	EXPECT(!vt_parse_uint("256", 255, &u));
}

static void log_records_last_message(void)
{
	vt_log_set_quiet(1);
	vt_debug("queue %d stopped: %s", 3, "why");
	EXPECT(!strcmp(vt_log_last(), "queue 3 stopped: why"));
}

/* The tee of a daemon (vt_daemon_log_to): what it gets at which -v, and a
 * tee that logs itself is not called again for its own line. */
static struct {
	int n;
	int level[8];
	char msg[8][64];
} teed;

static void tee_fn(void *arg, int level, const char *msg)
{
	int i = teed.n++;

	EXPECT(arg == &teed);
	if (i >= 8)
		return;
	teed.level[i] = level;
	snprintf(teed.msg[i], sizeof(teed.msg[0]), "%s", msg);
	/* A long line of its own: log.c grows its buffer, msg must stay. */
	vt_err("tee trouble %0600d", 1);
	EXPECT(!strncmp(msg, teed.msg[i], sizeof(teed.msg[0]) - 1));
}

static void log_tee_gets_info_and_what_prints(void)
{
	vt_log_set_quiet(1);
	vt_log_set_tee(VT_LOG_INFO, tee_fn, &teed);
	vt_warn("gpio: line %u is an output", 3);
	vt_info("front-end connected");
	vt_debug("not at the default verbosity");
	vt_log_verbosity = VT_LOG_DEBUG;
	vt_debug("at -vv");
	vt_log_verbosity = VT_LOG_WARN;
	vt_log_set_tee(VT_LOG_ERR, NULL, NULL);
	vt_err("after the tee is gone");
	/* Each line once: the tee's own vt_err lines never came back. */
	EXPECT_EQ(teed.n, 3);
	EXPECT_EQ(teed.level[0], VT_LOG_WARN);
	EXPECT(!strcmp(teed.msg[0], "gpio: line 3 is an output"));
	EXPECT_EQ(teed.level[1], VT_LOG_INFO);
	EXPECT(!strcmp(teed.msg[1], "front-end connected"));
	EXPECT_EQ(teed.level[2], VT_LOG_DEBUG);
	EXPECT(!strcmp(teed.msg[2], "at -vv"));
	EXPECT(!strcmp(vt_log_last(), "after the tee is gone"));
}

int main(void)
{
	RUN(loop_timers_fire_once_in_order);
	RUN(loop_fd_callback_can_delete_itself);
	RUN(strbuf_truncates_with_marker);
	RUN(strbuf_hex_limits_bytes);
	RUN(parse_rejects_junk_and_range);
	RUN(log_records_last_message);
	RUN(log_tee_gets_info_and_what_prints);
	return tap_done();
}
