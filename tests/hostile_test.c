// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input: the arguments no sane caller passes to /dev/mymem, each
 * a table row with the exact result it must get, and the region left
 * unchanged (or changed in exactly the bytes a partial write reports).
 * device_test covers the ordinary edges (offsets at and just past the
 * end, buffers ending at a PROT_NONE page, unaligned atomics, our ioctl
 * numbers with wrong bits, mmap ranges); this adds what is left: negative
 * and overflowing offsets, counts up to SIZE_MAX, NULL, kernel, read-only
 * and self-mapped buffers, sweeps of unknown ioctl numbers, ioctl
 * arguments half in a hole, atomics on files not opened for them,
 * truncation, and mmap/mremap/madvise abuse.  Built twice, native and
 * -m32: a 32-bit caller reaches the same code through the compat entry
 * points, which split and zero-extend the arguments differently.
 *
 * The region is checked through a read-only shared map of a second,
 * read-only descriptor, so the check goes through none of the paths under
 * test, and after every row.  Each row is its own test case (a fixture
 * variant), so a failure names the input.
 */
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define BASE_SEED	1	/* what the setup writes */
#define NEW_SEED	2	/* what rows try to write */
#define PARKED		12345	/* where the position waits, to see it stay */
#define MIN_SIZE	(64 * 1024)	/* the tables' offsets fit in this */
#define LP64		(sizeof(long) == 8)
/*
 * An arm64 process's mappings start less than 2 GiB below the end of its
 * address space (mmap_base: a 128 MiB gap and at most 2^18 random pages
 * below it), so a count of 2 GiB or more from a buffer there ends past
 * the end, and the VFS's access_ok() refuses it as it does SIZE_MAX.
 */
#ifdef __aarch64__
#define MAPS_NEAR_END	true
#else
#define MAPS_NEAR_END	false
#endif
/* fs/read_write.c: one read or write moves at most this much. */
#define MAX_RW_COUNT	(INT_MAX & ~(4096 - 1))

/* The device, open read-write, and how the region must look. */
struct region {
	int fd;
	off_t size;
	const uint8_t *view;	/* read-only shared map, of a read-only fd */
	uint8_t *model;
	uint8_t *guard;		/* guard_pages(): a PROT_NONE page here */
	uint8_t *ro;		/* a PROT_READ page, a read-write one before */
};

static void region_open(struct __test_metadata *_metadata, struct region *r)
{
	size_t page = page_size();
	uint8_t *p;
	int rfd;

	r->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, r->fd) TH_LOG("open %s: %s", MYMEM_DEVICE_PATH,
				   strerror(errno));
	r->size = region_size(r->fd);
	ASSERT_LE(MIN_SIZE, r->size);
	r->model = malloc(r->size);
	ASSERT_NE(NULL, r->model);
	pattern_fill(r->model, 0, r->size, BASE_SEED);
	ASSERT_EQ(r->size, sysret(pwrite(r->fd, r->model, r->size, 0)));

	rfd = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, rfd);
	r->view = mmap(NULL, r->size, PROT_READ, MAP_SHARED, rfd, 0);
	ASSERT_NE(MAP_FAILED, r->view);
	close(rfd);

	r->guard = guard_pages();
	ASSERT_NE(NULL, r->guard);
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	r->ro = p + page;
	ASSERT_EQ(0, mprotect(r->ro, page, PROT_READ));
	ASSERT_EQ(PARKED, lseek(r->fd, PARKED, SEEK_SET));
}

static void region_close(struct region *r)
{
	size_t page = page_size();

	munmap(r->ro - page, 2 * page);
	guard_pages_free(r->guard);
	munmap((void *)r->view, r->size);
	free(r->model);
	close(r->fd);
}

/* The region, seen through the read-only map, must equal the model. */
static void expect_model(struct __test_metadata *_metadata, struct region *r)
{
	size_t at = buf_mismatch(r->view, r->model, r->size);

	ASSERT_EQ((size_t)r->size, at)
		TH_LOG("region byte %zu is %#x, should be %#x", at,
		       r->view[at], r->model[at]);
}

/* --- user buffers ------------------------------------------------------ */

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

/*
 * One read or write of @len bytes at @off: through the file position or,
 * if @positional, with pread/pwrite while the position stays parked.
 * The position must end where the count says.  The bytes a read returns
 * must be the region's; those a write reports are the model's now.
 * Returns the count or -errno.
 */
static long long transfer(struct __test_metadata *_metadata, struct region *r,
			  bool is_write, bool positional, long long off,
			  uint8_t *buf, size_t len)
{
	off_t start = positional ? PARKED : off;
	long long ret;

	ASSERT_EQ(start, lseek(r->fd, start, SEEK_SET));
	if (positional)
		ret = is_write ? pwrite(r->fd, buf, len, off) :
				 pread(r->fd, buf, len, off);
	else
		ret = is_write ? write(r->fd, buf, len) :
				 read(r->fd, buf, len);
	ret = sysret(ret);
	ASSERT_EQ(start + (positional || ret < 0 ? 0 : ret),
		  lseek(r->fd, 0, SEEK_CUR));
	if (ret > 0 && is_write)
		memcpy(r->model + off, buf, ret);
	if (ret > 0 && !is_write) {
		ASSERT_EQ(ret, buf_mismatch(buf, r->model + off, ret));
	}
	return ret;
}

/*
 * Bad buffers and counts, at an offset inside the region, each done four
 * ways: read, pread, write, pwrite.  want_* is the count, or -errno.
 */
FIXTURE(buffer) {
	struct region r;
};

FIXTURE_VARIANT(buffer) {
	enum buf_kind buf;
	size_t avail;	/* BUF_GUARD, BUF_RDONLY: bytes before the fault */
	size_t len;
	long long want_read, want_write;
};

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
FIXTURE_VARIANT_ADD(buffer, len_max_rw_count_plus_1) {
	BUF_GUARD, 100, MAX_RW_COUNT + 1,
	MAPS_NEAR_END ? -EFAULT : 100, MAPS_NEAR_END ? -EFAULT : 100
};
#if SIZE_MAX > UINT32_MAX
/* Cut to 32 bits, this count would be 5. */
FIXTURE_VARIANT_ADD(buffer, len_4g_plus_5) {
	BUF_GUARD, 100, (1ull << 32) + 5,
	MAPS_NEAR_END ? -EFAULT : 100, MAPS_NEAR_END ? -EFAULT : 100
};
#endif

FIXTURE_SETUP(buffer)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(buffer)
{
	region_close(&self->r);
}

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
	long long got = transfer(_metadata, r, is_write, positional,
				 BUFFER_OFF, buf, variant->len);

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

/*
 * Offsets that lseek() cannot reach, given to pread and pwrite.  The
 * VFS refuses a negative offset, and one whose end (offset + count)
 * overflows, with EINVAL; past the end a read finds nothing and a write
 * no space, as on a block device.
 */
FIXTURE(offset) {
	struct region r;
};

FIXTURE_VARIANT(offset) {
	long long off;
	size_t len;
	long long want_read, want_write;
};

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

FIXTURE_SETUP(offset)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(offset)
{
	region_close(&self->r);
}

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

/*
 * llseek from position PARKED with what device_test's seek table leaves
 * out: offsets at the limits of loff_t, one that a 32-bit cut would
 * make valid, and whence values the device does not take.  All EINVAL
 * (SEEK_DATA and SEEK_HOLE too: fixed_size_llseek() has no holes to
 * report and refuses them), and the position stays.
 */
FIXTURE(seek) {
	struct region r;
};

FIXTURE_VARIANT(seek) {
	int whence;
	long long off;
};

FIXTURE_VARIANT_ADD(seek, set_llong_max) { SEEK_SET, LLONG_MAX };
FIXTURE_VARIANT_ADD(seek, set_llong_min) { SEEK_SET, LLONG_MIN };
FIXTURE_VARIANT_ADD(seek, set_4g) { SEEK_SET, 1ll << 32 };
FIXTURE_VARIANT_ADD(seek, cur_llong_min) { SEEK_CUR, LLONG_MIN };
FIXTURE_VARIANT_ADD(seek, cur_4g) { SEEK_CUR, 1ll << 32 };
FIXTURE_VARIANT_ADD(seek, end_llong_min) { SEEK_END, LLONG_MIN };
FIXTURE_VARIANT_ADD(seek, seek_data) { SEEK_DATA, 0 };
FIXTURE_VARIANT_ADD(seek, seek_hole) { SEEK_HOLE, 0 };
FIXTURE_VARIANT_ADD(seek, whence_5) { 5, 0 };
FIXTURE_VARIANT_ADD(seek, whence_int_max) { INT_MAX, 0 };
FIXTURE_VARIANT_ADD(seek, whence_minus_1) { -1, 0 };

FIXTURE_SETUP(seek)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(seek)
{
	region_close(&self->r);
}

TEST_F(seek, lseek)
{
	struct region *r = &self->r;

	ASSERT_EQ(-EINVAL, sysret(lseek(r->fd, variant->off, variant->whence)));
	ASSERT_EQ(PARKED, lseek(r->fd, 0, SEEK_CUR));
}

/* --- ioctl ------------------------------------------------------------- */

/*
 * In @arg, an argument that would be a valid operation on the word at
 * offset 0, which holds @word: FETCH_ADD of 1, or CMPXCHG of @word to its
 * complement.  Returns what the word must hold after it.
 */
static uint64_t atomic_arg(unsigned long cmd, uint64_t word, uint64_t arg[4])
{
	arg[0] = 0;
	arg[1] = cmd == MYMEM_IOC_CMPXCHG ? word : 1;
	arg[2] = ~word;
	arg[3] = 0;
	return cmd == MYMEM_IOC_CMPXCHG ? ~word : word + 1;
}

/*
 * Every number with our magic but the three we have, whatever its
 * direction and size, and our three numbers under every other magic:
 * ENOTTY and nothing changes, though the argument is a valid FETCH_ADD.
 */
FIXTURE(ioctl_cmd) {
	struct region r;
};

FIXTURE_SETUP(ioctl_cmd)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(ioctl_cmd)
{
	region_close(&self->r);
}

static bool is_our_cmd(unsigned int cmd)
{
	return cmd == MYMEM_IOC_GET_SIZE || cmd == MYMEM_IOC_FETCH_ADD ||
	       cmd == MYMEM_IOC_CMPXCHG;
}

static void expect_enotty(struct __test_metadata *_metadata, int fd,
			  unsigned int cmd, void *arg)
{
	ASSERT_EQ(-ENOTTY, sysret(ioctl(fd, cmd, arg))) TH_LOG("cmd %#x", cmd);
}

TEST_F(ioctl_cmd, sweep)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	static const unsigned int sizes[] = {
		0, 1, 8, sizeof(struct mymem_fetch_add),
		sizeof(struct mymem_cmpxchg), _IOC_SIZEMASK,
	};
	static const unsigned int ours[] = {
		MYMEM_IOC_GET_SIZE, MYMEM_IOC_FETCH_ADD, MYMEM_IOC_CMPXCHG,
	};
	struct region *r = &self->r;
	unsigned int d, nr, s, magic, i, cmd, n = 0;
	uint64_t arg[4];

	atomic_arg(MYMEM_IOC_FETCH_ADD, 0, arg);
	for (d = 0; d < ARRAY_SIZE(dirs); d++)
		for (nr = 0; nr <= _IOC_NRMASK; nr++)
			for (s = 0; s < ARRAY_SIZE(sizes); s++) {
				cmd = _IOC(dirs[d], MYMEM_IOC_MAGIC, nr,
					   sizes[s]);
				if (is_our_cmd(cmd))
					continue;
				expect_enotty(_metadata, r->fd, cmd, arg);
				n++;
			}
	for (magic = 0; magic <= _IOC_TYPEMASK; magic++)
		for (i = 0; i < ARRAY_SIZE(ours) && magic != MYMEM_IOC_MAGIC;
		     i++) {
			cmd = _IOC(_IOC_DIR(ours[i]), magic, _IOC_NR(ours[i]),
				   _IOC_SIZE(ours[i]));
			expect_enotty(_metadata, r->fd, cmd, arg);
			n++;
		}
	TH_LOG("%u numbers", n);
	expect_model(_metadata, r);
}

/*
 * Argument pointers that device_test does not try, for each ioctl: its
 * result is in want[] in the order GET_SIZE, FETCH_ADD, CMPXCHG (0 or
 * -errno).  A call that succeeds must have done exactly its operation.
 */
enum arg_kind {
	ARG_LOW,	/* page 1, never mapped */
	ARG_HIGH,	/* the last page: the kernel's, or (-m32) unmapped */
	ARG_HEAD,	/* 8 bytes readable and writable, then a hole */
	ARG_VIEW,	/* the device's own read-only map */
	ARG_ODD,	/* valid, at an odd address */
};

FIXTURE(ioctl_ptr) {
	struct region r;
};

FIXTURE_VARIANT(ioctl_ptr) {
	enum arg_kind arg;
	int want[3];
};

FIXTURE_VARIANT_ADD(ioctl_ptr, low) { ARG_LOW, { -EFAULT, -EFAULT, -EFAULT } };
FIXTURE_VARIANT_ADD(ioctl_ptr, high) { ARG_HIGH, { -EFAULT, -EFAULT, -EFAULT } };
/* GET_SIZE writes 8 bytes and fits; the atomics read 24 or 32. */
FIXTURE_VARIANT_ADD(ioctl_ptr, head_only) { ARG_HEAD, { 0, -EFAULT, -EFAULT } };
FIXTURE_VARIANT_ADD(ioctl_ptr, own_read_only_map) {
	ARG_VIEW, { -EFAULT, -EFAULT, -EFAULT }
};
FIXTURE_VARIANT_ADD(ioctl_ptr, odd_address) { ARG_ODD, { 0, 0, 0 } };

FIXTURE_SETUP(ioctl_ptr)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(ioctl_ptr)
{
	region_close(&self->r);
}

static void ioctl_ptr_check(struct __test_metadata *_metadata,
			    FIXTURE_DATA(ioctl_ptr) *self,
			    const FIXTURE_VARIANT(ioctl_ptr) *variant,
			    int which, unsigned long cmd)
{
	struct region *r = &self->r;
	size_t len = _IOC_SIZE(cmd);
	uint64_t word, next, res, a[4];
	uint8_t *arg = NULL;

	memcpy(&word, r->model, 8);
	next = atomic_arg(cmd, word, a);
	switch (variant->arg) {
	case ARG_LOW:
		arg = (uint8_t *)page_size();
		break;
	case ARG_HIGH:
		arg = (uint8_t *)-page_size();
		break;
	case ARG_HEAD:
		arg = r->guard - 8;
		memcpy(arg, a, 8);
		break;
	case ARG_VIEW:
		arg = (uint8_t *)r->view;
		break;
	case ARG_ODD:
		arg = r->guard - len - 1;
		memcpy(arg, a, len);
		break;
	}

	ASSERT_EQ(variant->want[which], sysret(ioctl(r->fd, cmd, arg)));
	if (!variant->want[which]) {
		/* The result is the last __u64 of the argument. */
		memcpy(&res, arg + len - 8, 8);
		ASSERT_EQ(cmd == MYMEM_IOC_GET_SIZE ? (uint64_t)r->size : word,
			  res);
		if (cmd != MYMEM_IOC_GET_SIZE)
			memcpy(r->model, &next, 8);
	}
	expect_model(_metadata, r);
}

TEST_F(ioctl_ptr, get_size)
{
	ioctl_ptr_check(_metadata, self, variant, 0, MYMEM_IOC_GET_SIZE);
}

TEST_F(ioctl_ptr, fetch_add)
{
	ioctl_ptr_check(_metadata, self, variant, 1, MYMEM_IOC_FETCH_ADD);
}

TEST_F(ioctl_ptr, cmpxchg)
{
	ioctl_ptr_check(_metadata, self, variant, 2, MYMEM_IOC_CMPXCHG);
}

/*
 * Atomic offsets beyond device_test's: the last bytes, the limits of
 * __u64 and 2^63, and offsets that a 32-bit cut would make valid words.
 */
FIXTURE(atomic_offset) {
	struct region r;
};

FIXTURE_VARIANT(atomic_offset) {
	struct rel off;
};

FIXTURE_VARIANT_ADD(atomic_offset, size_minus_7) { REL(1, -7) };
FIXTURE_VARIANT_ADD(atomic_offset, size_minus_1) { REL(1, -1) };
FIXTURE_VARIANT_ADD(atomic_offset, u64_max) { REL(0, -1) };
FIXTURE_VARIANT_ADD(atomic_offset, u64_max_word) { REL(0, -8) };
FIXTURE_VARIANT_ADD(atomic_offset, minus_size) { REL(-1, 0) };
FIXTURE_VARIANT_ADD(atomic_offset, llong_max) { REL(0, LLONG_MAX) };
FIXTURE_VARIANT_ADD(atomic_offset, _2_pow_63_plus_8) { REL(0, LLONG_MIN + 8) };
FIXTURE_VARIANT_ADD(atomic_offset, _4g) { REL(0, 1ll << 32) };
FIXTURE_VARIANT_ADD(atomic_offset, _4g_plus_last) { REL(1, (1ll << 32) - 8) };

FIXTURE_SETUP(atomic_offset)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(atomic_offset)
{
	region_close(&self->r);
}

static void atomic_offset_check(struct __test_metadata *_metadata,
				FIXTURE_DATA(atomic_offset) *self,
				const FIXTURE_VARIANT(atomic_offset) *variant,
				unsigned long cmd)
{
	struct region *r = &self->r;
	uint64_t arg[4];

	atomic_arg(cmd, 0, arg);
	arg[0] = rel_at(variant->off, r->size);
	ASSERT_EQ(-EINVAL, sysret(ioctl(r->fd, cmd, arg)));
	expect_model(_metadata, r);
}

TEST_F(atomic_offset, fetch_add)
{
	atomic_offset_check(_metadata, self, variant, MYMEM_IOC_FETCH_ADD);
}

TEST_F(atomic_offset, cmpxchg)
{
	atomic_offset_check(_metadata, self, variant, MYMEM_IOC_CMPXCHG);
}

/* --- the open mode ----------------------------------------------------- */

/*
 * What a descriptor may do depends on how it was opened.  read() needs
 * FMODE_READ and write() FMODE_WRITE (EBADF otherwise, POSIX); an atomic
 * ioctl both reads the word (the old value comes back) and writes it, so
 * it needs both, with EBADF like write() and like the VFS's and block
 * devices' own ioctls that write (FICLONE, BLKDISCARD).  GET_SIZE only
 * describes the file.  A shared map needs a readable descriptor, and a
 * writable one to write (EACCES, mmap(2)).  A fixed-size file cannot be
 * truncated (EINVAL) nor allocated (ENODEV), and O_TRUNC on a device is
 * ignored.
 */
enum mode_op {
	OP_NONE,	/* the open itself */
	OP_READ,
	OP_WRITE,
	OP_GET_SIZE,
	OP_FETCH_ADD,
	OP_CMPXCHG,
	OP_MAP_READ,	/* a shared map, PROT_READ */
	OP_MAP_WRITE,	/* a shared map, PROT_READ | PROT_WRITE */
	OP_MPROTECT,	/* a shared PROT_READ map made writable */
	OP_FTRUNCATE,
	OP_FALLOCATE,
};

FIXTURE(mode) {
	struct region r;
};

FIXTURE_VARIANT(mode) {
	int flags;
	enum mode_op op;
	int want;	/* 0 or -errno */
};

FIXTURE_VARIANT_ADD(mode, rdonly_write) { O_RDONLY, OP_WRITE, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_read) { O_WRONLY, OP_READ, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_get_size) { O_RDONLY, OP_GET_SIZE, 0 };
FIXTURE_VARIANT_ADD(mode, wronly_get_size) { O_WRONLY, OP_GET_SIZE, 0 };
FIXTURE_VARIANT_ADD(mode, path_get_size) { O_PATH, OP_GET_SIZE, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_fetch_add) { O_RDONLY, OP_FETCH_ADD, -EBADF };
FIXTURE_VARIANT_ADD(mode, rdonly_cmpxchg) { O_RDONLY, OP_CMPXCHG, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_fetch_add) { O_WRONLY, OP_FETCH_ADD, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_cmpxchg) { O_WRONLY, OP_CMPXCHG, -EBADF };
FIXTURE_VARIANT_ADD(mode, wronly_map_read) { O_WRONLY, OP_MAP_READ, -EACCES };
FIXTURE_VARIANT_ADD(mode, rdonly_map_write) { O_RDONLY, OP_MAP_WRITE, -EACCES };
FIXTURE_VARIANT_ADD(mode, rdonly_mprotect_write) { O_RDONLY, OP_MPROTECT, -EACCES };
FIXTURE_VARIANT_ADD(mode, ftruncate_0) { O_RDWR, OP_FTRUNCATE, -EINVAL };
FIXTURE_VARIANT_ADD(mode, fallocate) { O_RDWR, OP_FALLOCATE, -ENODEV };
FIXTURE_VARIANT_ADD(mode, open_trunc) { O_RDWR | O_TRUNC, OP_NONE, 0 };

FIXTURE_SETUP(mode)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(mode)
{
	region_close(&self->r);
}

/*
 * @op on @fd, whose word 0 holds @word: 0 or -errno.  If it succeeds,
 * word 0 must hold *@next.
 */
static int mode_do(int fd, enum mode_op op, uint64_t word, uint64_t *next)
{
	unsigned long cmd = op == OP_CMPXCHG ? MYMEM_IOC_CMPXCHG :
					       MYMEM_IOC_FETCH_ADD;
	size_t page = page_size();
	uint64_t arg[4];
	void *map;
	int ret;

	switch (op) {
	case OP_NONE:
		return 0;
	case OP_READ:
		ret = sysret(pread(fd, arg, 8, 0));
		return ret < 0 ? ret : 0;
	case OP_WRITE:
		*next = ~word;
		ret = sysret(pwrite(fd, next, 8, 0));
		return ret < 0 ? ret : 0;
	case OP_GET_SIZE:
		return sysret(ioctl(fd, MYMEM_IOC_GET_SIZE, arg));
	case OP_FETCH_ADD:
	case OP_CMPXCHG:
		*next = atomic_arg(cmd, word, arg);
		return sysret(ioctl(fd, cmd, arg));
	case OP_MAP_READ:
	case OP_MAP_WRITE:
	case OP_MPROTECT:
		map = mmap(NULL, page, op == OP_MAP_WRITE ?
				PROT_READ | PROT_WRITE : PROT_READ,
			   MAP_SHARED, fd, 0);
		if (map == MAP_FAILED)
			return -errno;
		ret = op == OP_MPROTECT ?
			sysret(mprotect(map, page, PROT_READ | PROT_WRITE)) : 0;
		munmap(map, page);
		return ret;
	case OP_FTRUNCATE:
		return sysret(ftruncate(fd, 0));
	case OP_FALLOCATE:
		return sysret(fallocate(fd, 0, 0, 4096));
	}
	return -ENOSYS;
}

TEST_F(mode, op)
{
	struct region *r = &self->r;
	uint64_t word, next;
	int fd, ret;

	memcpy(&word, r->model, 8);
	next = word;
	fd = open(MYMEM_DEVICE_PATH, variant->flags);
	ASSERT_LE(0, fd);
	ret = mode_do(fd, variant->op, word, &next);
	close(fd);
	ASSERT_EQ(variant->want, ret);
	if (!ret)
		memcpy(r->model, &next, 8);
	expect_model(_metadata, r);
}

/* --- mappings ---------------------------------------------------------- */

/*
 * mmap() arguments beyond device_test's ranges, and the region untouched.
 * A page number that overflows with the length is the VFS's EOVERFLOW
 * (mmap(2)); any other offset past the end is the device's EINVAL.  -m32
 * calls mmap2(), whose page number has 32 bits: glibc refuses larger
 * offsets itself with EINVAL.
 */
FIXTURE(map) {
	struct region r;
};

FIXTURE_VARIANT(map) {
	long long off;
	size_t len;	/* 0 stands for a page */
	int flags;
	int want;	/* errno */
};

FIXTURE_VARIANT_ADD(map, len_huge) { 0, SIZE_MAX & ~4095ul, MAP_SHARED, ENOMEM };
FIXTURE_VARIANT_ADD(map, off_unaligned) { 1, 0, MAP_SHARED, EINVAL };
FIXTURE_VARIANT_ADD(map, off_minus_page) {
	-4096, 0, MAP_SHARED, LP64 ? EOVERFLOW : EINVAL
};
/* Page 2^51: no overflow, so the device's own check. */
FIXTURE_VARIANT_ADD(map, off_llong_min) { LLONG_MIN, 0, MAP_SHARED, EINVAL };
FIXTURE_VARIANT_ADD(map, off_2_pow_62) { 1ll << 62, 0, MAP_SHARED, EINVAL };
/* A 32-bit cut would make this page 0. */
FIXTURE_VARIANT_ADD(map, pgoff_2_pow_32) { 1ll << 44, 0, MAP_SHARED, EINVAL };
/* The device takes no flags that must be validated (MAP_SYNC is DAX's). */
FIXTURE_VARIANT_ADD(map, shared_validate_sync) {
	0, 0, MAP_SHARED_VALIDATE | MAP_SYNC, EOPNOTSUPP
};

FIXTURE_SETUP(map)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(map)
{
	region_close(&self->r);
}

TEST_F(map, mmap)
{
	size_t len = variant->len ?: page_size();
	void *map = mmap(NULL, len, PROT_READ | PROT_WRITE, variant->flags,
			 self->r.fd, variant->off);

	if (map != MAP_FAILED)
		munmap(map, len);
	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(variant->want, errno);
	expect_model(_metadata, &self->r);
}

/*
 * mremap() of a shared map: the device's maps cannot grow (EFAULT: the
 * pages were inserted at mmap() time, VM_DONTEXPAND), whether in place or
 * moving, and the region stays as it was; shrinking keeps what is left.
 */
FIXTURE(remap) {
	struct region r;
};

FIXTURE_VARIANT(remap) {
	struct rel off, len, new_len;
	int flags;
	int want;	/* errno */
};

FIXTURE_VARIANT_ADD(remap, grow_whole) {
	REL(0, 0), REL(1, 0), REL(1, 4096), 0, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_whole_maymove) {
	REL(0, 0), REL(1, 0), REL(1, 4096), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_inside) {
	REL(0, 0), REL(0, 4096), REL(0, 8192), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, grow_huge) {
	REL(0, 0), REL(0, 4096), REL(0, 1ll << 30), MREMAP_MAYMOVE, EFAULT
};
FIXTURE_VARIANT_ADD(remap, shrink) {
	REL(0, 4096), REL(0, 8192), REL(0, 4096), 0, 0
};

FIXTURE_SETUP(remap)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(remap)
{
	region_close(&self->r);
}

TEST_F(remap, mremap)
{
	struct region *r = &self->r;
	off_t off = rel_at(variant->off, r->size);
	size_t len = rel_at(variant->len, r->size);
	size_t new_len = rel_at(variant->new_len, r->size);
	uint8_t *map, *moved;

	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, off);
	ASSERT_NE(MAP_FAILED, map);
	moved = mremap(map, len, new_len, variant->flags);
	if (moved == MAP_FAILED) {
		ASSERT_EQ(variant->want, errno);
		munmap(map, len);
	} else {
		ASSERT_EQ(new_len, buf_mismatch(moved, r->model + off, new_len));
		munmap(moved, new_len);
		ASSERT_EQ(variant->want, 0);
	}
	expect_model(_metadata, r);
}

/*
 * After madvise(MADV_DONTNEED) a shared map of a file must show the file
 * again on the next access (madvise(2): "repopulating the memory
 * contents from the up-to-date contents of the underlying mapped file").
 * In a child, as without a fault handler that access is a SIGBUS.
 */
FIXTURE(dontneed) {
	struct region r;
};

FIXTURE_VARIANT(dontneed) {
	int prot;
};

FIXTURE_VARIANT_ADD(dontneed, shared_read) { PROT_READ };
FIXTURE_VARIANT_ADD(dontneed, shared_write) { PROT_READ | PROT_WRITE };

FIXTURE_SETUP(dontneed)
{
	region_open(_metadata, &self->r);
}

FIXTURE_TEARDOWN(dontneed)
{
	region_close(&self->r);
}

/* The child: 0 if the map still is the region, else 1; or killed. */
static int dontneed_child(struct region *r, int prot)
{
	uint8_t *map = mmap(NULL, r->size, prot, MAP_SHARED, r->fd, 0);
	uint8_t c;

	if (map == MAP_FAILED || madvise(map, r->size, MADV_DONTNEED))
		return 1;
	if (buf_mismatch(map, r->model, r->size) != (size_t)r->size)
		return 1;
	if (prot & PROT_WRITE) {
		/* A store lands in the region, as pread() shows. */
		map[100] = ~r->model[100];
		if (pread(r->fd, &c, 1, 100) != 1 || c != map[100])
			return 1;
		map[100] = r->model[100];
	}
	return 0;
}

TEST_F(dontneed, access)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dontneed_child(&self->r, variant->prot));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("status %#x", status);
	expect_model(_metadata, &self->r);
}

TEST_HARNESS_MAIN
