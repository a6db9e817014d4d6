/* Runs i2c operations given as words (command line of `drive i2c`, a line
 * of a loopback script) against a started virtio-i2c front-end and prints
 * what i2ctransfer / i2cdetect would print. */
#ifndef VT_DRIVERS_I2C_SESSION_H
#define VT_DRIVERS_I2C_SESSION_H

#include <stdbool.h>
#include <stdio.h>

#include "drivers/run.h"
#include "vhost/frontend.h"

/* words: i2ctransfer syntax ("w2@0x50 0 16 r8") or "detect [FIRST LAST]".
 * Read data goes to out, one line per read message ("0x01 0x02"); detect
 * prints an i2cdetect grid.  On failure err has a one-line reason. */
enum vt_run_result vt_i2c_run_words(struct vt_frontend *fe, char *const *words, unsigned n,
					const struct vt_run_opts *o, FILE *out,
					char *err, size_t errlen);

/* Validates words without running them (so a command line can be refused
 * before connecting).  false with err set. */
bool vt_i2c_check_words(char *const *words, unsigned n, char *err, size_t errlen);

/* i2cdetect-style grid of [first, last]. */
void vt_i2c_print_grid(FILE *out, const bool present[128], unsigned first, unsigned last);

#endif
