/* virtio-blk driver for vitool's front-end (`drive blk`): reads sectors
 * (printed as a hex dump with an ASCII column), writes a file's bytes,
 * flushes, asks the device's id, as Linux's virtio_blk would. */
#ifndef VT_DRIVERS_BLK_H
#define VT_DRIVERS_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "drivers/bench.h"
#include "drivers/run.h"
#include "vhost/frontend.h"

/* At most this many sectors per read, and bytes per written file (32 MiB). */
#define VT_BLK_COUNT_MAX 65536u
#define VT_BLK_WRITE_MAX (VT_BLK_COUNT_MAX * 512u)
/* Bytes per request: larger reads and writes are split, as a kernel splits
 * to its queue limits (and at most the device's size_max). */
#define VT_BLK_CHUNK (128u * 1024)

struct vt_blk_disk {
	struct vt_frontend *fe;
	bool have_config;       /* GET_CONFIG answered: capacity is known */
	uint64_t capacity;      /* 512-byte sectors */
	uint32_t blk_size;      /* logical block size; 0: not offered */
	uint32_t chunk;         /* bytes per request */
	bool ro;                /* VIRTIO_BLK_F_RO */
	bool flush;             /* VIRTIO_BLK_F_FLUSH negotiated */
};

/* words: read SECTOR [COUNT] | write SECTOR FILE|- | flush | id, repeated;
 * '-' (stdin) at most once.  false with err set. */
bool vt_blk_check_words(char *const *words, unsigned n, char *err, size_t errlen);
/* Negotiates (VERSION_1, EVENT_IDX, the blk features above, and with
 * indirect INDIRECT_DESC) and reads the config space when the backend
 * offers CONFIG.  -errno (fe->err). */
int vt_blk_driver_start(struct vt_frontend *fe, uint16_t queue_size, bool indirect, struct vt_blk_disk *d);
/* The words in order.  read prints its sectors' bytes as a hex dump whose
 * offsets are disk byte offsets; id prints the id string; write and flush
 * print nothing.  VT_RUN_DEVICE_ERR when the device answers IOERR or
 * UNSUPP (err names the request), VT_RUN_NOT_DEVICE for a status byte no
 * blk device writes. */
enum vt_run_result vt_blk_run_words(struct vt_blk_disk *d, char *const *words, unsigned n,
				    const struct vt_run_opts *o, FILE *out, char *err, size_t errlen);

/* --bench (drivers/bench.h): read SECTOR [COUNT], write SECTOR [COUNT]
 * (COUNT sectors of 0xa5) or flush, COUNT 1-256 (default 8: 4 KiB),
 * taking turns.  A good answer is OK with the used length of the request's
 * writable bytes (qemu's and vitool's). */
bool vt_blk_bench_check(char *const *words, unsigned n, char *err, size_t errlen);
bool vt_blk_bench_plan(struct vt_blk_disk *d, char *const *words, unsigned n, const struct vt_bench_conf *c,
		       struct vt_bench_plan *p, char *err, size_t errlen);

#endif
