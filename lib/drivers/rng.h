/* virtio-rng driver for vitool's front-end (`drive rng`): posts one
 * device-writable buffer per `read N` and prints the bytes the device wrote
 * in hex, like `head -c N /dev/hwrng | xxd -p` would. */
#ifndef VT_DRIVERS_RNG_H
#define VT_DRIVERS_RNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drivers/run.h"
#include "drivers/bench.h"
#include "vhost/frontend.h"

#define VT_RNG_READ_MAX 65536

/* words: "read N" repeated (N 1-65536).  false with err set. */
bool vt_rng_check_words(char *const *words, unsigned n, char *err, size_t errlen);
int vt_rng_driver_start(struct vt_frontend *fe, uint16_t queue_size);
/* One request per read, in order; each prints one line of hex bytes
 * ("3f 91 0a ...") to out.  VT_RUN_DEVICE_ERR when the device wrote
 * nothing. */
enum vt_run_result vt_rng_run_words(struct vt_frontend *fe, char *const *words, unsigned n,
				    const struct vt_run_opts *o, FILE *out, char *err, size_t errlen);

/* --bench (drivers/bench.h): read N, taking turns (the words are checked
 * with vt_rng_check_words).  A good answer has any used length but 0. */
bool vt_rng_bench_plan(struct vt_frontend *fe, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen);

#endif
