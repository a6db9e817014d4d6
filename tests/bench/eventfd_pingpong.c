/* The physical limit of the notification path `make bench` measures the
 * drive -> serve round trip against: two processes bouncing one eventfd
 * each way, a blocking read and a write per side per round trip (the same
 * system calls an unbatched request needs at best: the front-end's kick
 * and its sleep, the back-end's sleep and its call).  Prints
 *   {"roundtrips": N, "elapsed_ns": T, "roundtrips_per_s": R}
 * A measurement, not a test.
 *   eventfd_pingpong [SECONDS] */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	int ping = eventfd(0, EFD_CLOEXEC), pong = eventfd(0, EFD_CLOEXEC);
	uint64_t v = 1, n = 0;

	if (ping < 0 || pong < 0 || secs <= 0) {
		fprintf(stderr, "usage: eventfd_pingpong [SECONDS]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		/* The back-end's side: wait for a kick, call back. */
		for (;;) {
			if (read(ping, &v, sizeof(v)) != sizeof(v))
				_exit(1);
			v = 1;
			if (write(pong, &v, sizeof(v)) != sizeof(v))
				_exit(1);
		}
	}
	uint64_t t0 = now_ns(), end = t0 + (uint64_t)(secs * 1e9), t = t0;
	do {
		v = 1;
		if (write(ping, &v, sizeof(v)) != sizeof(v) || read(pong, &v, sizeof(v)) != sizeof(v))
			break;
		n++;
	} while ((t = now_ns()) < end);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	printf("{\"roundtrips\": %llu, \"elapsed_ns\": %llu, \"roundtrips_per_s\": %.0f}\n", (unsigned long long)n,
	       (unsigned long long)(t - t0), (double)n * 1e9 / (double)(t - t0));
	return 0;
}
