/* Spawning and ending the proxy's back-end (see spawn.h). */
#include "proxy/spawn.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One child at a time: the one the atexit handler ends. */
static pid_t child = -1;

static void end_at_exit(void)
{
	if (child > 0)
		vt_spawn_end(child);
}

pid_t vt_spawn(const char *cmd)
{
	static bool registered;
	pid_t parent = getpid();
	pid_t pid;

	if (!registered) {
		atexit(end_at_exit);
		registered = true;
	}
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		sigset_t none;
		setpgid(0, 0);
		/* The proxy blocks SIGINT/SIGTERM for its signalfd: a child
		 * must not inherit the mask, or TERM would not end it. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);   /* the proxy died before prctl */
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		fprintf(stderr, "vitool: proxy: --exec: /bin/sh: %s\n", strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);   /* both sides: no race with an early kill */
	child = pid;
	return pid;
}

bool vt_spawn_alive(pid_t pid, int *status)
{
	pid_t r = waitpid(pid, status, WNOHANG);

	if (r == 0)
		return true;
	if (r == pid && pid == child)
		child = -1;
	return false;
}

void vt_spawn_end(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, WNOHANG) != 0) {
		if (pid == child)
			child = -1;
		return;   /* reaped already, or gone */
	}
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		if (waitpid(pid, &status, WNOHANG) == pid)
			goto done;
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
done:
	kill(-pid, SIGKILL);   /* what the shell left behind in its group */
	if (pid == child)
		child = -1;
}

const char *vt_spawn_how(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "ended (wait status 0x%x)", status);
	return buf;
}
