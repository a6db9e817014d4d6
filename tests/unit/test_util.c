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

int main(void)
{
	RUN(loop_timers_fire_once_in_order);
	RUN(loop_fd_callback_can_delete_itself);
	RUN(strbuf_truncates_with_marker);
	RUN(strbuf_hex_limits_bytes);
	RUN(parse_rejects_junk_and_range);
	RUN(log_records_last_message);
	return tap_done();
}
