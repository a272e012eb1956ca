// SPDX-License-Identifier: GPL-2.0
/*
 * read, write, pread and pwrite of /dev/mymem: at the edges of the
 * region and past them, with buffers that fault, read-only, NULL or the
 * kernel's, with counts up to SIZE_MAX, through the file position and
 * beside it, and the sysfs counters they keep.  The ordinary rows and
 * the hostile ones (arguments no sane caller passes) stand side by side
 * in each table.  Built twice, native and -m32: a 32-bit caller reaches
 * the same code through the compat entry points, which split and
 * zero-extend the arguments differently.
 *
 * Every test starts from the region filled with a known pattern
 * (region_open()) and keeps its model: a test checks the count a call
 * returns, the bytes it moved, the file position afterwards and, after
 * any call that might write, the whole region against the model, so a
 * copy that goes one byte too far, lands at the wrong offset or clobbers
 * a neighbour fails.
 */
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "testlib.h"

REGION_FIXTURE(dev);

/*
 * Read @len bytes at @off into @buf, of which @avail bytes are
 * accessible, expecting @want (bytes or -errno): the bytes read must be
 * the region's, and the rest of @buf untouched.
 */
static void check_read(struct __test_metadata *_metadata, struct region *r,
		       bool positional, long long off, uint8_t *buf,
		       size_t len, size_t avail, long long want)
{
	size_t done = want > 0 ? want : 0;

	memset(buf, GUARD, avail);
	ASSERT_EQ(want, transfer(_metadata, r, false, positional, off, buf,
				 len));
	ASSERT_EQ(avail - done, byte_mismatch(buf + done, GUARD, avail - done));
}

/*
 * Write @len bytes of new data at @off from @buf, of which @avail bytes
 * are accessible, expecting @want: exactly the bytes written may change.
 */
static void check_write(struct __test_metadata *_metadata, struct region *r,
			bool positional, long long off, uint8_t *buf,
			size_t len, size_t avail, long long want)
{
	long long got;

	pattern_fill(buf, off, avail, NEW_SEED);
	got = transfer(_metadata, r, true, positional, off, buf, len);
	if (avail < len)
		want = fault_cut_write(want, got);
	ASSERT_EQ(want, got);
	expect_region(_metadata, r);
}

/*
 * The user buffers of the tables below.  A buffer of .avail bytes ends
 * where a fault begins.
 */
enum buf_kind {
	BUF_GUARD,	/* .avail bytes, then a PROT_NONE page */
	BUF_RDONLY,	/* .avail bytes, then a PROT_READ page */
	BUF_NULL,
	BUF_LOW,	/* page 1: below mmap_min_addr, never mapped */
	BUF_HIGH,	/* the last page: the kernel's, or (-m32) unmapped */
	BUF_VIEW,	/* the device's own read-only map */
};

/*
 * The buffer of @kind; what a caller may read of it holds pattern
 * NEW_SEED as if for region offset @off, so a write changes the region.
 */
static uint8_t *user_buf(struct region *r, enum buf_kind kind, size_t avail,
			 long long off)
{
	size_t page = page_size();
	uint8_t *p;

	switch (kind) {
	case BUF_GUARD:
		p = r->guard - avail;
		pattern_fill(p, off, avail, NEW_SEED);
		return p;
	case BUF_RDONLY:
		p = r->ro - avail;
		mprotect(r->ro, page, PROT_READ | PROT_WRITE);
		pattern_fill(p, off, avail + page, NEW_SEED);
		mprotect(r->ro, page, PROT_READ);
		return p;
	case BUF_NULL:
		return NULL;
	case BUF_LOW:
		return (uint8_t *)page;
	case BUF_HIGH:
		return (uint8_t *)-page;
	case BUF_VIEW:
		return (uint8_t *)r->view;
	}
	return NULL;
}

/* --- offsets ----------------------------------------------------------- */

/*
 * Transfers around the edges of the region, each done four ways: read,
 * pread, write, pwrite.  want_* is the count, or -errno.
 */
FIXTURE(span) {
	struct region r;
	uint8_t *buf;
};

FIXTURE_VARIANT(span) {
	struct rel off;
	size_t len;
	long long want_read;
	long long want_write;
};

FIXTURE_VARIANT_ADD(span, head) { REL(0, 0), 100, 100, 100 };
FIXTURE_VARIANT_ADD(span, cross_page) { REL(0, 4090), 20, 20, 20 };
FIXTURE_VARIANT_ADD(span, tail) { REL(1, -100), 100, 100, 100 };
FIXTURE_VARIANT_ADD(span, straddle_end) { REL(1, -10), 100, 10, 10 };
FIXTURE_VARIANT_ADD(span, at_end) { REL(1, 0), 100, 0, -ENOSPC };
FIXTURE_VARIANT_ADD(span, empty) { REL(0, 7), 0, 0, 0 };

FIXTURE_SETUP(span)
{
	region_open(_metadata, &self->r);
	self->buf = malloc(variant->len + SLACK);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(span)
{
	region_close(&self->r);
	free(self->buf);
}

static void span_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(span) *self,
		       const FIXTURE_VARIANT(span) *variant,
		       bool is_write, bool positional)
{
	long long off = rel_at(variant->off, self->r.size);
	size_t avail = variant->len + SLACK;

	if (is_write)
		check_write(_metadata, &self->r, positional, off, self->buf,
			    variant->len, avail, variant->want_write);
	else
		check_read(_metadata, &self->r, positional, off, self->buf,
			   variant->len, avail, variant->want_read);
}

TEST_F(span, read)
{
	span_check(_metadata, self, variant, false, false);
}

TEST_F(span, pread)
{
	span_check(_metadata, self, variant, false, true);
}

TEST_F(span, write)
{
	span_check(_metadata, self, variant, true, false);
}

TEST_F(span, pwrite)
{
	span_check(_metadata, self, variant, true, true);
}

/* Only pread and pwrite can start past the end: lseek cannot go there. */
TEST_F(dev, past_end)
{
	const long long offs[] = {
		self->r.size + 1, self->r.size + 4096, 1LL << 62,
	};
	uint8_t buf[100 + SLACK];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		check_read(_metadata, &self->r, true, offs[i], buf, 100,
			   sizeof(buf), 0);
		check_write(_metadata, &self->r, true, offs[i], buf, 100,
			    sizeof(buf), -ENOSPC);
	}
}

/*
 * Offsets that lseek() cannot reach, given to pread and pwrite.  The
 * VFS refuses a negative offset, and one whose end (offset + count)
 * overflows, with EINVAL; past the end a read finds nothing and a write
 * no space, as on a block device.
 */
FIXTURE_VARIANT(offset) {
	long long off;
	size_t len;
	long long want_read, want_write;
};

REGION_FIXTURE(offset);

FIXTURE_VARIANT_ADD(offset, minus_1) { -1, 100, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, minus_page) { -4096, 100, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, llong_min) { LLONG_MIN, 100, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, llong_min_empty) { LLONG_MIN, 0, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, llong_max) { LLONG_MAX, 1, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, llong_max_empty) { LLONG_MAX, 0, 0, 0 };
FIXTURE_VARIANT_ADD(offset, end_overflows) { LLONG_MAX - 50, 100, -EINVAL, -EINVAL };
FIXTURE_VARIANT_ADD(offset, end_at_llong_max) { LLONG_MAX - 100, 100, 0, -ENOSPC };
/* Cut to 32 bits, these offsets would be 0 and 8. */
FIXTURE_VARIANT_ADD(offset, _4g) { 1ll << 32, 100, 0, -ENOSPC };
FIXTURE_VARIANT_ADD(offset, _4g_plus_8) { (1ll << 32) + 8, 100, 0, -ENOSPC };
FIXTURE_VARIANT_ADD(offset, _2_pow_63_minus_page) { LLONG_MAX - 4095, 100, 0, -ENOSPC };

static void offset_check(struct __test_metadata *_metadata,
			 FIXTURE_DATA(offset) *self,
			 const FIXTURE_VARIANT(offset) *variant, bool is_write)
{
	struct region *r = &self->r;
	uint8_t *buf = user_buf(r, BUF_GUARD, variant->len, 0);

	ASSERT_EQ(is_write ? variant->want_write : variant->want_read,
		  transfer(_metadata, r, is_write, true, variant->off, buf,
			   variant->len));
	expect_model(_metadata, r);
}

TEST_F(offset, pread)
{
	offset_check(_metadata, self, variant, false);
}

TEST_F(offset, pwrite)
{
	offset_check(_metadata, self, variant, true);
}

/* --- user buffers ------------------------------------------------------ */

/*
 * A user buffer that ends at a PROT_NONE page after @avail bytes, or
 * NULL: a transfer of 200 bytes copies what it can and returns that
 * count, or fails with EFAULT if it copied nothing.  A write must not touch the
 * region beyond the bytes it reports.
 */
#define FAULT_OFF	1000
#define FAULT_LEN	200

FIXTURE_VARIANT(fault) {
	size_t avail;
	long long want;
	bool null;	/* the buffer is NULL itself */
};

REGION_FIXTURE(fault);

FIXTURE_VARIANT_ADD(fault, nothing) { 0, -EFAULT, false };
FIXTURE_VARIANT_ADD(fault, partial) { 100, 100, false };
FIXTURE_VARIANT_ADD(fault, null) { 0, -EFAULT, true };

static void fault_check(struct __test_metadata *_metadata,
			FIXTURE_DATA(fault) *self,
			const FIXTURE_VARIANT(fault) *variant,
			bool is_write, bool positional)
{
	uint8_t *buf = variant->null ? NULL : self->r.guard - variant->avail;

	if (is_write)
		check_write(_metadata, &self->r, positional, FAULT_OFF, buf,
			    FAULT_LEN, variant->avail, variant->want);
	else
		check_read(_metadata, &self->r, positional, FAULT_OFF, buf,
			   FAULT_LEN, variant->avail, variant->want);
}

TEST_F(fault, read)
{
	fault_check(_metadata, self, variant, false, false);
}

TEST_F(fault, pread)
{
	fault_check(_metadata, self, variant, false, true);
}

TEST_F(fault, write)
{
	fault_check(_metadata, self, variant, true, false);
}

TEST_F(fault, pwrite)
{
	fault_check(_metadata, self, variant, true, true);
}

/*
 * Bad buffers and counts, at an offset inside the region, each done four
 * ways: read, pread, write, pwrite.  want_* is the count, or -errno.
 */
FIXTURE_VARIANT(buffer) {
	enum buf_kind buf;
	size_t avail;	/* BUF_GUARD, BUF_RDONLY: bytes before the fault */
	size_t len;
	long long want_read, want_write;
};

REGION_FIXTURE(buffer);

FIXTURE_VARIANT_ADD(buffer, null) { BUF_NULL, 0, 100, -EFAULT, -EFAULT };
/* Zero bytes need no buffer: POSIX lets read() and write() return 0. */
FIXTURE_VARIANT_ADD(buffer, null_empty) { BUF_NULL, 0, 0, 0, 0 };
FIXTURE_VARIANT_ADD(buffer, low) { BUF_LOW, 0, 100, -EFAULT, -EFAULT };
FIXTURE_VARIANT_ADD(buffer, high) { BUF_HIGH, 0, 100, -EFAULT, -EFAULT };
/* access_ok() refuses a kernel address even for 0 bytes. */
FIXTURE_VARIANT_ADD(buffer, high_empty) {
	BUF_HIGH, 0, 0, LP64 ? -EFAULT : 0, LP64 ? -EFAULT : 0
};
/* A read-only buffer can be written from, not read into. */
FIXTURE_VARIANT_ADD(buffer, read_only) { BUF_RDONLY, 0, 100, -EFAULT, 100 };
FIXTURE_VARIANT_ADD(buffer, read_only_partial) {
	BUF_RDONLY, 100, 200, 100, 200
};
/* Reading into the device's own read-only map must not write through it. */
FIXTURE_VARIANT_ADD(buffer, own_read_only_map) {
	BUF_VIEW, 0, 100, -EFAULT, 100
};
/*
 * Counts whose end lies past the address space fail the VFS's
 * access_ok() on 64 bits.  A 32-bit caller's count cannot get there: it
 * is cut to MAX_RW_COUNT and the copy stops at the guard page.
 */
FIXTURE_VARIANT_ADD(buffer, len_size_max) {
	BUF_GUARD, 100, SIZE_MAX, LP64 ? -EFAULT : 100, LP64 ? -EFAULT : 100
};
FIXTURE_VARIANT_ADD(buffer, len_ssize_max) {
	BUF_GUARD, 100, SSIZE_MAX, LP64 ? -EFAULT : 100, LP64 ? -EFAULT : 100
};
FIXTURE_VARIANT_ADD(buffer, len_ssize_max_plus_1) {
	BUF_GUARD, 100, (size_t)SSIZE_MAX + 1,
	LP64 ? -EFAULT : 100, LP64 ? -EFAULT : 100
};
/* Counts that may end past the address space, or not (vfs_refuses_range()). */
#define AVAIL_OR_EFAULT	LLONG_MIN
FIXTURE_VARIANT_ADD(buffer, len_max_rw_count_plus_1) {
	BUF_GUARD, 100, MAX_RW_COUNT + 1, AVAIL_OR_EFAULT, AVAIL_OR_EFAULT
};
#if SIZE_MAX > UINT32_MAX
/* Cut to 32 bits, this count would be 5. */
FIXTURE_VARIANT_ADD(buffer, len_4g_plus_5) {
	BUF_GUARD, 100, (1ull << 32) + 5, AVAIL_OR_EFAULT, AVAIL_OR_EFAULT
};
#endif

/* In the middle of a page, so a transfer one page off would show. */
#define BUFFER_OFF	5000

static void buffer_check(struct __test_metadata *_metadata,
			 FIXTURE_DATA(buffer) *self,
			 const FIXTURE_VARIANT(buffer) *variant,
			 bool is_write, bool positional)
{
	struct region *r = &self->r;
	uint8_t *buf = user_buf(r, variant->buf, variant->avail, BUFFER_OFF);
	long long want = is_write ? variant->want_write : variant->want_read;
	long long got;

	if (want == AVAIL_OR_EFAULT)
		want = vfs_refuses_range(buf, variant->len) ? -EFAULT :
			(long long)variant->avail;
	got = transfer(_metadata, r, is_write, positional, BUFFER_OFF, buf,
		       variant->len);
	if (is_write && variant->buf == BUF_GUARD)
		want = fault_cut_write(want, got);
	ASSERT_EQ(want, got);
	expect_model(_metadata, r);
}

TEST_F(buffer, read)
{
	buffer_check(_metadata, self, variant, false, false);
}

TEST_F(buffer, pread)
{
	buffer_check(_metadata, self, variant, false, true);
}

TEST_F(buffer, write)
{
	buffer_check(_metadata, self, variant, true, false);
}

TEST_F(buffer, pwrite)
{
	buffer_check(_metadata, self, variant, true, true);
}

/* --- the whole region -------------------------------------------------- */

/*
 * The whole region through the file position, in chunks: each call
 * moves min(chunk, what is left), then the end is reached.  A chunk of
 * 0 stands for one call of the region's size plus a page.
 */
FIXTURE(stream) {
	struct region r;
	size_t chunk;
	uint8_t *buf;
};

FIXTURE_VARIANT(stream) {
	size_t chunk;
};

FIXTURE_VARIANT_ADD(stream, chunks) { 4000 };
FIXTURE_VARIANT_ADD(stream, one_call) { 0 };

FIXTURE_SETUP(stream)
{
	region_open(_metadata, &self->r);
	self->chunk = variant->chunk ?: self->r.size + page_size();
	self->buf = malloc(self->chunk);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(stream)
{
	region_close(&self->r);
	free(self->buf);
}

TEST_F(stream, read)
{
	struct region *r = &self->r;
	long long pos, want;

	for (pos = 0; pos < r->size; pos += want) {
		want = r->size - pos < (off_t)self->chunk ? r->size - pos :
							    (off_t)self->chunk;
		ASSERT_EQ(want, sysret(read(r->fd, self->buf, self->chunk)));
		ASSERT_EQ((size_t)want,
			  buf_mismatch(self->buf, r->model + pos, want));
	}
	ASSERT_EQ(0, sysret(read(r->fd, self->buf, self->chunk)));
	ASSERT_EQ(r->size, lseek(r->fd, 0, SEEK_CUR));
}

TEST_F(stream, write)
{
	struct region *r = &self->r;
	long long pos, want;

	for (pos = 0; pos < r->size; pos += want) {
		want = r->size - pos < (off_t)self->chunk ? r->size - pos :
							    (off_t)self->chunk;
		pattern_fill(self->buf, pos, self->chunk, NEW_SEED);
		ASSERT_EQ(want, sysret(write(r->fd, self->buf, self->chunk)));
		memcpy(r->model + pos, self->buf, want);
	}
	ASSERT_EQ(-ENOSPC, sysret(write(r->fd, self->buf, self->chunk)));
	ASSERT_EQ(r->size, lseek(r->fd, 0, SEEK_CUR));
	expect_region(_metadata, r);
}

/* --- counters ---------------------------------------------------------- */

/* A counter of /sys/class/misc/mymem, or UINT64_MAX if unreadable. */
/*
 * The sysfs counters count the reads and writes that moved bytes, and
 * those bytes: not empty calls, calls at the end, failed ones, ioctls.
 */
TEST_F(dev, sysfs_counters)
{
	struct mymem_fetch_add fa = { .offset = 0, .value = 0 };
	struct region *r = &self->r;
	uint8_t buf[10], *unmapped = r->guard;
	uint64_t before[NR_COUNTERS];

	counters_read(before);
	ASSERT_EQ(0, sysret(pread(r->fd, buf, 0, 0)));
	ASSERT_EQ(0, sysret(pwrite(r->fd, buf, 0, 0)));
	ASSERT_EQ(0, sysret(pread(r->fd, buf, sizeof(buf), r->size)));
	ASSERT_EQ(-ENOSPC, sysret(pwrite(r->fd, buf, sizeof(buf), r->size)));
	ASSERT_EQ(-EFAULT, sysret(pread(r->fd, unmapped, sizeof(buf), 0)));
	ASSERT_EQ(-EFAULT, sysret(pwrite(r->fd, unmapped, sizeof(buf), 0)));
	ASSERT_EQ(0, sysret(ioctl(r->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	/* One read of 10 bytes, one write of 5 (the same bytes back). */
	ASSERT_EQ(10, sysret(pread(r->fd, buf, sizeof(buf), 0)));
	ASSERT_EQ(5, sysret(pwrite(r->fd, buf, 5, 0)));
	expect_counted(_metadata, before, 1, 1, 10, 5);
	expect_region(_metadata, r);
}

/*
 * O_APPEND and RWF_APPEND: a write at the end of a region that cannot
 * grow, so ENOSPC (0 for a count of 0), the position and the region as
 * they were, whatever the position (rather than a write at it).  Reads
 * through an O_APPEND descriptor are ordinary.
 */
#ifndef RWF_APPEND
#define RWF_APPEND	0x00000010
#endif

enum append_call { APPEND_WRITE, APPEND_WRITEV, APPEND_PWRITE, APPEND_RWF };

FIXTURE_VARIANT(append) {
	enum append_call call;
	size_t len;
	int want;	/* the result: 0 or -errno */
};

REGION_FIXTURE(append);

FIXTURE_VARIANT_ADD(append, write) { APPEND_WRITE, 16, -ENOSPC };
FIXTURE_VARIANT_ADD(append, write_0) { APPEND_WRITE, 0, 0 };
FIXTURE_VARIANT_ADD(append, writev) { APPEND_WRITEV, 16, -ENOSPC };
FIXTURE_VARIANT_ADD(append, pwrite) { APPEND_PWRITE, 16, -ENOSPC };
/* pwritev2(RWF_APPEND) on a descriptor opened without O_APPEND. */
FIXTURE_VARIANT_ADD(append, pwritev2_rwf_append) { APPEND_RWF, 16, -ENOSPC };

TEST_F(append, at_the_end)
{
	struct region *r = &self->r;
	uint8_t data[16], back[16];
	struct iovec iov;
	long long ret;
	int fd;

	pattern_fill(data, 0, sizeof(data), NEW_SEED);
	iov = (struct iovec){ data, variant->len };
	fd = variant->call == APPEND_RWF ? dup(r->fd) :
		open(MYMEM_DEVICE_PATH, O_RDWR | O_APPEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(PARKED, lseek(fd, PARKED, SEEK_SET));
	switch (variant->call) {
	case APPEND_WRITE:
		ret = write(fd, data, variant->len);
		break;
	case APPEND_WRITEV:
		ret = writev(fd, &iov, 1);
		break;
	case APPEND_PWRITE:
		ret = pwrite(fd, data, variant->len, 0);
		break;
	default:	/* APPEND_RWF */
		ret = pwritev2(fd, &iov, 1, 0, RWF_APPEND);
		break;
	}
	ASSERT_EQ(variant->want, sysret(ret));
	ASSERT_EQ(PARKED, lseek(fd, 0, SEEK_CUR));
	expect_model(_metadata, r);
	/* An ordinary read, from the position. */
	ASSERT_EQ(16, sysret(read(fd, back, sizeof(back))));
	ASSERT_EQ(16, buf_mismatch(back, r->model + PARKED, 16));
	close(fd);
}

TEST_HARNESS_MAIN
