/* vt_mem: region table and guest address translation. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tap.h"
#include "util/log.h"
#include "virtio/mem.h"

static uint8_t buf_a[0x2000], buf_b[0x1000];

/* Region A: gpa 0x1000..0x2fff, uva 0x7000000..; region B right after it. */
static void setup_two(struct vt_mem *m)
{
	vt_mem_init(m);
	EXPECT_EQ(vt_mem_add_ptr(m, buf_a, 0x1000, sizeof(buf_a), 0x7000000), 0);
	EXPECT_EQ(vt_mem_add_ptr(m, buf_b, 0x3000, sizeof(buf_b), 0x9000000), 0);
}

static void test_gpa_edges(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT(vt_mem_gpa(&m, 0x1000, 0x2000) == buf_a);
	EXPECT(vt_mem_gpa(&m, 0x2fff, 1) == buf_a + 0x1fff);
	EXPECT(vt_mem_gpa(&m, 0x1000, 0x2001) == NULL);   /* one past the end */
	EXPECT(vt_mem_gpa(&m, 0xfff, 1) == NULL);         /* just below */
	EXPECT(vt_mem_gpa(&m, 0xfff, 2) == NULL);         /* straddles the start */
	EXPECT(vt_mem_gpa(&m, 0x3fff, 1) == buf_b + 0xfff);
	EXPECT(vt_mem_gpa(&m, 0x4000, 1) == NULL);
	vt_mem_clear(&m);
}

static void test_len_zero(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT(vt_mem_gpa(&m, 0x1000, 0) == buf_a);
	EXPECT(vt_mem_gpa(&m, 0x2fff, 0) == buf_a + 0x1fff);
	/* A zero-length range must still name a byte of a region. */
	EXPECT(vt_mem_gpa(&m, 0x4000, 0) == NULL);
	EXPECT(vt_mem_gpa(&m, 0, 0) == NULL);
	vt_mem_clear(&m);
}

static void test_two_regions_no_straddle(void)
{
	struct vt_mem m;
	setup_two(&m);
	/* Adjacent in guest space but not in host space: one range may not
	 * cross from one region into the next. */
	EXPECT(vt_mem_gpa(&m, 0x2ff0, 0x20) == NULL);
	EXPECT(vt_mem_gpa(&m, 0x3000, 0x10) == buf_b);
	vt_mem_clear(&m);
}

static void test_overflow(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT(vt_mem_gpa(&m, UINT64_MAX, 2) == NULL);
	EXPECT(vt_mem_gpa(&m, 0x1000, UINT64_MAX) == NULL);
	EXPECT(vt_mem_gpa(&m, 0xfffffffffffffff0u, 0x20) == NULL);
	EXPECT(vt_mem_uva(&m, UINT64_MAX - 1, 4) == NULL);

	/* A region ending exactly at the top of the address space is fine ... */
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0xfffffffffffff000u, 0x1000, 0xa000000), 0);
	EXPECT(vt_mem_gpa(&m, 0xffffffffffffffffu, 1) == buf_b + 0xfff);
	EXPECT(vt_mem_gpa(&m, 0xfffffffffffff800u, 0x800) == buf_b + 0x800);
	EXPECT(vt_mem_gpa(&m, 0xfffffffffffff800u, 0x801) == NULL);
	/* ... one that wraps is not. */
	vt_mem_clear(&m);
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0xfffffffffffff001u, 0x1000, 0), -EINVAL);
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0, 0x1000, UINT64_MAX), -EINVAL);
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0, 0, 0), -EINVAL);
	EXPECT_EQ(m.n, 0);
}

static void test_overlap_rejected(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0x2fff, 0x10, 0xb000000), -EINVAL);   /* gpa */
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0x0, 0x1001, 0xb000000), -EINVAL);    /* gpa, below */
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0x8000, 0x10, 0x7001000), -EINVAL);   /* uva */
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_b, 0x0, 0x1000, 0xb000000), 0);          /* touching is ok */
	EXPECT_EQ(m.n, 3);
	vt_mem_clear(&m);
}

static void test_uva(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT(vt_mem_uva(&m, 0x7000000, 0x2000) == buf_a);
	EXPECT(vt_mem_uva(&m, 0x7001fff, 1) == buf_a + 0x1fff);
	EXPECT(vt_mem_uva(&m, 0x7001fff, 2) == NULL);
	EXPECT(vt_mem_uva(&m, 0x6ffffff, 1) == NULL);
	EXPECT(vt_mem_uva(&m, 0x9000010, 0) == buf_b + 0x10);
	/* A gpa is not a uva. */
	EXPECT(vt_mem_uva(&m, 0x1000, 1) == NULL);
	vt_mem_clear(&m);
}

static void test_remove(void)
{
	struct vt_mem m;
	setup_two(&m);
	EXPECT_EQ(vt_mem_remove(&m, 0x1000, 0x2000, 0x7000001), -ENOENT);
	EXPECT_EQ(vt_mem_remove(&m, 0x1000, 0x2000, 0x7000000), 0);
	EXPECT_EQ(m.n, 1);
	EXPECT(vt_mem_gpa(&m, 0x1000, 1) == NULL);
	EXPECT(vt_mem_gpa(&m, 0x3000, 1) == buf_b);
	EXPECT_EQ(vt_mem_remove(&m, 0x1000, 0x2000, 0x7000000), -ENOENT);
	/* The freed slot can hold the region again. */
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_a, 0x1000, sizeof(buf_a), 0x7000000), 0);
	EXPECT(vt_mem_gpa(&m, 0x1000, 1) == buf_a);
	vt_mem_clear(&m);
	EXPECT_EQ(m.n, 0);
}

static void test_full(void)
{
	struct vt_mem m;
	vt_mem_init(&m);
	for (unsigned i = 0; i < VT_MEM_MAX_REGIONS; i++)
		EXPECT_EQ(vt_mem_add_ptr(&m, buf_a, i * 0x10000u, 0x100, i * 0x10000u), 0);
	EXPECT_EQ(vt_mem_add_ptr(&m, buf_a, 0x1000000, 0x100, 0x1000000), -ENOSPC);
	vt_mem_clear(&m);
}

/* A real shared memfd mapped at an offset, as SET_MEM_TABLE delivers it. */
static void check_fd_offset(uint64_t mmap_offset)
{
	long pg = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("test-mem", MFD_CLOEXEC);
	EXPECT(fd >= 0);
	EXPECT_EQ(ftruncate(fd, 4 * pg), 0);
	uint8_t mark = 0x5a;
	EXPECT_EQ(pwrite(fd, &mark, 1, (off_t)mmap_offset), 1);

	struct vt_mem m;
	vt_mem_init(&m);
	EXPECT_EQ(vt_mem_add_fd(&m, fd, 0x100000, (uint64_t)pg, 0x7f0000000000u, mmap_offset), 0);
	close(fd);   /* the mapping outlives the fd */
	uint8_t *p = vt_mem_gpa(&m, 0x100000, (uint64_t)pg);
	EXPECT(p != NULL);
	if (p) {
		EXPECT_EQ(p[0], 0x5a);
		p[pg - 1] = 0xa5;   /* last byte of the region is writable */
	}
	EXPECT(vt_mem_gpa(&m, 0x100000, (uint64_t)pg + 1) == NULL);
	EXPECT(vt_mem_uva(&m, 0x7f0000000000u, 1) == p);
	EXPECT_EQ(m.r[0].mmap_offset, mmap_offset);
	EXPECT_EQ(vt_mem_remove(&m, 0x100000, (uint64_t)pg, 0x7f0000000000u), 0);
}

static void test_add_fd_offset(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	check_fd_offset((uint64_t)pg);         /* page aligned */
	check_fd_offset((uint64_t)pg + 100);   /* inside a page */
}

static void test_add_fd_errors(void)
{
	struct vt_mem m;
	vt_mem_init(&m);
	EXPECT_EQ(vt_mem_add_fd(&m, -1, 0x1000, 0x1000, 0, 0), -EBADF);
	EXPECT_EQ(vt_mem_add_fd(&m, -1, 0x1000, 0, 0, 0), -EINVAL);
	EXPECT_EQ(vt_mem_add_fd(&m, -1, 0x1000, 0x1000, 0, UINT64_MAX - 10), -EINVAL);
	EXPECT_EQ(m.n, 0);
}

int main(void)
{
	vt_log_set_quiet(1);
	RUN(test_gpa_edges);
	RUN(test_len_zero);
	RUN(test_two_regions_no_straddle);
	RUN(test_overflow);
	RUN(test_overlap_rejected);
	RUN(test_uva);
	RUN(test_remove);
	RUN(test_full);
	RUN(test_add_fd_offset);
	RUN(test_add_fd_errors);
	return tap_done();
}
