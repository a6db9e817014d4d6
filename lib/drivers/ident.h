/* Which device type a vhost-user backend serves.  vhost-user has no message
 * that names the device (the VMM is told, as QEMU's -device is), so drive
 * tells it from what a backend does say: its queue count (GET_QUEUE_NUM,
 * with protocol feature MQ), whether it has a config space (GET_CONFIG,
 * with protocol feature CONFIG), the device feature bits it offers, and how
 * it answered a request.  Each registry type says what its spec makes it
 * look like (vt_device_type's num_queues, device_features,
 * required_features, config_size). */
#ifndef VT_DRIVERS_IDENT_H
#define VT_DRIVERS_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/registry.h"
#include "vhost/frontend.h"

/* What is known of a backend; unknown facts constrain nothing. */
struct vt_backend_facts {
	bool known;             /* GET_FEATURES was answered: nothing else counts without it */
	uint64_t offered;       /* its virtio features */
	unsigned nqueues;       /* 0: not known (no MQ) */
	int config;             /* 1: has a config space, 0: has none, -1: not known */
	/* It answered a request as no device of the type asked for would
	 * (vt_front_ops of that type decides). */
	bool bad_answer;
};

/* Collects the facts from fe after the driver of want started (started:
 * fe still connected) or failed to.  A started fe whose backend offers
 * CONFIG while want has no config space is asked GET_CONFIG for the
 * smallest config space of the registry's types: a full reply means it
 * has one. */
void vt_ident_facts(struct vt_frontend *fe, const struct vt_device_type *want, bool started,
		    struct vt_backend_facts *f);

/* true when the facts rule want out; *is then gets the one registry type
 * they fit, or NULL when none or several do ("an unknown device").  false
 * when want fits or nothing is known: drive carries on as it always did. */
bool vt_ident_mismatch(const struct vt_device_type *want, const struct vt_backend_facts *f,
		       const struct vt_device_type **is);

/* The one registry type the facts fit, or NULL when none or several do
 * (a proxy telling the type of the back-end it forwards to). */
const struct vt_device_type *vt_ident_guess(const struct vt_backend_facts *f);

#endif
