/* A temporary directory removed on every exit path (see tmpdir.h). */
#include "util/tmpdir.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FILES 4
#define PATH_BYTES 320

static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT };

/* Fixed arrays: the signal handler may neither allocate nor lock. */
static char dir[PATH_BYTES];
static char files[MAX_FILES][PATH_BYTES];
static unsigned nfiles;
static volatile pid_t child;
static bool installed;

/* Waits up to ms for the child, polling: waitpid alone could hang on a
 * child that ignores SIGTERM. */
static bool reaped_within(pid_t pid, int ms)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int t = 0; t < ms; t += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno == ECHILD))
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

static void cleanup(void)
{
	pid_t pid = child;
	int saved = errno;

	child = 0;
	if (pid > 0) {
		kill(pid, SIGTERM);
		if (!reaped_within(pid, 2000)) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
	}
	if (dir[0]) {
		for (unsigned i = 0; i < nfiles; i++)
			unlink(files[i]);
		rmdir(dir);
		dir[0] = '\0';
	}
	errno = saved;
}

static void on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);   /* the status says which signal ended us, as before */
}

int vt_tmpdir_make(char *templ)
{
	if (strlen(templ) >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!mkdtemp(templ))
		return -errno;
	strcpy(dir, templ);
	nfiles = 0;
	if (!installed) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaddset(&sa.sa_mask, sigs[i]);   /* one cleanup at a time */
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
		atexit(cleanup);
		installed = true;
	}
	return 0;
}

void vt_tmpdir_file(const char *path)
{
	if (nfiles < MAX_FILES && strlen(path) < PATH_BYTES)
		strcpy(files[nfiles++], path);
}

void vt_tmpdir_child(pid_t pid)
{
	child = pid;
}

void vt_tmpdir_forget(void)
{
	dir[0] = '\0';
	nfiles = 0;
	child = 0;
	if (installed)
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			signal(sigs[i], SIG_DFL);
}

void vt_tmpdir_remove(void)
{
	cleanup();
}
