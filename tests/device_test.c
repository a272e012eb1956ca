// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/mymem as a file: per-open positions, read/write/pread/pwrite at
 * the edges of the region, llseek, bad user buffers, the ioctls, mmap
 * and close.  Built twice, native and -m32, so that 32-bit callers (the
 * compat ioctl and llseek paths) run the same table.
 *
 * Every test starts from the region filled with a known pattern and
 * keeps a model of what the region must hold.  A test checks the count
 * a call returns, the bytes it moved, the file position afterwards and,
 * after any call that might write, the whole region against the model:
 * a copy that goes one byte too far, lands at the wrong offset or
 * clobbers a neighbour fails.
 */
#include <limits.h>
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "testlib.h"

#define BASE_SEED	1	/* what the setup writes */
#define NEW_SEED	2	/* what tests write over it */
#define GUARD		0x5a	/* read buffers start out full of this */
#define SLACK		64	/* guard bytes after each read buffer */
/* Where pread/pwrite tests park the position, to see it is not moved. */
#define PARKED		12345
#define MIN_SIZE	(64 * 1024)	/* the tables' offsets fit in this */

/* The device, open read-write, and a model of the region's contents. */
struct dev {
	int fd;
	off_t size;
	uint8_t *model;
	uint8_t *scratch;	/* the region as last read back */
};

static void dev_open(struct __test_metadata *_metadata, struct dev *d)
{
	d->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, d->fd) TH_LOG("open %s: %s", MYMEM_DEVICE_PATH,
				   strerror(errno));
	d->size = region_size(d->fd);
	ASSERT_LE(MIN_SIZE, d->size);
	d->model = malloc(d->size);
	d->scratch = malloc(d->size);
	ASSERT_NE(NULL, d->model);
	ASSERT_NE(NULL, d->scratch);
	pattern_fill(d->model, 0, d->size, BASE_SEED);
	ASSERT_EQ(d->size, sysret(pwrite(d->fd, d->model, d->size, 0)));
}

static void dev_close(struct dev *d)
{
	close(d->fd);
	free(d->model);
	free(d->scratch);
}

/* The whole region, read back, must equal the model. */
static void expect_region(struct __test_metadata *_metadata, struct dev *d)
{
	size_t at;

	ASSERT_EQ(d->size, sysret(pread(d->fd, d->scratch, d->size, 0)));
	at = buf_mismatch(d->scratch, d->model, d->size);
	ASSERT_EQ((size_t)d->size, at)
		TH_LOG("region byte %zu is %#x, should be %#x", at,
		       d->scratch[at], d->model[at]);
}

/*
 * One read or write of @len bytes at @off: through the file position
 * (lseek, then read/write) or, if @positional, with pread/pwrite while
 * the position is parked elsewhere.  Returns the count or -errno after
 * checking the position: advanced by the count, or left where it was.
 */
static long long transfer(struct __test_metadata *_metadata, struct dev *d,
			  bool is_write, bool positional, long long off,
			  void *buf, size_t len)
{
	off_t start = positional ? PARKED : off;
	long long ret;

	ASSERT_EQ(start, lseek(d->fd, start, SEEK_SET));
	if (positional)
		ret = is_write ? pwrite(d->fd, buf, len, off) :
				 pread(d->fd, buf, len, off);
	else
		ret = is_write ? write(d->fd, buf, len) :
				 read(d->fd, buf, len);
	ret = sysret(ret);
	ASSERT_EQ(start + (positional || ret < 0 ? 0 : ret),
		  lseek(d->fd, 0, SEEK_CUR));
	return ret;
}

/*
 * Read @len bytes at @off into @buf, of which @avail bytes are
 * accessible, expecting @want (bytes or -errno): the bytes read must be
 * the region's, and the rest of @buf untouched.
 */
static void check_read(struct __test_metadata *_metadata, struct dev *d,
		       bool positional, long long off, uint8_t *buf,
		       size_t len, size_t avail, long long want)
{
	size_t done = want > 0 ? want : 0;

	memset(buf, GUARD, avail);
	ASSERT_EQ(want, transfer(_metadata, d, false, positional, off, buf,
				 len));
	if (done) {
		ASSERT_EQ(done, buf_mismatch(buf, d->model + off, done));
	}
	ASSERT_EQ(avail - done, byte_mismatch(buf + done, GUARD, avail - done));
}

/*
 * Write @len bytes of new data at @off from @buf, of which @avail bytes
 * are accessible, expecting @want: exactly the bytes written may change.
 */
static void check_write(struct __test_metadata *_metadata, struct dev *d,
			bool positional, long long off, uint8_t *buf,
			size_t len, size_t avail, long long want)
{
	long long got;

	pattern_fill(buf, off, avail, NEW_SEED);
	got = transfer(_metadata, d, true, positional, off, buf, len);
	if (avail < len)
		want = fault_cut_write(want, got);
	ASSERT_EQ(want, got);
	if (want > 0)
		memcpy(d->model + off, buf, want);
	expect_region(_metadata, d);
}

FIXTURE(dev) {
	struct dev d;
};

FIXTURE_SETUP(dev)
{
	dev_open(_metadata, &self->d);
}

FIXTURE_TEARDOWN(dev)
{
	dev_close(&self->d);
}

/*
 * Transfers around the edges of the region, each done four ways: read,
 * pread, write, pwrite.  want_* is the count, or -errno.
 */
FIXTURE(span) {
	struct dev d;
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
	dev_open(_metadata, &self->d);
	self->buf = malloc(variant->len + SLACK);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(span)
{
	dev_close(&self->d);
	free(self->buf);
}

static void span_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(span) *self,
		       const FIXTURE_VARIANT(span) *variant,
		       bool is_write, bool positional)
{
	long long off = rel_at(variant->off, self->d.size);
	size_t avail = variant->len + SLACK;

	if (is_write)
		check_write(_metadata, &self->d, positional, off, self->buf,
			    variant->len, avail, variant->want_write);
	else
		check_read(_metadata, &self->d, positional, off, self->buf,
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
		self->d.size + 1, self->d.size + 4096, 1LL << 62,
	};
	uint8_t buf[100 + SLACK];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		check_read(_metadata, &self->d, true, offs[i], buf, 100,
			   sizeof(buf), 0);
		check_write(_metadata, &self->d, true, offs[i], buf, 100,
			    sizeof(buf), -ENOSPC);
	}
}

/*
 * A user buffer that ends at a PROT_NONE page after @avail bytes, or
 * NULL: a transfer of 200 bytes copies what it can and returns that
 * count, or fails with EFAULT if it copied nothing.  A write must not touch the
 * region beyond the bytes it reports.
 */
#define FAULT_OFF	1000
#define FAULT_LEN	200

FIXTURE(fault) {
	struct dev d;
	uint8_t *boundary;
};

FIXTURE_VARIANT(fault) {
	size_t avail;
	long long want;
	bool null;	/* the buffer is NULL itself */
};

FIXTURE_VARIANT_ADD(fault, nothing) { 0, -EFAULT, false };
FIXTURE_VARIANT_ADD(fault, partial) { 100, 100, false };
FIXTURE_VARIANT_ADD(fault, null) { 0, -EFAULT, true };

FIXTURE_SETUP(fault)
{
	dev_open(_metadata, &self->d);
	self->boundary = guard_pages();
	ASSERT_NE(NULL, self->boundary);
}

FIXTURE_TEARDOWN(fault)
{
	dev_close(&self->d);
	guard_pages_free(self->boundary);
}

static void fault_check(struct __test_metadata *_metadata,
			FIXTURE_DATA(fault) *self,
			const FIXTURE_VARIANT(fault) *variant,
			bool is_write, bool positional)
{
	uint8_t *buf = variant->null ? NULL : self->boundary - variant->avail;

	if (is_write)
		check_write(_metadata, &self->d, positional, FAULT_OFF, buf,
			    FAULT_LEN, variant->avail, variant->want);
	else
		check_read(_metadata, &self->d, positional, FAULT_OFF, buf,
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
 * The whole region through the file position, in chunks: each call
 * moves min(chunk, what is left), then the end is reached.  A chunk of
 * 0 stands for one call of the region's size plus a page.
 */
FIXTURE(stream) {
	struct dev d;
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
	dev_open(_metadata, &self->d);
	self->chunk = variant->chunk ?: self->d.size + page_size();
	self->buf = malloc(self->chunk);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(stream)
{
	dev_close(&self->d);
	free(self->buf);
}

TEST_F(stream, read)
{
	struct dev *d = &self->d;
	long long pos, want;

	for (pos = 0; pos < d->size; pos += want) {
		want = d->size - pos < (off_t)self->chunk ? d->size - pos :
							    (off_t)self->chunk;
		ASSERT_EQ(want, sysret(read(d->fd, self->buf, self->chunk)));
		ASSERT_EQ((size_t)want,
			  buf_mismatch(self->buf, d->model + pos, want));
	}
	ASSERT_EQ(0, sysret(read(d->fd, self->buf, self->chunk)));
	ASSERT_EQ(d->size, lseek(d->fd, 0, SEEK_CUR));
}

TEST_F(stream, write)
{
	struct dev *d = &self->d;
	long long pos, want;

	for (pos = 0; pos < d->size; pos += want) {
		want = d->size - pos < (off_t)self->chunk ? d->size - pos :
							    (off_t)self->chunk;
		pattern_fill(self->buf, pos, self->chunk, NEW_SEED);
		ASSERT_EQ(want, sysret(write(d->fd, self->buf, self->chunk)));
		memcpy(d->model + pos, self->buf, want);
	}
	ASSERT_EQ(-ENOSPC, sysret(write(d->fd, self->buf, self->chunk)));
	ASSERT_EQ(d->size, lseek(d->fd, 0, SEEK_CUR));
	expect_region(_metadata, d);
}

/* Each open file has its own position, starting at 0. */
TEST_F(dev, positions_per_open)
{
	struct dev *d = &self->d;
	uint8_t buf[100];
	int fd2, fd3;

	fd2 = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, lseek(fd2, 0, SEEK_CUR));

	ASSERT_EQ(100, sysret(read(d->fd, buf, 100)));
	ASSERT_EQ(0, lseek(fd2, 0, SEEK_CUR));
	ASSERT_EQ(30, sysret(read(fd2, buf, 30)));
	ASSERT_EQ(30, buf_mismatch(buf, d->model, 30));
	ASSERT_EQ(100, lseek(d->fd, 0, SEEK_CUR));

	/* fd2 writes at its own position; d->fd reads on from its own. */
	pattern_fill(buf, 30, 20, NEW_SEED);
	ASSERT_EQ(20, sysret(write(fd2, buf, 20)));
	memcpy(d->model + 30, buf, 20);
	ASSERT_EQ(50, lseek(fd2, 0, SEEK_CUR));
	ASSERT_EQ(100, sysret(read(d->fd, buf, 100)));
	ASSERT_EQ(100, buf_mismatch(buf, d->model + 100, 100));

	fd3 = open(MYMEM_DEVICE_PATH, O_RDONLY);
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, lseek(fd3, 0, SEEK_CUR));
	close(fd3);
	close(fd2);
	expect_region(_metadata, d);
}

/*
 * llseek from position 100: SEEK_SET, SEEK_CUR and SEEK_END land
 * anywhere in [0, size]; anything else fails with EINVAL and leaves the
 * position alone.  Then read() must start where llseek said.
 */
#define SEEK_START	100

FIXTURE(seek) {
	struct dev d;
};

FIXTURE_VARIANT(seek) {
	int whence;
	struct rel off;
	struct rel want;	/* the new position, unless err */
	int err;
};

FIXTURE_VARIANT_ADD(seek, set_start) { SEEK_SET, REL(0, 0), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, set_end) { SEEK_SET, REL(1, 0), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, set_past_end) { SEEK_SET, REL(1, 1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, set_negative) { SEEK_SET, REL(0, -1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_stay) { SEEK_CUR, REL(0, 0), REL(0, SEEK_START) };
FIXTURE_VARIANT_ADD(seek, cur_forward) { SEEK_CUR, REL(0, 50), REL(0, 150) };
FIXTURE_VARIANT_ADD(seek, cur_to_start) { SEEK_CUR, REL(0, -100), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, cur_before_start) { SEEK_CUR, REL(0, -101), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_to_end) { SEEK_CUR, REL(1, -100), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, cur_past_end) { SEEK_CUR, REL(1, -99), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, cur_overflow) { SEEK_CUR, REL(0, LLONG_MAX), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end) { SEEK_END, REL(0, 0), REL(1, 0) };
FIXTURE_VARIANT_ADD(seek, end_back) { SEEK_END, REL(0, -1), REL(1, -1) };
FIXTURE_VARIANT_ADD(seek, end_to_start) { SEEK_END, REL(-1, 0), REL(0, 0) };
FIXTURE_VARIANT_ADD(seek, end_past_end) { SEEK_END, REL(0, 1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end_before_start) { SEEK_END, REL(-1, -1), .err = EINVAL };
FIXTURE_VARIANT_ADD(seek, end_overflow) { SEEK_END, REL(0, LLONG_MAX), .err = EINVAL };

FIXTURE_SETUP(seek)
{
	dev_open(_metadata, &self->d);
}

FIXTURE_TEARDOWN(seek)
{
	dev_close(&self->d);
}

TEST_F(seek, lseek)
{
	struct dev *d = &self->d;
	off_t pos = variant->err ? SEEK_START : rel_at(variant->want, d->size);
	uint8_t c;

	ASSERT_EQ(SEEK_START, lseek(d->fd, SEEK_START, SEEK_SET));
	ASSERT_EQ(variant->err ? -variant->err : pos,
		  sysret(lseek(d->fd, rel_at(variant->off, d->size),
			       variant->whence)));
	ASSERT_EQ(pos, lseek(d->fd, 0, SEEK_CUR));

	ASSERT_EQ(pos < d->size, sysret(read(d->fd, &c, 1)));
	if (pos < d->size) {
		ASSERT_EQ(d->model[pos], c);
	}
}

/* GET_SIZE stores exactly one __u64: the size lseek(SEEK_END) reports. */
/* A counter of /sys/class/misc/mymem, or UINT64_MAX if unreadable. */
static uint64_t sysfs_counter(const char *name)
{
	unsigned long long value = UINT64_MAX;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/mymem/%s", name);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &value) != 1)
			value = UINT64_MAX;
		fclose(f);
	}
	return value;
}

/*
 * The sysfs counters count the reads and writes that moved bytes, and
 * those bytes: not empty calls, calls at the end, failed ones, ioctls.
 */
TEST_F(dev, sysfs_counters)
{
	static const char *const names[] = {
		"reads", "writes", "bytes_read", "bytes_written",
	};
	const uint64_t moved[] = { 1, 1, 10, 5 };
	struct mymem_fetch_add fa = { .offset = 0, .value = 0 };
	struct dev *d = &self->d;
	uint8_t buf[10], *unmapped = guard_pages();
	uint64_t before[4];
	size_t i;

	ASSERT_NE(NULL, unmapped);
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		before[i] = sysfs_counter(names[i]);
		ASSERT_NE(UINT64_MAX, before[i]) TH_LOG("%s", names[i]);
	}
	ASSERT_EQ(0, sysret(pread(d->fd, buf, 0, 0)));
	ASSERT_EQ(0, sysret(pwrite(d->fd, buf, 0, 0)));
	ASSERT_EQ(0, sysret(pread(d->fd, buf, sizeof(buf), d->size)));
	ASSERT_EQ(-ENOSPC, sysret(pwrite(d->fd, buf, sizeof(buf), d->size)));
	ASSERT_EQ(-EFAULT, sysret(pread(d->fd, unmapped, sizeof(buf), 0)));
	ASSERT_EQ(-EFAULT, sysret(pwrite(d->fd, unmapped, sizeof(buf), 0)));
	ASSERT_EQ(0, sysret(ioctl(d->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	/* One read of 10 bytes, one write of 5 (the same bytes back). */
	ASSERT_EQ(10, sysret(pread(d->fd, buf, sizeof(buf), 0)));
	ASSERT_EQ(5, sysret(pwrite(d->fd, buf, 5, 0)));
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		ASSERT_EQ(before[i] + moved[i], sysfs_counter(names[i]))
			TH_LOG("%s", names[i]);
	}
	guard_pages_free(unmapped);
	expect_region(_metadata, d);
}

TEST_F(dev, get_size)
{
	uint8_t buf[sizeof(uint64_t) + SLACK];
	uint64_t size;

	memset(buf, GUARD, sizeof(buf));
	ASSERT_EQ(0, sysret(ioctl(self->d.fd, MYMEM_IOC_GET_SIZE, buf)));
	memcpy(&size, buf, sizeof(size));
	ASSERT_EQ(lseek(self->d.fd, 0, SEEK_END), (off_t)size);
	ASSERT_EQ(SLACK, byte_mismatch(buf + sizeof(size), GUARD, SLACK));
}

/*
 * Commands the device does not have, including its own numbers with
 * another direction or size: ENOTTY, and nothing changes.  The argument
 * would be a valid FETCH_ADD of 1 at offset 0, were it taken as one.
 */
TEST_F(dev, unknown_ioctl)
{
	const unsigned long cmds[] = {
		_IO(MYMEM_IOC_MAGIC, 3),
		_IOWR(MYMEM_IOC_MAGIC, 3, struct mymem_cmpxchg),
		_IOW(MYMEM_IOC_MAGIC, 0, __u64),
		_IOR(MYMEM_IOC_MAGIC, 1, struct mymem_fetch_add),
		_IOWR(MYMEM_IOC_MAGIC, 1, struct mymem_cmpxchg),
		_IOWR(MYMEM_IOC_MAGIC, 2, struct mymem_fetch_add),
		_IOR(MYMEM_IOC_MAGIC + 1, 0, __u64),
		0x5401,	/* TCGETS: not a terminal */
	};
	uint64_t arg[8] = { 0, 1, 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		ASSERT_EQ(-ENOTTY, sysret(ioctl(self->d.fd, cmds[i], arg)))
			TH_LOG("cmd %#lx", cmds[i]);
	}
	expect_region(_metadata, &self->d);
}

/*
 * The atomic ioctls, each operation a variant: FETCH_ADD, and CMPXCHG
 * with the right and with a wrong expected value.
 */
FIXTURE(atomic) {
	struct dev d;
};

FIXTURE_VARIANT(atomic) {
	unsigned long cmd;
	bool match;	/* CMPXCHG: expect the value the word holds */
};

FIXTURE_VARIANT_ADD(atomic, fetch_add) { MYMEM_IOC_FETCH_ADD, false };
FIXTURE_VARIANT_ADD(atomic, cmpxchg_match) { MYMEM_IOC_CMPXCHG, true };
FIXTURE_VARIANT_ADD(atomic, cmpxchg_mismatch) { MYMEM_IOC_CMPXCHG, false };

FIXTURE_SETUP(atomic)
{
	dev_open(_metadata, &self->d);
}

FIXTURE_TEARDOWN(atomic)
{
	dev_close(&self->d);
}

/*
 * The variant's operation, with operand @arg, on the word at @offset
 * that holds @cur.  Returns 0 or -errno; *old is what the call returned
 * and *next what the word must hold now.
 */
static int atomic_op(int fd, const FIXTURE_VARIANT(atomic) *variant,
		     uint64_t offset, uint64_t cur, uint64_t arg,
		     uint64_t *old, uint64_t *next)
{
	struct mymem_fetch_add fa = { .offset = offset, .value = arg };
	struct mymem_cmpxchg cx = {
		.offset = offset,
		.expected = variant->match ? cur : ~cur,
		.desired = arg,
	};
	int ret;

	if (variant->cmd == MYMEM_IOC_FETCH_ADD) {
		ret = ioctl(fd, variant->cmd, &fa);
		*old = fa.old;
		*next = cur + arg;
	} else {
		ret = ioctl(fd, variant->cmd, &cx);
		*old = cx.old;
		*next = variant->match ? arg : cur;
	}
	return ret ? -errno : 0;
}

/* Words at the edges, with sums that carry across halves or wrap. */
TEST_F(atomic, words)
{
	static const struct {
		struct rel off;
		uint64_t cur, arg;
	} cases[] = {
		{ REL(0, 0), 0, 1 },
		{ REL(0, 8), 0x0123456789abcdefull, 0x1111111111111111ull },
		{ REL(0, 4088), 0xffffffffull, 1 },
		{ REL(0, 4096), UINT64_MAX - 1, 3 },
		{ REL(1, -8), 1ull << 63, 1ull << 63 },
	};
	struct dev *d = &self->d;
	uint64_t old, next;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		long long off = rel_at(cases[i].off, d->size);

		ASSERT_EQ(8, sysret(pwrite(d->fd, &cases[i].cur, 8, off)));
		memcpy(d->model + off, &cases[i].cur, 8);
		ASSERT_EQ(0, atomic_op(d->fd, variant, off, cases[i].cur,
				       cases[i].arg, &old, &next))
			TH_LOG("offset %lld", off);
		ASSERT_EQ(cases[i].cur, old);
		memcpy(d->model + off, &next, 8);
		expect_region(_metadata, d);
	}
}

/* Unaligned offsets and words that do not fit: EINVAL, no change. */
TEST_F(atomic, bad_offset)
{
	static const struct rel offs[] = {
		REL(0, 1), REL(0, 4), REL(0, 7), REL(1, -4), REL(1, 0),
		REL(1, 8), REL(0, LLONG_MIN), REL(0, -8),
	};
	struct dev *d = &self->d;
	uint64_t old, next;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		uint64_t off = rel_at(offs[i], d->size);

		ASSERT_EQ(-EINVAL, atomic_op(d->fd, variant, off, 0, 1,
					     &old, &next))
			TH_LOG("offset %#llx", (unsigned long long)off);
	}
	expect_region(_metadata, d);
}

/*
 * Every ioctl with an argument it cannot read, or cannot write back:
 * EFAULT, and the region is unchanged.  The argument itself is a valid
 * operation on the word at offset 0.  "result unwritable" straddles a
 * writable page and a read-only one, where only the result field lies:
 * the input reads fine, and only the result's own address says that it
 * cannot be written back.
 */
FIXTURE(ioctl_arg) {
	struct dev d;
	uint8_t *boundary;
};

FIXTURE_VARIANT(ioctl_arg) {
	unsigned long cmd;
};

FIXTURE_VARIANT_ADD(ioctl_arg, get_size) { MYMEM_IOC_GET_SIZE };
FIXTURE_VARIANT_ADD(ioctl_arg, fetch_add) { MYMEM_IOC_FETCH_ADD };
FIXTURE_VARIANT_ADD(ioctl_arg, cmpxchg) { MYMEM_IOC_CMPXCHG };

FIXTURE_SETUP(ioctl_arg)
{
	dev_open(_metadata, &self->d);
	self->boundary = guard_pages();
	ASSERT_NE(NULL, self->boundary);
}

FIXTURE_TEARDOWN(ioctl_arg)
{
	dev_close(&self->d);
	guard_pages_free(self->boundary);
}

TEST_F(ioctl_arg, bad_pointer)
{
	struct dev *d = &self->d;
	size_t len = _IOC_SIZE(variant->cmd), page = page_size();
	uint8_t *page0 = self->boundary - page;
	uint8_t *rw_ro = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *straddling = rw_ro + page - (len - 8);
	uint64_t word0, arg[4];
	struct {
		const char *name;
		void *ptr;
	} cases[] = {
		{ "NULL", NULL },
		{ "unmapped", self->boundary },
		{ "result unwritable", straddling },
		{ "read-only", page0 },
	};
	size_t i;

	ASSERT_NE(MAP_FAILED, rw_ro);

	/* FETCH_ADD of 1, or CMPXCHG of the right value, at offset 0. */
	memcpy(&word0, d->model, 8);
	arg[0] = 0;
	arg[1] = variant->cmd == MYMEM_IOC_CMPXCHG ? word0 : 1;
	arg[2] = ~word0;
	arg[3] = 0;
	memcpy(straddling, arg, len);
	ASSERT_EQ(0, mprotect(rw_ro + page, page, PROT_READ));
	memcpy(page0, arg, len);
	ASSERT_EQ(0, mprotect(page0, page, PROT_READ));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(-EFAULT, sysret(ioctl(d->fd, variant->cmd,
						cases[i].ptr)))
			TH_LOG("argument %s", cases[i].name);
	}
	munmap(rw_ro, 2 * page);
	expect_region(_metadata, d);
}

/*
 * A shared map is the region itself: stores through it are what read()
 * returns, write() and the atomic ioctls show in it at once, and atomic
 * instructions on it mix with the ioctls.
 */
TEST_F(dev, mmap_shared)
{
	struct dev *d = &self->d;
	struct mymem_fetch_add fa = { .offset = 64, .value = 1 };
	uint64_t *word;
	uint8_t *map;

	map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ((size_t)d->size, buf_mismatch(map, d->model, d->size));

	pattern_fill(map + 1000, 1000, 5000, NEW_SEED);
	pattern_fill(d->model + 1000, 1000, 5000, NEW_SEED);
	expect_region(_metadata, d);

	pattern_fill(d->model + d->size - 3000, d->size - 3000, 3000, NEW_SEED);
	ASSERT_EQ(3000, sysret(pwrite(d->fd, d->model + d->size - 3000, 3000,
				      d->size - 3000)));
	ASSERT_EQ((size_t)d->size, buf_mismatch(map, d->model, d->size));

	word = (uint64_t *)(map + fa.offset);
	*word = 41;
	ASSERT_EQ(0, sysret(ioctl(d->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	ASSERT_EQ(41, fa.old);
	ASSERT_EQ(42, *word);
	__atomic_fetch_add(word, 8, __ATOMIC_SEQ_CST);
	ASSERT_EQ(0, sysret(ioctl(d->fd, MYMEM_IOC_FETCH_ADD, &fa)));
	ASSERT_EQ(50, fa.old);
	memcpy(d->model + fa.offset, word, 8);
	expect_region(_metadata, d);
	munmap(map, d->size);
}

/* A map at an offset, and two maps of one page, share the memory. */
TEST_F(dev, mmap_offset)
{
	struct dev *d = &self->d;
	size_t page = page_size();
	uint8_t *whole, *part;

	whole = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     d->fd, 0);
	ASSERT_NE(MAP_FAILED, whole);
	part = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED,
		    d->fd, 3 * page);
	ASSERT_NE(MAP_FAILED, part);
	ASSERT_EQ(2 * page, buf_mismatch(part, d->model + 3 * page, 2 * page));

	pattern_fill(part + page - 10, 4 * page - 10, 20, NEW_SEED);
	ASSERT_EQ(20, buf_mismatch(whole + 4 * page - 10,
				   part + page - 10, 20));
	memcpy(d->model + 4 * page - 10, part + page - 10, 20);
	expect_region(_metadata, d);
	munmap(part, 2 * page);
	munmap(whole, d->size);
}

/* Only ranges inside the region map; the rest fail with EINVAL. */
TEST_F(dev, mmap_range)
{
	const long long page = page_size();
	const struct {
		struct rel off, len;
		int err;
	} cases[] = {
		{ REL(0, 0), REL(1, 0), 0 },
		{ REL(1, -page), REL(0, page), 0 },
		{ REL(0, 0), REL(1, page), EINVAL },
		{ REL(1, 0), REL(0, page), EINVAL },
		{ REL(1, -page), REL(0, 2 * page), EINVAL },
		{ REL(0, 1LL << 40), REL(0, page), EINVAL },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		off_t off = rel_at(cases[i].off, self->d.size);
		size_t len = rel_at(cases[i].len, self->d.size);
		void *map = mmap(NULL, len, PROT_READ | PROT_WRITE,
				 MAP_SHARED, self->d.fd, off);

		ASSERT_EQ(cases[i].err, map == MAP_FAILED ? errno : 0)
			TH_LOG("offset %lld, length %zu", (long long)off, len);
		if (map != MAP_FAILED)
			munmap(map, len);
	}
}

/* A private map could write only to a copy of the region: refused. */
TEST_F(dev, mmap_private_writable)
{
	void *map = mmap(NULL, page_size(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE, self->d.fd, 0);

	ASSERT_EQ(MAP_FAILED, map);
	ASSERT_EQ(EINVAL, errno);
}

/*
 * A read-only private map shows the region and can never be made to
 * write: not by mprotect(), nor by a forced write through /proc/self/mem
 * (which would break copy-on-write of the region's pages).
 */
TEST_F(dev, mmap_private_read_only)
{
	struct dev *d = &self->d;
	uint8_t *map;
	int mem;

	map = mmap(NULL, d->size, PROT_READ, MAP_PRIVATE, d->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ((size_t)d->size, buf_mismatch(map, d->model, d->size));
	ASSERT_EQ(-EACCES, sysret(mprotect(map, d->size,
					   PROT_READ | PROT_WRITE)));

	mem = open("/proc/self/mem", O_RDWR);
	ASSERT_LE(0, mem);
	ASSERT_EQ(-EIO, sysret(pwrite(mem, "x", 1, (uintptr_t)map)));
	close(mem);
	ASSERT_EQ((size_t)d->size, buf_mismatch(map, d->model, d->size));
	expect_region(_metadata, d);
	munmap(map, d->size);
}

/*
 * Growing a map must not reach past the region: mremap() either
 * refuses, or the new page faults with SIGBUS.  In a child, which that
 * SIGBUS may kill.
 */
TEST_F(dev, mmap_grow)
{
	size_t page = page_size(), len = self->d.size;
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint8_t *map = mmap(NULL, len, PROT_READ, MAP_SHARED,
				    self->d.fd, 0);

		if (map == MAP_FAILED)
			_exit(1);
		map = mremap(map, len, len + page, MREMAP_MAYMOVE);
		if (map == MAP_FAILED)
			_exit(0);
		/* volatile: the access itself is the test. */
		(void)*(volatile uint8_t *)(map + len);
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
		    (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS))
		TH_LOG("status %#x", status);
}

/*
 * Nothing is lost on close: not what write() stored, nor what was
 * stored through a map that outlived its file descriptor.
 */
TEST_F(dev, close_keeps_content)
{
	struct dev *d = &self->d;
	off_t end = d->size - 4096;
	uint8_t *map;

	pattern_fill(d->model, 0, 4096, NEW_SEED);
	ASSERT_EQ(4096, sysret(write(d->fd, d->model, 4096)));
	map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, close(d->fd));

	pattern_fill(map + end, end, 4096, NEW_SEED);
	pattern_fill(d->model + end, end, 4096, NEW_SEED);
	munmap(map, d->size);

	d->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, d->fd);
	ASSERT_EQ(d->size, sysret(read(d->fd, d->scratch, d->size)));
	ASSERT_EQ((size_t)d->size, buf_mismatch(d->scratch, d->model, d->size));
}

TEST_HARNESS_MAIN
