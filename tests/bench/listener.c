/* What `vitool serve`'s start-up time and idle memory are compared with in
 * `make bench`: the least a vhost-user back-end does before a front-end
 * can talk to it.  Linked with the same libraries as vitool (the Makefile
 * links it with vitool's, all of them loaded), it listens on a Unix
 * socket, accepts a connection and answers every message with a u64 0
 * reply, until the peer leaves; then it accepts the next.
 * A measurement's baseline, not a back-end.
 *   listener SOCKET */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Reads exactly n bytes; false at EOF or on an error. */
static int read_all(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return 0;
		p += r;
		n -= (size_t)r;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (argc != 2 || strlen(argv[1]) >= sizeof(a.sun_path) || s < 0) {
		fprintf(stderr, "usage: listener SOCKET\n");
		return 2;
	}
	strcpy(a.sun_path, argv[1]);
	unlink(argv[1]);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0) {
		perror("listener");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		uint32_t hdr[3];
		uint8_t payload[4096];
		while (read_all(c, hdr, sizeof(hdr)) && hdr[2] <= sizeof(payload) && read_all(c, payload, hdr[2])) {
			struct { uint32_t request, flags, size; uint64_t v; } __attribute__((packed)) reply = {
				hdr[0], 0x1 | 0x4, 8, 0,
			};
			if (write(c, &reply, sizeof(reply)) != (ssize_t)sizeof(reply))
				break;
		}
		close(c);
	}
}
