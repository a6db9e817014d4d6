/* virtio-gpio driver for vitool's front-end: what Linux's
 * drivers/gpio/gpio-virtio.c puts on the rings, from user space.  One
 * request at a time on requestq (request buffer + response buffer, used
 * length checked like Linux does), and one eventq buffer pair per line
 * to unmask its interrupt. */
#ifndef VT_DRIVERS_GPIO_H
#define VT_DRIVERS_GPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drivers/bench.h"
#include "vhost/frontend.h"

/* Driver state on top of a connected front-end. */
struct vt_gpio_driver {
	struct vt_frontend *fe;
	uint16_t ngpio;           /* from the config space */
	uint32_t names_size;      /* gpio_names_size; 0: the device has no names */
	bool irq;                 /* VIRTIO_GPIO_F_IRQ negotiated: eventq usable */
	uint32_t last_used;       /* used length of the last completed request */
	/* eventq: one 4-byte slot per line in guest memory (le16 gpio, u8
	 * status), allocated at start so requests can release their own
	 * scratch memory freely. */
	uint8_t *ev;
	uint64_t ev_gpa;
	bool *armed;              /* per line: its slot is on the eventq */
	/* Line names as last read (GET_LINE_NAMES), kept like the Linux
	 * driver keeps them from probe: resolving a name costs no request.
	 * NULL until first needed; freed by vt_gpio_driver_free. */
	char **names;
};

/* Starts the front-end (2 queues; VERSION_1, INDIRECT_DESC, EVENT_IDX,
 * VIRTIO_GPIO_F_IRQ when offered) on a connected fe and reads the config
 * (GET_CONFIG: needs protocol feature CONFIG).  -errno with fe->err set. */
int vt_gpio_driver_start(struct vt_gpio_driver *d, struct vt_frontend *fe, uint16_t queue_size);
/* Frees the driver's host memory (not fe; call vt_fe_stop for that). */
void vt_gpio_driver_free(struct vt_gpio_driver *d);

/* One request on requestq with a device-writable response buffer of
 * resp_len bytes (1..65536), copied to resp (may be NULL) after completion.
 * *used gets the used length.  timeout_ms <= 0: 1000 ms, the Linux
 * driver's.  0, or -errno (-ETIMEDOUT; fe->err set).  The raw form, for
 * tests and odd buffer sizes. */
int vt_gpio_request_buf(struct vt_gpio_driver *d, uint16_t type, uint16_t line, uint32_t value,
			uint8_t *resp, uint32_t resp_len, uint32_t *used, int timeout_ms);

/* One message with the 2-byte response.  *status gets the device's status
 * and *value_out (may be NULL) its value byte.  Returns 0 for OK, 1 for
 * ERR, -EPROTO when an OK response has a used length other than 2 (Linux
 * rejects it too), other -errno on transport failure or timeout. */
int vt_gpio_request(struct vt_gpio_driver *d, uint16_t type, uint16_t line, uint32_t value,
		    uint8_t *status, uint8_t *value_out, int timeout_ms);

/* GET_LINE_NAMES: *names gets ngpio malloc'd strings ("" for an unnamed
 * line; free with vt_gpio_names_free).  A device with gpio_names_size 0
 * gives all "" without a request.  0, 1 (ERR), -EPROTO (used length not
 * 1 + gpio_names_size, or a block with fewer than ngpio names), -errno. */
int vt_gpio_get_names(struct vt_gpio_driver *d, char ***names, int timeout_ms);
void vt_gpio_names_free(char **names, unsigned n);

/* Unmasks line's interrupt: puts its eventq buffer pair on queue 1 and
 * kicks.  0; -EALREADY when the line's buffer is already queued (the
 * driver never queues two); -ENOTSUP without VIRTIO_GPIO_F_IRQ; -EINVAL for
 * line >= ngpio; -errno. */
int vt_gpio_arm(struct vt_gpio_driver *d, uint16_t line);

/* Reaps one eventq completion, waiting up to timeout_ms (< 0: forever, 0:
 * just look).  0 with *line and *status (VIRTIO_GPIO_IRQ_STATUS_*) set;
 * -ETIMEDOUT; -EPROTO for a used length other than 1 (*line set: the
 * line is no longer armed); -errno.  Completions of other lines are
 * returned in the order the device used them. */
int vt_gpio_wait_event(struct vt_gpio_driver *d, int timeout_ms, unsigned *line, uint8_t *status);

/* --bench (drivers/bench.h): get LINE (GET_VALUE) or set LINE=LEVEL
 * (SET_VALUE), LINE an offset, taking turns.  A good answer is OK with
 * used length 2. */
bool vt_gpio_bench_check(char *const *words, unsigned n, char *err, size_t errlen);
bool vt_gpio_bench_plan(struct vt_gpio_driver *d, char *const *words, unsigned n, const struct vt_bench_conf *c,
			struct vt_bench_plan *p, char *err, size_t errlen);

#endif
