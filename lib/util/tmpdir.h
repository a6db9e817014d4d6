/* A private temporary directory that goes away on every way out of the
 * process: a normal exit, vt_die(), and SIGTERM, SIGINT, SIGHUP or SIGQUIT
 * (loopback left its /tmp/vitool-loopback-* behind when killed).  With it
 * go the files registered in it and, first, the child process that uses
 * it (SIGTERM, then SIGKILL if it has not gone within 2 s).  One per
 * process; everything the signal path does is async-signal-safe. */
#ifndef VT_UTIL_TMPDIR_H
#define VT_UTIL_TMPDIR_H

#include <stddef.h>
#include <sys/types.h>

/* mkdtemp(templ) ("/tmp/vitool-loopback-XXXXXX", changed in place), and
 * the exit and signal handlers.  0, or -errno. */
int vt_tmpdir_make(char *templ);
/* A file the directory will hold (a socket of the child's): removed
 * before the directory.  At most 4; its path is copied. */
void vt_tmpdir_file(const char *path);
/* The child to end before removing anything (0: none, or reaped). */
void vt_tmpdir_child(pid_t pid);
/* In a forked child: none of this is ours; the handlers go back to the
 * defaults. */
void vt_tmpdir_forget(void);
/* Removes it now (ending the child first); later calls do nothing. */
void vt_tmpdir_remove(void);

#endif
