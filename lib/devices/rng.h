/* virtio-rng device model (virtio spec "Entropy Device", id 4): fills each
 * device-writable buffer of the requestq with entropy, optionally at a
 * limited rate. */
#ifndef VT_DEVICES_RNG_H
#define VT_DEVICES_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device.h"
#include "virtio/virtio_rng.h"

struct vt_loop;

extern const struct vt_device_model vt_model_rng;

struct vt_rng_conf {
	bool seeded;          /* the deterministic stream (else getrandom(2)) */
	uint64_t seed;
	uint64_t rate;        /* bytes per second; 0: unlimited */
};

/* The entropy source.  Seeded: splitmix64 (Steele, Lea, Flood 2014) with
 * state = seed; each step adds 0x9e3779b97f4a7c15 to the state and mixes
 * it:  z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9;
 *      z = (z ^ z >> 27) * 0x94d049bb133111eb;  z ^= z >> 31.
 * Each output is 8 bytes, little-endian; the byte stream runs on across
 * requests (a 3-byte request takes bytes 0-2 of the first output, the next
 * request starts at its byte 3). */
struct vt_rng_stream {
	bool seeded;
	uint64_t state;
	uint8_t buf[8];
	unsigned used;        /* bytes of buf already handed out; 8: none left */
};
void vt_rng_stream_init(struct vt_rng_stream *s, bool seeded, uint64_t seed);
/* Fills dst with the next len bytes; 0, or -errno when getrandom fails. */
int vt_rng_stream_read(struct vt_rng_stream *s, void *dst, size_t len);

/* A device on loop (its rate limit's timers). */
void *vt_rng_dev_new(struct vt_loop *loop, const struct vt_rng_conf *conf);
void vt_rng_dev_free(void *dev);

/* What `info` shows: the rate limit at work without timing anything. */
struct vt_rng_stats {
	uint64_t requests;    /* completed */
	uint64_t bytes;       /* written to the guest */
	uint64_t delayed;     /* requests that waited for the rate limit */
	unsigned waiting;     /* requests waiting now */
};
void vt_rng_dev_stats(void *dev, struct vt_rng_stats *st);

#endif
