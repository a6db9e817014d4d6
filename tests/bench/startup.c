/* Start-up time and idle memory of a vhost-user back-end, for `make
 * bench`: forks and execs CMD, then tries to connect to SOCKET every 50 us
 * and sends GET_FEATURES; the start-up time is from the fork to the
 * reply.  With the connection open and nothing asked, it reads the
 * child's VmRSS, then ends it (SIGTERM, waited for).  Prints
 *   {"startup_ns": T, "rss_kib": R}
 * A measurement, not a test.
 *   startup SOCKET CMD [ARGS...] */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long rss_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int rc = 1;

	if (argc < 3 || strlen(argv[1]) >= sizeof(a.sun_path)) {
		fprintf(stderr, "usage: startup SOCKET CMD [ARGS...]\n");
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	int s = -1;
	uint64_t deadline = t0 + 10000000000ull;
	while (now_ns() < deadline) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0)
			break;
		close(s);
		s = -1;
		struct timespec d = { 0, 50000 };
		nanosleep(&d, NULL);
	}
	uint32_t get_features[3] = { 1, 0x1, 0 };   /* VHOST_USER_GET_FEATURES, version 1 */
	uint8_t reply[20];
	size_t got = 0;
	if (s >= 0 && write(s, get_features, sizeof(get_features)) == (ssize_t)sizeof(get_features)) {
		while (got < sizeof(reply)) {
			ssize_t r = read(s, reply + got, sizeof(reply) - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
	}
	uint64_t t1 = now_ns();
	if (got == sizeof(reply)) {
		/* Idle: connected, nothing asked.  A moment for the child to
		 * finish what the reply started. */
		struct timespec d = { 0, 20000000 };
		nanosleep(&d, NULL);
		printf("{\"startup_ns\": %llu, \"rss_kib\": %ld}\n", (unsigned long long)(t1 - t0), rss_kib(pid));
		rc = 0;
	} else {
		fprintf(stderr, "startup: %s: no answer to GET_FEATURES\n", argv[2]);
	}
	if (s >= 0)
		close(s);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return rc;
}
