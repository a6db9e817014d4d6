/* Reads per second of a vhost-user-blk back-end at a queue depth: plays
 * the front-end (vitool's own, lib/vhost/frontend.h) on the socket given,
 * keeps DEPTH reads of SIZE bytes in flight for SECONDS and prints
 *   N reads of S bytes in T s at depth D: R reads/s, M MiB/s
 * tests/bench/proxy_cost.sh runs it against qemu-storage-daemon's null-co
 * export directly and through `vitool proxy`.  A measurement, not a test.
 *   blk_rate SOCKET [SECONDS] [DEPTH] [SIZE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"
#include "util/loop.h"
#include "vhost/frontend.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define MAX_DEPTH 256

struct req {
	uint8_t *hdr, *data, *status;
	struct vt_dseg seg[3];
	unsigned sector;
};

int main(int argc, char **argv)
{
	struct vt_frontend fe;
	struct req r[MAX_DEPTH];
	double secs = argc > 2 ? atof(argv[2]) : 3.0;
	unsigned depth = argc > 3 ? (unsigned)atoi(argv[3]) : 32;
	unsigned size = argc > 4 ? (unsigned)atoi(argv[4]) : 4096;
	uint64_t done = 0, errors = 0;

	if (argc < 2 || depth < 1 || depth > MAX_DEPTH || size < 512 || size % 512) {
		fprintf(stderr, "usage: blk_rate SOCKET [SECONDS] [DEPTH 1-%d] [SIZE, 512-multiple]\n", MAX_DEPTH);
		return 2;
	}
	struct vt_fe_opts o = {
		.nqueues = 1, .queue_size = 256, .use_event_idx = true,
		.want_features = VT_BIT(VIRTIO_F_VERSION_1) | VT_BIT(VIRTIO_RING_F_EVENT_IDX),
		.mem_size = (uint64_t)depth * (size + 4096) + (8u << 20),
	};
	if (vt_fe_connect(&fe, argv[1], 2000) < 0 || vt_fe_start(&fe, &o) < 0) {
		fprintf(stderr, "blk_rate: %s\n", fe.err);
		return 1;
	}
	for (unsigned i = 0; i < depth; i++) {
		uint64_t gh, gd, gs;
		r[i].hdr = vt_gmem_alloc(&fe.mem, VIRTIO_BLK_OUTHDR_SIZE, 16, &gh);
		r[i].data = vt_gmem_alloc(&fe.mem, size, 4096, &gd);
		r[i].status = vt_gmem_alloc(&fe.mem, 1, 1, &gs);
		if (!r[i].hdr || !r[i].data || !r[i].status) {
			fprintf(stderr, "blk_rate: out of guest memory\n");
			return 1;
		}
		vt_st_le32(r[i].hdr, VIRTIO_BLK_T_IN);
		vt_st_le64(r[i].hdr + 8, (uint64_t)i * (size / 512));
		r[i].seg[0] = (struct vt_dseg){ gh, VIRTIO_BLK_OUTHDR_SIZE, false };
		r[i].seg[1] = (struct vt_dseg){ gd, size, true };
		r[i].seg[2] = (struct vt_dseg){ gs, 1, true };
		if (vt_dvq_add(&fe.vq[0], r[i].seg, 3, false, &r[i]) < 0)
			return 1;
	}
	vt_fe_kick(&fe, 0);
	uint64_t t0 = vt_now_ns(), end = t0 + (uint64_t)(secs * 1e9);
	while (vt_now_ns() < end) {
		if (vt_fe_wait(&fe, 0, 1000) <= 0) {
			fprintf(stderr, "blk_rate: no completion within 1 s: %s\n", fe.err);
			return 1;
		}
		struct req *q;
		uint32_t len;
		uint16_t head;
		while ((q = vt_dvq_get(&fe.vq[0], &len, &head))) {
			done++;
			errors += *q->status != VIRTIO_BLK_S_OK;
			vt_dvq_add(&fe.vq[0], q->seg, 3, false, q);
		}
		vt_fe_kick(&fe, 0);
	}
	double t = (double)(vt_now_ns() - t0) / 1e9;
	printf("%llu reads of %u bytes in %.2f s at depth %u: %.0f reads/s, %.1f MiB/s%s\n",
	       (unsigned long long)done, size, t, depth, (double)done / t, (double)done * size / t / 1048576.0,
	       errors ? " (some failed)" : "");
	vt_fe_stop(&fe);
	return errors ? 1 : 0;
}
