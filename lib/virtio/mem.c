/* Guest memory regions as the device side sees them.  The front-end is not
 * trusted: region tables that overlap or wrap around are refused, and every
 * translation checks the whole [addr, addr+len) range against one region
 * with overflow-safe arithmetic (bytes.h). */
#include "virtio/mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/bytes.h"

void vt_mem_init(struct vt_mem *m)
{
	memset(m, 0, sizeof(*m));
}

/* [start, start+size) must be representable: the last byte is start+size-1. */
static bool span_valid(uint64_t start, uint64_t size)
{
	return size != 0 && size - 1 <= UINT64_MAX - start;
}

static bool spans_overlap(uint64_t a, uint64_t asize, uint64_t b, uint64_t bsize)
{
	/* Both spans are valid, so the last-byte addresses cannot overflow. */
	return a <= b + (bsize - 1) && b <= a + (asize - 1);
}

/* A new region must not alias an existing one in either address space:
 * two host mappings for one guest address would make translation depend on
 * table order. */
static int check_new_region(const struct vt_mem *m, uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	if (!span_valid(gpa, size) || !span_valid(uaddr, size))
		return -EINVAL;
	if (m->n >= VT_MEM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned i = 0; i < m->n; i++) {
		const struct vt_mem_region *r = &m->r[i];
		if (spans_overlap(gpa, size, r->gpa, r->size) ||
		    spans_overlap(uaddr, size, r->uaddr, r->size))
			return -EINVAL;
	}
	return 0;
}

static void append_region(struct vt_mem *m, const struct vt_mem_region *r)
{
	m->r[m->n++] = *r;
}

int vt_mem_add_fd(struct vt_mem *m, int fd, uint64_t gpa, uint64_t size,
		  uint64_t uaddr, uint64_t mmap_offset)
{
	int rc = check_new_region(m, gpa, size, uaddr);
	if (rc < 0)
		return rc;

	/* mmap wants a page-aligned file offset: map from the page holding
	 * mmap_offset and point host at the byte inside it. */
	long page = sysconf(_SC_PAGESIZE);
	uint64_t pg = page > 0 ? (uint64_t)page : 4096;
	uint64_t file_off = mmap_offset & ~(pg - 1);
	uint64_t skew = mmap_offset - file_off;
	if (size > UINT64_MAX - skew || size + skew > SIZE_MAX || file_off > (uint64_t)INT64_MAX)
		return -EINVAL;
	size_t map_size = (size_t)(size + skew);

	void *p = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		       fd, (off_t)file_off);
	if (p == MAP_FAILED)
		return -errno;

	struct vt_mem_region r = {
		.gpa = gpa, .size = size, .uaddr = uaddr, .mmap_offset = mmap_offset,
		.host = (uint8_t *)p + skew, .map_base = p, .map_size = map_size,
	};
	append_region(m, &r);
	return 0;
}

int vt_mem_add_ptr(struct vt_mem *m, void *host, uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	if (!host || size > SIZE_MAX)
		return -EINVAL;
	int rc = check_new_region(m, gpa, size, uaddr);
	if (rc < 0)
		return rc;
	struct vt_mem_region r = {
		.gpa = gpa, .size = size, .uaddr = uaddr, .host = host,
	};
	append_region(m, &r);
	return 0;
}

static void unmap_region(struct vt_mem_region *r)
{
	if (r->map_base)
		munmap(r->map_base, r->map_size);
	r->map_base = NULL;
	r->host = NULL;
}

int vt_mem_remove(struct vt_mem *m, uint64_t gpa, uint64_t size, uint64_t uaddr)
{
	for (unsigned i = 0; i < m->n; i++) {
		struct vt_mem_region *r = &m->r[i];
		if (r->gpa != gpa || r->size != size || r->uaddr != uaddr)
			continue;
		unmap_region(r);
		/* Keep the table dense so translation scans only m->n entries. */
		memmove(&m->r[i], &m->r[i + 1], (m->n - i - 1) * sizeof(m->r[0]));
		m->n--;
		memset(&m->r[m->n], 0, sizeof(m->r[0]));
		return 0;
	}
	return -ENOENT;
}

void vt_mem_clear(struct vt_mem *m)
{
	for (unsigned i = 0; i < m->n; i++)
		unmap_region(&m->r[i]);
	vt_mem_init(m);
}

/* A zero-length range still has to name a byte of a region, so a returned
 * pointer always points into mapped memory. */
static bool range_in(uint64_t addr, uint64_t len, uint64_t base, uint64_t size)
{
	return vt_span_inside(addr, len ? len : 1, base, size);
}

void *vt_mem_gpa(const struct vt_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vt_mem_region *r = &m->r[i];
		if (range_in(gpa, len, r->gpa, r->size))
			return r->host + (gpa - r->gpa);
	}
	return NULL;
}

void *vt_mem_uva(const struct vt_mem *m, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct vt_mem_region *r = &m->r[i];
		if (range_in(uva, len, r->uaddr, r->size))
			return r->host + (uva - r->uaddr);
	}
	return NULL;
}
