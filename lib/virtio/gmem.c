/* Front-end guest memory: one shared memfd, handed to the backend with
 * SET_MEM_TABLE like QEMU's memory-backend-memfd,share=on.  Allocation is a
 * bump pointer: rings and tables live for the whole session, request
 * scratch space is released with vt_gmem_mark/vt_gmem_release. */
#include "virtio/gmem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int vt_gmem_create(struct vt_gmem *g, uint64_t size)
{
	memset(g, 0, sizeof(*g));
	g->fd = -1;

	long page = sysconf(_SC_PAGESIZE);
	uint64_t pg = page > 0 ? (uint64_t)page : 4096;
	if (size == 0 || size > UINT64_MAX - (pg - 1))
		return -EINVAL;
	/* The backend maps whole pages; round up rather than refuse. */
	size = (size + pg - 1) & ~(pg - 1);
	if (size > (uint64_t)INT64_MAX || size > (uint64_t)SIZE_MAX)
		return -EINVAL;

	int fd = memfd_create("vitool-guest", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	void *p = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;
		close(fd);
		return -e;
	}
	g->fd = fd;
	g->base = p;
	g->size = size;
	g->gpa_base = VT_GMEM_GPA_BASE;
	g->used = 0;
	return 0;
}

void vt_gmem_destroy(struct vt_gmem *g)
{
	if (g->base)
		munmap(g->base, (size_t)g->size);
	if (g->fd >= 0)
		close(g->fd);
	memset(g, 0, sizeof(*g));
	g->fd = -1;
}

void *vt_gmem_alloc(struct vt_gmem *g, uint64_t size, uint64_t align, uint64_t *gpa)
{
	if (align == 0)
		align = 1;
	if (!g->base || (align & (align - 1)))
		return NULL;
	/* Offsets are aligned relative to base, which is page-aligned, and
	 * gpa_base is 1 GiB-aligned, so host and guest addresses agree. */
	if (g->used > UINT64_MAX - (align - 1))
		return NULL;
	uint64_t off = (g->used + align - 1) & ~(align - 1);
	if (off > g->size || size > g->size - off)
		return NULL;
	uint8_t *p = g->base + off;
	/* Released scratch space is reused: hand it out clean. */
	memset(p, 0, (size_t)size);
	g->used = off + size;
	if (gpa)
		*gpa = g->gpa_base + off;
	return p;
}

uint64_t vt_gmem_gpa(const struct vt_gmem *g, const void *p)
{
	return g->gpa_base + (uint64_t)((const uint8_t *)p - g->base);
}
