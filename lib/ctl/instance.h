/* Running instances by name: what `vitool list` and `trace -D` print, and
 * how trace, inject (later top, console) find the one they talk to, from
 * -i NAME, --control PATH, or nothing (the only instance of the wanted
 * device type).  An instance is a control socket in vt_ctl_dir() that
 * answers `info`; stale sockets of dead instances are skipped. */
#ifndef VT_CTL_INSTANCE_H
#define VT_CTL_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct vt_instance {
	char name[128];
	char device[32];       /* "?" when the instance did not say */
	char socket[512];      /* its vhost-user socket ("" when unknown) */
	char control[512];     /* its control socket */
	long pid;              /* 0 when unknown */
	bool connected;        /* a front-end is connected */
	bool answered;         /* info replied (else only the socket accepts) */
	char why[256];         /* when not: the reason (permission denied, ...) */
};

/* Asks the instance at control socket path for `info`.  0, or -1 with err
 * set ("no vitool instance at ...", a timeout of a socket that is not a
 * control socket, ...). */
int vt_instance_query(const char *path, struct vt_instance *in, char *err, size_t errlen);

/* The running instances, sorted by name, into *out (malloc'd; free it).
 * Count, or -1 with err set. */
int vt_instance_list(struct vt_instance **out, char *err, size_t errlen);

/* What a command asks for: at most one of name and control; device NULL
 * takes any type.  cmd names the command in messages ("inject"). */
struct vt_instance_want {
	const char *cmd;
	const char *name;
	const char *control;
	const char *device;
};

/* The instance to talk to, or -1 with err set: no such name (the running
 * ones listed), a vhost-user socket given as control socket (its control
 * socket said), an instance of another device type, none or several of
 * that type (the candidates listed). */
int vt_instance_resolve(const struct vt_instance_want *w, struct vt_instance *out, char *err,
			size_t errlen);

/* The table `vitool list` prints: a header, one row each. */
void vt_instance_print(FILE *f, const struct vt_instance *v, int n);
/* The same as a JSON array, one object per instance. */
void vt_instance_print_json(FILE *f, const struct vt_instance *v, int n);

#endif
