/* The device side's view of guest memory: the regions a front-end gave us
 * with SET_MEM_TABLE / ADD_MEM_REG, mapped into this process.  All guest
 * addresses are translated here, and nothing outside a region is ever
 * returned: translation checks the whole [addr, addr+len) range with
 * overflow-safe arithmetic. */
#ifndef VT_VIRTIO_MEM_H
#define VT_VIRTIO_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_MEM_MAX_REGIONS 32

struct vt_mem_region {
	uint64_t gpa;          /* guest-physical start */
	uint64_t size;
	uint64_t uaddr;        /* front-end's virtual address of the start */
	uint64_t mmap_offset;  /* offset of the region inside the fd */
	uint8_t *host;         /* where the region's first byte is mapped here */
	void *map_base;        /* what mmap returned (NULL: not ours to unmap) */
	size_t map_size;
};

struct vt_mem {
	struct vt_mem_region r[VT_MEM_MAX_REGIONS];
	unsigned n;
};

void vt_mem_init(struct vt_mem *m);
/* Maps fd (mmap_offset + size bytes, MAP_SHARED) and adds the region.  The fd
 * is not kept; the caller closes it.  -EINVAL for a zero size, overflowing or
 * overlapping range; -ENOSPC when full; -errno from mmap. */
int vt_mem_add_fd(struct vt_mem *m, int fd, uint64_t gpa, uint64_t size,
		  uint64_t uaddr, uint64_t mmap_offset);
/* Adds memory that is already mapped in this process (unit tests, front-end). */
int vt_mem_add_ptr(struct vt_mem *m, void *host, uint64_t gpa, uint64_t size, uint64_t uaddr);
/* Removes (and unmaps) the region matching gpa/size/uaddr; -ENOENT if none. */
int vt_mem_remove(struct vt_mem *m, uint64_t gpa, uint64_t size, uint64_t uaddr);
/* Unmaps every region. */
void vt_mem_clear(struct vt_mem *m);

/* Host pointer for guest-physical [gpa, gpa+len), or NULL unless the whole
 * range lies inside one region.  len 0 is valid inside a region. */
void *vt_mem_gpa(const struct vt_mem *m, uint64_t gpa, uint64_t len);
/* The same for a front-end virtual address (SET_VRING_ADDR). */
void *vt_mem_uva(const struct vt_mem *m, uint64_t uva, uint64_t len);

#endif
