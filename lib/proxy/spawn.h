/* The back-end a proxy starts itself (proxy --exec 'CMD ...'): run through
 * /bin/sh -c in a process group of its own, with SIGTERM as its parent-death
 * signal, and ended (the group: TERM, then KILL after 2 s) on every way the
 * proxy goes: its normal end, vt_die()'s exit, a signal. */
#ifndef VT_PROXY_SPAWN_H
#define VT_PROXY_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

/* Starts cmd.  Its pid, or -1 (errno). */
pid_t vt_spawn(const char *cmd);
/* The child is still running; when it is not, *status gets its wait status
 * (reaped). */
bool vt_spawn_alive(pid_t pid, int *status);
/* Ends it and its group (TERM, KILL after 2 s) and reaps it.  Safe to call
 * twice; at exit it runs by itself (atexit). */
void vt_spawn_end(pid_t pid);
/* "exited with status 3", "was killed by signal 9". */
const char *vt_spawn_how(int status, char *buf, size_t len);

#endif
