/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture library of the mymem test programs, as selftests/mm's
 * vm_util.h is of theirs: patterns and comparisons, user buffers that
 * fault, and the device fixture (struct region) that every test of a
 * loaded device starts from.  stall.h (calls held at a userfaultfd page)
 * and modlib.h (loading and unloading mymem) build on it.
 *
 * Include after kselftest_harness.h: the checking helpers take the
 * harness's _metadata so that their ASSERTs fail the calling test.  An
 * ASSERT is two statements (the check, then the optional TH_LOG
 * handler), so an if or for around one always takes braces.
 */
#ifndef MYMEM_TESTLIB_H
#define MYMEM_TESTLIB_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/mymem.h>

/* The default region size, and the smallest the tables are written for. */
#define DEFAULT_SIZE	(512 * 1024)

/*
 * An offset of k * size + add, for tables that hold for any region size:
 * REL(1, -8) is the last word, REL(0, 8) the second.
 */
struct rel {
	int k;
	long long add;
};

#define REL(k, add)	{ (k), (add) }

/*
 * The count to expect of a write that a fault cuts after @want bytes,
 * given the count @got it returned.  x86's user copies stop at the
 * faulting byte: @want.  arm64's copy in blocks and may stop before it,
 * as the uaccess contract allows (include/linux/uaccess.h): any count
 * from 1 to @want, which the caller then checks byte for byte.
 */
#if defined(__aarch64__) || defined(__arm__)
#define COPY_STOPS_AT_FAULT	false
#else
#define COPY_STOPS_AT_FAULT	true
#endif

static inline long long fault_cut_write(long long want, long long got)
{
	return !COPY_STOPS_AT_FAULT && got > 0 && got <= want ? got : want;
}

static inline long long rel_at(struct rel r, long long size)
{
	return r.k * size + r.add;
}

/*
 * The byte at region offset @off in pattern @seed.  A multiplicative
 * hash, so neighbouring bytes differ and a copy that lands one byte (or
 * one page) off shows up, and different seeds give different contents.
 */
static inline uint8_t pattern_byte(uint64_t off, uint8_t seed)
{
	return ((off << 8 | seed) * 0x9e3779b97f4a7c15ull) >> 56;
}

static inline void pattern_fill(uint8_t *buf, uint64_t off, size_t len,
				uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pattern_byte(off + i, seed);
}

/* Index of the first byte of @buf that is not pattern @seed, or @len. */
static inline size_t pattern_mismatch(const uint8_t *buf, uint64_t off,
				      size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != pattern_byte(off + i, seed))
			break;
	return i;
}

/* Index of the first byte where @a and @b differ, or @len. */
static inline size_t buf_mismatch(const uint8_t *a, const uint8_t *b,
				  size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (a[i] != b[i])
			break;
	return i;
}

/*
 * Whether @buf holds nothing but @c.  A buffer equal to itself shifted
 * by one byte is uniform, and memcmp() checks that fast.
 */
static inline bool all_bytes(const uint8_t *buf, uint8_t c, size_t len)
{
	return !len || (buf[0] == c && !memcmp(buf, buf + 1, len - 1));
}

/* Index of the first byte of @buf that is not @c, or @len. */
static inline size_t byte_mismatch(const uint8_t *buf, uint8_t c, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != c)
			break;
	return i;
}

/* A syscall's result as the kernel returned it: a count, or -errno. */
static inline long long sysret(long long ret)
{
	return ret < 0 ? -errno : ret;
}

static inline long long region_size(int fd)
{
	uint64_t size;

	if (ioctl(fd, MYMEM_IOC_GET_SIZE, &size))
		return -errno;
	return size;
}

static inline size_t page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * Two pages: the first readable and writable, the second PROT_NONE.  A
 * buffer ending at the boundary makes any copy past its end fault.
 * Returns the boundary (the start of the PROT_NONE page), or NULL.
 */
static inline uint8_t *guard_pages(void)
{
	size_t page = page_size();
	uint8_t *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, page, PROT_NONE)) {
		munmap(p, 2 * page);
		return NULL;
	}
	return p + page;
}

static inline void guard_pages_free(uint8_t *boundary)
{
	size_t page = page_size();

	munmap(boundary - page, 2 * page);
}

/* --- the device fixture ------------------------------------------------ */

#define BASE_SEED	1	/* the pattern region_open() writes */
#define NEW_SEED	2	/* the pattern tests write over it */
#define GUARD		0x5a	/* read buffers start out full of this */
#define SLACK		64	/* guard bytes after each read buffer */
/* Where pread/pwrite tests park the position, to see it is not moved. */
#define PARKED		12345
#define MIN_SIZE	(64 * 1024)	/* the tables' offsets fit in this */
#define LP64		(sizeof(long) == 8)
/*
 * Whether the VFS's access_ok() refuses LEN bytes at BUF, as it does a
 * count that ends past the address space.  Where that end lies is the
 * kernel's: an arm64 process's mappings start less than 2 GiB below the
 * end of a 48-bit space (mmap_base: a 128 MiB gap and at most 2^18
 * random pages below it), so 2 GiB from there ends past it, but not on a
 * kernel with 52-bit addresses (Debian's arm64 6.12 on an LPA2 CPU), nor
 * on x86-64, whose mappings start up to 1 TiB lower.  vfs_write() makes
 * that check before anything else, and /dev/null's write reads nothing,
 * so /dev/null answers for this kernel.
 */
static inline bool vfs_refuses_range(const void *buf, size_t len)
{
	int fd = open("/dev/null", O_WRONLY);
	bool refused = write(fd, buf, len) < 0 && errno == EFAULT;

	close(fd);
	return refused;
}

/* fs/read_write.c: one read or write moves at most this much. */
#define MAX_RW_COUNT	(INT_MAX & ~(4096 - 1))

/*
 * The device, open read-write at position 0, filled with pattern
 * BASE_SEED, and a model of what the region must hold.  Tests that may
 * write keep the model up to date and check the region against it.
 */
struct region {
	int fd;
	off_t size;
	uint8_t *model;
	uint8_t *scratch;	/* the region as last read back */
	const uint8_t *view;	/* read-only shared map, of a read-only fd */
	uint8_t *guard;		/* guard_pages(): a PROT_NONE page here */
	uint8_t *ro;		/* a PROT_READ page, a read-write one before */
};

static inline void region_open(struct __test_metadata *_metadata,
			       struct region *r)
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
	r->scratch = malloc(r->size);
	ASSERT_NE(NULL, r->model);
	ASSERT_NE(NULL, r->scratch);
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
}

static inline void region_close(struct region *r)
{
	size_t page = page_size();

	munmap(r->ro - page, 2 * page);
	guard_pages_free(r->guard);
	munmap((void *)r->view, r->size);
	free(r->model);
	free(r->scratch);
	close(r->fd);
}

/* A fixture of nothing but the region: FIXTURE(@name) with its setup. */
#define REGION_FIXTURE(name)						\
	FIXTURE(name) {							\
		struct region r;					\
	};								\
	FIXTURE_SETUP(name)						\
	{								\
		region_open(_metadata, &self->r);			\
	}								\
	FIXTURE_TEARDOWN(name)						\
	{								\
		region_close(&self->r);					\
	}

/* @seen, the region's @r->size bytes as some path shows them, is the model. */
static inline void expect_model_in(struct __test_metadata *_metadata,
				   const struct region *r,
				   const uint8_t *seen)
{
	size_t at = buf_mismatch(seen, r->model, r->size);

	ASSERT_EQ((size_t)r->size, at)
		TH_LOG("region byte %zu is %#x, should be %#x", at,
		       seen[at], r->model[at]);
}

/*
 * The region, seen through the read-only map, equals the model: a check
 * that goes through none of the paths under test.
 */
static inline void expect_model(struct __test_metadata *_metadata,
				const struct region *r)
{
	expect_model_in(_metadata, r, r->view);
}

/* The whole region, read back with pread(), equals the model. */
static inline void expect_region(struct __test_metadata *_metadata,
				 struct region *r)
{
	ASSERT_EQ(r->size, sysret(pread(r->fd, r->scratch, r->size, 0)));
	expect_model_in(_metadata, r, r->scratch);
}

/*
 * One read or write of @len bytes at @off: through the file position
 * (lseek, then read/write) or, if @positional, with pread/pwrite while
 * the position is parked elsewhere.  The position must end where the
 * count says: advanced by it, or left where it was.  The bytes a read
 * returns must be the region's; those a write reports are the model's
 * now.  Returns the count or -errno.
 */
static inline long long transfer(struct __test_metadata *_metadata,
				 struct region *r, bool is_write,
				 bool positional, long long off,
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
 * In @arg, an ioctl argument that would be a valid operation on the
 * word at offset 0, which holds @word: FETCH_ADD of 1, or CMPXCHG of
 * @word to its complement.  Returns what the word must hold after it.
 */
static inline uint64_t atomic_arg(unsigned long cmd, uint64_t word,
				  uint64_t arg[4])
{
	arg[0] = 0;
	arg[1] = cmd == MYMEM_IOC_CMPXCHG ? word : 1;
	arg[2] = ~word;
	arg[3] = 0;
	return cmd == MYMEM_IOC_CMPXCHG ? ~word : word + 1;
}

#endif /* MYMEM_TESTLIB_H */
