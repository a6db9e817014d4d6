/* libFuzzer target: the control socket's line protocol (lib/ctl/server.c)
 * and the commands behind it, as a gpio instance of `vitool serve` has
 * them: help, info, stats, inflight, trace, trace-stats, fault, release,
 * lines and inject, whose arguments are parsed there (lib/ctl/, the _cmds files).
 * The input is what one client sends on one connection (lines, binary,
 * NULs, over-long lines, too many words); its replies are read and
 * dropped.  A real server on a real socket in a temporary directory. */
#include "fuzz.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl/backend_cmds.h"
#include "ctl/ctl.h"
#include "ctl/fault_cmds.h"
#include "ctl/gpio_cmds.h"
#include "ctl/trace_cmds.h"
#include "devices/gpio.h"
#include "devices/registry.h"
#include "fault/fault.h"
#include "hw/gpio_chip.h"
#include "trace/recorder.h"
#include "util/loop.h"
#include "vhost/backend.h"

static struct vt_loop *loop;
static char path[128];

static void setup(void)
{
	char err[256], dir[] = "/tmp/vitool-fuzz-ctl-XXXXXX";

	fuzz_init();
	loop = vt_loop_new();
	if (!loop || !mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/gpio.ctl", dir);
	struct vt_gpio_chip *chip = vt_gpio_sim_new(4, "led,button,a,b", err, sizeof(err));
	void *dev = chip ? vt_gpio_dev_new(chip) : NULL;
	struct vt_backend *b = dev ? vt_backend_new(loop, &vt_model_gpio, dev) : NULL;
	const struct vt_device_type *t = vt_device_find("gpio");
	struct vt_ctl_server *s = b ? vt_ctl_server_new(loop, path, "gpio", err, sizeof(err)) : NULL;
	if (!s || !t)
		abort();
	struct vt_trace_source src;
	vt_backend_trace_source(b, &src);
	struct vt_recorder *rec = vt_recorder_new(loop, &src, NULL);
	struct vt_fault_set *fs = vt_fault_set_new(loop, b, t);
	if (!rec || !fs)
		abort();
	vt_ctl_add_faults(s, b, fs, t);
	vt_ctl_add_trace(s, rec);
	vt_ctl_add_gpio(s, dev, loop);
}

static int connect_ctl(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[65536];
	size_t off = 0;

	if (!loop)
		setup();
	int fd = connect_ctl();
	/* Send it all, reading replies meanwhile; then half-close, as
	 * `echo ... | socat` does, and read until the server closes. */
	for (int round = 0; round < 2000; round++) {
		if (off < size) {
			ssize_t n = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n > 0)
				off += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				break;
			if (off == size)
				shutdown(fd, SHUT_WR);
		} else if (!size) {
			shutdown(fd, SHUT_WR);
		}
		vt_loop_run_once(loop, 0);
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN))
			break;
	}
	close(fd);
	vt_loop_run_once(loop, 0);   /* the server sees the close */
	return 0;
}
