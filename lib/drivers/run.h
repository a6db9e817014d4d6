/* What running a list of operation words against a device gives: shared by
 * every driver session (i2c_session, gpio_session) so commands map results
 * to exit statuses in one place. */
#ifndef VT_DRIVERS_RUN_H
#define VT_DRIVERS_RUN_H

#include <stdbool.h>

enum vt_run_result {
	VT_RUN_OK = 0,
	VT_RUN_DEVICE_ERR = 1,   /* the device answered ERR / INVALID, or an
	                            awaited event did not come */
	VT_RUN_USAGE = 2,        /* bad words: err says why */
	VT_RUN_TRANSPORT = 3,    /* vhost-user failure or request timeout */
	VT_RUN_NOT_DEVICE = 4,   /* an answer no device of the type gives (an
	                            i2c status neither OK nor ERR): err says
	                            what; drive then checks which type it is */
};

struct vt_run_opts {
	bool indirect;      /* chains through indirect tables (where supported) */
	int timeout_ms;     /* per request; <= 0: 1000 ms */
};

#endif
