// SPDX-License-Identifier: GPL-2.0
/*
 * The device's other I/O paths: readv/writev and preadv2/pwritev2
 * (->read_iter, ->write_iter), io_uring, and splice, sendfile, vmsplice
 * and tee (->splice_read, ->splice_write).
 *
 * - A vectored call is one read or write: counts and short counts at the
 *   end as for read()/write(), errors and partial copies by the same
 *   rules, and one snapshot or one writer section, even while a copy
 *   waits for a stalled page or other threads write the whole region.
 * - RWF_NOWAIT fails with EAGAIN instead of waiting for a page fault,
 *   with nothing changed, and is not held off by a writer that is.
 * - io_uring's read, write, readv and writev give what the system calls
 *   give for the same inputs, hostile offsets and buffers included, run
 *   inline (no io-wq worker when nothing has to wait), and read one
 *   snapshot under writers.
 * - splice and sendfile move the same bytes as read and write, and end
 *   and fail as they do, one pipe-full a call; copy_file_range refuses
 *   the device.
 * - The sysfs counters count each call of every path once, with its
 *   bytes, and no call that moved nothing.
 *
 * Runs on the loaded device, of the size it says (the default or larger);
 * each test starts from pattern OLD in the region.
 */
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "testlib.h"
#include "stall.h"
#include "ringlib.h"

#define OLD		1	/* pattern seeds: the region before a test */
#define NEW		2	/* ... and what a test writes */
#define OTHER		3	/* ... and a second writer's */
#define SENTINEL	0xa5	/* the caller's bytes that nothing may touch */
#define FREE_MS		10000	/* how long a call that must not wait may take */

/*
 * The region's size, asked of the device by region_reset(), which every
 * fixture's setup calls first.
 */
static long long dev_size;

/* The region as a test starts it: pattern OLD. */
static void region_reset(struct __test_metadata *_metadata, int fd)
{
	uint8_t *buf;

	dev_size = region_size(fd);
	/* The offsets and lengths below are written for that much. */
	ASSERT_LE(DEFAULT_SIZE, dev_size);
	buf = malloc(dev_size);
	ASSERT_NE(NULL, buf);
	pattern_fill(buf, 0, dev_size, OLD);
	ASSERT_EQ(dev_size, sysret(pwrite(fd, buf, dev_size, 0)));
	free(buf);
}

/* Whether the region's @len bytes at @off are pattern @seed. */
static bool region_is(int fd, off_t off, size_t len, uint8_t seed)
{
	uint8_t *buf = malloc(len);
	bool ok;

	ok = buf && pread(fd, buf, len, off) == (ssize_t)len &&
	     pattern_mismatch(buf, off, len, seed) == len;
	free(buf);
	return ok;
}

FIXTURE(vec) {
	int fd;
	uint8_t buf[3 * 4096];
};

FIXTURE_SETUP(vec)
{
	self->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	region_reset(_metadata, self->fd);
	memset(self->buf, SENTINEL, sizeof(self->buf));
}

FIXTURE_TEARDOWN(vec)
{
	close(self->fd);
}

/*
 * Segments of 10, 0 and 4101 bytes: readv fills them in order from the
 * position and advances it; preadv leaves it.
 */
TEST_F(vec, readv_counts_and_position)
{
	struct iovec iov[] = {
		{ self->buf, 10 }, { self->buf + 10, 0 },
		{ self->buf + 100, 4101 },
	};

	ASSERT_EQ(3000, lseek(self->fd, 3000, SEEK_SET));
	ASSERT_EQ(4111, sysret(readv(self->fd, iov, 3)));
	ASSERT_EQ(7111, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(10, pattern_mismatch(self->buf, 3000, 10, OLD));
	ASSERT_EQ(90, byte_mismatch(self->buf + 10, SENTINEL, 90));
	ASSERT_EQ(4101, pattern_mismatch(self->buf + 100, 3010, 4101, OLD));

	ASSERT_EQ(4111, sysret(preadv(self->fd, iov, 3, 100)));
	ASSERT_EQ(7111, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(10, pattern_mismatch(self->buf, 100, 10, OLD));
	ASSERT_EQ(4101, pattern_mismatch(self->buf + 100, 110, 4101, OLD));
}

TEST_F(vec, writev_counts_and_position)
{
	struct iovec iov[] = {
		{ self->buf, 10 }, { self->buf + 10, 0 },
		{ self->buf + 100, 4101 },
	};

	pattern_fill(self->buf, 3000, 10, NEW);
	pattern_fill(self->buf + 100, 3010, 4101, NEW);
	ASSERT_EQ(3000, lseek(self->fd, 3000, SEEK_SET));
	ASSERT_EQ(4111, sysret(writev(self->fd, iov, 3)));
	ASSERT_EQ(7111, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_TRUE(region_is(self->fd, 3000, 4111, NEW));
	ASSERT_TRUE(region_is(self->fd, 0, 3000, OLD));
	ASSERT_TRUE(region_is(self->fd, 7111, dev_size - 7111, OLD));

	ASSERT_EQ(10, sysret(pwritev(self->fd, iov, 1, 100)));
	ASSERT_EQ(7111, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(10, sysret(pread(self->fd, self->buf + 200, 10, 100)));
	ASSERT_EQ(10, buf_mismatch(self->buf + 200, self->buf, 10));
}

/*
 * Near the end a vectored read returns what is left, filling the
 * segments in order and leaving the rest untouched; at or past the end
 * nothing.  A write there writes what fits, then fails with ENOSPC.
 */
TEST_F(vec, short_at_end)
{
	struct iovec iov[] = {
		{ self->buf, 64 }, { self->buf + 64, 64 },
		{ self->buf + 128, 64 },
	};

	ASSERT_EQ(100, sysret(preadv(self->fd, iov, 3, dev_size - 100)));
	ASSERT_EQ(100, pattern_mismatch(self->buf, dev_size - 100, 100,
					OLD));
	ASSERT_EQ(92, byte_mismatch(self->buf + 100, SENTINEL, 92));
	ASSERT_EQ(0, sysret(preadv(self->fd, iov, 3, dev_size)));
	ASSERT_EQ(0, sysret(preadv(self->fd, iov, 3, dev_size + 1)));

	pattern_fill(self->buf, dev_size - 100, 192, NEW);
	ASSERT_EQ(100, sysret(pwritev(self->fd, iov, 3, dev_size - 100)));
	ASSERT_TRUE(region_is(self->fd, dev_size - 100, 100, NEW));
	ASSERT_EQ(-ENOSPC, sysret(pwritev(self->fd, iov, 3, dev_size)));
	/* Zero bytes need no space. */
	ASSERT_EQ(0, sysret(pwritev(self->fd, iov, 0, dev_size)));
}

/*
 * Bad segments: EFAULT when nothing could be copied, else the bytes
 * copied, none past them.  A segment cut by a PROT_NONE page ends the
 * call there, even with more segments after it.
 */
TEST_F(vec, bad_segments)
{
	uint8_t *edge = guard_pages(), *src = self->buf;
	struct iovec bad_first[] = { { NULL, 16 }, { src, 16 } };
	struct iovec bad_second[] = { { src, 16 }, { (void *)8, 16 } };
	struct iovec cut[] = { { edge - 32, 64 }, { src, 16 } };
	long long got;

	ASSERT_NE(NULL, edge);
	ASSERT_EQ(-EFAULT, sysret(preadv(self->fd, bad_first, 2, 0)));
	ASSERT_EQ(SENTINEL, src[0]);
	ASSERT_EQ(16, sysret(preadv(self->fd, bad_second, 2, 0)));
	ASSERT_EQ(16, pattern_mismatch(src, 0, 16, OLD));
	memset(src, SENTINEL, 16);
	ASSERT_EQ(32, sysret(preadv(self->fd, cut, 2, 0)));
	ASSERT_EQ(32, pattern_mismatch(edge - 32, 0, 32, OLD));
	ASSERT_EQ(16, byte_mismatch(src, SENTINEL, 16));

	pattern_fill(src, 0, 16, NEW);
	ASSERT_EQ(-EFAULT, sysret(pwritev(self->fd, bad_first, 2, 0)));
	ASSERT_TRUE(region_is(self->fd, 0, 64, OLD));
	ASSERT_EQ(16, sysret(pwritev(self->fd, bad_second, 2, 0)));
	ASSERT_TRUE(region_is(self->fd, 0, 16, NEW));
	ASSERT_TRUE(region_is(self->fd, 16, 48, OLD));
	pattern_fill(edge - 32, 100, 32, NEW);
	/* arm64's copy may stop short of the fault (fault_cut_write()). */
	got = sysret(pwritev(self->fd, cut, 2, 100));
	ASSERT_EQ(fault_cut_write(32, got), got);
	ASSERT_TRUE(region_is(self->fd, 100, got, NEW));
	ASSERT_TRUE(region_is(self->fd, 100 + got, 96 - got, OLD));

	ASSERT_EQ(-EINVAL, sysret(preadv(self->fd, cut, 2, -1)));
	ASSERT_EQ(-EINVAL, sysret(pwritev(self->fd, cut, 2, -1)));
	guard_pages_free(edge);
}

/* RWF_NOWAIT is honoured, not refused: on memory that is there, it works. */
TEST_F(vec, nowait_when_nothing_waits)
{
	struct iovec iov = { self->buf, 4096 };

	ASSERT_EQ(4096, sysret(preadv2(self->fd, &iov, 1, 8192, RWF_NOWAIT)));
	ASSERT_EQ(4096, pattern_mismatch(self->buf, 8192, 4096, OLD));
	pattern_fill(self->buf, 8192, 4096, NEW);
	ASSERT_EQ(4096, sysret(pwritev2(self->fd, &iov, 1, 8192, RWF_NOWAIT)));
	ASSERT_TRUE(region_is(self->fd, 8192, 4096, NEW));
}

/*
 * The sysfs counters: a vectored read or write is one call of its
 * segments' total, an RWF_NOWAIT one too; empty, failed and EAGAIN
 * calls count nothing.
 */
TEST_F(vec, sysfs_counters)
{
	struct iovec iov[] = {
		{ self->buf, 10 }, { self->buf + 10, 0 },
		{ self->buf + 100, 4101 },
	};
	uint64_t before[NR_COUNTERS];

	counters_read(before);
	ASSERT_EQ(0, sysret(preadv(self->fd, iov, 0, 0)));
	ASSERT_EQ(0, sysret(preadv(self->fd, iov, 3, dev_size)));
	ASSERT_EQ(-ENOSPC, sysret(pwritev(self->fd, iov, 3, dev_size)));
	ASSERT_EQ(-EINVAL, sysret(preadv(self->fd, iov, 3, -1)));
	ASSERT_EQ(4111, sysret(readv(self->fd, iov, 3)));
	ASSERT_EQ(4111, sysret(preadv2(self->fd, iov, 3, 0, RWF_NOWAIT)));
	ASSERT_EQ(4111, sysret(pwritev(self->fd, iov, 3, 0)));
	expect_counted(_metadata, before, 2, 1, 2 * 4111, 4111);
}

/*
 * Two threads write the whole region, one pattern each, as fast as they
 * can, while this one reads it with preadv: 2 x 4 KiB, and the whole
 * region in 16 segments.  Every read must find one writer's pattern
 * throughout.  (The old driver split a readv into one read per segment.)
 * The race must happen: writes land while the reads run, the reads see
 * both patterns, and the same check on the same segments read by one
 * pread each (a control) finds a mix, so a split readv would be caught.
 */
#define READV_ROUNDS	2000	/* rounds at least, */
#define READV_MAX	20000	/* at most: the race has not happened */

/* Two threads writing the whole region over and over, NEW and OTHER. */
struct writers {
	atomic_bool stop;
	atomic_long writes;	/* whole writes done, both writers */
	long first;		/* of them, done when the first had landed */
	struct writer {
		int fd;
		uint8_t seed;
		struct writers *all;
		long long err;
	} w[2];
	pthread_t t[2];
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = malloc(dev_size);

	if (!buf) {
		w->err = -ENOMEM;
		return NULL;
	}
	pattern_fill(buf, 0, dev_size, w->seed);
	while (!atomic_load(&w->all->stop) && !w->err) {
		if (pwrite(w->fd, buf, dev_size, 0) != dev_size)
			w->err = -errno ?: -EIO;
		else
			atomic_fetch_add(&w->all->writes, 1);
	}
	free(buf);
	return NULL;
}

/* Starts @ws on @fd; returns once a whole write has landed. */
static void writers_start(struct __test_metadata *_metadata,
			  struct writers *ws, int fd)
{
	int i;

	atomic_init(&ws->stop, false);
	atomic_init(&ws->writes, 0);
	for (i = 0; i < 2; i++) {
		ws->w[i] = (struct writer){ fd, i ? OTHER : NEW, ws, 0 };
		ASSERT_EQ(0, pthread_create(&ws->t[i], NULL, writer_thread,
					    &ws->w[i]));
	}
	/* After the first whole write, every read finds one pattern. */
	while (region_is(fd, 0, 8, OLD))
		usleep(1000);
	ws->first = atomic_load(&ws->writes);
}

/* Stops @ws: the whole writes that landed since writers_start(). */
static long writers_stop(struct __test_metadata *_metadata,
			 struct writers *ws)
{
	long written = atomic_load(&ws->writes) - ws->first;
	int i;

	atomic_store(&ws->stop, true);
	for (i = 0; i < 2; i++) {
		pthread_join(ws->t[i], NULL);
		ASSERT_EQ(0, ws->w[i].err);
	}
	return written;
}

/* The pattern all @len bytes at @off hold, or 0 for a mix. */
static uint8_t one_pattern(const uint8_t *buf, uint64_t off, size_t len)
{
	if (pattern_mismatch(buf, off, len, NEW) == len)
		return NEW;
	if (pattern_mismatch(buf, off, len, OTHER) == len)
		return OTHER;
	return 0;
}

/* The control: what preadv() reads, one pread() per segment. */
static ssize_t split_preadv(int fd, const struct iovec *iov, int n, off_t off)
{
	ssize_t done = 0, got;
	int i;

	for (i = 0; i < n; i++) {
		got = pread(fd, iov[i].iov_base, iov[i].iov_len, off + done);
		if (got < 0)
			return -errno;
		done += got;
	}
	return done;
}

TEST_F_TIMEOUT(vec, readv_atomic_under_writers, 300)
{
	uint8_t *whole = malloc(dev_size);
	struct iovec small[2] = { { self->buf, 4096 },
				  { self->buf + 4096, 4096 } };
	struct iovec big[16];
	struct writers ws;
	int i, rounds, seen[OTHER + 1] = { 0 }, split_mixes = 0;
	long written;
	uint8_t p;

	ASSERT_NE(NULL, whole);
	for (i = 0; i < 16; i++)
		big[i] = (struct iovec){ whole + i * (dev_size / 16),
					 dev_size / 16 };
	writers_start(_metadata, &ws, self->fd);
	for (i = 0; i < READV_MAX; i++) {
		if (i >= READV_ROUNDS && seen[NEW] && seen[OTHER] &&
		    split_mixes)
			break;
		ASSERT_EQ(8192, sysret(preadv(self->fd, small, 2, 0)));
		p = one_pattern(self->buf, 0, 8192);
		ASSERT_NE(0, p) TH_LOG("preadv %d: a mix of two writes", i);
		seen[p]++;
		ASSERT_EQ(8192, split_preadv(self->fd, small, 2, 0));
		split_mixes += !one_pattern(self->buf, 0, 8192);
		if (i % 20)
			continue;
		ASSERT_EQ(dev_size, sysret(preadv(self->fd, big, 16, 0)));
		ASSERT_NE(0, one_pattern(whole, 0, dev_size))
			TH_LOG("preadv of 16 x 32 KiB %d: a mix", i);
	}
	rounds = i;
	written = writers_stop(_metadata, &ws);
	TH_LOG("%d rounds, %ld writes meanwhile: preadv saw %d and %d of the patterns, split preads %d mixes",
	       rounds, written, seen[NEW], seen[OTHER], split_mixes);
	ASSERT_LT(0, written);
	ASSERT_LT(0, seen[NEW]);
	ASSERT_LT(0, seen[OTHER]);
	ASSERT_LT(0, split_mixes) TH_LOG("the control never saw a mix");
	free(whole);
}

/*
 * Stalls: a userfaultfd page as the second segment of a readv or writev
 * holds the call at that page for as long as the test likes.
 */
FIXTURE(stall) {
	int fd, uffd;
	size_t page;
	uint8_t *arena;	/* an ordinary page, then one that stalls */
	uint8_t *fill;	/* what the stalled page is filled with */
	pthread_t thread;
	bool started;
};

FIXTURE_SETUP(stall)
{
	self->page = page_size();
	self->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	region_reset(_metadata, self->fd);
	self->uffd = uffd_open();
	if (self->uffd < 0)
		return;
	self->arena = mmap(NULL, 2 * self->page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->arena);
	memset(self->arena, SENTINEL, self->page);
	ASSERT_EQ(0, uffd_register(self->uffd, self->arena + self->page,
				   self->page));
	self->fill = malloc(self->page);
	ASSERT_NE(NULL, self->fill);
	memset(self->fill, SENTINEL, self->page);
}

FIXTURE_TEARDOWN(stall)
{
	if (self->uffd >= 0)
		close(self->uffd);
	if (self->started)
		pthread_join(self->thread, NULL);
	close(self->fd);
}

#define NEED_UFFD() do {						\
	if (self->uffd < 0)						\
		SKIP(return, "userfaultfd: %s", strerror(-self->uffd));	\
} while (0)

/* A preadv or pwritev on a thread of its own, so that it can stall. */
struct vcall {
	int fd;
	bool is_write;
	struct iovec iov[2];
	off_t pos;
	atomic_bool done;
	long long ret;
};

static void *vcall_thread(void *arg)
{
	struct vcall *c = arg;

	c->ret = sysret(c->is_write ? pwritev(c->fd, c->iov, 2, c->pos) :
				      preadv(c->fd, c->iov, 2, c->pos));
	atomic_store(&c->done, true);
	return NULL;
}

/*
 * A readv whose second segment stalls: a write meanwhile goes through,
 * and the readv then returns that write's bytes in both segments, one
 * instant, not its first segment from before the write.
 */
TEST_F_TIMEOUT(stall, readv_one_snapshot, 60)
{
	uint8_t *a = self->arena + self->page - 32, data[96];
	struct vcall c = {
		.fd = self->fd,
		.iov = { { a, 32 }, { self->arena + self->page, 64 } },
	};

	NEED_UFFD();
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, vcall_thread, &c));
	self->started = true;
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));
	pattern_fill(data, 0, 96, NEW);
	ASSERT_EQ(96, sysret(pwrite(self->fd, data, 96, 0)));
	ASSERT_FALSE(atomic_load(&c.done));
	ASSERT_EQ(0, uffd_fill(self->uffd, self->arena + self->page,
			       self->fill));
	pthread_join(self->thread, NULL);
	self->started = false;
	ASSERT_EQ(96, c.ret);
	ASSERT_EQ(32, pattern_mismatch(a, 0, 32, NEW));
	ASSERT_EQ(64, pattern_mismatch(self->arena + self->page, 32, 64, NEW));
}

/*
 * A writev whose second segment stalls: none of it is in the region
 * meanwhile (a readv sees all of the old bytes, at once), and then all.
 * RWF_NOWAIT calls meanwhile are not held off: the stalled write holds
 * no lock.
 */
TEST_F_TIMEOUT(stall, writev_one_section, 60)
{
	uint8_t *a = self->arena + self->page - 32, check[96];
	struct vcall c = {
		.fd = self->fd, .is_write = true,
		.iov = { { a, 32 }, { self->arena + self->page, 64 } },
	};
	struct iovec iov = { check, 96 };

	NEED_UFFD();
	pattern_fill(a, 0, 32, NEW);
	ASSERT_EQ(0, pthread_create(&self->thread, NULL, vcall_thread, &c));
	self->started = true;
	ASSERT_EQ((uintptr_t)self->arena + self->page,
		  next_fault(self->uffd, FREE_MS));
	ASSERT_EQ(96, sysret(preadv2(self->fd, &iov, 1, 0, RWF_NOWAIT)));
	ASSERT_EQ(96, pattern_mismatch(check, 0, 96, OLD));
	pattern_fill(check, 4096, 96, NEW);
	ASSERT_EQ(96, sysret(pwritev2(self->fd, &iov, 1, 4096, RWF_NOWAIT)));
	ASSERT_FALSE(atomic_load(&c.done));

	pattern_fill(self->fill, 32, 64, NEW);
	ASSERT_EQ(0, uffd_fill(self->uffd, self->arena + self->page,
			       self->fill));
	pthread_join(self->thread, NULL);
	self->started = false;
	ASSERT_EQ(96, c.ret);
	ASSERT_TRUE(region_is(self->fd, 0, 96, NEW));
	ASSERT_TRUE(region_is(self->fd, 4096, 96, NEW));
}

/*
 * RWF_NOWAIT on a buffer whose page would have to be faulted in: EAGAIN
 * at once, no fault taken (the userfaultfd has nothing to report), and
 * a write changes nothing.
 */
TEST_F_TIMEOUT(stall, nowait_does_not_fault, 60)
{
	struct iovec iov[2] = {
		{ self->arena + self->page - 32, 32 },
		{ self->arena + self->page, 64 },
	};

	NEED_UFFD();
	ASSERT_EQ(-EAGAIN, sysret(preadv2(self->fd, iov, 2, 0, RWF_NOWAIT)));
	ASSERT_EQ(-EAGAIN, sysret(pwritev2(self->fd, iov, 2, 0, RWF_NOWAIT)));
	ASSERT_EQ(0, next_fault(self->uffd, 0));
	ASSERT_TRUE(region_is(self->fd, 0, 96, OLD));
}

/* io_uring: one ring per test; the results go by the submission's index. */
FIXTURE(ring) {
	int fd;
	struct io_uring ring;
	bool have_ring;
};

FIXTURE_SETUP(ring)
{
	int err;

	self->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	region_reset(_metadata, self->fd);
	err = io_uring_queue_init(8, &self->ring, 0);
	ASSERT_EQ(0, err) TH_LOG("io_uring_queue_init: %s", strerror(-err));
	self->have_ring = true;
}

FIXTURE_TEARDOWN(ring)
{
	if (self->have_ring)
		io_uring_queue_exit(&self->ring);
	close(self->fd);
}

/* The same operation as a system call: its result, or -errno. */
static long long sys_op(int fd, enum uop op, uint8_t *buf, size_t len,
			long long off)
{
	struct iovec iov[2] = { { buf, len / 2 },
				{ buf + len / 2, len - len / 2 } };

	switch (op) {
	case U_READ:
		return sysret(pread(fd, buf, len, off));
	case U_WRITE:
		return sysret(pwrite(fd, buf, len, off));
	case U_READV:
		return sysret(preadv(fd, iov, 2, off));
	case U_WRITEV:
		return sysret(pwritev(fd, iov, 2, off));
	}
	return -EINVAL;
}

/*
 * The buffers of the table, in an area of pages 0-3 read-write, page 4
 * read-only and page 5 PROT_NONE: one with room for every count, 100
 * bytes before a PROT_NONE page 1, 100 bytes before the read-only page,
 * and addresses that are never the caller's.
 */
enum ubuf { B_PLAIN, B_GUARD, B_RDONLY, B_NULL, B_LOW, B_HIGH };

#define AREA_PAGES	6
#define SNAP_PAGES	4	/* the pages that can be read: 0, 2, 3, 4 */

static uint8_t *ubuf_at(uint8_t *area, size_t page, enum ubuf kind)
{
	switch (kind) {
	case B_PLAIN:
		return area + 100;
	case B_GUARD:
		return area + page - 100;
	case B_RDONLY:
		return area + 4 * page - 100;
	case B_NULL:
		return NULL;
	case B_LOW:
		return (uint8_t *)page;
	case B_HIGH:
		return (uint8_t *)(uintptr_t)-page;
	}
	return NULL;
}

/*
 * The area for buffer @kind: pages that are there holding pattern NEW,
 * or (@fresh) none there yet, to be faulted in by the call.
 */
static void area_prepare(struct __test_metadata *_metadata, uint8_t *area,
			 size_t page, enum ubuf kind, bool fresh)
{
	ASSERT_EQ(0, mprotect(area, AREA_PAGES * page, PROT_READ | PROT_WRITE));
	if (fresh) {
		ASSERT_EQ(0, madvise(area, AREA_PAGES * page, MADV_DONTNEED));
	} else {
		pattern_fill(area, 0, AREA_PAGES * page, NEW);
	}
	ASSERT_EQ(0, mprotect(area + 4 * page, page, PROT_READ));
	ASSERT_EQ(0, mprotect(area + 5 * page, page, PROT_NONE));
	if (kind == B_GUARD)
		ASSERT_EQ(0, mprotect(area + page, page, PROT_NONE));
}

/* The area's readable pages, into @out. */
static void area_snapshot(const uint8_t *area, size_t page, uint8_t *out)
{
	memcpy(out, area, page);
	memcpy(out + page, area + 2 * page, (SNAP_PAGES - 1) * page);
}

/*
 * Every operation, offset, count and buffer of the table, through the
 * ring and as a system call, from the same start: the same result, the
 * same region and the same buffer.  The ring tries each first inline
 * with IOCB_NOWAIT, so one that has to fault in its buffer (@fresh), or
 * runs into a guard page, goes through -EAGAIN and a worker's retry.
 */
TEST_F_TIMEOUT(ring, results_equal_syscalls, 300)
{
	const long long offs[] = {
		0, 5000, dev_size - 50, dev_size, dev_size + 1,
		-2, LLONG_MAX,
	};
	static const unsigned int lens[] = { 0, 200, 3 * 4096 };
	size_t page = page_size(), snap = SNAP_PAGES * page;
	uint8_t *region[2], *seen[2], *area;
	unsigned int o, l, op, kind, fresh, way;
	long long res[2];
	int counts = 0, faults = 0;
	char what[80];

	area = mmap(NULL, AREA_PAGES * page, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	for (way = 0; way < 2; way++) {
		region[way] = malloc(dev_size);
		seen[way] = malloc(snap);
		ASSERT_NE(NULL, region[way]);
		ASSERT_NE(NULL, seen[way]);
	}

	for (op = U_READ; op <= U_WRITEV; op++)
	for (kind = B_PLAIN; kind <= B_HIGH; kind++)
	for (fresh = 0; fresh < 2; fresh++)
	for (o = 0; o < ARRAY_SIZE(offs); o++)
	for (l = 0; l < ARRAY_SIZE(lens); l++) {
		uint8_t *buf = ubuf_at(area, page, kind);
		bool is_write = op == U_WRITE || op == U_WRITEV;

		for (way = 0; way < 2; way++) {
			if (is_write)
				region_reset(_metadata, self->fd);
			area_prepare(_metadata, area, page, kind, fresh);
			res[way] = way ? ring_op(&self->ring, self->fd, op, buf,
						 lens[l], offs[o], 0) :
					 sys_op(self->fd, op, buf, lens[l],
						offs[o]);
			if (is_write)
				ASSERT_EQ(dev_size,
					  pread(self->fd, region[way],
						dev_size, 0));
			area_snapshot(area, page, seen[way]);
		}
		snprintf(what, sizeof(what),
			 "op %u, buffer %u, fresh %u, off %lld, len %u",
			 op, kind, fresh, offs[o], lens[l]);
		/*
		 * Two errors at once: io_uring checks the buffer when
		 * it takes the request, the system calls the offset
		 * first.  Neither reaches the device.
		 */
		if (kind >= B_NULL && offs[o] < 0 && res[0] != res[1]) {
			ASSERT_EQ(-EINVAL, res[0]) TH_LOG("%s", what);
			ASSERT_EQ(-EFAULT, res[1]) TH_LOG("%s", what);
		} else {
			ASSERT_EQ(res[0], res[1]) TH_LOG("%s", what);
		}
		ASSERT_EQ(snap, buf_mismatch(seen[0], seen[1], snap))
			TH_LOG("%s", what);
		counts += res[0] > 0;
		faults += res[0] == -EFAULT;
		if (is_write) {
			ASSERT_EQ(dev_size, buf_mismatch(region[0],
							     region[1],
							     dev_size))
				TH_LOG("%s: result %lld", what, res[0]);
		}
	}
	/* The table holds both: calls that copy and calls that fail. */
	ASSERT_LT(0, counts);
	ASSERT_LT(0, faults);
	munmap(area, AREA_PAGES * page);
	for (way = 0; way < 2; way++) {
		free(region[way]);
		free(seen[way]);
	}
}

/* The number of io-wq worker threads (iou-wrk-*) of this process. */
static int io_workers(void)
{
	DIR *dir = opendir("/proc/self/task");
	char path[300], comm[32];
	struct dirent *d;
	int n = 0;
	FILE *f;

	while (dir && (d = readdir(dir))) {
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "iou-wrk", 7))
			n++;
		fclose(f);
	}
	if (dir)
		closedir(dir);
	return n;
}

/*
 * With FMODE_NOWAIT, reads and writes of memory that is there complete
 * inline: 64 of each leave no io-wq worker behind.  Before it, every
 * one went to a worker.
 */
TEST_F(ring, inline_without_worker)
{
	uint8_t buf[64];
	int i;

	memset(buf, SENTINEL, sizeof(buf));
	for (i = 0; i < 64; i++) {
		ASSERT_EQ(64, ring_op(&self->ring, self->fd, U_READ, buf, 64,
				      i * 64, 0));
		ASSERT_EQ(64, pattern_mismatch(buf, i * 64, 64, OLD));
		pattern_fill(buf, i * 64, 64, NEW);
		ASSERT_EQ(64, ring_op(&self->ring, self->fd, U_WRITEV, buf, 64,
				      i * 64, 0));
	}
	ASSERT_TRUE(region_is(self->fd, 0, 64 * 64, NEW));
	ASSERT_EQ(0, io_workers());
}

/*
 * A ring read or write with RWF_NOWAIT into a stalled page: -EAGAIN,
 * never a wait (no fault reaches the userfaultfd, no worker retries).
 */
TEST_F_TIMEOUT(ring, nowait_does_not_fault, 60)
{
	size_t page = page_size();
	uint8_t *p;
	int uffd;

	p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	uffd = uffd_missing(p, page);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(-uffd));
	ASSERT_EQ(-EAGAIN, ring_op(&self->ring, self->fd, U_READ, p, 64, 0,
				   RWF_NOWAIT));
	ASSERT_EQ(-EAGAIN, ring_op(&self->ring, self->fd, U_WRITEV, p, 64, 0,
				   RWF_NOWAIT));
	ASSERT_EQ(0, next_fault(uffd, 0));
	ASSERT_TRUE(region_is(self->fd, 0, 64, OLD));
	ASSERT_EQ(0, io_workers());
	close(uffd);
	munmap(p, page);
}

/*
 * The sysfs counters: each ring read, write, readv and writev is one
 * call; one that fails counts nothing.
 */
TEST_F(ring, sysfs_counters)
{
	uint8_t buf[200];
	uint64_t before[NR_COUNTERS];
	enum uop op;

	memset(buf, SENTINEL, sizeof(buf));
	counters_read(before);
	for (op = U_READ; op <= U_WRITEV; op++) {
		ASSERT_EQ(200, ring_op(&self->ring, self->fd, op, buf, 200,
				       1000, 0));
		ASSERT_EQ(-EINVAL, ring_op(&self->ring, self->fd, op, buf, 200,
					   -2, 0));
	}
	expect_counted(_metadata, before, 2, 2, 400, 400);
}

/*
 * Two threads write the whole region, one pattern each, while this one
 * reads it through the ring: 8 KiB with IORING_OP_READ and as a readv
 * of two segments, and the whole region.  Every read finds one writer's
 * pattern throughout, writes land meanwhile and both writers' patterns
 * are seen.  The control: the same 8 KiB read as two
 * linked ring reads of 4 KiB, which are two snapshots, must show a mix.
 */
#define RING_READS	2000
#define CONTROL_PAIRS	100000

/* Two linked 4 KiB ring reads into @buf, waited for: 0, or -errno. */
static int ring_read_pair(struct io_uring *ring, int fd, uint8_t *buf)
{
	struct io_uring_cqe *cqe;
	int i, ret = 0;

	for (i = 0; i < 2; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

		if (!sqe)
			return -EBUSY;
		io_uring_prep_read(sqe, fd, buf + i * 4096, 4096, i * 4096);
		if (!i)
			sqe->flags |= IOSQE_IO_LINK;
	}
	ret = io_uring_submit_and_wait(ring, 2);
	for (i = 0; ret >= 0 && i < 2; i++) {
		ret = io_uring_wait_cqe(ring, &cqe);
		if (ret < 0)
			break;
		if (cqe->res != 4096)
			ret = cqe->res < 0 ? cqe->res : -EIO;
		io_uring_cqe_seen(ring, cqe);
	}
	return ret < 0 ? ret : 0;
}

TEST_F_TIMEOUT(ring, read_atomic_under_writers, 300)
{
	uint8_t *whole = malloc(dev_size), buf[8192];
	int i, rounds, mixes = 0, seen[OTHER + 1] = { 0 };
	struct writers ws;
	long written;
	enum uop op;
	uint8_t p;

	ASSERT_NE(NULL, whole);
	writers_start(_metadata, &ws, self->fd);
	for (i = 0; i < RING_READS; i++) {
		op = i % 2 ? U_READV : U_READ;
		ASSERT_EQ(8192, ring_op(&self->ring, self->fd, op, buf, 8192,
					0, 0));
		p = one_pattern(buf, 0, 8192);
		ASSERT_NE(0, p) TH_LOG("ring read %d: a mix of two writes", i);
		seen[p]++;
		if (i % 20)
			continue;
		ASSERT_EQ(dev_size, ring_op(&self->ring, self->fd, op,
						whole, dev_size, 0, 0));
		ASSERT_NE(0, one_pattern(whole, 0, dev_size))
			TH_LOG("ring read of the region %d: a mix", i);
	}
	for (i = 0; i < CONTROL_PAIRS && !mixes; i++) {
		ASSERT_EQ(0, ring_read_pair(&self->ring, self->fd, buf));
		mixes += !one_pattern(buf, 0, 8192);
	}
	rounds = i;
	written = writers_stop(_metadata, &ws);
	TH_LOG("%ld writes meanwhile: patterns seen %d and %d; first mix of two reads after %d pairs",
	       written, seen[NEW], seen[OTHER], rounds);
	ASSERT_LT(0, written);
	ASSERT_LT(0, seen[NEW]);
	ASSERT_LT(0, seen[OTHER]);
	ASSERT_EQ(1, mixes) TH_LOG("two linked reads never saw a write land");
	free(whole);
}

/* splice and sendfile against a pipe and a tmpfs file. */
FIXTURE(splice) {
	int fd, file, pipe[2];
	uint8_t buf[8192];
};

FIXTURE_SETUP(splice)
{
	char name[] = "/tmp/iopaths.XXXXXX";

	self->fd = open(MYMEM_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, self->fd);
	region_reset(_metadata, self->fd);
	self->file = mkstemp(name);
	ASSERT_LE(0, self->file);
	unlink(name);
	ASSERT_EQ(0, pipe(self->pipe));
}

FIXTURE_TEARDOWN(splice)
{
	close(self->pipe[0]);
	close(self->pipe[1]);
	close(self->file);
	close(self->fd);
}

/*
 * sendfile out of the device into a file: the region's bytes, from the
 * offset given (the device's position untouched), what is left near
 * the end, nothing at it.
 */
TEST_F(splice, sendfile_from_device)
{
	off_t off = 3000;

	ASSERT_EQ(8192, sysret(sendfile(self->file, self->fd, &off, 8192)));
	ASSERT_EQ(3000 + 8192, off);
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_EQ(8192, sysret(pread(self->file, self->buf, 8192, 0)));
	ASSERT_EQ(8192, pattern_mismatch(self->buf, 3000, 8192, OLD));

	off = dev_size - 100;
	ASSERT_EQ(100, sysret(sendfile(self->file, self->fd, &off, 8192)));
	ASSERT_EQ(dev_size, off);
	ASSERT_EQ(0, sysret(sendfile(self->file, self->fd, &off, 8192)));
	ASSERT_EQ(8192 + 100, lseek(self->file, 0, SEEK_CUR));
	ASSERT_EQ(100, sysret(pread(self->file, self->buf, 8192, 8192)));
	ASSERT_EQ(100, pattern_mismatch(self->buf, dev_size - 100, 100,
					OLD));
}

/*
 * sendfile from a file into the device, at the device's position: the
 * file's bytes; near the end what fits, at the end ENOSPC.
 */
TEST_F(splice, sendfile_to_device)
{
	off_t off = 0;

	pattern_fill(self->buf, 7000, 8192, NEW);
	ASSERT_EQ(8192, sysret(pwrite(self->file, self->buf, 8192, 0)));
	ASSERT_EQ(7000, lseek(self->fd, 7000, SEEK_SET));
	ASSERT_EQ(8192, sysret(sendfile(self->fd, self->file, &off, 8192)));
	ASSERT_EQ(7000 + 8192, lseek(self->fd, 0, SEEK_CUR));
	ASSERT_TRUE(region_is(self->fd, 7000, 8192, NEW));
	ASSERT_TRUE(region_is(self->fd, 7000 + 8192, 100, OLD));

	ASSERT_EQ(dev_size - 100, lseek(self->fd, -100, SEEK_END));
	off = 0;
	ASSERT_EQ(100, sysret(sendfile(self->fd, self->file, &off, 8192)));
	ASSERT_EQ(-ENOSPC, sysret(sendfile(self->fd, self->file, &off, 8192)));
	ASSERT_EQ(dev_size, lseek(self->fd, 0, SEEK_CUR));
}

/*
 * splice out of the device into a pipe and from a pipe into it, at
 * given offsets: the same bytes as pread and pwrite; the ends as theirs.
 */
TEST_F(splice, splice_pipe_both_ways)
{
	loff_t in = 5000, out = 20000;

	ASSERT_EQ(4096, sysret(splice(self->fd, &in, self->pipe[1], NULL,
				      4096, 0)));
	ASSERT_EQ(5000 + 4096, in);
	ASSERT_EQ(4096, sysret(splice(self->pipe[0], NULL, self->fd, &out,
				      4096, 0)));
	ASSERT_EQ(20000 + 4096, out);
	ASSERT_EQ(4096, sysret(pread(self->fd, self->buf, 4096, 20000)));
	ASSERT_EQ(4096, pattern_mismatch(self->buf, 5000, 4096, OLD));
	ASSERT_EQ(0, lseek(self->fd, 0, SEEK_CUR));

	in = dev_size - 10;
	ASSERT_EQ(10, sysret(splice(self->fd, &in, self->pipe[1], NULL,
				    4096, 0)));
	ASSERT_EQ(0, sysret(splice(self->fd, &in, self->pipe[1], NULL,
				   4096, 0)));
	out = dev_size;
	ASSERT_EQ(-ENOSPC, sysret(splice(self->pipe[0], NULL, self->fd, &out,
					 10, 0)));
	out = -1;
	ASSERT_EQ(-EINVAL, sysret(splice(self->pipe[0], NULL, self->fd, &out,
					 10, 0)));
	in = -1;
	ASSERT_EQ(-EINVAL, sysret(splice(self->fd, &in, self->pipe[1], NULL,
					 10, 0)));
}

/*
 * vmsplice a buffer into a pipe, tee it to a second pipe, splice one
 * into the device and the other into a file: both hold the buffer.
 */
TEST_F(splice, vmsplice_tee)
{
	struct iovec iov = { self->buf, 4096 };
	loff_t out = 40000;
	int copy[2];

	pattern_fill(self->buf, 40000, 4096, NEW);
	ASSERT_EQ(0, pipe(copy));
	ASSERT_EQ(4096, sysret(vmsplice(self->pipe[1], &iov, 1, 0)));
	ASSERT_EQ(4096, sysret(tee(self->pipe[0], copy[1], 4096, 0)));
	ASSERT_EQ(4096, sysret(splice(self->pipe[0], NULL, self->fd, &out,
				      4096, 0)));
	ASSERT_EQ(4096, sysret(splice(copy[0], NULL, self->file, NULL,
				      4096, 0)));
	ASSERT_TRUE(region_is(self->fd, 40000, 4096, NEW));
	memset(self->buf, 0, 4096);
	ASSERT_EQ(4096, sysret(pread(self->file, self->buf, 4096, 0)));
	ASSERT_EQ(4096, pattern_mismatch(self->buf, 40000, 4096, NEW));
	close(copy[0]);
	close(copy[1]);
}

/* A descriptor open for reading only cannot be spliced or sent into. */
TEST_F(splice, read_only_descriptor)
{
	int ro = open(MYMEM_DEVICE_PATH, O_RDONLY);
	loff_t out = 0;
	off_t off = 0;

	ASSERT_LE(0, ro);
	ASSERT_EQ(1, write(self->pipe[1], "x", 1));
	ASSERT_EQ(-EBADF, sysret(splice(self->pipe[0], NULL, ro, &out, 1, 0)));
	ASSERT_EQ(-EBADF, sysret(sendfile(ro, self->file, &off, 1)));
	close(ro);
}

/*
 * A splice larger than the pipe moves one pipe-full, out of the device
 * and into it: one read or write each in the sysfs counters.  sendfile
 * goes through a pipe of its own and counts one read per pipe-full.
 */
TEST_F(splice, one_pipe_full_per_call)
{
	long long full = fcntl(self->pipe[1], F_GETPIPE_SZ);
	loff_t in = 1000, out = dev_size / 2;
	uint64_t before[NR_COUNTERS];
	off_t off = 0;
	uint8_t *buf;

	ASSERT_LT(0, full);
	ASSERT_GE(dev_size / 2, 4 * full);
	buf = malloc(4 * full);
	ASSERT_NE(NULL, buf);
	counters_read(before);
	ASSERT_EQ(full, sysret(splice(self->fd, &in, self->pipe[1], NULL,
				      4 * full, 0)));
	ASSERT_EQ(1000 + full, in);
	expect_counted(_metadata, before, 1, 0, full, 0);

	counters_read(before);
	ASSERT_EQ(full, sysret(splice(self->pipe[0], NULL, self->fd, &out,
				      4 * full, 0)));
	ASSERT_EQ(dev_size / 2 + full, out);
	expect_counted(_metadata, before, 0, 1, 0, full);
	ASSERT_TRUE(region_is(self->fd, dev_size / 2 - 1000, 1000,
			      OLD));
	ASSERT_EQ(full, sysret(pread(self->fd, buf, full, dev_size / 2)));
	ASSERT_EQ(full, pattern_mismatch(buf, 1000, full, OLD));

	counters_read(before);
	ASSERT_EQ(4 * full, sysret(sendfile(self->file, self->fd, &off,
					    4 * full)));
	expect_counted(_metadata, before, 4, 0, 4 * full, 0);
	free(buf);
}

/*
 * A descriptor open for writing only cannot be spliced or sent out of:
 * EBADF, and the pipe receives nothing.  The same calls on a read-write
 * descriptor work.
 */
TEST_F(splice, write_only_descriptor)
{
	int wo = open(MYMEM_DEVICE_PATH, O_WRONLY), avail = -1;
	loff_t in = 0;
	off_t off = 0;

	ASSERT_LE(0, wo);
	ASSERT_EQ(-EBADF, sysret(splice(wo, &in, self->pipe[1], NULL, 16,
					0)));
	ASSERT_EQ(-EBADF, sysret(sendfile(self->file, wo, &off, 16)));
	ASSERT_EQ(0, ioctl(self->pipe[0], FIONREAD, &avail));
	ASSERT_EQ(0, avail);
	ASSERT_EQ(0, lseek(self->file, 0, SEEK_END));
	ASSERT_EQ(16, sysret(splice(self->fd, &in, self->pipe[1], NULL, 16,
				    0)));
	ASSERT_EQ(16, sysret(sendfile(self->file, self->fd, &off, 16)));
	close(wo);
}

/*
 * copy_file_range takes regular files only: from the device, into it
 * and within it, EINVAL, with nothing copied.  Between two regular files
 * the same call works.
 */
TEST_F(splice, copy_file_range_einval)
{
	char name[] = "/tmp/iopaths.XXXXXX";
	loff_t in = 0, out = 4096;
	int other = mkstemp(name);

	ASSERT_LE(0, other);
	unlink(name);
	pattern_fill(self->buf, 0, 4096, NEW);
	ASSERT_EQ(4096, sysret(pwrite(self->file, self->buf, 4096, 0)));
	ASSERT_EQ(-EINVAL, sysret(syscall(SYS_copy_file_range, self->fd, &in,
					  self->file, &out, 4096, 0)));
	ASSERT_EQ(-EINVAL, sysret(syscall(SYS_copy_file_range, self->file,
					  &in, self->fd, &out, 4096, 0)));
	ASSERT_EQ(-EINVAL, sysret(syscall(SYS_copy_file_range, self->fd, &in,
					  self->fd, &out, 4096, 0)));
	ASSERT_EQ(0, in);
	ASSERT_EQ(4096, out);
	ASSERT_EQ(4096, lseek(self->file, 0, SEEK_END));
	ASSERT_TRUE(region_is(self->fd, 0, dev_size, OLD));

	ASSERT_EQ(4096, sysret(syscall(SYS_copy_file_range, self->file, &in,
				       other, &out, 4096, 0)));
	ASSERT_EQ(4096, sysret(pread(other, self->buf, 4096, 4096)));
	ASSERT_EQ(4096, pattern_mismatch(self->buf, 0, 4096, NEW));
	close(other);
}

TEST_HARNESS_MAIN
