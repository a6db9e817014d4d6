/* The live view of vitool top: a full-screen ncurses loop over the
 * snapshot (snapshot.h), its lines (format.h) and the events pane
 * (events.h), with htop's and kvm_stat's keys.  One wakeup per refresh
 * delay and one per key: idle, it sleeps in ppoll. */
#ifndef VT_TOP_SCREEN_H
#define VT_TOP_SCREEN_H

struct vt_top_conf {
	const char *control;    /* the instance's control socket */
	const char *name;       /* its name, for "... is gone" */
	double delay_s;         /* refresh delay */
	const char *filter;     /* the events filter at start; NULL: the default */
};

/* Runs until q, SIGINT or SIGTERM; the terminal is restored (endwin) on
 * every way out.  The exit status. */
int vt_top_run(const struct vt_top_conf *c);

#endif
