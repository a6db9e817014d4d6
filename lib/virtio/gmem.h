/* Front-end side guest memory: one memfd we allocate from and share with the
 * backend through SET_MEM_TABLE, exactly as a VMM does with
 * memory-backend-memfd.  Guest-physical addresses start at gpa_base. */
#ifndef VT_VIRTIO_GMEM_H
#define VT_VIRTIO_GMEM_H

#include <stddef.h>
#include <stdint.h>

#define VT_GMEM_GPA_BASE UINT64_C(0x40000000)

struct vt_gmem {
	int fd;
	uint8_t *base;
	uint64_t size;
	uint64_t gpa_base;
	uint64_t used;   /* bump allocator */
};

/* memfd of size bytes (page multiple), mapped shared.  -errno. */
int vt_gmem_create(struct vt_gmem *g, uint64_t size);
void vt_gmem_destroy(struct vt_gmem *g);
/* Zeroed memory of size bytes aligned to align (power of two); NULL when
 * exhausted.  *gpa gets its guest-physical address (may be NULL). */
void *vt_gmem_alloc(struct vt_gmem *g, uint64_t size, uint64_t align, uint64_t *gpa);
uint64_t vt_gmem_gpa(const struct vt_gmem *g, const void *p);
/* Frees everything allocated after a mark (request scratch space). */
static inline uint64_t vt_gmem_mark(const struct vt_gmem *g) { return g->used; }
static inline void vt_gmem_release(struct vt_gmem *g, uint64_t mark) { g->used = mark; }

#endif
