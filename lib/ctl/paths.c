/* Where control sockets live, and which of them answer (instance.c asks
 * those for their names and devices). */
#include "ctl/ctl.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int vt_ctl_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (xdg && *xdg)
		n = snprintf(buf, len, "%s/vitool", xdg);
	else
		n = snprintf(buf, len, "/tmp/vitool-%u", (unsigned)getuid());
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int vt_ctl_default_path(const char *name, char *buf, size_t len)
{
	char dir[256];
	int n;

	if (vt_ctl_dir(dir, sizeof(dir)) < 0)
		return -1;
	n = snprintf(buf, len, "%s/%s.ctl", dir, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Does something accept connections at path?  A stale socket file (its
 * instance crashed) refuses. */
static bool answers(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return false;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	/* EAGAIN: the backlog is full, the instance is alive but busy. */
	r = r == 0 || errno == EAGAIN;
	close(fd);
	return r;
}

static bool is_ctl_name(const char *name)
{
	size_t n = strlen(name);

	return n > 4 && !strcmp(name + n - 4, ".ctl") && name[0] != '.';
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vt_ctl_scan(const char *dir, char **found, int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n = 0;

	if (!d)
		return errno == ENOENT ? 0 : -1;
	while ((e = readdir(d)) && n < max) {
		if (!is_ctl_name(e->d_name))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (!answers(path))
			continue;
		found[n] = strndup(e->d_name, strlen(e->d_name) - 4);
		if (found[n])
			n++;
	}
	closedir(d);
	qsort(found, (size_t)n, sizeof(found[0]), by_name);
	return n;
}
