/* Where the console keeps its history (see console.h): the XDG base
 * directory spec's state directory, which is for exactly this ("actions
 * history (logs, history, recently used files, ...)"). */
#include "console/console.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* mkdir -p for the directories of path (mode 0700: a history says what
 * someone did). */
static int make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int r = mkdir(path, 0700);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	return 0;
}

int vt_console_history_path(char *buf, size_t len)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	/* The spec: a relative path is invalid and is ignored. */
	if (state && state[0] == '/')
		n = snprintf(buf, len, "%s/vitool/history", state);
	else if (home && home[0] == '/')
		n = snprintf(buf, len, "%s/.local/state/vitool/history", home);
	else
		return -1;
	if (n < 0 || (size_t)n >= len)
		return -1;
	return make_dirs(buf);
}
