/* Requests per second of a drive -> serve i2c loop: forks and execs
 * `vitool serve i2c` (the binary under test, $VITOOL) with one 24c02 at
 * 0x50, plays the front-end in this process and runs one-request
 * transfers (write 1 byte of word address, read 2) back to back for a few
 * seconds.  Prints "N requests in S s: R requests/s", and the serve
 * process's CPU time per request (user + system, from getrusage once it
 * exited): on a busy machine the wall-clock rate is noisy, the CPU cost
 * much less so.  A measurement, not a test: nothing here asserts a time.
 *   tests/bench/run.sh [SECONDS] [extra serve args...] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "drivers/i2c.h"
#include "util/loop.h"

int main(int argc, char **argv)
{
	const char *vitool = getenv("VITOOL");
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	char sock[108], *words[] = { "w1@0x50", "0x00", "r2" };
	struct vt_frontend fe;
	struct vt_i2c_xfer x = { .n = 0 };
	char err[256];

	if (!vitool) {
		fprintf(stderr, "i2c_rate: set VITOOL\n");
		return 2;
	}
	snprintf(sock, sizeof(sock), "/tmp/vt-bench-%d.sock", (int)getpid());
	pid_t pid = fork();
	if (pid == 0) {
		char *av[32] = { (char *)vitool, "serve", "i2c", "--socket", sock, "--target", "0x50=24c02" };
		int n = 7;
		for (int i = 2; i < argc && n < 31; i++)
			av[n++] = argv[i];
		av[n] = NULL;
		execv(vitool, av);
		_exit(127);
	}
	memset(&fe, 0, sizeof(fe));
	if (vt_fe_connect(&fe, sock, 5000) < 0 || vt_i2c_driver_start(&fe, 64, false) < 0) {
		fprintf(stderr, "i2c_rate: %s\n", fe.err);
		kill(pid, SIGTERM);
		return 1;
	}
	if (vt_i2c_parse_ops(words, 3, &x, err, sizeof(err)) < 0) {
		fprintf(stderr, "i2c_rate: %s\n", err);
		return 1;
	}
	uint64_t t0 = vt_now_ns(), end = t0 + (uint64_t)(secs * 1e9), n = 0, now;
	do {
		if (vt_i2c_transfer(&fe, &x, false, 3000) != 0) {
			fprintf(stderr, "i2c_rate: transfer failed: %s\n", fe.err);
			break;
		}
		n += x.n;
		now = vt_now_ns();
	} while (now < end);
	double s = (double)(now - t0) / 1e9;
	vt_fe_stop(&fe);
	vt_i2c_xfer_free(&x);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     ru.ru_stime.tv_usec / 1e6;
	printf("%llu requests in %.2f s: %.0f requests/s; serve: %.2f us CPU per request\n",
	       (unsigned long long)n, s, (double)n / s, n ? cpu * 1e6 / (double)n : 0.0);
	unlink(sock);
	return 0;
}
