/* Runs i2c operations given as words (command line of `drive i2c`, a line
 * of a loopback script) against a started virtio-i2c front-end and prints
 * what i2ctransfer / i2cdetect would print. */
#ifndef VT_DRIVERS_I2C_SESSION_H
#define VT_DRIVERS_I2C_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "vhost/frontend.h"

struct vt_i2c_run_opts {
	bool indirect;      /* chains through indirect tables */
	int timeout_ms;     /* per transfer */
};

enum vt_i2c_run_result {
	VT_I2C_RUN_OK = 0,
	VT_I2C_RUN_DEVICE_ERR = 1,   /* a message completed with status ERR */
	VT_I2C_RUN_USAGE = 2,        /* bad words: err says why */
	VT_I2C_RUN_TRANSPORT = 3,    /* vhost-user / timeout: err says why */
};

/* words: i2ctransfer syntax ("w2@0x50 0 16 r8") or "detect [FIRST LAST]".
 * Read data goes to out, one line per read message ("0x01 0x02"); detect
 * prints an i2cdetect grid.  On failure err has a one-line reason. */
enum vt_i2c_run_result vt_i2c_run_words(struct vt_frontend *fe, char *const *words, unsigned n,
					const struct vt_i2c_run_opts *o, FILE *out,
					char *err, size_t errlen);

/* Validates words without running them (so a command line can be refused
 * before connecting).  false with err set. */
bool vt_i2c_check_words(char *const *words, unsigned n, char *err, size_t errlen);

/* i2cdetect-style grid of [first, last]. */
void vt_i2c_print_grid(FILE *out, const bool present[128], unsigned first, unsigned last);

#endif
